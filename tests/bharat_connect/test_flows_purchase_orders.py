"""Purchase orders received over the network (api.md §8): stored and matched to the buyer's customer,
listed, accepted or rejected (told to the buyer), invoiced from their lines; cancelled by the buyer."""

from __future__ import annotations

from typing import Any

from dues.bharat_connect import wire
from dues.db import Database
from tests.bharat_connect.flows_helpers import (
    INVOICES,
    PURCHASE_ORDERS,
    buyer,
    deliver,
    events,
    purchase_order,
    register,
    sent,
)
from tests.customers.helpers import assert_error, payload
from tests.support import Tenant, TenantFactory


async def _received(tenant: Tenant, db: Database, order: dict[str, Any]) -> dict[str, Any]:
    await deliver(db, tenant.company_id, wire.SEND_PURCHASE_ORDER, order)
    found = payload(
        await tenant.post(
            f"{PURCHASE_ORDERS}/search", json={"buyerPONumber": order["purchaseOrder"]["buyerPONumber"]}
        )
    )
    [read] = found["items"]
    return read  # type: ignore[no-any-return]


async def test_a_purchase_order_received_confirmed_and_invoiced(tenant: Tenant, db: Database) -> None:
    supplier = await register(db, tenant)
    customer_id, buyer_b2b_id = await buyer(tenant)
    order = purchase_order(supplier, buyer_b2b_id)

    received = await _received(tenant, db, order)

    assert received["poId"].startswith("PO") and len(received["poId"]) == 16
    assert (received["status"], received["customerId"], received["buyerB2BId"]) == (
        "RECEIVED",
        customer_id,
        buyer_b2b_id,
    )
    assert (received["buyerPONumber"], received["totalAmount"], received["buyerLegalName"]) == (
        "PO-4471",
        1180.0,
        "Buyer Pvt Ltd",
    )
    assert [
        (i["description"], i["hsnSac"], i["quantity"], i["unitPrice"]) for i in received["lineItems"]
    ] == [
        ("Steel rods", "7214", 10, 80.0),
        ("Delivery", "996511", 1, 200.0),
    ]
    [event] = await events(db, tenant.company_id, "bharat_connect.purchase_order.received")
    assert (event["path"], event["poId"], event["customerId"]) == (
        wire.SEND_PURCHASE_ORDER,
        received["poId"],
        customer_id,
    )
    po = f"{PURCHASE_ORDERS}/{received['poId']}"
    assert payload(await tenant.get(po)) == received

    confirmed = payload(
        await tenant.post(f"{po}/confirm", json={"response": "ACCEPT", "remarks": "Will ship"})
    )

    assert (confirmed["status"], confirmed["supplierRemarks"]) == ("ACCEPTED", "Will ship")
    [body] = await sent(db, tenant.company_id, wire.CONFIRM_PURCHASE_ORDER)
    wire.ConfirmPurchaseOrder.model_validate(body)
    assert body["poConfirmation"]["objectId"] == order["purchaseOrder"]["objectId"]
    assert body["poConfirmation"]["supplierResponse"] == "ACCEPT"
    assert body["poConfirmation"]["poStatusTransition"] == {
        "currentStatus": "RECEIVED",
        "newStatus": "ACCEPTED",
    }

    made = payload(await tenant.post(f"{po}/invoice", json={"dueDate": "2027-01-31", "dispatchNow": True}))

    assert (made["customerId"], made["createdVia"], made["totalAmount"], made["dueDate"]) == (
        customer_id,
        "BHARAT_CONNECT",
        1180.0,
        "2027-01-31",
    )
    assert [(line["description"], line["quantity"]) for line in made["lineItems"]] == [
        ("Steel rods", 10),
        ("Delivery", 1),
    ]
    after = payload(await tenant.get(po))
    assert (after["status"], after["invoiceId"]) == ("INVOICED", made["invoiceId"])
    # dispatchNow: the invoice went out and was presented to the buyer.
    [presented_body] = await sent(db, tenant.company_id, wire.SEND_INVOICE)
    assert presented_body["invoice"]["supplierInvoiceNumber"] == made["invoiceNumber"]
    assert_error(await tenant.post(f"{po}/invoice", json={}), 422, "UNPROCESSABLE_REQUEST")


