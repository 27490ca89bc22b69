"""GET /api/v0/outbox (api.md §5): an ADMIN reads the company's messages, filtered and paged."""

from __future__ import annotations

from tests.collection.helpers import OUTBOX, customer, dispatch, invoice, outbox
from tests.customers.helpers import assert_error, assert_invalid, payload
from tests.support import Tenant, TenantFactory


async def test_outbox_filters_by_invoice_and_channel_and_pages(
    tenant: Tenant, tenants: TenantFactory
) -> None:
    buyer = await customer(tenant, email="ap@buyer.example", contactNumber="9000000001")
    first, second = [await invoice(tenant, buyer) for _ in range(2)]
    await dispatch(tenant, [first["invoiceId"], second["invoiceId"]])
    other = await tenants.create("Other Seller Pvt Ltd")
    theirs = await invoice(other, await customer(other))
    await dispatch(other, [theirs["invoiceId"]])

    everything = await outbox(tenant)
    assert len(everything) == 4 and {m["invoiceId"] for m in everything} == {
        first["invoiceId"],
        second["invoiceId"],
    }
    sms = await outbox(tenant, channel="SMS", invoiceId=second["invoiceId"])
    assert [(m["channel"], m["to"], m["subject"], m["attachments"]) for m in sms] == [
        ("SMS", "9000000001", None, [])
    ]
    page = payload(await tenant.get(OUTBOX, params={"limit": 1, "offset": 1, "direction": "ASC"}))
    assert (page["total"], page["offset"], page["limit"], len(page["items"])) == (4, 1, 1, 1)
    assert await outbox(tenant, invoiceId=theirs["invoiceId"]) == []
    assert set(everything[0]) >= {
        "messageId",
        "channel",
        "to",
        "subject",
        "body",
        "attachments",
        "status",
        "createdOn",
    }


async def test_only_an_admin_reads_the_outbox(tenant: Tenant, tenants: TenantFactory) -> None:
    maker = await tenants.user(tenant, "MAKER")

    assert_error(await maker.get(OUTBOX), 403, "INVALID_ACCESS")
    assert_invalid(await tenant.get(OUTBOX, params={"channel": "FAX"}), "channel")
    assert_invalid(await tenant.get(OUTBOX, params={"orderBy": "body"}), "orderBy")
    assert_invalid(await tenant.get(OUTBOX, params={"invoiceId": "INV\u0000"}), "invoiceId")
