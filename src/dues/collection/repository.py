"""All SQL of collection (dispatch, delete, the outbox and its sending); every statement is scoped by company
here. Bulk statements take the whole id list at once: a handful of statements for 5,000 invoices."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import UnaryExpression, and_, func, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from dues import jobs
from dues.models.invoice import Invoice
from dues.models.message import Message

_INVOICE_ID = re.compile(r"^INV[A-Z0-9]{13}\Z", re.ASCII)


@dataclass(frozen=True)
class Candidate:
    """An invoice named in a bulk call, locked, with what decides whether it may be dispatched or deleted and
    what its messages say."""

    invoice_id: str
    customer_id: str
    invoice_number: str
    invoice_date: date
    due_date: date
    status: str
    approval_status: str
    total_amount: Decimal
    paid_amount: Decimal
    balance_amount: Decimal
    dispatched: bool
    dispatched_on: datetime | None
    partial_payment_allowed: bool
    has_token: bool
    email_address: str | None
    customer_name: str
    customer_status: str
    customer_deleted: bool
    customer_email: str | None
    customer_mobile: str | None
    # What the messages' "amount to pay after TDS" needs (api.md §9.2).
    cgst: Decimal = Decimal(0)
    sgst: Decimal = Decimal(0)
    igst: Decimal = Decimal(0)
    cess: Decimal = Decimal(0)
    tds_section: str | None = None
    tds_rate: Decimal | None = None


_LOCK = text(
    """
    SELECT i.invoice_id, i.customer_id, i.invoice_number, i.invoice_date, i.due_date, i.status,
           i.approval_status, i.total_amount, i.paid_amount, i.balance_amount, i.dispatched, i.dispatched_on,
           i.partial_payment_allowed, i.payment_token IS NOT NULL, i.email_address,
           c.legal_name, c.status, c.deleted, c.email, c.contact_number,
           i.cgst, i.sgst, i.igst, i.cess, c.tds_section, c.tds_rate
      FROM invoices i
      JOIN customers c ON c.company_id = i.company_id AND c.customer_id = i.customer_id
     WHERE i.company_id = :company_id AND i.invoice_id = ANY(CAST(:ids AS text[]))
     ORDER BY i.invoice_id
       FOR UPDATE OF i
    """
)


async def lock_invoices(
    session: AsyncSession, company_id: str, invoice_ids: Sequence[str]
) -> list[Candidate]:
    """This company's invoices among the ids, locked in id order (two bulk calls over the same invoices
    then queue rather than deadlock); ids of other companies or of nothing are simply absent."""
    # An id that cannot have been issued is not looked up (PostgreSQL refuses a query with a NUL in it).
    issued = [i for i in invoice_ids if _INVOICE_ID.match(i)]
    result = await session.execute(_LOCK, {"company_id": company_id, "ids": issued})
    return [Candidate(*row) for row in result.all()]


_DISPATCH = text(
    """
    UPDATE invoices i
       SET payment_token = COALESCE(i.payment_token, t.token),
           dispatched = true,
           dispatched_on = now(),
           status = CASE WHEN i.status = 'PARTIALLY_PAID' THEN i.status ELSE 'DISPATCHED' END,
           partial_payment_allowed = COALESCE(CAST(:partial AS boolean), i.partial_payment_allowed),
           updated_on = now()
      FROM unnest(CAST(:ids AS text[]), CAST(:tokens AS text[])) AS t(invoice_id, token)
     WHERE i.company_id = :company_id AND i.invoice_id = t.invoice_id
    RETURNING i.invoice_id, i.payment_token, i.dispatched_on, i.status, i.partial_payment_allowed
    """
)


async def mark_dispatched(
    session: AsyncSession,
    company_id: str,
    invoice_ids: Sequence[str],
    tokens: Sequence[str],
    partial: bool | None,
) -> dict[str, tuple[str, datetime, str, bool]]:
    """Dispatch the (locked) invoices: a new token only where there is none. invoiceId → (token,
    dispatched_on, status, partial_payment_allowed)."""
    result = await session.execute(
        _DISPATCH,
        {"company_id": company_id, "ids": list(invoice_ids), "tokens": list(tokens), "partial": partial},
    )
    return {row[0]: (row[1], row[2], row[3], row[4]) for row in result.all()}


# A withdrawn invoice is no longer owed: it leaves the ledger (posted = false) and its caller writes the
# REVERSAL entry of those that were in it. The subquery reads the rows as they were before this UPDATE.
_WITHDRAW = text(
    """
    UPDATE invoices i
       SET status = 'COLLECTION_DELETED', payment_token = NULL, posted = false, updated_on = now()
      FROM (SELECT invoice_id, posted FROM invoices
             WHERE company_id = :company_id AND invoice_id = ANY(CAST(:ids AS text[]))) o
     WHERE i.company_id = :company_id AND i.invoice_id = o.invoice_id
    RETURNING i.invoice_id, i.customer_id, i.invoice_number, i.balance_amount, o.posted
    """
)

_CANCEL = text(
    """
    UPDATE messages
       SET status = 'CANCELLED', last_error = :why, updated_on = now()
     WHERE company_id = :company_id AND invoice_id = ANY(CAST(:ids AS text[])) AND status = 'PENDING'
    """
)


async def withdraw(
    session: AsyncSession, company_id: str, invoice_ids: Sequence[str], why: str
) -> list[tuple[str, str, str, Decimal]]:
    """Take the (locked) invoices out of collection: the payment link dies with its token, and messages not
    yet handed to a provider are not sent. (invoiceId, customerId, number, balance) of those that were in
    the ledger."""
    params = {"company_id": company_id, "ids": list(invoice_ids)}
    rows = (await session.execute(_WITHDRAW, params)).all()
    await session.execute(_CANCEL, {**params, "why": why})
    return [(r[0], r[1], r[2], Decimal(r[3])) for r in rows if r[4]]


_CONTACTS = """
    SELECT customer_id, email, mobile, channels
      FROM customer_contacts
     WHERE company_id = :company_id AND customer_id = ANY(CAST(:ids AS text[]))
       AND active AND {opted_in}
     ORDER BY customer_id, is_primary DESC, created_on, contact_id
