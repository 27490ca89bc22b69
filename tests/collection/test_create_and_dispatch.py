"""createInvoice with dispatchNow: the invoice and its dispatch commit together, or neither does. Run with
real commits, where createInvoice otherwise commits its one statement on its own."""

from __future__ import annotations

from dues.db import Database
from tests.collection.helpers import customer, get_invoice, invoice, outbox, sql
from tests.customers.helpers import payload
from tests.support import TenantFactory


async def test_create_with_dispatch_now_goes_out_at_once(live_tenants: TenantFactory) -> None:
    seller = await live_tenants.create()

    made = await invoice(seller, await customer(seller), dispatchNow=True)

    assert (made["status"], made["dispatched"]) == ("DISPATCHED", True)
    assert made["paymentLink"] and made["invoiceNumber"] == "INV2627-00000001"
    assert (await get_invoice(seller, made["invoiceId"]))["status"] == "DISPATCHED"
    assert [m["channel"] for m in await outbox(seller, invoiceId=made["invoiceId"])] == ["EMAIL"]


async def test_create_with_dispatch_now_that_cannot_go_out_leaves_nothing(
    live_tenants: TenantFactory, committed: Database
) -> None:
    seller = await live_tenants.create()
    payload(await seller.patch("/api/v0/company", json={"approvalChain": "MAKER_CHECKER"}))
    buyer = await customer(seller)
    body = {
        "customerId": buyer,
        "invoiceDate": "2026-11-24",
        "dueDate": "2026-12-31",
        "baseAmount": 1000,
        "cgst": 90,
        "sgst": 90,
        "dispatchNow": True,
    }

    refused = await seller.post("/api/v0/invoice", json=body)

    assert refused.status_code == 422, refused.text
    assert "not approved" in refused.json()["errorResponse"]["errorMessage"]
    rows = await sql(committed, "SELECT count(*) FROM invoices WHERE company_id = :c", c=seller.company_id)
    assert rows[0][0] == 0
    # The series gave its number back with the rolled-back invoice: the next one still gets 1.
    later = await invoice(seller, buyer)
    assert later["invoiceNumber"] == "INV2627-00000001"
