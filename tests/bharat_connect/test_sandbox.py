"""The sandbox network as a peer: its buyer acting by rule on presented invoices, edits and status changes,
payment confirmations, cd-notes and purchase orders, and its search by name — each message over real HTTP
and kept, each body checked against the schemas afterwards (conftest)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from dues.bharat_connect import wire
from dues.db import Database
from tests.bharat_connect.helpers import (
    SEARCH,
    Calls,
    acked,
    control,
    eventually,
    handle,
    invoice_body,
    out_message,
    present,
    register,
    sandbox_invoice,
)
from tests.customers.helpers import payload
from tests.support import Tenant


async def _queue(database: Database, company_id: str, path: str, body: dict[str, Any]) -> str:
    from dues.bharat_connect import messages

    async with database.sessionmaker() as session:
        message_id = await messages.queue(session, company_id, path, body)
        await session.commit()
    return message_id


async def _status(http: httpx.AsyncClient, object_id: str, status: str) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        shown = await sandbox_invoice(http, object_id)
        return shown if shown["status"] == status else None

    return await eventually(reached, what=f"invoice {object_id} {status} at the sandbox")


def _money(value: Any) -> Decimal:
    return Decimal(str(value))


async def test_the_buyer_acts_by_rule_on_each_invoice_presented(
    committed: Database, seller: Tenant, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    confirmations, payments = Calls(), Calls()
    handle(monkeypatch, wire.CONFIRM_INVOICE, confirmations)
    handle(monkeypatch, wire.PAY, payments)
    supplier = await register(seller)
    rules = [
        {"action": "reject", "buyerB2BId": "BCBUYERREJECTS", "remarks": "Rate differs from our PO"},
        {"action": "pay-part", "buyerB2BId": "BCBUYERHALF", "fraction": "0.5"},
        {"action": "pay-off-platform", "buyerB2BId": "BCBUYEROFF", "times": 1},
    ]
    for rule in rules:
        await control(http, "POST", "/rules", json=rule)
    rejected, half, off = (
        invoice_body(supplier, buyer, number=f"INV/2026/{n}")
        for n, buyer in ((11, "BCBUYERREJECTS"), (12, "BCBUYERHALF"), (13, "BCBUYEROFF"))
    )
    for body in (rejected, half, off):
        await present(committed, seller.company_id, body)

    await _status(http, rejected["invoice"]["objectId"], "REJECTED")
    shown = await _status(http, half["invoice"]["objectId"], "PARTIALLY_PAID")
    assert _money(shown["due"]) == _money(shown["total"]) / 2 == Decimal("5900.00")
    await _status(http, off["invoice"]["objectId"], "PAYMENT_PENDING_CONFIRMATION")

    answers = {
        b["invoiceConfirmation"]["objectId"]: b["invoiceConfirmation"] for _, b in confirmations.bodies
    }
    assert answers[rejected["invoice"]["objectId"]]["buyerResponse"] == "REJECT"
    assert answers[rejected["invoice"]["objectId"]]["buyerRemarks"] == "Rate differs from our PO"
    assert answers[half["invoice"]["objectId"]]["buyerResponse"] == "ACCEPT"
    paid = {b["payment"]["invoicesPayInfos"][0]["objectId"]: b["payment"] for _, b in payments.bodies}
    assert set(paid) == {half["invoice"]["objectId"], off["invoice"]["objectId"]}
    assert paid[half["invoice"]["objectId"]]["type"] == "ONPLATFORM"
    assert _money(paid[half["invoice"]["objectId"]]["paymentAmount"]["netPaidAmount"]) == Decimal("5900.00")
    off_payment = paid[off["invoice"]["objectId"]]
    assert off_payment["type"] == "OFFPLATFORM"
    assert _money(off_payment["paymentAmount"]["totalAmount"]) == Decimal("11800.00")

    # The supplier accepts the off-platform payment: the sandbox's buyer sees the invoice paid.
    confirmation = {
        "reqMsgId": wire.req_msg_id(),
        "device": wire.device(),
        "b2bIds": {"buyerB2BId": "BCBUYEROFF", "supplierB2BId": supplier},
        "paymentConfirmation": {
            "objectId": off_payment["objectId"],
            "ts": off_payment["ts"],
            "type": "OFFPLATFORM",
            "supplierResponse": "ACCEPT",
            "supplierRemarks": "Received in our account",
            "invoiceInfos": [
                {
                    "objectId": off["invoice"]["objectId"],
                    "supplierInvoiceNumber": "INV/2026/13",
                    "objectVersion": wire.version(1, 1),
                    "statusTransition": wire.transition("PAYMENT_PENDING_CONFIRMATION", "PAID"),
                }
            ],
        },
        "additionalInfos": [],
    }
    message_id = await _queue(committed, seller.company_id, wire.PAY_CONFIRMATION, confirmation)
    assert (await acked(committed, message_id))["state"] == "ACKED"
    shown = await _status(http, off["invoice"]["objectId"], "PAID")
    assert _money(shown["due"]) == 0
    # A rule with a count is used up; one without applies every time.
    used = {r["buyerB2BId"]: r["remaining"] for r in await control(http, "GET", "/rules")}
    assert used == {"BCBUYERREJECTS": None, "BCBUYERHALF": None, "BCBUYEROFF": 0}
    assert (await control(http, "DELETE", "/rules"))["cleared"] == 3


async def test_edits_and_status_changes_and_what_the_network_refuses(
    committed: Database, seller: Tenant, http: httpx.AsyncClient
) -> None:
    supplier = await register(seller)
    body = invoice_body(supplier, "BCBUYER0000000021", number="INV/2026/21")
    await acked(committed, await present(committed, seller.company_id, body))

    edit = invoice_body(supplier, "BCBUYER0000000021", number="INV/2026/21", base="20000.00")
    edit["invoice"]["objectId"] = body["invoice"]["objectId"]
    edit["invoice"]["objectVersion"] = wire.version(1, 2)
    assert (await acked(committed, await _queue(committed, seller.company_id, wire.EDIT_INVOICE, edit)))[
        "state"
    ] == "ACKED"
    shown = await sandbox_invoice(http, body["invoice"]["objectId"])
    assert shown["version"] == 2 and _money(shown["total"]) == Decimal("23600.00")

    # The same version again is stale: taken at once, refused in its resp-*.
    stale = {**edit, "reqMsgId": wire.req_msg_id()}
    refused = await acked(committed, await _queue(committed, seller.company_id, wire.EDIT_INVOICE, stale))
    assert refused["state"] == "FAILED" and refused["error_cd"] == "STALE_VERSION"
    assert "version 2" in refused["error_dtl"]

    change = {
        "reqMsgId": wire.req_msg_id(),
        "device": wire.device(),
        "b2bIds": edit["b2bIds"],
        "invoiceStatus": {
            "objectId": body["invoice"]["objectId"],
            "supplierInvoiceNumber": "INV/2026/21",
            "objectVersion": wire.version(2, 2),
            "supplierAction": "CANCEL",
            "supplierRemarks": "Raised in error",
            "statusTransition": wire.transition("PRESENTED", "CANCELLED"),
        },
        "additionalInfos": [],
    }
    await acked(committed, await _queue(committed, seller.company_id, wire.STATUS_CHANGE_INVOICE, change))
    assert (await sandbox_invoice(http, body["invoice"]["objectId"]))["status"] == "CANCELLED"


async def test_cd_notes_purchase_orders_and_search_by_name(
    committed: Database, seller: Tenant, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes, orders = Calls(), Calls()
    handle(monkeypatch, wire.CONFIRM_CD_NOTE, notes)
    handle(monkeypatch, wire.SEND_PURCHASE_ORDER, orders)
    supplier = await register(seller)
    invoice = invoice_body(supplier, "BCBUYER0000000031", number="INV/2026/31")
    await acked(committed, await present(committed, seller.company_id, invoice))
    note = {
        "reqMsgId": wire.req_msg_id(),
        "device": wire.device(),
        "b2bIds": invoice["b2bIds"],
        "cdNote": {
            "objectId": wire.new_object_id("CDN"),
            "noteType": "CREDIT",
            "supplierCDNoteNumber": "CN/2026/1",
            "objectVersion": wire.version(0, 1),
            "ts": invoice["invoice"]["ts"],
            "cdNoteStatusTransition": wire.transition(None, "PRESENTED"),
            "reason": "Two bags short",
            "cdNoteValueDetails": {
                "taxableValue": Decimal("2000.00"),
                "igst": Decimal("360.00"),
                "totalAmount": Decimal("2360.00"),
            },
            "precedingInvoiceDetails": [
                {
                    "objectId": invoice["invoice"]["objectId"],
                    "supplierInvoiceNumber": "INV/2026/31",
                    "amount": Decimal("2360.00"),
                }
            ],
        },
        "additionalInfos": [],
    }
    await acked(committed, await _queue(committed, seller.company_id, wire.SEND_CD_NOTE, note))
    answered = await control(
        http,
        "POST",
        f"/cd-notes/{note['cdNote']['objectId']}",
        json={"response": "ACCEPT", "remarks": "Agreed"},
    )
    assert answered["taken"] is True
    (company_id, body), *_ = notes.bodies
    assert company_id == seller.company_id
    assert body["cdNoteConfirmation"]["buyerResponse"] == "ACCEPT"
    assert body["cdNoteConfirmation"]["supplierCDNoteNumber"] == "CN/2026/1"

    order = {
        "supplierB2BId": supplier,
        "buyerB2BId": "BCBUYER0000000031",
        "buyerPONumber": "PO-7781",
        "subject": "Rice for December",
        "deliveryDate": "2026-12-20",
        "lines": [
            {
                "description": "Basmati rice, 25 kg bags",
                "quantity": "40",
                "unitPrice": "1000.00",
                "gstRate": "5",
            }
        ],
    }
    sent = await control(http, "POST", "/purchase-orders", json=order)
    assert sent["taken"] is True
    purchase_order = orders.bodies[0][1]["purchaseOrder"]
    assert purchase_order["buyerPONumber"] == "PO-7781"
    assert purchase_order["supplierDetails"]["legalName"] == "Shree Ganesh Traders Pvt Ltd"
    assert _money(purchase_order["poValueDetails"]["totalAmount"]) == Decimal("42000.00")

    found = payload(await seller.post(SEARCH, json={"name": "ganesh traders"}))
    assert [e["b2bId"] for e in found["entities"]] == [supplier]
    refused = await http.post(
        "/bc-sandbox/control/purchase-orders",
        json={**order, "lines": [{"description": "x", "unitPrice": "-1"}]},
    )
    assert refused.status_code == 422 and "unitPrice" in refused.json()["errorResponse"]["errorMessage"]


async def test_a_message_sent_again_is_taken_once(
    committed: Database, seller: Tenant, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dues sends a message again when it did not hear the answer (a worker died mid-send): the network
    keeps it by its reqMsgId, so the buyer does not act on the invoice a second time."""
    from sqlalchemy import text

    from dues.bharat_connect import repository

    confirmations = Calls()
    handle(monkeypatch, wire.CONFIRM_INVOICE, confirmations)
    supplier = await register(seller)
    await control(http, "POST", "/rules", json={"action": "accept"})
    body = invoice_body(supplier, "BCBUYER0000000041", number="INV/2026/41")
    message_id = await present(committed, seller.company_id, body)
    await _status(http, body["invoice"]["objectId"], "ACCEPTED")
    assert len(confirmations.bodies) == 1

    async with committed.sessionmaker() as session:
        await session.execute(
            text("UPDATE bc_messages SET state = 'QUEUED', next_attempt_at = now() WHERE message_id = :m"),
            {"m": message_id},
        )
        await repository.schedule_send(session, None)
        await session.commit()

    async def sent_again() -> dict[str, Any] | None:
        shown = await out_message(committed, message_id)
        return shown if shown["attempt_count"] == 2 else None

    assert (await eventually(sent_again, what="the message sent again"))["state"] == "SENT"

    seen = await control(http, "GET", "/messages?direction=IN&path=/api/v0/invoice/req-send-invoice")
    assert [(m["reqMsgId"], m["statusCode"]) for m in seen] == [(body["reqMsgId"], 200)] * 2
    assert (await sandbox_invoice(http, body["invoice"]["objectId"]))["status"] == "ACCEPTED"
    assert len(confirmations.bodies) == 1
