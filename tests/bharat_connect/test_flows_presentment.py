"""Presentment (api.md §8): invoices dispatched to customers on Bharat Connect are presented to them in the
dispatch's transaction, once; an edit the buyer can see goes as req-edit-invoice with the version bumped."""

from __future__ import annotations

import re
from decimal import Decimal

from dues.bharat_connect import wire
from dues.db import Database
from tests.bharat_connect.flows_helpers import (
    INVOICES,
    buyer,
    events,
    invoice,
    network_row,
    presented,
    register,
    sent,
)
from tests.collection.helpers import dispatch
from tests.customers.helpers import assert_error, payload
from tests.support import Tenant


async def test_a_dispatched_invoice_is_presented_with_a_complete_body(tenant: Tenant, db: Database) -> None:
    payload(
        await tenant.patch(
            "/api/v0/company",
            json={
                "bankAccount": {
                    "accountName": "Seller Pvt Ltd",
                    "accountNumber": "001234567890",
                    "ifsc": "HDFC0001234",
                    "bankName": "HDFC Bank",
                },
                "upiVpa": "seller@hdfcbank",
            },
        )
    )
    supplier = await register(db, tenant)
    customer_id, buyer_b2b_id = await buyer(tenant)
    invoice_id = await presented(tenant, customer_id)
    made = payload(await tenant.get(f"{INVOICES}/{invoice_id}"))

    [body] = await sent(db, tenant.company_id, wire.SEND_INVOICE)
    # Everything the wire model requires is there, with EnKash's names.
    wire.SendInvoice.model_validate(body)
    assert body["b2bIds"] == {"buyerB2BId": buyer_b2b_id, "supplierB2BId": supplier}
    assert body["device"]["tag"]["name"] == "GEOCODE" and body["reqMsgId"]
    sent_invoice = body["invoice"]
    assert re.fullmatch(r"INV[A-Za-z0-9]{32}", sent_invoice["objectId"])
    assert sent_invoice["supplierInvoiceNumber"] == made["invoiceNumber"]
    assert sent_invoice["objectVersion"] == {"currentVersion": 0, "newVersion": 1}
    assert sent_invoice["statusTransition"] == {"currentStatus": "CREATED", "newStatus": "PRESENTED"}
    assert sent_invoice["transactionDetails"] == {
        "invoiceType": "INVOICE",
        "invoiceDate": "2026-11-24",
        "dueDate": "2026-12-31",
        "placeOfSupply": "Maharashtra",
        "supplyType": "INTRA_STATE",
        "currency": "INR",
    }
    assert sent_invoice["supplierDetails"]["b2bId"] == supplier
    assert sent_invoice["buyerDetails"]["b2bId"] == buyer_b2b_id
    assert sent_invoice["buyerDetails"]["pinCode"] == "411001"
    rods, delivery = sent_invoice["itemLists"]
    assert (rods["description"], rods["hsnSac"], rods["quantity"], rods["unitPrice"]) == (
        "Steel rods",
        "7214",
        Decimal("10.000"),
        Decimal("80.00"),
    )
    assert (rods["taxableValue"], rods["cgst"], rods["sgst"], rods["total"]) == (
        Decimal("800.00"),
        Decimal("72.00"),
        Decimal("72.00"),
        Decimal("944.00"),
    )
    assert delivery["hsnSac"] == "996511" and delivery["total"] == Decimal("236.00")
    assert sent_invoice["valueDetails"] == {
        "taxableValue": Decimal("1000.00"),
        "cgst": Decimal("90.00"),
        "sgst": Decimal("90.00"),
        "igst": Decimal("0.00"),
        "cess": Decimal("0.00"),
        "totalAmount": Decimal("1180.00"),
        "dueAmount": Decimal("1180.00"),
        "currency": "INR",
    }
    assert sent_invoice["supplierBankAccountDetails"] == {
        "maskedAccountNumber": "XXXXXXXX7890",
        "ifsc": "HDFC0001234",
        "beneficiaryName": "Seller Pvt Ltd",
        "businessVPA": "seller@hdfcbank",
    }
    assert {"name": "partialPaymentAllowed", "value": "true"} in body["additionalInfos"]

    assert await network_row(db, invoice_id) == (sent_invoice["objectId"], 1, "PRESENTED", None, None)
    [event] = await events(db, tenant.company_id, "bharat_connect.invoice.presented")
    assert event["path"] == wire.SEND_INVOICE and event["message"] == body
    assert (event["invoiceId"], event["objectId"], event["status"]) == (
        invoice_id,
        sent_invoice["objectId"],
        "PRESENTED",
    )
    shown = payload(await tenant.get(f"{INVOICES}/{invoice_id}/bharat-connect"))
    assert (shown["objectId"], shown["version"], shown["status"], shown["buyerB2BId"]) == (
        sent_invoice["objectId"],
        1,
        "PRESENTED",
        buyer_b2b_id,
    )
    assert [(m["direction"], m["type"], m["state"], m["reqMsgId"]) for m in shown["messages"]] == [
        ("OUT", "req-send-invoice", "QUEUED", body["reqMsgId"])
    ]


