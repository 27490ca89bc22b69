"""All SQL of payment reminders; every statement is scoped by company here.

The engine reads one batch of a company's due reminders with one statement (which reminder applies, which
occurrence is due, whether it was sent: all in SQL), and records the sends with one INSERT ... ON CONFLICT
DO NOTHING, whose answer says which of them this transaction won.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from dues.kit.timefmt import today_ist
from dues.models.message import Message
from dues.models.reminder import Reminder, ReminderSend

# An id that cannot have been issued is not looked up (PostgreSQL refuses a query with a NUL in it).
_REMINDER_ID = re.compile(r"^RM[A-Z0-9]{14}\Z", re.ASCII)
_INVOICE_ID = re.compile(r"^INV[A-Z0-9]{13}\Z", re.ASCII)


async def get(
    session: AsyncSession, company_id: str, reminder_id: str, *, for_update: bool = False
) -> Reminder | None:
    if not _REMINDER_ID.match(reminder_id):
        return None
    stmt = select(Reminder).where(Reminder.company_id == company_id, Reminder.reminder_id == reminder_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def page(
    session: AsyncSession, company_id: str, customer_id: str | None, limit: int, offset: int
) -> tuple[list[Reminder], int]:
    conds = [Reminder.company_id == company_id]
    if customer_id is not None:
        conds.append(Reminder.customer_id == customer_id)
    rows = await session.execute(
        select(Reminder)
        .where(*conds)
        .order_by(Reminder.created_on, Reminder.reminder_id)
        .limit(limit)
        .offset(offset)
    )
    total = await session.execute(select(func.count()).select_from(Reminder).where(*conds))
    return list(rows.scalars()), int(total.scalar_one())


def add(session: AsyncSession, reminder: Reminder) -> None:
    session.add(reminder)


async def remove(session: AsyncSession, reminder: Reminder) -> None:
    await session.delete(reminder)


async def owners(
    session: AsyncSession, company_id: str, reminder_ids: Sequence[str]
) -> dict[str, str | None]:
    """reminderId → its customerId (None: company-wide) for the ids that are this company's reminders."""
    rows = await session.execute(
        select(Reminder.reminder_id, Reminder.customer_id).where(
            Reminder.company_id == company_id, Reminder.reminder_id.in_(list(reminder_ids))
        )
    )
    return {row[0]: row[1] for row in rows.all()}


_COMPANY = text("SELECT legal_name, default_reminder_id FROM companies WHERE company_id = :company_id")


async def company(session: AsyncSession, company_id: str) -> tuple[str, str | None]:
    """The seller's name (reminders are signed with it) and its defaultReminderId."""
    row = (await session.execute(_COMPANY, {"company_id": company_id})).one()
    return str(row[0]), row[1]


_CUSTOMER_DELETED = text(
    "SELECT deleted FROM customers WHERE company_id = :company_id AND customer_id = :customer_id"
)


async def customer_deleted(session: AsyncSession, company_id: str, customer_id: str) -> bool | None:
    """Whether the company's customer is deleted; None when it has no such customer."""
    params = {"company_id": company_id, "customer_id": customer_id}
    found: bool | None = (await session.execute(_CUSTOMER_DELETED, params)).scalar_one_or_none()
    return found


_USAGE = text(
    """
    SELECT COALESCE((SELECT default_reminder_id = :reminder_id FROM companies WHERE company_id = :company_id),
                    false),
           ARRAY(SELECT customer_id FROM customers
                  WHERE company_id = :company_id AND NOT deleted
                    AND CAST(:reminder_id AS varchar) = ANY(customer_reminders)
                  ORDER BY customer_id LIMIT :limit)
    """
)


async def usage(
    session: AsyncSession, company_id: str, reminder_id: str, limit: int = 20
) -> tuple[bool, list[str]]:
    """Whether the reminder is the company's defaultReminderId, and (up to ``limit``) the customers, not
    deleted, that list it in customerReminders."""
    row = (
        await session.execute(_USAGE, {"company_id": company_id, "reminder_id": reminder_id, "limit": limit})
    ).one()
    return bool(row[0]), list(row[1])


_COMPANIES = text("SELECT DISTINCT company_id FROM reminders WHERE active ORDER BY company_id")


async def companies_with_active_reminders(session: AsyncSession) -> list[str]:
    """The engine's only statement across companies: who has anything to send at all."""
    return list((await session.execute(_COMPANIES)).scalars())


