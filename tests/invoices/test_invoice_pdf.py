"""GET /api/v0/invoice/{invoiceId}/pdf: the GST tax invoice, read back as text."""

from __future__ import annotations

import io
from decimal import Decimal

from pypdf import PdfReader

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
        "Balance Due",
    ):
        assert expected in shown, expected


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
