"""Change Invoice Status Request (api.md §8): CANCEL, WITHDRAW, MARK_PAID_OFFLINE, REOPEN on invoices
presented on the network, each told to the buyer; all or nothing, each invoice that cannot take it named."""

from __future__ import annotations

from typing import Any

from dues.bharat_connect import wire
from dues.db import Database
from tests.bharat_connect.flows_helpers import (
    INVOICES,
    STATUS_CHANGE,
    buyer,
    invoice,
    network_row,
    presented,
    register,
    sent,
)
from tests.customers.helpers import assert_error, payload
from tests.support import Tenant


async def _change(tenant: Tenant, invoice_ids: list[str], action: str, remarks: str | None = None) -> Any:
    body: dict[str, Any] = {"invoiceIds": invoice_ids, "action": action}
    if remarks:
        body["remarks"] = remarks
    return await tenant.post(STATUS_CHANGE, json=body)


async def test_cancel_then_reopen(tenant: Tenant, db: Database) -> None:
    await register(db, tenant)
    customer_id, _ = await buyer(tenant)
    invoice_id = await presented(tenant, customer_id)

    [result] = payload(await _change(tenant, [invoice_id], "CANCEL", "Duplicate of INV-17"))

    assert (result["invoiceId"], result["status"], result["version"]) == (invoice_id, "CANCELLED", 1)
    [body] = await sent(db, tenant.company_id, wire.STATUS_CHANGE_INVOICE)
    wire.StatusChangeInvoice.model_validate(body)
    change = body["invoiceStatus"]
    assert (change["objectId"], change["supplierAction"], change["supplierRemarks"]) == (
        result["objectId"],
        "CANCEL",
        "Duplicate of INV-17",
    )
    assert change["statusTransition"] == {"currentStatus": "PRESENTED", "newStatus": "CANCELLED"}
    # A cancelled invoice is not reminded of, nor cancelled twice.
    refused = assert_error(
        await tenant.post(f"{INVOICES}/{invoice_id}/remind", json={}), 422, "UNPROCESSABLE_REQUEST"
    )
    assert "CANCELLED on Bharat Connect" in refused["errorMessage"]
    assert_error(await _change(tenant, [invoice_id], "CANCEL"), 422, "UNPROCESSABLE_REQUEST")

    [reopened] = payload(await _change(tenant, [invoice_id], "REOPEN"))

    assert reopened["status"] == "PRESENTED"
    assert (await network_row(db, invoice_id) or ())[2] == "PRESENTED"
    assert len(await sent(db, tenant.company_id, wire.STATUS_CHANGE_INVOICE)) == 2


async def test_invoices_not_presented_are_each_named_and_nothing_changes(
    tenant: Tenant, db: Database
) -> None:
    await register(db, tenant)
    customer_id, _ = await buyer(tenant)
    on_network = await presented(tenant, customer_id)
    draft = str((await invoice(tenant, customer_id))["invoiceId"])
    unknown = "INV0000000000000"

    error = assert_error(
        await _change(tenant, [on_network, draft, unknown], "CANCEL"), 422, "UNPROCESSABLE_REQUEST"
    )

    assert [(s["field"], s["rejectedValue"]) for s in error["apiSubErrors"]] == [
        ("invoiceIds[1]", draft),
        ("invoiceIds[2]", unknown),
    ]
    assert "not presented" in error["apiSubErrors"][0]["message"]
    assert (await network_row(db, on_network) or ())[2] == "PRESENTED"
    assert await sent(db, tenant.company_id, wire.STATUS_CHANGE_INVOICE) == []


async def test_withdraw_also_withdraws_the_invoice_from_collection(tenant: Tenant, db: Database) -> None:
    await register(db, tenant)
    customer_id, _ = await buyer(tenant)
    invoice_id = await presented(tenant, customer_id)

    [result] = payload(await _change(tenant, [invoice_id], "WITHDRAW", "Order cancelled"))

    assert result["status"] == "WITHDRAWN"
    shown = payload(await tenant.get(f"{INVOICES}/{invoice_id}"))
    assert (shown["status"], shown["paymentLink"]) == ("COLLECTION_DELETED", None)
    assert_error(await _change(tenant, [invoice_id], "REOPEN"), 422, "UNPROCESSABLE_REQUEST")


async def test_mark_paid_offline_changes_the_network_not_the_books(tenant: Tenant, db: Database) -> None:
    await register(db, tenant)
    customer_id, _ = await buyer(tenant)
    invoice_id = await presented(tenant, customer_id)

    [result] = payload(await _change(tenant, [invoice_id], "MARK_PAID_OFFLINE", "Paid by cheque 000451"))

    assert result["status"] == "PAID"
    assert payload(await tenant.get(f"{INVOICES}/{invoice_id}"))["balanceAmount"] == 1180.0
    [body] = await sent(db, tenant.company_id, wire.STATUS_CHANGE_INVOICE)
    assert body["invoiceStatus"]["statusTransition"] == {"currentStatus": "PRESENTED", "newStatus": "PAID"}
    # Still owed in dues: it may be reopened on the network.
    assert payload(await _change(tenant, [invoice_id], "REOPEN"))[0]["status"] == "PRESENTED"


async def test_a_viewer_may_not_change_statuses(tenant: Tenant, tenants: Any, db: Database) -> None:
    await register(db, tenant)
    customer_id, _ = await buyer(tenant)
    invoice_id = await presented(tenant, customer_id)
    viewer = await tenants.user(tenant, "VIEWER")

    assert_error(await _change(viewer, [invoice_id], "CANCEL"), 403, "INVALID_ACCESS")
