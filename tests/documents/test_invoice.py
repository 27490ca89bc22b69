"""The tax invoice, bill of supply and debit note: what a reader of the printed document must find on it,
read back with pypdf."""

from __future__ import annotations

import io
import random
import re
import shutil
import subprocess
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from dues.documents.content import format_inr, render_invoice
from dues.documents.model import DocumentType, Party, PdfLine
from dues.kit.words import rupees_in_words
from tests.documents import samples
from tests.documents.samples import (
    BUYER_GSTIN,
    HINDI_NAME,
    OTHER_STATE_GSTIN,
    SELLER_GSTIN,
    big_invoice,
    invoice,
    pages,
    seller,
    text,
)

HEADER = "# Description HSN/SAC Qty Unit Price Taxable Value GST % CGST SGST"


def test_intra_state_invoice_shows_cgst_and_sgst() -> None:
    doc = invoice(intra_state=True)
    # 3 x 333.33 at 18%: each line 30.00 CGST + 30.00 SGST, so the invoice is 999.99 + 180.00.
    assert [line.cgst for line in doc.lines] == [Decimal("30.00")] * 3
    assert doc.total == Decimal("1179.99")

    data = render_invoice(doc)

    assert data.startswith(b"%PDF")
    shown = text(data)
    assert "TAX INVOICE" in shown
    for expected in (
        "Kaveri Precision Tools Private Limited",
        "Peenya Industrial Area",
        SELLER_GSTIN,
        "Anand Traders LLP",
        BUYER_GSTIN,
        "Karnataka (Code: 29)",
        "INV/2026-27/0042",
        "24-11-2026",
        "24-12-2026",
        "998719",
        "84821011",
        "996511",
        "This is a computer-generated tax invoice.",
    ):
        assert expected in shown, expected
    assert re.search(r"Place of Supply Karnataka \(Code: 29\)", shown)
    assert "CGST SGST" in shown and "IGST" not in shown  # an intra-state supply has no IGST, not even 0.00
    assert re.search(r"1 NOS 333\.33 333\.33 18% 30\.00 30\.00", shown)
    assert re.search(r"Total 999\.99 90\.00 90\.00", shown)
    # The rate of each tax head (r.46(j)), in the totals.
    assert re.search(r"Taxable Value 999\.99 CGST @ 9% 90\.00 SGST @ 9% 90\.00", shown)
    assert re.search(r"Total ₹ 1,179\.99", shown)
    words = rupees_in_words(Decimal("1179.99"))
    assert words == "Rupees One Thousand One Hundred Seventy-Nine and Ninety-Nine Paise Only"
    assert words in shown
    assert PdfReader(io.BytesIO(data)).metadata.title == "Tax Invoice INV/2026-27/0042"


def test_a_tax_invoice_carries_what_rule_46_asks() -> None:
    shown = text(render_invoice(invoice(intra_state=True)))

    for expected in (
        "Reverse Charge No",
        "Buyer's Ref. PO-4471/26",
        "Phone: +91 80 4123 4567",
        "E-mail: accounts@kaveri.example.in",
        "Bank: HDFC Bank, Peenya",
        "A/c Name: Kaveri Precision Tools Pvt Ltd",
        "A/c No.: 50200012345678 IFSC: HDFC0000523",
        "UPI ID: kaveri.tools@okhdfc",
        "For Kaveri Precision Tools Private Limited",
        "Authorised Signatory",
        "Original for Recipient",
    ):
        assert expected in shown, expected
    assert "Reverse Charge Yes" in text(render_invoice(replace(invoice(), reverse_charge=True)))


def test_the_document_shows_nothing_that_changes_after_issue() -> None:
    data = render_invoice(invoice())
    shown = text(data)

    for absent in ("Amount Paid", "Balance Due", "Pay online", "/pay/"):
        assert absent not in shown, absent
    links = [a for page in PdfReader(io.BytesIO(data)).pages for a in page.get("/Annots", [])]
    assert links == []


def _unregistered() -> samples.TaxInvoiceDocument:
    line = PdfLine(
        "Tuition, November", "999293", Decimal("2"), Decimal("1500.00"), Decimal("0"), Decimal("3000.00")
    )
    return replace(
        invoice(),
        seller=seller(gstin=None),
        lines=(line,),
        taxable_value=Decimal("3000.00"),
        cgst=Decimal("0.00"),
        sgst=Decimal("0.00"),
        igst=Decimal("0.00"),
        cess=Decimal("0.00"),
        total=Decimal("3000.00"),
    )


@pytest.mark.parametrize("document_type", [None, DocumentType.BILL_OF_SUPPLY])
def test_a_seller_without_gstin_issues_a_bill_of_supply(document_type: DocumentType | None) -> None:
    data = render_invoice(replace(_unregistered(), document_type=document_type))
    shown = text(data)

    assert "BILL OF SUPPLY" in shown
    assert "TAX INVOICE" not in shown
    assert "not registered under GST" in shown
    assert "# Description HSN/SAC Qty Unit Price Amount" in shown
    assert re.search(r"Tuition, November 999293 2 NOS 1,500\.00 3,000\.00", shown)
    for absent in ("CGST", "SGST", "IGST", "GST %", "Reverse Charge"):
        assert absent not in shown, absent
    assert "This is a computer-generated bill of supply." in shown
    assert PdfReader(io.BytesIO(data)).metadata.title == "Bill of Supply INV/2026-27/0042"


