"""Webhook endpoints of format ``enkash`` (api.md §6, §8): a Bharat Connect event reaches them as EnKash's B2B
webhook (the network message, POSTed at EnKash's path under the endpoint's URL), signed per Standard Webhooks,
over real HTTP. The events are written the way dues.bharat_connect writes them: data ``{path, message}``."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from dues.bharat_connect import wire
from dues.db import Database
from dues.webhooks import enkash, payloads, repository
from dues.webhooks.schemas import WebhookEvent
from tests.conftest import run_jobs
from tests.customers.helpers import assert_invalid, payload
from tests.support import Tenant, TenantFactory
from tests.webhooks.receiver import Receiver

WEBHOOKS = "/api/v0/webhook"
CONFIRMED = "bharat_connect.invoice.confirmed"
PAID = "bharat_connect.payment.received"
INVOICE_ID = "INV" + "A1B2C3D4E5F6G7H8J9K0L1M2N3P4Q5R6"
PAYMENT_ID = "PMT" + "Z9Y8X7W6V5U4T3S2R1Q0P9N8M7L6K5J4"
# events.entity_id names dues's own record (32 characters at most, so not a network objectId).
DUES_INVOICE = "INVK3Q9Z0X1C2V3B"
DUES_PAYMENT = "PAYZ8X7C6V5B4N3M"
B2B_IDS = {"buyerB2BId": "B2BBUYER27AABCB1234F1Z5", "supplierB2BId": "B2BSELLER27AAACS1111A1Z1"}


def _confirm_invoice() -> dict[str, Any]:
    return {
        "reqMsgId": "NBBL7F3A9C1E5B2D4F6A8C0E2B4D6F8A",
        "device": wire.device("19.0760,72.8777"),
        "b2bIds": B2B_IDS,
        "invoiceConfirmation": {
            "objectId": INVOICE_ID,
            "supplierInvoiceNumber": "INV2627-00000042",
            "objectVersion": wire.version(1, 1),
            "buyerResponse": "RETURN",
            "buyerRemarks": "PO number missing; send again with PO-7781",
            "statusTransition": wire.transition("PRESENTED", "RETURNED"),
        },
        "additionalInfos": [],
    }


def _pay() -> dict[str, Any]:
    def amount(paid: str, total: str) -> dict[str, Any]:
        return {
            "netPaidAmount": Decimal(paid),
            "netAdjustmentAmount": Decimal("0.00"),
            "totalAmount": Decimal(total),
            "currency": "INR",
        }

    return {
        "reqMsgId": "NBBL0A1B2C3D4E5F60718293A4B5C6D7",
        "device": wire.device(),
        "b2bIds": B2B_IDS,
        "payment": {
            "objectId": PAYMENT_ID,
            "ts": "2026-11-25T11:20:41+05:30",
            "type": "OFFPLATFORM",
            "mode": "INTERNET BANKING",
            "utr": "UTR00000501",
            "currency": "INR",
            "paymentAmount": amount("300.10", "300.10"),
            "invoicesPayInfos": [
                {
                    "objectId": INVOICE_ID,
                    "supplierInvoiceNumber": "INV2627-00000042",
                    "objectVersion": wire.version(1, 1),
                    "statusTransition": wire.transition("ACCEPTED", "PAYMENT_PENDING_CONFIRMATION"),
                    "invoiceAmount": {
                        "dueAmount": Decimal("1180.10"),
                        "totalAmount": Decimal("1180.10"),
                        "currency": "INR",
                    },
                    "invoicePaymentAmount": {**amount("300.10", "300.10"), "splits": []},
                }
            ],
        },
        "additionalInfos": [{"name": "ERP", "value": "SAP B1"}],
    }


async def _write(database: Database, company_id: str, events: list[tuple[str, str, str, Any]]) -> None:
    """Events (type, entity id, path, message) as the Bharat Connect flows write them: data {path, message},
    through the webhooks repository, in a committed transaction."""
    rows = [
        (kind, entity, payloads.dumps({"path": path, "message": message}))
        for kind, entity, path, message in events
    ]
    async with database.sessionmaker() as session:
        await repository.add_events(session, company_id, rows)
        await session.commit()


def _exact(body: bytes) -> Any:
    return json.loads(body, parse_float=Decimal)


@pytest_asyncio.fixture(loop_scope="session")
async def seller(live_tenants: TenantFactory) -> Tenant:
    return await live_tenants.create()


async def test_an_enkash_endpoint_gets_each_message_at_enkashs_path_signed(
    committed: Database,
    seller: Tenant,
    receiver: Receiver,
    second_receiver: Receiver,
    allow_private: None,
) -> None:
    # An EnKash client that listens under /enkash/ (trailing slash and all), beside a standard endpoint.
    body = {"url": receiver.url("/enkash/"), "events": [CONFIRMED, PAID], "format": "enkash"}
    hook = payload(await seller.post(WEBHOOKS, json=body))
    standard = payload(
        await seller.post(WEBHOOKS, json={"url": second_receiver.url(), "events": [CONFIRMED]})
    )
    confirm, pay = _confirm_invoice(), _pay()
    # Both are bodies EnKash's wire format reads (the network would send nothing else).
    wire.ConfirmInvoice.model_validate(confirm)
    wire.Pay.model_validate(pay)

    await _write(
        committed,
        seller.company_id,
        [
            (CONFIRMED, DUES_INVOICE, wire.CONFIRM_INVOICE, confirm),
            (PAID, DUES_PAYMENT, wire.PAY, pay),
        ],
    )
    await run_jobs(committed)

    by_path = {m.path: m for m in receiver.received}
    assert sorted(by_path) == [
        "/enkash/api/v0/invoice/req-confirm-invoice",
        "/enkash/api/v0/payment/req-pay",
    ]
    verifier = Webhook(hook["secret"])
    for message in receiver.received:
        assert message.method == "POST"
        assert message.headers["content-type"] == "application/json"
        verifier.verify(message.body, message.headers)  # raises unless signed with the endpoint's secret
    # The body is the message itself, no envelope around it, amounts digit for digit.
    assert _exact(by_path["/enkash/api/v0/invoice/req-confirm-invoice"].body) == json.loads(
        payloads.dumps(confirm)
    )
    paid = _exact(by_path["/enkash/api/v0/payment/req-pay"].body)
    assert paid == _exact(payloads.dumps(pay).encode())
    assert str(paid["payment"]["invoicesPayInfos"][0]["invoiceAmount"]["dueAmount"]) == "1180.10"
    assert paid["payment"]["mode"] == "INTERNET BANKING"

    # A forged body does not verify with that secret.
    forged = by_path["/enkash/api/v0/payment/req-pay"]
    with pytest.raises(WebhookVerificationError):
        verifier.verify(forged.body.replace(b"300.10", b"3000.10"), forged.headers)

    # The standard endpoint gets the same event as always: {type, timestamp, data}, data = {path, message}.
    [plain] = second_receiver.received
    Webhook(standard["secret"]).verify(plain.body, plain.headers)
    assert plain.path == "/hook"
    got = _exact(plain.body)
    assert got["type"] == CONFIRMED
    assert got["data"] == {"path": wire.CONFIRM_INVOICE, "message": json.loads(payloads.dumps(confirm))}

    log = payload(await seller.get(f"{WEBHOOKS}/{hook['webhookId']}/deliveries"))["items"]
    assert sorted((d["eventType"], d["status"]) for d in log) == [
        (CONFIRMED, "DELIVERED"),
        (PAID, "DELIVERED"),
    ]
    assert {d["deliveryId"] for d in log} == {m.headers["webhook-id"] for m in receiver.received}


async def test_an_enkash_endpoint_gets_only_what_it_subscribed_to(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    body = {"url": receiver.url(), "events": [PAID], "format": "enkash"}
    payload(await seller.post(WEBHOOKS, json=body))

    await _write(
        committed,
        seller.company_id,
        [(CONFIRMED, DUES_INVOICE, wire.CONFIRM_INVOICE, _confirm_invoice())],
    )
    await run_jobs(committed)

    assert receiver.received == []


async def test_a_path_written_without_its_leading_slash_is_sent_under_the_url(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    # EnKash writes some of its paths without the leading slash; the URL's query string stays last.
    body = {"url": receiver.url("/b2b?tenant=42"), "events": [CONFIRMED], "format": "enkash"}
    payload(await seller.post(WEBHOOKS, json=body))
    path = wire.CONFIRM_INVOICE.lstrip("/")

    await _write(
        committed,
        seller.company_id,
        [(CONFIRMED, DUES_INVOICE, path, _confirm_invoice())],
    )
    await run_jobs(committed)

    assert [m.path for m in receiver.received] == ["/b2b/api/v0/invoice/req-confirm-invoice?tenant=42"]


async def test_an_event_without_an_enkash_path_is_not_sent_and_the_log_says_why(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    hook = payload(
        await seller.post(WEBHOOKS, json={"url": receiver.url(), "events": [CONFIRMED], "format": "enkash"})
    )

    await _write(
        committed,
        seller.company_id,
        [(CONFIRMED, DUES_INVOICE, "/api/v0/../../admin", _confirm_invoice())],
    )
    await run_jobs(committed)

    assert receiver.received == []
    [delivery] = payload(await seller.get(f"{WEBHOOKS}/{hook['webhookId']}/deliveries"))["items"]
    assert delivery["status"] == "PENDING"
    [attempt] = delivery["attempts"]
    assert attempt["statusCode"] is None
    assert "no EnKash webhook path" in attempt["error"]


async def test_the_format_is_shown_and_standard_by_default(tenant: Tenant, allow_private: None) -> None:
    plain = payload(await tenant.post(WEBHOOKS, json={"url": "http://127.0.0.1:9/a", "events": [PAID]}))
    b2b = payload(
        await tenant.post(
            WEBHOOKS, json={"url": "http://127.0.0.1:9/b", "events": [PAID, CONFIRMED], "format": "enkash"}
        )
    )

    assert (plain["format"], b2b["format"]) == ("standard", "enkash")
    listed = {w["webhookId"]: w["format"] for w in payload(await tenant.get(WEBHOOKS))}
    assert listed == {plain["webhookId"]: "standard", b2b["webhookId"]: "enkash"}


async def test_an_enkash_endpoint_refuses_events_enkash_has_no_webhook_for(
    tenant: Tenant, allow_private: None
) -> None:
    body = {
        "url": "http://127.0.0.1:9/b2b",
        "events": [PAID, "invoice.created", CONFIRMED, "invoice.paid"],
        "format": "enkash",
    }

    errors = assert_invalid(await tenant.post(WEBHOOKS, json=body), "events[1]", "events[3]")

    assert "invoice.created has no EnKash webhook" in errors["events[1]"]["message"]
    assert payload(await tenant.get(WEBHOOKS)) == []


async def test_an_unknown_format_is_refused(tenant: Tenant, allow_private: None) -> None:
    body = {"url": "http://127.0.0.1:9/b2b", "events": [PAID], "format": "svix"}

    assert_invalid(await tenant.post(WEBHOOKS, json=body), "format")


def test_every_bharat_connect_event_can_go_to_an_enkash_endpoint() -> None:
    bharat_connect = [str(e) for e in WebhookEvent if enkash.carries(e)]

    assert bharat_connect == [
        "bharat_connect.invoice.presented",
        "bharat_connect.invoice.confirmed",
        "bharat_connect.payment.received",
        "bharat_connect.cd_note.confirmed",
        "bharat_connect.purchase_order.received",
    ]
    # Whatever else the data names, it carries the EnKash path and the message an enkash endpoint is sent.
    assert all({"path", "message"} <= set(payloads.SHAPES[e]) for e in bharat_connect)


@pytest.mark.parametrize(
    ("base", "path", "url"),
    [
        ("https://erp.example.com", wire.PAY, "https://erp.example.com/api/v0/payment/req-pay"),
        (
            "https://erp.example.com/",
            "api/v0/payment/req-pay",
            "https://erp.example.com/api/v0/payment/req-pay",
        ),
        (
            "https://erp.example.com/in%2Fbound/?k=a%20b",
            wire.CONFIRM_INVOICE,
            "https://erp.example.com/in%2Fbound/api/v0/invoice/req-confirm-invoice?k=a%20b",
        ),
    ],
)
def test_where_a_message_goes(base: str, path: str, url: str) -> None:
    assert enkash.url_for(base, path) == url


@pytest.mark.parametrize(
    "path", [None, "", "/api/v0/", "/admin", "/api/v0/x/../../y", "/api/v0/x?y=1", "/api/v0/x#y"]
)
def test_nothing_but_an_enkash_path_is_appended(path: str | None) -> None:
    with pytest.raises(enkash.NotSendable):
        enkash.url_for("https://erp.example.com/b2b", path)