@dataclass(frozen=True)
class InvoiceState:
    """An invoice with what decides whether it is reminded, and what a reminder says and to whom."""

    invoice_id: str
    customer_id: str
    invoice_number: str
    due_date: date
    status: str
    dispatched: bool
    dispatched_on: datetime | None
    total_amount: Decimal
    paid_amount: Decimal
    balance_amount: Decimal
    payment_token: str | None
    email_address: str | None
    customer_name: str
    customer_status: str
    customer_deleted: bool
    customer_email: str | None
    customer_mobile: str | None
    customer_reminders: list[str]
    # What a reminder's "amount to pay after TDS" needs (api.md §9.2).
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    cess: Decimal
    tds_section: str | None
    tds_rate: Decimal | None
    # Its status on the Bharat Connect network and the buyer's remarks (api.md §8), when it was presented.
    network_status: str | None = None
    network_remarks: str | None = None
    # DISPUTED or PROMISED while an open dispute or a promise to pay not yet due pauses it (api.md §11).
    paused: str | None = None


# What else holds an invoice's reminders (api.md §11): an open dispute, or an open promise to pay whose date
# (``:today``, IST) has not passed; once it has, reminders resume, whether or not the promise job has run.
_PAUSED = """
    CASE WHEN EXISTS (SELECT 1 FROM disputes d
                       WHERE d.company_id = i.company_id AND d.invoice_id = i.invoice_id
                         AND d.status = 'OPEN')
         THEN 'DISPUTED'
         WHEN EXISTS (SELECT 1 FROM promises p
                       WHERE p.company_id = i.company_id AND p.invoice_id = i.invoice_id AND p.status = 'OPEN'
                         AND p.promised_date >= CAST(:today AS date))
         THEN 'PROMISED'
    END"""
_STATE_COLUMNS = f"""
    i.invoice_id, i.customer_id, i.invoice_number, i.due_date, i.status, i.dispatched, i.dispatched_on,
    i.total_amount, i.paid_amount, i.balance_amount, i.payment_token, i.email_address,
    c.legal_name, c.status, c.deleted, c.email, c.contact_number, c.customer_reminders,
    i.cgst, i.sgst, i.igst, i.cess, c.tds_section, c.tds_rate, b.status, b.buyer_remarks, {_PAUSED}
"""
# An invoice presented on Bharat Connect, as far as reminders care (at most one row: its primary key).
_NETWORK = "LEFT JOIN bc_invoices b ON b.company_id = i.company_id AND b.invoice_id = i.invoice_id"
# Network statuses that stop reminders: the buyer refused the invoice, or the seller cancelled or withdrew
# it there (dues.bharat_connect.service); presented again (an edit, REOPEN), it is reminded again.
HELD_STATUSES = ("REJECTED", "RETURNED", "CANCELLED", "WITHDRAWN")
_HELD = ", ".join(f"'{status}'" for status in HELD_STATUSES)
_N_STATE = len(InvoiceState.__dataclass_fields__)
_REMINDERS_AT = list(InvoiceState.__dataclass_fields__).index("customer_reminders")

_STATE = text(
    f"""
    SELECT {_STATE_COLUMNS}
      FROM invoices i
      JOIN customers c ON c.company_id = i.company_id AND c.customer_id = i.customer_id
      {_NETWORK}
     WHERE i.company_id = :company_id AND i.invoice_id = :invoice_id
    """  # noqa: S608
)


def _state(row: Sequence[Any]) -> InvoiceState:
    values = list(row[:_N_STATE])
    values[_REMINDERS_AT] = list(values[_REMINDERS_AT] or [])
    return InvoiceState(*values)


async def invoice_state(
    session: AsyncSession, company_id: str, invoice_id: str, *, lock: bool = False, today: date | None = None
) -> InvoiceState | None:
    """The invoice (None when it is not this company's), locked against payments and withdrawal when about
    to be reminded, so the balance a reminder states is the balance at that moment. ``today`` (IST, default
    now) decides whether a promise to pay still pauses it."""
    if not _INVOICE_ID.match(invoice_id):
        return None
    query = text(str(_STATE) + " FOR UPDATE OF i") if lock else _STATE
    params = {"company_id": company_id, "invoice_id": invoice_id, "today": today or today_ist()}
    row = (await session.execute(query, params)).first()
    return _state(row) if row is not None else None