"""
_INVOICE_CONTACTS = text(_CONTACTS.format(opted_in="receive_invoices"))
_REMINDER_CONTACTS = text(_CONTACTS.format(opted_in="receive_reminders"))


async def invoice_contacts(
    session: AsyncSession, company_id: str, customer_ids: Sequence[str], *, reminders: bool = False
) -> list[tuple[str, str | None, str | None, list[str]]]:
    """(customerId, email, mobile, channels) of the active contacts that take invoices (or, with
    ``reminders``, reminders), primary first."""
    query = _REMINDER_CONTACTS if reminders else _INVOICE_CONTACTS
    result = await session.execute(query, {"company_id": company_id, "ids": list(customer_ids)})
    return [(row[0], row[1], row[2], list(row[3] or [])) for row in result.all()]


_ADD_MESSAGES = text(
    """
    INSERT INTO messages
           (company_id, message_id, invoice_id, channel, recipient, subject, body, attachments, status)
    SELECT :company_id, m.message_id, m.invoice_id, m.channel, m.recipient, m.subject, m.body,
           CAST(m.attachments AS jsonb), m.status
      FROM unnest(CAST(:message_id AS text[]), CAST(:invoice_id AS text[]), CAST(:channel AS text[]),
                  CAST(:recipient AS text[]), CAST(:subject AS text[]), CAST(:body AS text[]),
                  CAST(:attachments AS text[]), CAST(:status AS text[]))
           AS m(message_id, invoice_id, channel, recipient, subject, body, attachments, status)
    """
)

_ADD_EVENTS = text(
    """
    INSERT INTO events (company_id, event_type, entity_id, payload)
    SELECT :company_id, e.event_type, e.entity_id, CAST(e.payload AS jsonb)
      FROM unnest(CAST(:event_type AS text[]), CAST(:entity_id AS text[]), CAST(:payload AS text[]))
           WITH ORDINALITY AS e(event_type, entity_id, payload, n)
     ORDER BY e.n
    """
)

_ADD_AUDIT = text(
    """
    INSERT INTO audit_log
           (company_id, actor, entity_type, entity_id, action, before, after, reason, request_id)
    SELECT :company_id, :actor, a.entity_type, a.entity_id, a.action, CAST(a.before AS jsonb),
           CAST(a.after AS jsonb), :reason, :request_id
      FROM unnest(CAST(:entity_type AS text[]), CAST(:entity_id AS text[]), CAST(:action AS text[]),
                  CAST(:before AS text[]), CAST(:after AS text[]))
           WITH ORDINALITY AS a(entity_type, entity_id, action, before, after, n)
     ORDER BY a.n
    """
)


def _columns(rows: list[dict[str, Any]], names: Sequence[str], as_json: Sequence[str] = ()) -> dict[str, Any]:
    """Rows as one array per column, for a single INSERT ... SELECT FROM unnest(...): one statement and one
    round trip for thousands of rows, where a multi-row VALUES insert costs seconds."""
    dumps = orjson.dumps
    return {
        name: [dumps(r[name]).decode() for r in rows] if name in as_json else [r[name] for r in rows]
        for name in names
    }


async def add_messages(session: AsyncSession, company_id: str, rows: list[dict[str, Any]]) -> None:
    """Messages to send: PENDING, unless a row says otherwise (OUTBOX for a channel with no provider)."""
    if rows:
        rows = [{"status": "PENDING", **r} for r in rows]
        names = (
            "message_id",
            "invoice_id",
            "channel",
            "recipient",
            "subject",
            "body",
            "attachments",
            "status",
        )
        params = _columns(rows, names, as_json=("attachments",))
        await session.execute(_ADD_MESSAGES, {"company_id": company_id, **params})


async def add_events(session: AsyncSession, company_id: str, rows: list[dict[str, Any]]) -> None:
    """Events in list order (their ids give webhooks the order)."""
    if rows:
        params = _columns(rows, ("event_type", "entity_id", "payload"), as_json=("payload",))
        await session.execute(_ADD_EVENTS, {"company_id": company_id, **params})


async def add_audit(
    session: AsyncSession,
    company_id: str,
    actor: str,
    reason: str | None,
    request_id: str | None,
    rows: list[dict[str, Any]],
) -> None:
    """Audit rows of one actor and request: entity_type, entity_id, action, before, after per row."""
    if rows:
        names = ("entity_type", "entity_id", "action", "before", "after")
        params = _columns(rows, names, as_json=("before", "after"))
        await session.execute(
            _ADD_AUDIT,
            {"company_id": company_id, "actor": actor, "reason": reason, "request_id": request_id, **params},
        )


async def defer_at(
    session: AsyncSession, task: str, at: datetime, queueing_lock: str | None, **args: Any
) -> bool:
    """Queue ``task`` to run at ``at``, in the session's transaction; False when a job holding the queueing
    lock already waits (one is enough)."""
    try:
        async with session.begin_nested():
            await jobs.enqueue(session, task, queueing_lock=queueing_lock, at=at, **args)
    except Exception as exc:  # procrastinate's unique index on the queueing lock
        if "procrastinate_jobs_queueing_lock_idx" in str(exc):
            return False
        raise
    return True


# Outbox -----------------------------------------------------------------------------------------------


async def list_messages(
    session: AsyncSession,
    company_id: str,
    invoice_id: str | None,
    channel: str | None,
    descending: bool,
    limit: int,
    offset: int,
) -> tuple[list[Message], int]:
    conds = [Message.company_id == company_id]
    if invoice_id is not None:
        conds.append(Message.invoice_id == invoice_id)
    if channel is not None:
        conds.append(Message.channel == channel)
    order = (
        (Message.created_on.desc(), Message.message_id.desc())
        if descending
        else (
            Message.created_on,
            Message.message_id,
        )
    )
    rows = await session.execute(select(Message).where(*conds).order_by(*order).limit(limit).offset(offset))
    total = await session.execute(select(func.count()).select_from(Message).where(*conds))
    return list(rows.scalars()), int(total.scalar_one())


@dataclass(frozen=True)
class OutboxLine:
    """A message as the outbox page shows it, with its invoice's number."""

    message_id: str
    invoice_id: str | None
    invoice_number: str | None
    channel: str
    recipient: str
    subject: str | None
    body: str
    attachments: list[dict[str, Any]]
    status: str
    attempts: int
    last_error: str | None
    created_on: datetime
    sent_on: datetime | None