def test_an_invoice_that_charged_tax_stays_a_tax_invoice_after_its_seller_lost_the_gstin() -> None:
    shown = text(render_invoice(replace(invoice(), seller=seller(gstin=None))))

    assert "TAX INVOICE" in shown and "CGST @ 9% 90.00" in shown


def test_a_debit_note_names_its_original_invoices_and_reason() -> None:
    data = render_invoice(samples.debit_note())
    shown = text(data)

    assert "DEBIT NOTE" in shown and "TAX INVOICE" not in shown
    for expected in (
        "Debit Note No. DN/2026-27/0007",
        "Debit Note Date 02-12-2026",
        "Original Invoice INV/2026-27/0042 dated 24-11-2026, INV/2026-27/0043 dated 25-11-2026",
        "Reason Price revision",
        "CGST @ 9% 90.00",
        "Total ₹ 1,179.99",
        "This is a computer-generated debit note.",
        "Debit Note DN/2026-27/0007 · Kaveri Precision Tools Private Limited",
    ):
        assert expected in shown, expected
    assert PdfReader(io.BytesIO(data)).metadata.title == "Debit Note DN/2026-27/0007"


def test_inter_state_invoice_shows_igst() -> None:
    doc = invoice(intra_state=False)
    assert [line.igst for line in doc.lines] == [Decimal("60.00")] * 3

    shown = text(render_invoice(doc))

    assert "Mehta Exports" in shown
    assert OTHER_STATE_GSTIN in shown
    assert "Maharashtra (Code: 27)" in shown
    assert "Inter-state (IGST)" in shown
    assert "GST % IGST" in shown
    assert "CGST" not in shown and "SGST" not in shown
    assert re.search(r"333\.33 333\.33 18% 60\.00", shown)
    assert re.search(r"Taxable Value 999\.99 IGST @ 18% 180\.00", shown)
    assert re.search(r"Total ₹ 1,179\.99", shown)


def test_without_lines_a_summary_line_carries_the_description_and_base_amount() -> None:
    doc = replace(
        invoice(),
        lines=(),
        description="Consulting retainer for November 2026",
        taxable_value=Decimal("123456.78"),
        cgst=Decimal("11111.11"),
        sgst=Decimal("11111.11"),
        total=Decimal("145679.00"),
    )

    shown = text(render_invoice(doc))

    assert re.search(r"1 Consulting retainer for November 2026 1,23,456\.78 11,111\.11 11,111\.11", shown)
    # 11,111.11 is 9 % of 1,23,456.78 to the paisa: the rate is worked back for the totals.
    assert re.search(r"CGST @ 9% 11,111\.11 SGST @ 9% 11,111\.11", shown)
    assert re.search(r"Total ₹ 1,45,679\.00", shown)
    assert "Rupees One Lakh Forty-Five Thousand Six Hundred Seventy-Nine Only" in shown


def test_buyer_without_gstin_prints_pan_or_unregistered() -> None:
    with_pan = Party("Ravi Kumar", "Mysuru", "Karnataka", pan="ABCPK1234Q")
    nothing = Party("Walk-in Customer")

    pan_text = text(render_invoice(invoice(buyer_party=with_pan)))
    bare_text = text(render_invoice(invoice(buyer_party=nothing)))

    assert "PAN: ABCPK1234Q" in pan_text
    assert "Walk-in Customer" in bare_text
    assert bare_text.count("GSTIN: Unregistered") == 1


def test_nil_rated_supply_between_states_uses_the_igst_column() -> None:
    doc = replace(
        invoice(intra_state=False),
        lines=(
            PdfLine("Printed books", "4901", Decimal("10"), Decimal("100"), Decimal("0"), Decimal("1000.00")),
        ),
        taxable_value=Decimal("1000.00"),
        igst=Decimal("0.00"),
        total=Decimal("1000.00"),
    )

    shown = text(render_invoice(doc))

    assert "GST % IGST" in shown
    assert re.search(r"Printed books 4901 10 NOS 100\.00 1,000\.00 0% 0\.00", shown)
    assert re.search(r"IGST @ 0% 0\.00", shown)