_APPLICABLE = text(
    """
    SELECT r.reminder_id
      FROM reminders r
      LEFT JOIN unnest(CAST(:own AS varchar[])) WITH ORDINALITY AS own(reminder_id, n)
             ON own.reminder_id = r.reminder_id
     WHERE r.company_id = :company_id AND r.active
       AND (own.n IS NOT NULL OR r.reminder_id = (SELECT default_reminder_id FROM companies
                                                   WHERE company_id = :company_id))
     ORDER BY own.n NULLS LAST
     LIMIT 1
    """
)


async def applicable(session: AsyncSession, company_id: str, own: Sequence[str]) -> Reminder | None:
    """The reminder for a customer listing ``own`` (its customerReminders): the first of them that exists
    and is active, else the company's default if active. The engine's statement says the same in SQL."""
    found = (
        await session.execute(_APPLICABLE, {"company_id": company_id, "own": list(own)})
    ).scalar_one_or_none()
    return None if found is None else await get(session, company_id, found)


@dataclass(frozen=True)
class Due:
    """An invoice whose reminder has an occurrence due and not sent: the latest one only."""

    invoice: InvoiceState
    reminder_id: str
    steps: list[dict[str, Any]]
    offsets: list[int]
    occurrence: int
    due_at: datetime


# The latest offset whose moment has passed (``passed``: days since the due date, one less before sendAt)
# is the occurrence due: the greatest step offset up to it, or after the last step with repeatEveryDays,
# the last repeat up to it. Only that one is considered, so a service down across several steps sends the
# latest, never a burst; an occurrence due before the invoice was (last) dispatched is not sent at all:
# the dispatch itself told the customer. Invoices being paid or withdrawn right now (locked) are skipped
# and looked at next minute.
_DUE = text(
    f"""
    SELECT {_STATE_COLUMNS}, r.reminder_id, r.steps, r.offsets, o.occurrence,
           ((i.due_date + o.occurrence) + r.send_at) AT TIME ZONE 'Asia/Kolkata'
      FROM invoices i
      JOIN customers c ON c.company_id = i.company_id AND c.customer_id = i.customer_id
      {_NETWORK}
     CROSS JOIN LATERAL (
           SELECT r.reminder_id, r.steps, r.offsets, r.send_at, r.repeat_every_days,
                  r.offsets[cardinality(r.offsets)] AS last_offset
             FROM reminders r
             LEFT JOIN unnest(c.customer_reminders) WITH ORDINALITY AS own(reminder_id, n)
                    ON own.reminder_id = r.reminder_id
            WHERE r.company_id = i.company_id AND r.active
              AND (own.n IS NOT NULL OR r.reminder_id = :default_id)
            ORDER BY own.n NULLS LAST
            LIMIT 1) r
     CROSS JOIN LATERAL (
           SELECT CAST(CAST(:now_ist AS timestamp) AS date) - i.due_date
                  - CASE WHEN CAST(CAST(:now_ist AS timestamp) AS time) < r.send_at THEN 1 ELSE 0 END
                  AS passed) p
     CROSS JOIN LATERAL (
           SELECT CASE WHEN r.repeat_every_days IS NOT NULL AND p.passed >= r.last_offset
                       THEN r.last_offset
                            + (p.passed - r.last_offset) / r.repeat_every_days * r.repeat_every_days
                       ELSE (SELECT max(x) FROM unnest(r.offsets) AS x WHERE x <= p.passed)
                  END AS occurrence) o
     WHERE i.company_id = :company_id AND i.invoice_id > :after
       AND i.status IN ('DISPATCHED', 'PARTIALLY_PAID') AND i.dispatched AND i.balance_amount > 0
       AND c.status = 'ACTIVE' AND NOT c.deleted
       AND (b.status IS NULL OR b.status NOT IN ({_HELD})) AND ({_PAUSED}) IS NULL
       AND o.occurrence IS NOT NULL
       AND ((i.due_date + o.occurrence) + r.send_at) AT TIME ZONE 'Asia/Kolkata' > i.dispatched_on
       AND NOT EXISTS (
           SELECT 1 FROM reminder_sends s
            WHERE s.company_id = i.company_id AND s.invoice_id = i.invoice_id
              AND s.reminder_id = r.reminder_id AND s.occurrence = o.occurrence)
     ORDER BY i.invoice_id
     LIMIT :limit
       FOR UPDATE OF i SKIP LOCKED
    """  # noqa: S608
)