# (created_on, message_id) of a message: where a page of the outbox starts or ends.
Cursor = tuple[datetime, str]


async def outbox_lines(
    session: AsyncSession,
    company_id: str,
    *,
    invoice_id: str | None,
    channel: str | None,
    status: str | None,
    limit: int,
    before: Cursor | None = None,
    after: Cursor | None = None,
) -> tuple[list[OutboxLine], bool]:
    """Up to ``limit`` messages newest first: the newest, those just older than ``before``, or those just
    newer than ``after``; and whether more lie beyond them that way.

    Keyset paging over (created_on, message_id), so the thousandth page costs what the first does: the row
    comparison becomes a bound on ix_messages_company_created (ix_messages_invoice for one invoice), and
    messages of one dispatch, which share their created_on, are put in order by message_id as they are read.
    """
    conds = [Message.company_id == company_id]
    if invoice_id is not None:
        conds.append(Message.invoice_id == invoice_id)
    if channel is not None:
        conds.append(Message.channel == channel)
    if status is not None:
        conds.append(Message.status == status)
    key = tuple_(Message.created_on, Message.message_id)
    order: tuple[UnaryExpression[Any], ...]
    if after is not None:
        conds.append(key > tuple_(*after))
        order = (Message.created_on.asc(), Message.message_id.asc())
    else:
        if before is not None:
            conds.append(key < tuple_(*before))
        order = (Message.created_on.desc(), Message.message_id.desc())
    stmt = (
        select(
            Message.message_id,
            Message.invoice_id,
            Invoice.invoice_number,
            Message.channel,
            Message.recipient,
            Message.subject,
            Message.body,
            Message.attachments,
            Message.status,
            Message.attempts,
            Message.last_error,
            Message.created_on,
            Message.sent_on,
        )
        .outerjoin(
            Invoice,
            and_(Invoice.company_id == Message.company_id, Invoice.invoice_id == Message.invoice_id),
        )
        .where(*conds)
        .order_by(*order)
        .limit(limit + 1)
    )
    rows = [OutboxLine(*row) for row in (await session.execute(stmt)).all()]
    more = len(rows) > limit
    rows = rows[:limit]
    if after is not None:
        rows.reverse()
    return rows, more


