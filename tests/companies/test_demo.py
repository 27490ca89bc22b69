"""The demo company of a first `dues serve` on the embedded database issues real tax invoices."""

from __future__ import annotations

import io

import httpx
from pypdf import PdfReader

from dues.companies import service as companies
from dues.db import Database
from dues.kit import india
from tests.support import Tenant, gstin_for


async def test_the_demo_company_is_gst_registered_and_prints_a_tax_invoice(
    db: Database, client: httpx.AsyncClient
) -> None:
    async with db.sessionmaker() as session:
        created = await companies.create_demo_company(session)
        await session.commit()
    demo = Tenant(
        created.company_id,
        created.client_id,
        created.client_secret,
        created.username,
        created.password,
        client,
    )
    assert (await demo.login()).status_code == 200

    settings = (await demo.get("/api/v0/company")).json()["payload"]
    assert india.gstin_problem(settings["gstin"]) is None
    assert india.gstin_state(settings["gstin"]) == settings["state"] == "Maharashtra"
    assert settings["bankAccount"]["ifsc"] and settings["upiVpa"] and settings["phone"]

    # The README's walk-through: an 18 % line to a Maharashtra customer.
    customer = await demo.create_customer(panOrGstin=gstin_for("27"))
    line = {"description": "Steel rods", "hsnSac": "7214", "quantity": 3, "unitPrice": 333.33, "gstRate": 18}
    body = {"customerId": customer["customerId"], "dueDate": "2099-12-31", "lineItems": [line]}
    created_invoice = await demo.post("/api/v0/invoice", json=body)
    assert created_invoice.status_code == 200, created_invoice.text
    pdf = await demo.get(f"/api/v0/invoice/{created_invoice.json()['payload']['invoiceId']}/pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "TAX INVOICE" in text and settings["gstin"] in text
