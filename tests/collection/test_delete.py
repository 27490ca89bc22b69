"""Delete Invoice Collection (api.md §4.1, §5): withdrawn invoices lose their link and unsent messages; an
invoice with a payment stays in collection."""

from __future__ import annotations

from dues.db import Database
from tests.collection.helpers import (
    DELETE,
    customer,
    dispatch,
    get_invoice,
    invoice,
    outbox,
    pay_part,
    sql,
    withdraw,
)
from tests.customers.helpers import assert_invalid
from tests.support import Tenant, TenantFactory


async def test_delete_withdraws_the_invoice_and_kills_its_link(tenant: Tenant, db: Database) -> None:
    inv = await invoice(tenant, await customer(tenant))
    await dispatch(tenant, [inv["invoiceId"]])
    token = (await get_invoice(tenant, inv["invoiceId"]))["paymentLink"].rsplit("/", 1)[1]

    answer = await withdraw(tenant, [inv["invoiceId"]], reason="customer disputes the order")

    assert answer[inv["invoiceId"]] == {"invoiceId": inv["invoiceId"], "success": True}
    after = await get_invoice(tenant, inv["invoiceId"])
    assert (after["status"], after["paymentLink"]) == ("COLLECTION_DELETED", None)
    assert await sql(db, "SELECT 1 FROM invoices WHERE payment_token = :t", t=token) == []
    # Not yet handed to a provider: not sent at all.
    assert {m["status"] for m in await outbox(tenant, invoiceId=inv["invoiceId"])} == {"CANCELLED"}
    audit = await sql(
        db,
        "SELECT reason, before, after FROM audit_log WHERE entity_id = :i AND action = 'COLLECTION_DELETE'",
        i=inv["invoiceId"],
    )
    assert audit == [
        (
            "customer disputes the order",
            {"status": "DISPATCHED", "payment_link": "active"},
            {"status": "COLLECTION_DELETED", "payment_link": None},
        )
    ]
    events = await sql(
        db,
        "SELECT payload FROM events WHERE entity_id = :i AND event_type = 'invoice.collection_deleted'",
        i=inv["invoiceId"],
    )
    assert len(events) == 1 and events[0][0]["reason"] == "customer disputes the order"
    again = await dispatch(tenant, [inv["invoiceId"]])
    assert again[inv["invoiceId"]]["success"] is False


async def test_an_invoice_with_a_payment_is_not_withdrawn(tenant: Tenant, db: Database) -> None:
    buyer = await customer(tenant)
    part_paid, open_one = [await invoice(tenant, buyer) for _ in range(2)]
    await dispatch(tenant, [part_paid["invoiceId"]])
    await pay_part(db, part_paid["invoiceId"], "100.00")

    answer = await withdraw(tenant, [part_paid["invoiceId"], open_one["invoiceId"]])

    assert answer[part_paid["invoiceId"]]["success"] is False
    assert "payment of INR 100.00" in answer[part_paid["invoiceId"]]["errorMessage"]
    assert answer[open_one["invoiceId"]]["success"] is True
    still = await get_invoice(tenant, part_paid["invoiceId"])
    assert still["status"] == "PARTIALLY_PAID" and still["paymentLink"] is not None
    assert (await get_invoice(tenant, open_one["invoiceId"]))["status"] == "COLLECTION_DELETED"


async def test_another_companys_invoice_is_unknown_and_untouched(
    tenant: Tenant, tenants: TenantFactory
) -> None:
    other = await tenants.create("Other Seller Pvt Ltd")
    theirs = await invoice(other, await customer(other))

    answer = await withdraw(tenant, [theirs["invoiceId"]])

    assert answer[theirs["invoiceId"]]["errorMessage"] == f'Invoice "{theirs["invoiceId"]}" was not found.'
    assert (await get_invoice(other, theirs["invoiceId"]))["status"] == "CREATED"


async def test_a_reason_is_required(tenant: Tenant) -> None:
    inv = await invoice(tenant, await customer(tenant))

    assert_invalid(await tenant.post(DELETE, json={"invoiceIds": [inv["invoiceId"]]}), "reason")
    assert_invalid(await tenant.post(DELETE, json={"invoiceIds": [inv["invoiceId"]], "reason": ""}), "reason")
    assert_invalid(
        await tenant.post(DELETE, json={"invoiceIds": [inv["invoiceId"]], "reason": "a\u0000"}), "reason"
    )
    assert (await get_invoice(tenant, inv["invoiceId"]))["status"] == "CREATED"
