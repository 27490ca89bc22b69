"""Reminders, customers with reminder contacts, dispatched invoices, and the engine run at a given time."""

from __future__ import annotations

from datetime import datetime
from itertools import count
from typing import Any

from dues.db import Database
from dues.kit.timefmt import IST, today_ist
from dues.reminders.tasks import send_reminders
from tests.collection.helpers import dispatch, sql
from tests.customers.helpers import payload
from tests.support import Tenant, gstin_for

REMINDERS = "/api/v0/customer/reminder"
# Far enough ahead that the real clock (and a periodic run of the engine during run_jobs) never reaches a
# step: the tests say when "now" is. Four years on from today's, whatever today is; 30 June, so that the
# tests' times (f"{YEAR}-06-27 10:00") keep the same days around it.
YEAR = today_ist().year + 4
DUE = f"{YEAR}-06-30"

_n = count(3000)


def ist(text: str) -> datetime:
    """A wall-clock time in India, "2030-06-30 10:00"."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=IST)


def steps(*offsets: int, channels: tuple[str, ...] = ("EMAIL",)) -> list[dict[str, Any]]:
    return [{"offsetDays": o, "channels": list(channels)} for o in offsets]


async def reminder(seller: Tenant, **fields: Any) -> dict[str, Any]:
    body = {"name": "Standard", "steps": steps(-3, 0, 7), **fields}
    return payload(await seller.post(REMINDERS, json=body))  # type: ignore[no-any-return]


async def set_default(seller: Tenant, reminder_id: str | None) -> None:
    payload(await seller.patch("/api/v0/company", json={"defaultReminderId": reminder_id}))


async def customer(seller: Tenant, **fields: Any) -> str:
    fields.setdefault(
        "customerKeyContacts",
        [
            {
                "name": "Asha",
                "email": "asha@buyer.example",
                "mobile": "9000000001",
                "channels": ["EMAIL", "SMS"],
            }
        ],
    )
    created = await seller.create_customer(panOrGstin=gstin_for("27", next(_n)), **fields)
    return str(created["customerId"])


async def open_invoice(seller: Tenant, customer_id: str, due: str = DUE, **fields: Any) -> str:
    """An invoice to the customer, dispatched."""
    body = {
        "customerId": customer_id,
        "invoiceDate": "2026-11-24",
        "dueDate": due,
        "baseAmount": 1000,
        "cgst": 90,
        "sgst": 90,
        **fields,
    }
    invoice_id = str(payload(await seller.post("/api/v0/invoice", json=body))["invoiceId"])
    answer = await dispatch(seller, [invoice_id], partialPaymentAllowed=True)
    assert answer[invoice_id]["success"], answer
    return invoice_id


async def run_at(database: Database, when: str) -> int:
    return await send_reminders(database, ist(when))


async def sends(database: Database, invoice_id: str) -> list[tuple[Any, ...]]:
    """(kind, occurrence, balance) of the invoice's reminders sent, oldest first."""
    rows = await sql(
        database,
        "SELECT kind, occurrence, balance_amount FROM reminder_sends WHERE invoice_id = :i "
        "ORDER BY created_on, send_id",
        i=invoice_id,
    )
    return [tuple(r) for r in rows]


async def messages(database: Database, invoice_id: str) -> list[tuple[Any, ...]]:
    """(channel, recipient, status, subject, body) of the invoice's messages (dispatch's included)."""
    rows = await sql(
        database,
        "SELECT channel, recipient, status, subject, body FROM messages WHERE invoice_id = :i "
        "ORDER BY created_on, message_id",
        i=invoice_id,
    )
    return [tuple(r) for r in rows]


async def reminder_messages(database: Database, invoice_id: str) -> list[tuple[Any, ...]]:
    rows = await sql(
        database,
        "SELECT m.channel, m.recipient, m.status, m.subject, m.body FROM messages m "
        "JOIN reminder_sends s ON s.company_id = m.company_id AND m.message_id = ANY(s.message_ids) "
        "WHERE s.invoice_id = :i ORDER BY s.created_on, m.message_id",
        i=invoice_id,
    )
    return [tuple(r) for r in rows]
