"""The seller's Udyam number is printed beside its GSTIN on every document, and a micro or small seller's
invoices carry the s.16 notice with their statutory due date (PDFs read back with poppler's pdftotext)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from dues.companies import service as companies
from dues.db import Database
from dues.documents.content import render_statement
from dues.documents.model import Party, StatementDocument, StatementRow
from dues.documents.parties import seller_party
from dues.kit.timefmt import today_ist
from tests.credit_notes.helpers import DUE_DATE, INVOICE_DATE, customer, invoice, note, part
from tests.customers.helpers import payload
from tests.msme.helpers import INVOICES, UDYAM, bill, msme_seller, pay, pdf_text
from tests.support import TenantFactory

REGISTRATION = f"Udyam: {UDYAM}"


def _notice(due: date) -> str:
    return (
        f"Payment after {due:%d-%m-%Y} attracts compound interest with monthly rests at three times the RBI "
        "bank rate (MSMED Act 2006, s.16)."
    )


async def test_every_document_of_a_small_seller_prints_its_udyam_number(
    db: Database, tenants: TenantFactory
) -> None:
    seller = await msme_seller(tenants, "SMALL", registered=True)
    buyer = await customer(seller)
    made = await invoice(seller, buyer, "1000")
    credit = await note(seller, buyer, [part(made["invoiceId"], base="100")])
    paid = await pay(seller, buyer, made["invoiceId"], "1080.00", today_ist())

    invoice_pdf = await seller.get(f"{INVOICES}/{made['invoiceId']}/pdf")
    note_pdf = await seller.get(f"/api/v0/credit-note/{credit['creditNoteId']}/pdf")
    receipt_pdf = await seller.get(f"/api/v0/payment/{paid['paymentId']}/receipt")
    async with db.sessionmaker() as session:
        company = await companies.get(session, seller.company_id)
    statement = render_statement(
        StatementDocument(
            seller=seller_party(company),
            customer=Party("Buyer Pvt Ltd"),
            period_from=INVOICE_DATE,
            period_to=today_ist(),
            opening_balance=Decimal("0.00"),
            closing_balance=Decimal("1180.00"),
            rows=(StatementRow(INVOICE_DATE, "Invoice", made["invoiceNumber"], debit=Decimal("1180.00")),),
        )
    )

    texts = {
        "invoice": pdf_text(invoice_pdf.content),
        "credit note": pdf_text(note_pdf.content),
        "receipt": pdf_text(receipt_pdf.content),
        "statement": pdf_text(statement),
    }
    for kind, text in texts.items():
        assert f"GSTIN: {company.gstin} {REGISTRATION}" in text, (kind, text)
    # The agreed date is 37 days after the invoice's: within s.15's 45, so it is the statutory one.
    assert DUE_DATE - INVOICE_DATE == timedelta(days=37)
    assert _notice(DUE_DATE) in texts["invoice"]
    assert not any("MSMED" in texts[kind] for kind in ("credit note", "receipt", "statement"))


async def test_the_notice_states_the_capped_date_on_a_bill_of_supply(tenants: TenantFactory) -> None:
    seller = await msme_seller(tenants, "MICRO")
    buyer = (await seller.create_customer())["customerId"]
    made = await bill(seller, buyer, date(2026, 1, 1), date(2026, 3, 31), "100000.00")

    text = pdf_text((await seller.get(f"{INVOICES}/{made['invoiceId']}/pdf")).content)

    assert "BILL OF SUPPLY" in text and f"GSTIN: Unregistered {REGISTRATION}" in text
    assert _notice(date(2026, 2, 15)) in text


async def test_a_medium_seller_prints_its_number_and_no_notice_and_others_neither(
    tenants: TenantFactory,
) -> None:
    medium = await msme_seller(tenants, "MEDIUM")
    plain = await msme_seller(tenants, None)
    texts = []
    for seller in (medium, plain):
        buyer = (await seller.create_customer())["customerId"]
        made = await bill(seller, buyer, date(2026, 1, 1), date(2026, 1, 31), "100.00")
        texts.append(pdf_text((await seller.get(f"{INVOICES}/{made['invoiceId']}/pdf")).content))

    assert REGISTRATION in texts[0] and "MSMED" not in texts[0]
    assert "Udyam" not in texts[1] and "MSMED" not in texts[1]
    assert payload(await plain.get("/api/v0/company"))["udyamNumber"] is None
