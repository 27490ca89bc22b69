"""Driving dues and its sandbox network over real HTTP: the seller's registration, invoices presented as the
flows will present them (a complete req-send-invoice queued through messages.queue), and waiting for what the
network sends back a moment later."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.bharat_connect import inbound, messages, wire
from dues.db import Database
from dues.errors import Unprocessable
from tests.customers.helpers import payload
from tests.support import Tenant, gstin_for

T = TypeVar("T")
REGISTRATION = "/api/v0/bharat-connect/registration"
SEARCH = "/api/v0/bharat-connect/search"
CONTROL = "/bc-sandbox/control"


async def eventually(check: Callable[[], Awaitable[T | None]], seconds: float = 60.0, what: str = "") -> T:
    """What ``check`` answers once it answers something truthy, asked again every 0.2 s; fails after
    ``seconds`` (generous: the machine is slow and shared)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        found = await check()
        if found:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {seconds:g} s: {what or check}")
        await asyncio.sleep(0.2)


async def register(seller: Tenant, gstin: str | None = None) -> str:
    """The seller registered on the sandbox network (with its own GSTIN unless given); its B2B id."""
    gstin = gstin or payload(await seller.get("/api/v0/company"))["gstin"] or gstin_for("27")
    assert gstin is not None
    response = await seller.post(REGISTRATION, json={"pan": gstin[2:12], "gstin": gstin})
    assert response.status_code == 200, response.text
    assert payload(response)["status"] == "PENDING"

    async def registered() -> dict[str, Any] | None:
        shown = payload(await seller.get(REGISTRATION))
        assert shown["status"] != "FAILED", shown
        return shown if shown["status"] == "REGISTERED" else None

    shown = await eventually(registered, what="the registration REGISTERED")
    return str(shown["b2bId"])


def invoice_body(
    supplier_b2b_id: str, buyer_b2b_id: str, number: str = "INV/2026/0001", base: str = "10000.00"
) -> dict[str, Any]:
    """A complete req-send-invoice, as the flows build it: base + 18% IGST."""
    taxable = Decimal(base)
    tax = (taxable * Decimal("0.18")).quantize(Decimal("0.01"))
    total = taxable + tax
    return {
        "reqMsgId": wire.req_msg_id(),
        "device": wire.device("19.0760,72.8777"),
        "b2bIds": {"buyerB2BId": buyer_b2b_id, "supplierB2BId": supplier_b2b_id},
        "invoice": {
            "objectId": wire.new_object_id("INV"),
            "supplierInvoiceNumber": number,
            "objectVersion": wire.version(0, 1),
            "ts": datetime.now(UTC),
            "statusTransition": wire.transition("CREATED", "PRESENTED"),
            "transactionDetails": {
                "invoiceType": "INVOICE",
                "invoiceDate": date(2026, 11, 24),
                "dueDate": date(2026, 12, 24),
                "placeOfSupply": "Karnataka",
                "supplyType": "INTER_STATE",
                "currency": "INR",
            },
            "supplierDetails": {"b2bId": supplier_b2b_id, "legalName": "Shree Ganesh Traders Pvt Ltd"},
            "buyerDetails": {"b2bId": buyer_b2b_id, "legalName": "Kaveri Foods Pvt Ltd"},
            "itemLists": [
                {
                    "slNo": 1,
                    "description": "Basmati rice, 25 kg bags",
                    "hsnSac": "1006",
                    "quantity": Decimal("10"),
                    "unit": "BAG",
                    "unitPrice": taxable / 10,
                    "taxableValue": taxable,
                    "gstRate": Decimal("18"),
                    "igst": tax,
                    "total": total,
                }
            ],
            "valueDetails": {"taxableValue": taxable, "igst": tax, "totalAmount": total, "dueAmount": total},
            "supplierBankAccountDetails": {
                "maskedAccountNumber": "XXXXXXXX5678",
                "ifsc": "HDFC0000060",
                "beneficiaryName": "Shree Ganesh Traders Pvt Ltd",
            },
        },
        "additionalInfos": [],
    }


async def present(database: Database, company_id: str, body: dict[str, Any]) -> str:
    """Queue a req-send-invoice as the flows do (committed, with its send job); dues's message id."""
    async with database.sessionmaker() as session:
        message_id = await messages.queue(
            session, company_id, wire.SEND_INVOICE, body, object_id=body["invoice"]["objectId"]
        )
        await session.commit()
    return message_id


async def out_message(database: Database, message_id: str) -> dict[str, Any]:
    async with database.sessionmaker() as session:
        row = (
            await session.execute(
                text(
                    "SELECT state, attempt_count, error_cd, error_dtl, sent_on, acked_on, next_attempt_at "
                    "FROM bc_messages WHERE message_id = :m"
                ),
                {"m": message_id},
            )
        ).one()
    return dict(row._mapping)


async def attempts(database: Database, message_id: str) -> list[dict[str, Any]]:
    async with database.sessionmaker() as session:
        rows = await session.execute(
            text(
                "SELECT attempt_no, status_code, outcome, detail FROM bc_message_attempts "
                "WHERE message_id = :m ORDER BY attempt_no"
            ),
            {"m": message_id},
        )
    return [dict(r._mapping) for r in rows]


async def acked(database: Database, message_id: str) -> dict[str, Any]:
    async def state() -> dict[str, Any] | None:
        shown = await out_message(database, message_id)
        return shown if shown["state"] in ("ACKED", "FAILED") else None

    return await eventually(state, what=f"message {message_id} answered by the network")


async def control(http: httpx.AsyncClient, method: str, path: str, **kw: Any) -> Any:
    response = await http.request(method, CONTROL + path, **kw)
    assert response.status_code == 200, response.text
    return response.json()["payload"]


async def sandbox_invoice(http: httpx.AsyncClient, object_id: str) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        invoices = await control(http, "GET", "/invoices")
        return next((i for i in invoices if i["objectId"] == object_id), None)

    return await eventually(found, what=f"invoice {object_id} presented to the sandbox")


def soon(seconds: float = 0) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


class Calls:
    """A handler for the test: records each call, and writes an audit row in the message's transaction."""

    def __init__(self, refuse: str | None = None) -> None:
        self.refuse = refuse
        self.bodies: list[tuple[str, dict[str, Any]]] = []

    async def __call__(self, session: AsyncSession, company_id: str, body: dict[str, Any]) -> None:
        self.bodies.append((company_id, body))
        await audit.record(session, company_id, "test", "bc_test", "X", "HANDLED", None, {"n": 1})
        if self.refuse:
            raise Unprocessable(self.refuse)


def handle(monkeypatch: pytest.MonkeyPatch, path: str, calls: Calls) -> None:
    # The real handler modules first, so that none of their registrations replaces the test's later.
    inbound.load_handlers()
    monkeypatch.setitem(inbound.HANDLERS, path, calls)