def test_devanagari_and_greek_names_print_as_written(tmp_path: Path) -> None:
    buyer = Party(HINDI_NAME, "मुख्य बाज़ार, नाशिक", "Maharashtra", gstin=OTHER_STATE_GSTIN)
    greek = Party("Ελληνικά Εμπορική", "1 Main Road", "Maharashtra")

    hindi = render_invoice(invoice(intra_state=False, buyer_party=buyer))
    greek_text = text(render_invoice(invoice(intra_state=False, buyer_party=greek)))

    assert re.search(r"Total ₹ 1,179\.99", text(hindi))
    assert "Ελληνικά Εμπορική" in greek_text
    # Shaped Devanagari (conjuncts, vowel signs before their consonant) reads back right only through the
    # text each run carries besides its glyphs (ActualText), which pypdf does not read and poppler does.
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian package poppler-utils) not installed")
    pdf_file = tmp_path / "hindi.pdf"
    pdf_file.write_bytes(hindi)
    extracted = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        ["pdftotext", str(pdf_file), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert HINDI_NAME in extracted and "मुख्य बाज़ार, नाशिक" in extracted


def test_huge_amounts_print_whole() -> None:
    big = Decimal("99999999999999.99")
    line = PdfLine("Turbine", "8406", Decimal("1"), big, Decimal("28"), big, cgst=big, sgst=big)
    doc = replace(invoice(), lines=(line,), taxable_value=big, cgst=big, sgst=big, total=big)

    shown = text(render_invoice(doc))

    assert format_inr(big) == "9,99,99,99,99,99,999.99"
    assert shown.count("9,99,99,99,99,99,999.99") >= 8


def test_control_characters_and_markup_are_plain_text() -> None:
    buyer = Party(
        "Tab\tand\x00nul #strong[bold] $x^2$ <label> @ref Ltd",
        "Line 1\r\nLine 2\x1b[31m",
        "Karnataka",
        gstin=BUYER_GSTIN,
    )

    shown = text(render_invoice(invoice(buyer_party=buyer)))

    # Typst never reads a document's text as markup: what was typed is what prints.
    assert "Tab and nul #strong[bold] $x^2$ <label> @ref Ltd" in shown
    assert "Line 1 Line 2 [31m" in shown


def test_no_payment_details_without_bank_or_upi() -> None:
    shown = text(render_invoice(replace(invoice(), bank=None, upi_vpa=None)))

    assert "PAYMENT DETAILS" not in shown and "UPI ID" not in shown
    assert "Authorised Signatory" in shown


def test_sixty_lines_run_over_two_pages_in_order_under_a_repeated_header() -> None:
    doc = big_invoice(60)

    found = pages(render_invoice(doc))

    assert len(found) == 2
    for number, page in enumerate(found, start=1):
        assert f"Page {number} of 2" in page
        assert page.count(HEADER) == 1, number
    # Every line once, numbered in order, each row's number next to its own description.
    shown = " ".join(found)
    assert re.findall(r"(\d+) Part (\d{3})", shown) == [(str(n), f"{n:03d}") for n in range(1, 61)]
    assert "hydraulic press spare with seals, gaskets, fitting kit and the maker's test certificate" in shown
    # The totals, their words and the signature stay together on the last page.
    for closing in ("Total in words", "CGST @ 9% 5,400.00", "Total ₹ 70,800.00", "Authorised Signatory"):
        assert closing in found[-1], closing


def test_same_invoice_same_bytes() -> None:
    doc = invoice()

    assert render_invoice(doc) == render_invoice(doc)


def test_long_unbroken_text_stays_readable() -> None:
    upi = "kaveri.tools." + "9f8e7d6c5b4a" * 6 + "@okhdfc"
    reference = "PO-" + "7" * 60

    shown = text(render_invoice(replace(invoice(), upi_vpa=upi, buyer_reference=reference)))

    # Broken over lines where they meet their column's edge, whole otherwise.
    squeezed = "".join(shown.split())
    assert f"UPIID:{upi}" in squeezed
    assert f"Buyer'sRef.{reference}" in squeezed


def test_any_printable_text_renders() -> None:
    rng = random.Random(20261124)
    blocks = [
        (0x20, 0x7E),
        (0xA0, 0x24F),
        (0x300, 0x36F),  # combining marks
        (0x370, 0x52F),
        (0x590, 0x6FF),  # Hebrew, Arabic
        (0x900, 0xDFF),  # Indic scripts
        (0x2000, 0x2BFF),
        (0x4E00, 0x4FFF),
        (0xD800, 0xDFFF),  # lone surrogates: not even UTF-8
        (0xFE00, 0xFE0F),  # variation selectors
        (0x1F300, 0x1F6FF),
    ]

    def junk(length: int) -> str:
        return "".join(chr(rng.randint(*rng.choice(blocks))) for _ in range(length))

    for _ in range(3):
        party = Party(junk(500), junk(500), junk(100), junk(2), junk(15), junk(10), junk(20), junk(100))
        line = PdfLine(junk(500), junk(8), Decimal("1.5"), Decimal("10.00"), Decimal("18"), Decimal("15.00"))
        doc = replace(
            invoice(),
            invoice_number=junk(16),
            seller=party,
            buyer=party,
            place_of_supply=junk(64),
            lines=(line,) * 3,
            description=junk(1000),
            buyer_reference=junk(100),
            bank=samples.BankAccount(junk(100), junk(36), junk(11), junk(100)),
            upi_vpa=junk(100),
            reason=junk(200),
        )
        assert render_invoice(doc).startswith(b"%PDF")
        assert render_invoice(replace(doc, lines=(), document_type=DocumentType.DEBIT_NOTE)).startswith(
            b"%PDF"
        )
