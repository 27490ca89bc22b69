"""What the network sends dues, at /bharat-connect: signed, stored once by its network id, applied by the
handler registered for its path in the same transaction; a replay answers as the first delivery did and
applies nothing."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text

from dues.bharat_connect import inbound, signing, wire
from dues.bharat_connect.network import secret_of
from dues.config import Settings, get_settings
from dues.db import Database
from dues.kit.envelope import dumps
from tests.bharat_connect.helpers import (
    Calls,
    control,
    handle,
    invoice_body,
    present,
    register,
    sandbox_invoice,
)
from tests.customers.helpers import assert_error
from tests.support import Tenant

OK = {"response_code": 0, "response_message": "SUCCESS", "payload": None}


@pytest_asyncio.fixture(loop_scope="session")
async def presented(
    committed: Database, seller: Tenant, http: httpx.AsyncClient
) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """The seller registered, and an invoice of its presented to the sandbox's buyer: (its B2B id, the
    invoice as the sandbox shows it)."""
    supplier = await register(seller)
    body = invoice_body(supplier, "BCBUYER0000000009")
    await present(committed, seller.company_id, body)
    yield supplier, await sandbox_invoice(http, body["invoice"]["objectId"])


async def stored(database: Database, req_msg_id: str) -> list[dict[str, Any]]:
    async with database.sessionmaker() as session:
        rows = await session.execute(
            text(
                "SELECT company_id, state, result, error_cd, error_dtl FROM bc_messages "
                "WHERE direction = 'IN' AND req_msg_id = :r"
            ),
            {"r": req_msg_id},
        )
    return [dict(r._mapping) for r in rows]


async def audited(database: Database, company_id: str) -> int:
    async with database.sessionmaker() as session:
        count = await session.execute(
            text("SELECT count(*) FROM audit_log WHERE company_id = :c AND entity_type = 'bc_test'"),
            {"c": company_id},
        )
    return int(count.scalar_one())


async def test_a_buyers_message_replayed_three_times_is_applied_once(
    committed: Database,
    seller: Tenant,
    http: httpx.AsyncClient,
    presented: tuple[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = Calls()
    handle(monkeypatch, wire.CONFIRM_INVOICE, calls)
    _, invoice = presented

    first = await control(
        http,
        "POST",
        f"/invoices/{invoice['objectId']}",
        json={"action": "ACCEPT", "remarks": "Goods received"},
    )
    assert first["statusCode"] == 200 and first["answer"] == OK
    replays = [await control(http, "POST", f"/messages/{first['messageNo']}/replay") for _ in range(3)]

    for replay in replays:
        assert (replay["reqMsgId"], replay["statusCode"], replay["answer"]) == (first["reqMsgId"], 200, OK)
    assert len(calls.bodies) == 1
    company_id, body = calls.bodies[0]
    assert company_id == seller.company_id
    assert body["invoiceConfirmation"]["buyerResponse"] == "ACCEPT"
    assert body["invoiceConfirmation"]["buyerRemarks"] == "Goods received"
    assert await stored(committed, first["reqMsgId"]) == [
        {
            "company_id": seller.company_id,
            "state": "APPLIED",
            "result": None,
            "error_cd": None,
            "error_dtl": None,
        }
    ]
    assert await audited(committed, seller.company_id) == 1
    assert (await sandbox_invoice(http, invoice["objectId"]))["status"] == "ACCEPTED"


async def test_a_refused_message_keeps_nothing_and_a_replay_gets_the_same_refusal(
    committed: Database,
    seller: Tenant,
    http: httpx.AsyncClient,
    presented: tuple[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = Calls(refuse="Invoice INV/2026/0001 was cancelled; it cannot be paid.")
    handle(monkeypatch, wire.PAY, calls)
    _, invoice = presented

    first = await control(
        http, "POST", f"/invoices/{invoice['objectId']}", json={"action": "PAY", "amount": "1000.00"}
    )
    replay = await control(http, "POST", f"/messages/{first['messageNo']}/replay")

    assert first["statusCode"] == replay["statusCode"] == 422
    for answer in (first["answer"], replay["answer"]):
        assert answer["errorResponse"]["errorType"] == "UNPROCESSABLE_REQUEST"
        assert answer["errorResponse"]["errorMessage"] == calls.refuse
    assert len(calls.bodies) == 1
    assert await stored(committed, first["reqMsgId"]) == [
        {
            "company_id": seller.company_id,
            "state": "REFUSED",
            "result": "422",
            "error_cd": "UNPROCESSABLE_REQUEST",
            "error_dtl": calls.refuse,
        }
    ]
    assert await audited(committed, seller.company_id) == 0  # the handler's write went with the refusal
    # The sandbox's buyer did not get its payment taken: the invoice still owes all of it.
    shown = await sandbox_invoice(http, invoice["objectId"])
    assert shown["status"] == "PRESENTED" and shown["due"] == shown["total"]


async def test_a_resp_replayed_is_applied_once(
    committed: Database, seller: Tenant, http: httpx.AsyncClient
) -> None:
    await register(seller)
    sent = await control(http, "GET", "/messages?direction=OUT&path=/api/v0/business-onboarding/respRegId")
    assert len(sent) == 1
    for _ in range(3):
        replay = await control(http, "POST", f"/messages/{sent[0]['messageNo']}/replay")
        assert (replay["statusCode"], replay["answer"]) == (200, OK)
    answered = sent[0]["body"]["resp"]["reqMsgId"]
    assert len(await stored(committed, "RESP-" + answered)) == 1
    async with committed.sessionmaker() as session:
        states = (
            await session.execute(
                text("SELECT state FROM bc_messages WHERE company_id = :c AND direction = 'OUT'"),
                {"c": seller.company_id},
            )
        ).scalars()
        assert list(states) == ["ACKED"] * 3  # nothing queued again


def _signed(
    body: dict[str, Any], secret: str | None = None, at: int | None = None
) -> tuple[bytes, dict[str, str]]:
    raw = dumps(body)
    signature = signing.sign(secret or secret_of(get_settings()), raw, at)
    return raw, {"content-type": "application/json", signing.HEADER: signature}


def _confirmation(supplier: str, object_id: str) -> dict[str, Any]:
    return {
        "reqMsgId": "BCSTEST" + str(time.time_ns()),
        "device": wire.device(),
        "b2bIds": {"buyerB2BId": "BCBUYER0000000009", "supplierB2BId": supplier},
        "invoiceConfirmation": {
            "objectId": object_id,
            "supplierInvoiceNumber": "INV/2026/0001",
            "objectVersion": wire.version(1, 1),
            "buyerResponse": "RETURN",
            "buyerRemarks": "Wrong rate on line 1",
            "statusTransition": wire.transition("PRESENTED", "RETURNED"),
        },
        "additionalInfos": [],
    }


async def test_what_is_not_the_networks_is_refused_and_not_stored(
    committed: Database,
    http: httpx.AsyncClient,
    presented: tuple[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = Calls()
    handle(monkeypatch, wire.CONFIRM_INVOICE, calls)
    supplier, invoice = presented
    path = "/bharat-connect" + wire.CONFIRM_INVOICE
    body = _confirmation(supplier, invoice["objectId"])

    raw, headers = _signed(body, secret="not-the-networks-secret")
    assert_error(await http.post(path, content=raw, headers=headers), 401, "UNAUTHORIZED")
    raw, headers = _signed(body, at=int(time.time()) - 600)  # a captured message, sent again later
    assert_error(await http.post(path, content=raw, headers=headers), 401, "UNAUTHORIZED")
    unsigned = await http.post(path, content=raw, headers={"content-type": "application/json"})
    assert_error(unsigned, 401, "UNAUTHORIZED")
    raw, headers = _signed(body)
    tampered = raw.replace(b"RETURN", b"ACCEPT")
    assert_error(await http.post(path, content=tampered, headers=headers), 401, "UNAUTHORIZED")

    raw, headers = _signed({**body, "b2bIds": {"buyerB2BId": "B", "supplierB2BId": "BCNOSUCHSUPPLIER"}})
    assert (
        "BCNOSUCHSUPPLIER"
        in assert_error(await http.post(path, content=raw, headers=headers), 404, "RECORD_NOT_FOUND")[
            "errorMessage"
        ]
    )
    garbage = b'{"reqMsgId": '
    headers = _signed({})[1] | {signing.HEADER: signing.sign(secret_of(get_settings()), garbage)}
    assert_error(await http.post(path, content=garbage, headers=headers), 400, "CLIENT_REQUEST_ERROR")
    raw, headers = _signed({k: v for k, v in body.items() if k != "reqMsgId"})
    assert_error(await http.post(path, content=raw, headers=headers), 400, "CLIENT_REQUEST_ERROR")
    huge = b" " * (inbound.MAX_BODY_BYTES + 1)
    assert_error(await http.post(path, content=huge, headers=_signed({})[1]), 413, "CLIENT_REQUEST_ERROR")
    raw, headers = _signed(body)
    wrong_path = await http.post(
        "/bharat-connect/api/v0/invoice/req-send-invoice", content=raw, headers=headers
    )
    assert_error(wrong_path, 404, "RECORD_NOT_FOUND")

    assert calls.bodies == []
    assert await stored(committed, body["reqMsgId"]) == []

    # EnKash writes some paths without their leading slash: a network that joins them to dues's base URL
    # as they are reaches the same handler.
    taken = await http.post("/bharat-connectapi/v0/invoice/req-confirm-invoice", content=raw, headers=headers)
    assert taken.status_code == 200 and taken.json() == OK
    assert len(calls.bodies) == 1


async def test_a_path_no_handler_takes_yet_is_refused_without_being_stored(
    committed: Database,
    http: httpx.AsyncClient,
    presented: tuple[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbound.load_handlers()
    monkeypatch.delitem(inbound.HANDLERS, wire.STATUS_CHANGE_PURCHASE_ORDER, raising=False)
    supplier, _ = presented
    body = {"reqMsgId": "BCSNOHANDLER1", "b2bIds": {"buyerB2BId": "B", "supplierB2BId": supplier}}
    raw, headers = _signed(body)
    answer = await http.post(
        "/bharat-connect" + wire.STATUS_CHANGE_PURCHASE_ORDER, content=raw, headers=headers
    )
    assert "does not take" in assert_error(answer, 404, "RECORD_NOT_FOUND")["errorMessage"]
    assert await stored(committed, "BCSNOHANDLER1") == []


async def test_in_production_the_network_is_off_unless_named(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No sandbox (it lets anyone play any buyer) and no inbound messages, until the operator names one."""
    from dues.app import create_app

    monkeypatch.setenv("DUES_ENV", "production")
    monkeypatch.delenv("DUES_BHARAT_CONNECT", raising=False)
    get_settings.cache_clear()
    try:
        off = create_app(Settings(env="production", jwt_secret="s" * 40, inprocess_worker=False), db)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=off), base_url="http://dues.test"
        ) as c:
            assert_error(await c.get("/bc-sandbox/buyer"), 404, "RECORD_NOT_FOUND")
            assert_error(await c.get("/bc-sandbox/control/rules"), 404, "RECORD_NOT_FOUND")
            raw, headers = _signed({"reqMsgId": "X"}, secret="s")
            answer = await c.post("/bharat-connect" + wire.PAY, content=raw, headers=headers)
            assert "off" in assert_error(answer, 404, "RECORD_NOT_FOUND")["errorMessage"]

        monkeypatch.setenv("DUES_BHARAT_CONNECT", "sandbox")
        get_settings.cache_clear()
        named = create_app(
            Settings(env="production", jwt_secret="s" * 40, bharat_connect="sandbox", inprocess_worker=False),
            db,
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=named), base_url="http://dues.test"
        ) as c:
            page = await c.get("/bc-sandbox/buyer")
            assert page.status_code == 200 and "TEST MODE" in page.text
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
