"""GET /api/v0/invoice/{invoiceId}/pdf: the GST tax invoice, read back as text."""

from __future__ import annotations

import io
from decimal import Decimal

from pypdf import PdfReader
from sqlalchemy import text

from dues.db import Database
from dues.kit.words import rupees_in_words
from tests.customers.helpers import assert_error
from tests.support import Tenant, TenantFactory, gstin_for

INVOICES = "/api/v0/invoice"


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def test_the_pdf_shows_the_gst_fields(tenant: Tenant) -> None:
    seller_gstin = gstin_for("27", 31)
    patched = await tenant.patch(
        "/api/v0/company",
        json={
            "legalName": "Kaveri Tools Pvt Ltd",
            "gstin": seller_gstin,
            "address": "Plot 14, MIDC",
            "pinCode": "411019",
        },
    )
    assert patched.status_code == 200, patched.text
    buyer_gstin = gstin_for("27", 32)
    customer = await tenant.create_customer(
        legalName="Anand Traders", panOrGstin=buyer_gstin, address="12 Station Road, Nashik", pinCode="422001"
    )
    line = {
        "description": "CNC maintenance",
        "hsnSac": "998719",
        "quantity": 1,
        "unitPrice": "333.33",
        "gstRate": 18,
    }
    created = await tenant.post(
        INVOICES,
        json={
            "customerId": customer["customerId"],
            "invoiceNumber": "KT/2026/0042",
            "invoiceDate": "2026-11-24",
            "dueDate": "2026-12-24",
            "lineItems": [line, line, line],
        },
    )
    assert created.status_code == 200, created.text
    invoice_id = created.json()["payload"]["invoiceId"]

    response = await tenant.get(f"{INVOICES}/{invoice_id}/pdf")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert 'filename="invoice-KT-2026-0042.pdf"' in response.headers["content-disposition"]
    assert response.content.startswith(b"%PDF")
    shown = " ".join(_text(response.content).split())
    for expected in (
        "TAX INVOICE",
        "Kaveri Tools Pvt Ltd",
        seller_gstin,
        "Anand Traders",
        buyer_gstin,
        "Maharashtra",
        "KT/2026/0042",
        "24-11-2026",
        "24-12-2026",
        "998719",
        "30.00",
        "1,179.99",
        rupees_in_words(Decimal("1179.99")),
        "Authorised Signatory",
    ):
        assert expected in shown, expected


async def test_the_pdf_prints_the_same_after_a_payment_and_carries_rule_46(tenant: Tenant) -> None:
    bank = {
        "accountName": "Kaveri Tools Pvt Ltd",
        "accountNumber": "50200012345678",
        "ifsc": "HDFC0000060",
        "bankName": "HDFC Bank, Pune",
    }
    settings = {
        "legalName": "Kaveri Tools Pvt Ltd",
        "phone": "+91 9822012345",
        "email": "accounts@kaveri.example.in",
        "bankAccount": bank,
        "upiVpa": "kaveri@okhdfc",
    }
    assert (await tenant.patch("/api/v0/company", json=settings)).status_code == 200
    customer = await tenant.create_customer(panOrGstin=gstin_for("27", 34))
    line = {
        "description": "Steel rods",
        "hsnSac": "7214",
        "quantity": 3,
        "unit": "KGS",
        "unitPrice": "333.33",
        "gstRate": 18,
    }
    created = await tenant.post(
        INVOICES,
        json={
            "customerId": customer["customerId"],
            "invoiceDate": "2026-11-24",
            "dueDate": "2026-12-24",
            "externalId": "PO-7781",
            "partialPaymentAllowed": True,
            "lineItems": [line],
        },
    )
    assert created.status_code == 200, created.text
    invoice_id = created.json()["payload"]["invoiceId"]
    first = await tenant.get(f"{INVOICES}/{invoice_id}/pdf")
    dispatched = await tenant.post(f"{INVOICES}/bulk/dispatch", json={"invoiceIds": [invoice_id]})
    assert dispatched.status_code == 200, dispatched.text
    paid = await tenant.post(
        "/api/v0/payment",
        json={
            "customerId": customer["customerId"],
            "mode": "NEFT",
            "amount": 500,
            "reference": "UTR-PDF-1",
            "paidOn": "2026-11-25",
            "allocations": [{"invoiceId": invoice_id, "amount": 500}],
        },
    )
    assert paid.status_code == 200, paid.text

    again = await tenant.get(f"{INVOICES}/{invoice_id}/pdf")

    assert again.content == first.content
    shown = " ".join(_text(first.content).split())
    for expected in (
        "TAX INVOICE",
        "Reverse Charge No",
        "Buyer's Ref. PO-7781",
        "3 KGS",
        "CGST @ 9% 90.00 SGST @ 9% 90.00",
        "Phone: +91 9822012345",
        "E-mail: accounts@kaveri.example.in",
        "A/c No.: 50200012345678 IFSC: HDFC0000060",
        "UPI ID: kaveri@okhdfc",
        "For Kaveri Tools Pvt Ltd",
        "Authorised Signatory",
    ):
        assert expected in shown, expected
    for absent in ("Balance", "Amount Paid", "/pay/"):
        assert absent not in shown, absent


async def test_another_company_gets_no_pdf(tenant: Tenant, tenants: TenantFactory) -> None:
    customer = await tenant.create_customer(panOrGstin=gstin_for("27", 33))
    body = {
        "customerId": customer["customerId"],
        "baseAmount": 100,
        "dueDate": "2026-12-31",
        "invoiceDate": "2026-11-24",
    }
    invoice_id = (await tenant.post(INVOICES, json=body)).json()["payload"]["invoiceId"]
    other = await tenants.create(name="Other Pvt Ltd")

    assert_error(await other.get(f"{INVOICES}/{invoice_id}/pdf"), 404, "RECORD_NOT_FOUND")


async def test_a_debit_notes_pdf_names_its_originals_and_reason(tenant: Tenant, db: Database) -> None:
    customer = await tenant.create_customer(panOrGstin=gstin_for("27", 36))
    ids = []
    for number, day in (("KT/0042", "2026-11-24"), ("KT/0043", "2026-11-25"), ("KT/DN/7", "2026-12-02")):
        created = await tenant.post(
            INVOICES,
            json={
                "customerId": customer["customerId"],
                "invoiceNumber": number,
                "baseAmount": 1000,
                "invoiceDate": day,
                "dueDate": "2026-12-31",
            },
        )
        assert created.status_code == 200, created.text
        ids.append(created.json()["payload"]["invoiceId"])
    # As a debit note is stored (api.md §9.1): an invoice of type DEBIT_NOTE naming its originals.
    async with db.sessionmaker() as session:
        await session.execute(
            text(
                "UPDATE invoices SET document_type = 'DEBIT_NOTE', original_invoice_ids = :o, "
                "note_reason = 'PRICE_REVISION' WHERE company_id = :c AND invoice_id = :i"
            ),
            {"o": ids[:2], "c": tenant.company_id, "i": ids[2]},
        )
        await session.commit()

    response = await tenant.get(f"{INVOICES}/{ids[2]}/pdf")

    assert response.status_code == 200, response.text
    shown = " ".join(_text(response.content).split())
    for expected in (
        "DEBIT NOTE",
        "Debit Note No. KT/DN/7",
        "Original Invoice KT/0042 dated 24-11-2026, KT/0043 dated 25-11-2026",
        "Reason Price revision",
    ):
        assert expected in shown, expected
    assert "TAX INVOICE" not in shown