async def due_batch(
    session: AsyncSession,
    company_id: str,
    default_id: str | None,
    now_ist: datetime,
    limit: int,
    after: str = "",
) -> list[Due]:
    """Up to ``limit`` of the company's invoices after invoice id ``after`` with a reminder occurrence due
    at ``now_ist`` (naive IST wall-clock time) and not yet sent, locked. A run passes on the last id of its
    previous batch, so each batch reads on from there rather than the whole book again."""
    params = {
        "company_id": company_id,
        "default_id": default_id,
        "now_ist": now_ist,
        "limit": limit,
        "after": after,
        "today": now_ist.date(),
    }
    rows = (await session.execute(_DUE, params)).all()
    return [Due(_state(row), *row[_N_STATE:]) for row in rows]


_RECORD = text(
    """
    INSERT INTO reminder_sends (company_id, send_id, invoice_id, reminder_id, kind, occurrence, due_at,
                                channels, message_ids, balance_amount, sent_by)
    SELECT :company_id, s.send_id, s.invoice_id, s.reminder_id, s.kind, s.occurrence, s.due_at,
           CAST(s.channels AS varchar[]), CAST(s.message_ids AS varchar[]), s.balance_amount, :sent_by
      FROM unnest(CAST(:send_id AS text[]), CAST(:invoice_id AS text[]), CAST(:reminder_id AS text[]),
                  CAST(:kind AS text[]), CAST(:occurrence AS integer[]), CAST(:due_at AS timestamptz[]),
                  CAST(:channels AS text[]), CAST(:message_ids AS text[]), CAST(:balance AS numeric[]))
           AS s(send_id, invoice_id, reminder_id, kind, occurrence, due_at, channels, message_ids,
                balance_amount)
        ON CONFLICT (company_id, invoice_id, reminder_id, occurrence) DO NOTHING
    RETURNING send_id
    """
)


def _pg_array(values: Sequence[str]) -> str:
    """A text[] literal, so that one column of the unnest can carry an array per row."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


async def record_sends(
    session: AsyncSession, company_id: str, sent_by: str, rows: list[dict[str, Any]]
) -> set[str]:
    """Record reminders sent; a scheduled occurrence already recorded (by a racing worker, or before) is left
    alone. The send ids this call recorded: the ones whose messages and events it may write."""
    if not rows:
        return set()
    params = {
        "company_id": company_id,
        "sent_by": sent_by,
        "send_id": [r["send_id"] for r in rows],
        "invoice_id": [r["invoice_id"] for r in rows],
        "reminder_id": [r["reminder_id"] for r in rows],
        "kind": [r["kind"] for r in rows],
        "occurrence": [r["occurrence"] for r in rows],
        "due_at": [r["due_at"] for r in rows],
        "channels": [_pg_array(r["channels"]) for r in rows],
        "message_ids": [_pg_array(r["message_ids"]) for r in rows],
        "balance": [r["balance_amount"] for r in rows],
    }
    return set((await session.execute(_RECORD, params)).scalars())


async def sends_of(session: AsyncSession, company_id: str, invoice_id: str) -> list[ReminderSend]:
    rows = await session.execute(
        select(ReminderSend)
        .where(ReminderSend.company_id == company_id, ReminderSend.invoice_id == invoice_id)
        .order_by(ReminderSend.created_on, ReminderSend.send_id)
    )
    return list(rows.scalars())


async def messages(session: AsyncSession, company_id: str, message_ids: Sequence[str]) -> dict[str, Message]:
    rows = await session.execute(
        select(Message).where(Message.company_id == company_id, Message.message_id.in_(list(message_ids)))
    )
    return {m.message_id: m for m in rows.scalars()}


_CANCEL_UNSENT = text(
    """
    UPDATE messages m
       SET status = 'CANCELLED', updated_on = now()
      FROM reminder_sends s
     WHERE s.company_id = :company_id AND s.invoice_id = ANY(:invoice_ids)
       AND m.company_id = s.company_id AND m.message_id = ANY(s.message_ids) AND m.status = 'PENDING'
    """
)


async def cancel_unsent(session: AsyncSession, company_id: str, invoice_ids: Sequence[str]) -> int:
    """The invoices' reminder messages not handed to a provider yet become CANCELLED; how many."""
    if not invoice_ids:
        return 0
    result = await session.execute(
        _CANCEL_UNSENT, {"company_id": company_id, "invoice_ids": list(invoice_ids)}
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