# Sending ----------------------------------------------------------------------------------------------

# A claim is a dead worker's when that worker's heartbeat stopped (or its row was pruned); a claim made
# outside any job worker (claimed_by NULL) falls back to its age.
_DEAD_CLAIM = """
    status = 'SENDING' AND (
        (claimed_by IS NULL AND updated_on < now() - make_interval(secs => :stale_seconds))
        OR (claimed_by IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM procrastinate_workers w
             WHERE w.id = messages.claimed_by
               AND w.last_heartbeat > now() - make_interval(secs => :dead_after))))
"""

_REQUEUE_STALLED = text(  # the f-string only inserts the constant above
    f"""
    UPDATE messages
       SET status = 'PENDING', claimed_by = NULL, updated_on = now()
     WHERE company_id = :company_id AND {_DEAD_CLAIM}
    """  # noqa: S608
)

_CLAIM = text(
    """
    UPDATE messages m
       SET status = 'SENDING', attempts = m.attempts + 1, claimed_by = :worker_id, updated_on = now()
      FROM (SELECT message_id
              FROM messages
             WHERE company_id = :company_id AND status = 'PENDING' AND next_attempt_at <= now()
             ORDER BY next_attempt_at, invoice_id, message_id
             LIMIT :batch
               FOR UPDATE SKIP LOCKED) AS due
     WHERE m.company_id = :company_id AND m.message_id = due.message_id
    RETURNING m.message_id, m.invoice_id, m.channel, m.recipient, m.subject, m.body, m.attachments, m.attempts
    """
)


