"""Credit notes, payment receipts and statements of account, read back with pypdf."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from decimal import Decimal

from pypdf import PdfReader

from dues.documents.content import render_credit_note, render_receipt, render_statement
from dues.documents.model import ReceiptAllocation, StatementRow
from tests.documents import samples
from tests.documents.samples import BUYER_GSTIN, OTHER_STATE_GSTIN, SELLER_GSTIN, pages, text


def test_a_credit_note_lists_the_invoices_it_is_against_and_its_tax() -> None:
    data = render_credit_note(samples.credit_note())
    shown = text(data)

    for expected in (
        "CREDIT NOTE",
        "Original for Recipient",
        "Credit Note No. CN/2026-27/0003",
        "Credit Note Date 05-12-2026",
        "Reason Sales return",
        SELLER_GSTIN,
        "Anand Traders LLP",
        BUYER_GSTIN,
        "Place of Supply Karnataka (Code: 29)",
        "AGAINST INVOICES # Invoice No. Invoice Date Credited",
        "1 INV/2026-27/0042 24-11-2026 70,800.00",
        "2 INV/2026-27/0051 30-11-2026 47,200.00",
        "Taxable Value 1,00,000.00 CGST @ 9% 9,000.00 SGST @ 9% 9,000.00",
        "Total Credit ₹ 1,18,000.00",
        "Rupees One Lakh Eighteen Thousand Only",
        "For Kaveri Precision Tools Private Limited",
        "This is a computer-generated credit note.",
    ):
        assert expected in shown, expected
    assert "IGST" not in shown
    assert PdfReader(io.BytesIO(data)).metadata.title == "Credit Note CN/2026-27/0003"


def test_a_credit_note_with_lines_prints_them_and_an_inter_state_one_igst() -> None:
    note = samples.credit_note(with_lines=True)
    line = replace(note.lines[0], cgst=Decimal("0"), sgst=Decimal("0"), igst=Decimal("18000.00"))
    inter = replace(
        note,
        buyer=samples.buyer(intra_state=False),
        place_of_supply="Maharashtra",
        lines=(line,),
        cgst=Decimal("0"),
        sgst=Decimal("0"),
        igst=Decimal("18000.00"),
    )

    shown = text(render_credit_note(note))
    inter_shown = text(render_credit_note(inter))

    assert "Returned bearings SKF 6205-2RS 84821011 200 NOS 500.00 1,00,000.00 18% 9,000.00 9,000.00" in shown
    assert "INV/2026-27/0042" in shown
    assert OTHER_STATE_GSTIN in inter_shown
    assert "Inter-state (IGST)" in inter_shown
    assert "IGST @ 18% 18,000.00" in inter_shown
    assert "CGST" not in inter_shown


def test_a_receipt_shows_the_payment_its_tds_and_what_it_settled() -> None:
    data = render_receipt(samples.receipt())
    shown = text(data)

    for expected in (
        "PAYMENT RECEIPT",
        "RECEIVED BY Kaveri Precision Tools Private Limited",
        "RECEIVED FROM Anand Traders LLP",
        "Receipt No. RCPT/2026-27/0019",
        "Payment ID PY7Q2M4K8D1X5C9B",
        "Date 10-12-2026",
        "Mode NEFT",
        "Reference UTR HDFCN52026121099887766",
        "Section 194J",
        "Deductor TAN BLRA12345B",
        "TDS Deducted ₹ 1,600.00",
        "Amount Received ₹ 1,17,900.00",
        "# Invoice No. Invoice Date Received TDS Settled",
        "1 INV/2026-27/0042 24-11-2026 70,000.00 1,000.00 71,000.00",
        "2 INV/2026-27/0051 30-11-2026 47,400.00 600.00 48,000.00",
        "Total 1,17,400.00 1,600.00 1,19,000.00",
        "TDS Deducted u/s 194J 1,600.00",
        "Settled against Invoices 1,19,000.00",
        "Unallocated Credit 500.00",
        "Total Credited ₹ 1,19,500.00",
        "Rupees One Lakh Seventeen Thousand Nine Hundred Only",
        "This is a computer-generated receipt.",
    ):
        assert expected in shown, expected
    assert PdfReader(io.BytesIO(data)).metadata.title == "Payment Receipt RCPT/2026-27/0019"


def test_a_receipt_without_tds_or_allocations_is_the_payment_alone() -> None:
    bare = replace(
        samples.receipt(),
        allocations=(
            ReceiptAllocation("INV/2026-27/0042", samples.date(2026, 11, 24), Decimal("117900.00")),
        ),
        unallocated=Decimal("0.00"),
        tds_section=None,
        deductor_tan=None,
    )
    on_account = replace(bare, allocations=(), unallocated=Decimal("117900.00"))

    shown = text(render_receipt(bare))
    credit = text(render_receipt(on_account))

    assert "# Invoice No. Invoice Date Received" in shown
    assert "TDS" not in shown
    assert "Total Credited ₹ 1,17,900.00" in shown
    assert "INVOICES SETTLED" not in credit
    assert "Unallocated Credit 1,17,900.00" in credit


def test_a_statement_runs_from_the_opening_to_the_closing_balance() -> None:
    doc = samples.statement(6)
    assert doc.closing_balance == Decimal("25540.00")

    data = render_statement(doc)
    shown = text(data)

    for expected in (
        "STATEMENT OF ACCOUNT",
        "01-11-2026 to 30-11-2026",
        "TO (CUSTOMER) Anand Traders LLP",
        "Opening Balance 25,000.00 Dr",
        # Owed all period: Dr once, in the balance column's heading, and on no row.
        "Date Particulars Debit Credit Balance (Dr) 01-11-2026 Opening Balance 25,000.00 01-11-2026 Invoice",
        "01-11-2026 Invoice INV/2026-27/0001 1,180.00 26,180.00 02-11-2026 Payment",
        "02-11-2026 Payment PY00000000000001 1,000.00 25,180.00 03-11-2026 Invoice",
        "30-11-2026 Closing Balance 3,540.00 3,000.00 25,540.00 Balance due in words",
        "Balance Due ₹ 25,540.00",
        "Rupees Twenty-Five Thousand Five Hundred Forty Only",
        "This is a computer-generated statement of account.",
    ):
        assert expected in shown, expected
    assert "Authorised Signatory" not in shown


def test_a_customer_in_credit_has_a_cr_balance() -> None:
    doc = replace(
        samples.statement(0),
        opening_balance=Decimal("0.00"),
        rows=(
            StatementRow(
                samples.date(2026, 11, 3),
                "Payment",
                "PY1",
                credit=Decimal("5000.00"),
                balance=Decimal("-5000.00"),
            ),
        ),
        closing_balance=Decimal("-5000.00"),
    )

    shown = text(render_statement(doc))

    assert (
        "Balance (Cr) 01-11-2026 Opening Balance 0.00 03-11-2026 Payment PY1 5,000.00 5,000.00 30-11-2026"
        in shown
    )
    assert "Closing Balance 5,000.00 Cr" in shown
    assert "Balance in Credit ₹ 5,000.00" in shown
    assert "Opening Balance 0.00" in shown


def test_a_balance_that_changes_sides_is_marked_on_every_line() -> None:
    doc = replace(
        samples.statement(0),
        opening_balance=Decimal("500.00"),
        rows=(
            StatementRow(
                samples.date(2026, 11, 3),
                "Payment",
                "PY1",
                credit=Decimal("800.00"),
                balance=Decimal("-300.00"),
            ),
            StatementRow(
                samples.date(2026, 11, 9),
                "Invoice",
                "INV1",
                debit=Decimal("300.00"),
                balance=Decimal("0.00"),
            ),
        ),
        closing_balance=Decimal("0.00"),
    )

    shown = text(render_statement(doc))

    assert (
        "Date Particulars Debit Credit Balance 01-11-2026 Opening Balance 500.00 Dr "
        "03-11-2026 Payment PY1 800.00 300.00 Cr 09-11-2026 Invoice INV1 300.00 0.00 "
        "30-11-2026 Closing Balance 300.00 800.00 0.00 "
    ) in shown


def test_a_thousand_line_statement_keeps_every_row_in_order_with_its_heading_on_each_page() -> None:
    found = pages(render_statement(samples.statement(1000)))

    assert len(found) > 15
    for number, page in enumerate(found, start=1):
        assert f"Page {number} of {len(found)}" in page
        if number < len(found):
            assert page.count("Date Particulars Debit Credit Balance (Dr)") == 1, number
    numbers = re.findall(r"INV/2026-27/(\d{4})", " ".join(found))
    assert numbers == [f"{n:04d}" for n in range(1, 1001, 2)]
    assert "Balance Due ₹ 1,15,000.00" in found[-1]


def test_a_credit_note_against_invoices_of_two_places_credits_each_tax() -> None:
    mixed = replace(
        samples.credit_note(),
        place_of_supply="Several (those of the invoices)",
        cgst=Decimal("5400.00"),
        sgst=Decimal("5400.00"),
        igst=Decimal("7200.00"),
    )

    shown = text(render_credit_note(mixed))

    assert "Intra- and inter-state" in shown
    assert "CGST 5,400.00 SGST 5,400.00 IGST 7,200.00" in shown
    assert "Total Credit ₹ 1,18,000.00" in shown