async def test_an_invoice_is_presented_once_and_only_to_customers_on_the_network(
    tenant: Tenant, db: Database
) -> None:
    await register(db, tenant)
    on_network, _ = await buyer(tenant)
    elsewhere = str((await tenant.create_customer(email="ap@other.example"))["customerId"])
    first = await presented(tenant, on_network)
    second = str((await invoice(tenant, elsewhere))["invoiceId"])
    assert (await dispatch(tenant, [second]))[second]["success"]

    # Dispatched again: sent again by mail, not presented again.
    assert (await dispatch(tenant, [first]))[first]["success"]

    assert len(await sent(db, tenant.company_id, wire.SEND_INVOICE)) == 1
    assert await network_row(db, second) is None
    assert_error(await tenant.get(f"{INVOICES}/{second}/bharat-connect"), 404, "RECORD_NOT_FOUND")
    assert (await network_row(db, first) or ())[1:3] == (1, "PRESENTED")


async def test_a_company_not_registered_presents_nothing(tenant: Tenant, db: Database) -> None:
    customer_id, _ = await buyer(tenant)
    invoice_id = await presented(tenant, customer_id)

    assert await sent(db, tenant.company_id, wire.SEND_INVOICE) == []
    assert await network_row(db, invoice_id) is None


async def test_dispatch_now_presents_in_the_same_request(tenant: Tenant, db: Database) -> None:
    await register(db, tenant)
    customer_id, _ = await buyer(tenant)

    made = await invoice(tenant, customer_id, dispatchNow=True)

    assert made["status"] == "DISPATCHED"
    [body] = await sent(db, tenant.company_id, wire.SEND_INVOICE)
    assert body["invoice"]["supplierInvoiceNumber"] == made["invoiceNumber"]


async def test_an_edit_the_buyer_sees_goes_as_version_two(tenant: Tenant, db: Database) -> None:
    await register(db, tenant)
    customer_id, _ = await buyer(tenant)
    invoice_id = await presented(tenant, customer_id)
    [first] = await sent(db, tenant.company_id, wire.SEND_INVOICE)

    # Nothing the buyer sees: no message.
    payload(await tenant.patch(f"{INVOICES}/{invoice_id}", json={"externalId": "ERP-1"}))
    assert await sent(db, tenant.company_id, wire.EDIT_INVOICE) == []

    payload(await tenant.patch(f"{INVOICES}/{invoice_id}", json={"dueDate": "2027-01-15"}))

    [edit] = await sent(db, tenant.company_id, wire.EDIT_INVOICE)
    wire.SendInvoice.model_validate(edit)
    assert edit["invoice"]["objectId"] == first["invoice"]["objectId"]
    assert edit["invoice"]["objectVersion"] == {"currentVersion": 1, "newVersion": 2}
    assert edit["invoice"]["transactionDetails"]["dueDate"] == "2027-01-15"
    assert edit["reqMsgId"] != first["reqMsgId"]
    assert (await network_row(db, invoice_id) or ())[1:3] == (2, "PRESENTED")
    shown = payload(await tenant.get(f"{INVOICES}/{invoice_id}/bharat-connect"))
    # (Both in the test's one transaction: the same created_on, so their order is not the point here.)
    assert sorted(m["type"] for m in shown["messages"]) == ["req-edit-invoice", "req-send-invoice"]