async def test_an_order_from_a_buyer_no_customer_holds_is_invoiced_once_one_does(
    tenant: Tenant, db: Database
) -> None:
    supplier = await register(db, tenant)
    received = await _received(tenant, db, purchase_order(supplier, "BUYUNKNOWN1"))
    po = f"{PURCHASE_ORDERS}/{received['poId']}"
    assert received["customerId"] is None

    error = assert_error(await tenant.post(f"{po}/invoice"), 422, "UNPROCESSABLE_REQUEST")
    assert "BUYUNKNOWN1" in error["errorMessage"]

    customer_id, _ = await buyer(tenant, b2b_id="BUYUNKNOWN1")
    made = payload(await tenant.post(f"{po}/invoice"))
    assert made["customerId"] == customer_id
    assert payload(await tenant.get(f"{INVOICES}/{made['invoiceId']}"))["status"] == "CREATED"


async def test_the_buyer_cancels_and_resends(tenant: Tenant, db: Database) -> None:
    supplier = await register(db, tenant)
    _, buyer_b2b_id = await buyer(tenant)
    order = purchase_order(supplier, buyer_b2b_id, number="PO-9")
    received = await _received(tenant, db, order)

    # The same order again (another message, same version): kept once. A new version replaces it.
    await deliver(db, tenant.company_id, wire.SEND_PURCHASE_ORDER, {**order, "reqMsgId": "NETREPEAT1"})
    revised = purchase_order(supplier, buyer_b2b_id, number="PO-9", version=2)
    revised["purchaseOrder"]["objectId"] = order["purchaseOrder"]["objectId"]
    revised["purchaseOrder"]["subject"] = "Rods, revised"
    await deliver(db, tenant.company_id, wire.SEND_PURCHASE_ORDER, revised)
    page = payload(await tenant.post(f"{PURCHASE_ORDERS}/search", json={}))
    [kept] = page["items"]
    assert (kept["poId"], kept["version"], kept["subject"]) == (received["poId"], 2, "Rods, revised")

    cancel = {
        "reqMsgId": "NETCANCEL1",
        "b2bIds": order["b2bIds"],
        "poStatus": {
            "objectId": order["purchaseOrder"]["objectId"],
            "buyerPONumber": "PO-9",
            "objectVersion": {"currentVersion": 2, "newVersion": 3},
            "buyerAction": "CANCEL",
            "buyerRemarks": "Project postponed",
            "poStatusTransition": {"currentStatus": "SENT", "newStatus": "CANCELLED"},
        },
    }
    await deliver(db, tenant.company_id, wire.STATUS_CHANGE_PURCHASE_ORDER, cancel)

    po = f"{PURCHASE_ORDERS}/{received['poId']}"
    assert payload(await tenant.get(po))["status"] == "CANCELLED"
    assert_error(
        await tenant.post(f"{po}/confirm", json={"response": "ACCEPT"}), 422, "UNPROCESSABLE_REQUEST"
    )
    assert_error(await tenant.post(f"{po}/invoice"), 422, "UNPROCESSABLE_REQUEST")
    assert (
        payload(await tenant.post(f"{PURCHASE_ORDERS}/search", json={"statuses": ["RECEIVED"]}))["total"] == 0
    )


async def test_another_companys_purchase_order_is_not_found(
    tenant: Tenant, tenants: TenantFactory, db: Database
) -> None:
    supplier = await register(db, tenant)
    received = await _received(tenant, db, purchase_order(supplier, "BUYX"))
    other = await tenants.create(name="Other Pvt Ltd")

    assert_error(await other.get(f"{PURCHASE_ORDERS}/{received['poId']}"), 404, "RECORD_NOT_FOUND")
    assert payload(await other.post(f"{PURCHASE_ORDERS}/search", json={}))["total"] == 0
    assert_error(
        await other.post(f"{PURCHASE_ORDERS}/{received['poId']}/confirm", json={"response": "REJECT"}),
        404,
        "RECORD_NOT_FOUND",
    )