@dataclass(frozen=True)
class Claimed:
    message_id: str
    invoice_id: str | None
    channel: str
    recipient: str
    subject: str | None
    body: str
    attachments: list[dict[str, Any]]
    attempts: int


async def requeue_stalled(
    session: AsyncSession, company_id: str, stale_seconds: float, dead_after: float
) -> int:
    """Messages a dead worker left SENDING go back to PENDING (the one it had on the wire may go twice)."""
    result = await session.execute(
        _REQUEUE_STALLED,
        {"company_id": company_id, "stale_seconds": stale_seconds, "dead_after": dead_after},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def claim(session: AsyncSession, company_id: str, batch: int, worker_id: int | None) -> list[Claimed]:
    """Up to ``batch`` due messages, marked SENDING (and their attempt counted) for this worker alone; the
    messages of one dispatch are due at one time, so an invoice's messages mostly come in one batch."""
    result = await session.execute(_CLAIM, {"company_id": company_id, "batch": batch, "worker_id": worker_id})
    # An invoice's messages one after the other: its PDF is drawn once for all of them.
    return sorted((Claimed(*row) for row in result.all()), key=lambda c: (c.invoice_id or "", c.message_id))


_SETTLE = text(
    """
    UPDATE messages
       SET status = CAST(:status AS varchar),
           sent_on = CASE WHEN CAST(:status AS varchar) = 'SENT' THEN now() END,
           last_error = :error, attachments = CAST(:attachments AS jsonb), updated_on = now()
     WHERE company_id = :company_id AND message_id = :message_id AND status = 'SENDING'
    """
)

# Messages with no provider to hand them to are all kept at once: nothing leaves the machine, so there is
# nothing in flight to count one at a time.
_KEEP_IN_OUTBOX = text(
    """
    UPDATE messages
       SET status = 'OUTBOX', last_error = NULL, updated_on = now()
     WHERE company_id = :company_id AND message_id = ANY(:message_ids) AND status = 'SENDING'
    """
)

_RETRY = text(
    """
    UPDATE messages
       SET status = 'PENDING', last_error = :error, updated_on = now(),
           next_attempt_at = now() + make_interval(secs => :delay)
     WHERE company_id = :company_id AND message_id = :message_id AND status = 'SENDING'
    """
)


async def settle(
    session: AsyncSession,
    company_id: str,
    message_id: str,
    status: str,
    error: str | None,
    attachments: list[dict[str, Any]],
) -> None:
    await session.execute(
        _SETTLE,
        {
            "company_id": company_id,
            "message_id": message_id,
            "status": status,
            "error": error,
            "attachments": json.dumps(attachments),
        },
    )


async def keep_in_outbox(session: AsyncSession, company_id: str, message_ids: Sequence[str]) -> None:
    await session.execute(_KEEP_IN_OUTBOX, {"company_id": company_id, "message_ids": list(message_ids)})


async def retry_later(
    session: AsyncSession, company_id: str, message_id: str, error: str, delay: float
) -> None:
    await session.execute(
        _RETRY, {"company_id": company_id, "message_id": message_id, "error": error, "delay": delay}
    )


_NEXT_DUE = text(
    """
    SELECT min(next_attempt_at) FROM messages
     WHERE company_id = :company_id AND status = 'PENDING'
    """
)


async def next_due(session: AsyncSession, company_id: str) -> datetime | None:
    result = await session.execute(_NEXT_DUE, {"company_id": company_id})
    value: datetime | None = result.scalar_one()
    return value


_UNSETTLED_COMPANIES = text(  # the f-string only inserts the constant above
    f"""
    SELECT DISTINCT company_id FROM messages
     WHERE (status = 'PENDING' AND next_attempt_at <= now()) OR ({_DEAD_CLAIM})
    """  # noqa: S608
)


async def companies_with_due_messages(
    session: AsyncSession, stale_seconds: float, dead_after: float
) -> list[str]:
    """Every company with messages due or left by a dead worker, for the periodic sweep (over the small
    partial index of unsettled messages)."""
    result = await session.execute(
        _UNSETTLED_COMPANIES, {"stale_seconds": stale_seconds, "dead_after": dead_after}
    )
    return list(result.scalars())
