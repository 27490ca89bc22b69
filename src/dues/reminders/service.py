"""Payment reminders (api.md §7): the schedules, which one applies to an invoice, when each occurrence is
due, and writing a reminder's messages through collection's outbox (docs/reminders.md).

A reminder sent is a row of ``reminder_sends`` written in the same transaction as its messages and its
``reminder.sent`` event; a scheduled occurrence's row has a unique key, and the messages and event are
written only for the rows an INSERT ... ON CONFLICT DO NOTHING reports as its own. So an occurrence goes
out at most once, however many engines run at once or again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.auth.service import Principal
from dues.collection import repository as collection_repository
from dues.collection import service as collection
from dues.collection.schemas import Channel
from dues.errors import Conflict, NotFound, Unprocessable, ValidationFailed
from dues.kit import ids, tds
from dues.kit.pagination import Page, PageParams
from dues.kit.timefmt import IST, now
from dues.models.reminder import Reminder
from dues.msme import service as msme
from dues.portal_links import service as portal_links
from dues.reminders import repository
from dues.reminders.repository import Due, InvoiceState
from dues.reminders.schemas import (
    Delivery,
    PlannedReminder,
    ReminderRead,
    ReminderWrite,
    RemindRequest,
    RemindResult,
    SentReminder,
    StepRead,
    Timeline,
)
from dues.webhooks import payloads

ENGINE = "reminders"
PLANNED_SHOWN = 5


def _not_found(reminder_id: str) -> NotFound:
    return NotFound(f"No reminder {reminder_id}.")


def _send_at(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def to_read(reminder: Reminder) -> ReminderRead:
    return ReminderRead(
        reminder_id=reminder.reminder_id,
        company_id=reminder.company_id,
        name=reminder.name,
        customer_id=reminder.customer_id,
        steps=[StepRead.model_validate(s) for s in reminder.steps],
        send_at=reminder.send_at.strftime("%H:%M"),
        repeat_every_days=reminder.repeat_every_days,
        active=reminder.active,
        created_on=reminder.created_on,
        updated_on=reminder.updated_on,
    )


def _snapshot(reminder: Reminder) -> dict[str, Any]:
    read = to_read(reminder).model_dump(mode="json", by_alias=True)
    return {k: v for k, v in read.items() if k not in ("createdOn", "updatedOn")}


def _apply(reminder: Reminder, body: ReminderWrite) -> None:
    reminder.name = body.name
    reminder.customer_id = body.customer_id
    reminder.steps = [
        {"offsetDays": s.offset_days, "channels": [str(c) for c in s.channels], "template": s.template}
        for s in body.steps
    ]
    reminder.offsets = [s.offset_days for s in body.steps]
    reminder.send_at = _send_at(body.send_at)
    reminder.repeat_every_days = body.repeat_every_days
    reminder.active = body.active


async def _check_customer(session: AsyncSession, company_id: str, customer_id: str | None) -> None:
    if customer_id is None:
        return
    deleted = await repository.customer_deleted(session, company_id, customer_id)
    if deleted is None:
        raise ValidationFailed.field("customerId", "no such customer in this company", customer_id)
    if deleted:
        raise ValidationFailed.field("customerId", "the customer is deleted", customer_id)


async def create(
    session: AsyncSession, principal: Principal, company_id: str, body: ReminderWrite
) -> ReminderRead:
    await _check_customer(session, company_id, body.customer_id)
    reminder = Reminder(company_id=company_id, reminder_id=ids.many("RM", 1, 14)[0])
    _apply(reminder, body)
    repository.add(session, reminder)
    await session.flush()
    await audit.record(
        session,
        company_id,
        principal.user_id,
        "reminder",
        reminder.reminder_id,
        "CREATE",
        None,
        _snapshot(reminder),
    )
    return to_read(reminder)


async def get(session: AsyncSession, company_id: str, reminder_id: str) -> ReminderRead:
    reminder = await repository.get(session, company_id, reminder_id)
    if reminder is None:
        raise _not_found(reminder_id)
    return to_read(reminder)


async def list_(
    session: AsyncSession, company_id: str, customer_id: str | None, page: PageParams
) -> Page[ReminderRead]:
    rows, total = await repository.page(session, company_id, customer_id, page.limit, page.offset)
    return Page[ReminderRead](
        items=[to_read(r) for r in rows], total=total, offset=page.offset, limit=page.limit
    )


def _where_used(reminder_id: str, is_default: bool, customers: list[str]) -> str:
    places = []
    if is_default:
        places.append("it is the company's defaultReminderId")
    if customers:
        places.append(f"customers {', '.join(customers)} list it in customerReminders")
    return f"Reminder {reminder_id} is in use: {' and '.join(places)}"


async def update(
    session: AsyncSession, principal: Principal, company_id: str, reminder_id: str, body: ReminderWrite
) -> ReminderRead:
    reminder = await repository.get(session, company_id, reminder_id, for_update=True)
    if reminder is None:
        raise _not_found(reminder_id)
    if body.customer_id != reminder.customer_id:
        await _check_customer(session, company_id, body.customer_id)
        is_default, customers = await repository.usage(session, company_id, reminder_id)
        # Whose a reminder is decides who may use it (check_ids): it cannot move away from those using it.
        elsewhere = [c for c in customers if c != body.customer_id]
        if (is_default and body.customer_id is not None) or elsewhere:
            raise Conflict(
                _where_used(reminder_id, is_default and body.customer_id is not None, elsewhere)
                + "; its customerId cannot change until they stop using it."
            )
    before = _snapshot(reminder)
    _apply(reminder, body)
    await session.flush()
    after = _snapshot(reminder)
    if before != after:
        await audit.record(
            session, company_id, principal.user_id, "reminder", reminder_id, "UPDATE", before, after
        )
    return to_read(reminder)


async def delete(
    session: AsyncSession, principal: Principal, company_id: str, reminder_id: str
) -> ReminderRead:
    """A reminder in use is not deleted (409 says where it is used): deleting it would silently change which
    reminder those customers get. Setting ``active`` false stops it at once instead."""
    reminder = await repository.get(session, company_id, reminder_id, for_update=True)
    if reminder is None:
        raise _not_found(reminder_id)
    is_default, customers = await repository.usage(session, company_id, reminder_id)
    if is_default or customers:
        raise Conflict(
            _where_used(reminder_id, is_default, customers)
            + "; remove it there first, or set active to false to stop it."
        )
    read = to_read(reminder)
    await repository.remove(session, reminder)
    await audit.record(
        session, company_id, principal.user_id, "reminder", reminder_id, "DELETE", _snapshot(reminder), None
    )
    return read


async def check_ids(
    session: AsyncSession,
    company_id: str,
    reminder_ids: Sequence[str],
    *,
    field: str,
    customer_id: str | None,
    rejected: object = None,
) -> None:
    """422 unless every id is a reminder of this company that ``customer_id`` may use: a company-wide one
    (customerId null), or, for a customer, that customer's own. For customers' customerReminders
    (customer_id the customer, None while it is being created) and the company's defaultReminderId
    (customer_id None). ``rejected``: the value the error shows (default the list of ids)."""
    wanted = list(dict.fromkeys(reminder_ids))
    if not wanted:
        return
    problem = id_problem(wanted, await repository.owners(session, company_id, wanted), customer_id)
    if problem:
        raise ValidationFailed.field(field, problem, list(reminder_ids) if rejected is None else rejected)


async def owners_of(
    session: AsyncSession, company_id: str, reminder_ids: Sequence[str]
) -> dict[str, str | None]:
    """reminderId → its customerId (None: company-wide), for the ids that are this company's reminders; with
    id_problem, the check of check_ids for many customers at once (bulk uploads)."""
    return await repository.owners(session, company_id, list(dict.fromkeys(reminder_ids)))


def id_problem(
    reminder_ids: Sequence[str], owners: dict[str, str | None], customer_id: str | None
) -> str | None:
    """Why ``customer_id`` (None: a customer being created, or the company) may not use these reminders."""
    unknown = [r for r in dict.fromkeys(reminder_ids) if r not in owners]
    if unknown:
        return f"no reminder {', '.join(unknown)} in this company (create it first)"
    foreign = [r for r in dict.fromkeys(reminder_ids) if owners[r] is not None and owners[r] != customer_id]
    if foreign:
        whose = ", ".join(f"{r} is customer {owners[r]}'s" for r in foreign)
        return f"{whose}; use a company-wide reminder (customerId null) or this customer's own"
    return None


# When occurrences are due ---------------------------------------------------------------------------------


def due_at(due_date: date, offset: int, send_at: time) -> datetime:
    """The moment of the occurrence ``offset`` days after the due date: that day at sendAt, IST."""
    return datetime.combine(due_date + timedelta(days=offset), send_at, IST)


def _passed(at: datetime, due_date: date, send_at: time) -> int:
    """The greatest offset whose moment is not after ``at``."""
    local = at.astimezone(IST)
    days = (local.date() - due_date).days
    return days - 1 if local.time() < send_at else days


def latest_due(offsets: Sequence[int], repeat: int | None, passed: int) -> int | None:
    """The occurrence due when every offset up to ``passed`` has come: the only one the engine sends."""
    last = offsets[-1]
    if repeat is not None and passed >= last:
        return last + (passed - last) // repeat * repeat
    earlier = [o for o in offsets if o <= passed]
    return earlier[-1] if earlier else None


def upcoming(offsets: Sequence[int], repeat: int | None, after: int, n: int) -> list[int]:
    """The next ``n`` occurrences after offset ``after``."""
    found = [o for o in offsets if o > after][:n]
    if repeat is not None:
        last = offsets[-1]
        k = max(1, (after - last) // repeat + 1)
        while len(found) < n:
            found.append(last + k * repeat)
            k += 1
    return found


def _kind(offsets: Sequence[int], occurrence: int) -> str:
    return "STEP" if occurrence in offsets else "REPEAT"


def _step(steps: list[dict[str, Any]], occurrence: int) -> dict[str, Any]:
    """The step an occurrence belongs to; a repeat goes as the last step did."""
    for step in steps:
        if step["offsetDays"] == occurrence:
            return step
    return steps[-1]


# Writing reminders ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """A reminder to write for one invoice."""

    invoice: InvoiceState
    reminder_id: str | None
    kind: str
    occurrence: int | None
    due_at: datetime | None
    channels: Sequence[str] | None  # None: each recipient on all of its channels
    template: str | None


def _inr(amount: Decimal) -> str:
    return f"INR {amount:,.2f}"


def msme_sentences(owed: msme.MsmeInterest | None, today: date) -> tuple[str, str]:
    """What a reminder of a micro or small seller says of MSMED Act s.16 interest, in one sentence: in full
    (e-mail, a template's {msmeInterest}) and short (SMS, WhatsApp). Empty for any other seller."""
    if owed is None:
        return "", ""
    if owed.days_late == 0:
        return (
            f"Under the MSMED Act 2006 (s.16), payment after {owed.statutory_due_date:%d %b %Y} attracts "
            "compound interest with monthly rests at three times the RBI bank rate.",
            f"Interest runs after {owed.statutory_due_date:%d %b %Y} (MSMED Act s.16).",
        )
    return (
        f"Under the MSMED Act 2006 (s.16), interest of {_inr(owed.interest)} has accrued to {today:%d %b %Y} "
        f"on the amount unpaid since {owed.statutory_due_date:%d %b %Y}, compounded monthly at three times "
        "the RBI bank rate.",
        f"Interest to {today:%d %b %Y}: {_inr(owed.interest)} (MSMED Act s.16, 3x RBI bank rate, "
        "monthly rests).",
    )


def _texts(
    seller: str,
    invoice: InvoiceState,
    link: str,
    template: str | None,
    today: date,
    owed: msme.MsmeInterest | None = None,
    portal: str | None = None,
) -> tuple[str, str, str]:
    """Subject, e-mail body and short text (SMS, WhatsApp), with the balance as it is now (and, for a micro
    or small seller, the MSMED Act interest accrued to ``today``)."""
    interest, interest_short = msme_sentences(owed, today)
    overdue = max(0, (today - invoice.due_date).days)
    when = f"overdue since {invoice.due_date:%d %b %Y}" if overdue else f"due {invoice.due_date:%d %b %Y}"
    amount = _inr(invoice.balance_amount)
    subject = f"Reminder: invoice {invoice.invoice_number} from {seller}: {amount} {when}"
    after = tds.hint(
        invoice.balance_amount,
        invoice.total_amount,
        tds.taxable_value(invoice.total_amount, invoice.cgst, invoice.sgst, invoice.igst, invoice.cess),
        invoice.tds_section,
        invoice.tds_rate,
        _inr,
    )
    if template is not None:
        values = {
            "customerName": invoice.customer_name,
            "sellerName": seller,
            "invoiceNumber": invoice.invoice_number,
            "balanceAmount": _inr(invoice.balance_amount),
            "totalAmount": _inr(invoice.total_amount),
            "dueDate": f"{invoice.due_date:%d %b %Y}",
            "daysOverdue": str(overdue),
            "paymentLink": link,
            "amountAfterTds": after or "",
            "msmeInterest": interest,
            "portalLink": portal or "",
        }
        text = template.format_map(values)
        return subject, text, text
    lateness = f" It is {overdue} day{'s' if overdue != 1 else ''} overdue." if overdue else ""
    body = (
        f"Dear {invoice.customer_name},\n\n"
        f"This is a reminder that {_inr(invoice.balance_amount)} is outstanding on invoice "
        f"{invoice.invoice_number} from {seller} (total {_inr(invoice.total_amount)}), due on "
        f"{invoice.due_date:%d %b %Y}.{lateness}\n"
        + (f"{after}\n" if after else "")
        + (f"{interest}\n" if interest else "")
        + "\n"
        f"Pay online: {link}\n"
        + (f"All your invoices with {seller} (pay several at once, dispute): {portal}\n" if portal else "")
        + "\nIf you have already paid, please ignore this reminder.\n"
    )
    short = (
        f"{seller}: reminder, invoice {invoice.invoice_number} has {_inr(invoice.balance_amount)} {when}. "
        + (f"{interest_short} " if interest_short else "")
        + f"Pay: {link}"
        + (f" Your account: {portal}" if portal else "")
    )
    return subject, body, short


async def _write(
    session: AsyncSession, company_id: str, sent_by: str, items: list[Outgoing], at: datetime
) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """Record the reminders and write the messages and reminder.sent events of those this transaction
    recorded (a scheduled occurrence another worker recorded first is skipped), worded as of ``at``.
    invoiceId → (sendId, message rows) of the ones written."""
    if not items:
        return {}
    seller, _ = await repository.company(session, company_id)
    contacts: dict[str, list[tuple[str | None, str | None, list[str]]]] = defaultdict(list)
    for customer_id, email, mobile, channels in await collection_repository.invoice_contacts(
        session, company_id, sorted({i.invoice.customer_id for i in items}), reminders=True
    ):
        contacts[customer_id].append((email, mobile, channels))
    sent_on = at
    today = at.astimezone(IST).date()
    # The whole batch's interest in two queries (one for a seller that is not micro or small).
    owed = await msme.interest_for(session, company_id, [i.invoice.invoice_id for i in items], today)
    # The customers' portal links, printed only where one is live (a link is made on purpose, never here).
    buyers = sorted({i.invoice.customer_id for i in items})
    portals = await portal_links.live_urls(session, company_id, buyers)
    send_ids = ids.many("RS", len(items), 14)
    sends: list[dict[str, Any]] = []
    messages: dict[str, list[dict[str, Any]]] = {}
    for item, send_id in zip(items, send_ids, strict=True):
        invoice = item.invoice
        to = collection.recipients(invoice, contacts.get(invoice.customer_id, []), whatsapp=True)
        if item.channels is not None:
            to = [r for r in to if r.channel.value in item.channels]
        link = collection.payment_link(invoice.payment_token) if invoice.payment_token else ""
        subject, body, short = _texts(
            seller,
            invoice,
            link,
            item.template,
            today,
            owed.get(invoice.invoice_id),
            portals.get(invoice.customer_id),
        )
        rows = []
        for r, message_id in zip(to, ids.many("MS", len(to), 14), strict=True):
            row: dict[str, Any] = {
                "message_id": message_id,
                "invoice_id": invoice.invoice_id,
                "channel": r.channel.value,
                "recipient": r.to,
                "attachments": [],
            }
            if r.channel is Channel.EMAIL:
                row.update(subject=subject, body=body)
            else:
                row.update(subject=None, body=short)
            if r.channel is Channel.WHATSAPP:
                # No WhatsApp provider exists: the message is kept in the outbox to read, never queued.
                row["status"] = "OUTBOX"
            rows.append(row)
        messages[send_id] = rows
        sends.append(
            {
                "send_id": send_id,
                "invoice_id": invoice.invoice_id,
                "reminder_id": item.reminder_id,
                "kind": item.kind,
                "occurrence": item.occurrence,
                "due_at": item.due_at,
                "channels": sorted({r["channel"] for r in rows}),
                "message_ids": [r["message_id"] for r in rows],
                "balance_amount": invoice.balance_amount,
            }
        )
    won = await repository.record_sends(session, company_id, sent_by, sends)
    written: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    events: list[dict[str, Any]] = []
    for item, send in zip(items, sends, strict=True):
        if send["send_id"] not in won:
            continue
        rows = messages[send["send_id"]]
        written[item.invoice.invoice_id] = (send["send_id"], rows)
        if not rows:
            continue  # nobody to remind: recorded (so not tried again each minute), but nothing was sent
        events.append(
            {
                "event_type": "reminder.sent",
                "entity_id": item.invoice.invoice_id,
                "payload": payloads.reminder_sent(
                    payloads.invoice_of(company_id, item.invoice, item.invoice.status),
                    reminder_id=item.reminder_id,
                    kind=item.kind,
                    offset_days=item.occurrence,
                    due_at=item.due_at,
                    recipients=[(r["channel"], r["recipient"]) for r in rows],
                    sent_on=sent_on,
                ),
            }
        )
    all_rows = [r for _, rows in written.values() for r in rows]
    await collection_repository.add_messages(session, company_id, all_rows)
    await collection_repository.add_events(session, company_id, events)
    await collection.enqueue_sending(
        session, company_id, sum(1 for r in all_rows if r.get("status") != "OUTBOX")
    )
    return written


async def send_due(
    session: AsyncSession, company_id: str, at: datetime, limit: int, after: str = ""
) -> tuple[int, int, str]:
    """One batch of the engine for one company, in the caller's transaction: the due occurrences of up to
    ``limit`` invoices after invoice id ``after``, each written unless another worker got there first.
    (invoices looked at, sent, the last invoice id looked at)."""
    _, default_id = await repository.company(session, company_id)
    now_ist = at.astimezone(IST).replace(tzinfo=None)
    batch: list[Due] = await repository.due_batch(session, company_id, default_id, now_ist, limit, after)
    items = []
    for due in batch:
        step = _step(due.steps, due.occurrence)
        items.append(
            Outgoing(
                invoice=due.invoice,
                reminder_id=due.reminder_id,
                kind=_kind(due.offsets, due.occurrence),
                occurrence=due.occurrence,
                due_at=due.due_at,
                channels=step["channels"],
                template=step.get("template"),
            )
        )
    written = await _write(session, company_id, ENGINE, items, at)
    last = batch[-1].invoice.invoice_id if batch else after
    return len(batch), sum(1 for _, rows in written.values() if rows), last


def _refusal(invoice: InvoiceState) -> str | None:
    """Why an invoice gets no reminder (§7, §3), or None."""
    if invoice.status == "COLLECTION_DELETED":
        return "The invoice was withdrawn from collection; it gets no reminders."
    if invoice.status == "PAID" or invoice.balance_amount <= 0:
        return "The invoice is paid; there is nothing to remind of."
    if not invoice.dispatched:
        return "The invoice has not been dispatched; dispatch it before reminding."
    if invoice.customer_deleted:
        return f"The invoice's customer {invoice.customer_id} is deleted."
    if invoice.customer_status != "ACTIVE":
        return f"The invoice's customer {invoice.customer_id} is inactive: activate it first."
    return _network_hold(invoice)


def _network_hold(invoice: InvoiceState) -> str | None:
    """Why the Bharat Connect network's status of the invoice (api.md §8), or an open dispute or promise to
    pay (§11), stops its reminders, or None."""
    if invoice.network_status in ("REJECTED", "RETURNED"):
        said = f': "{invoice.network_remarks}"' if invoice.network_remarks else ""
        return (
            f"The buyer {invoice.network_status.lower()} this invoice on Bharat Connect{said}; it gets no "
            "reminders until it is presented again (an edit, or REOPEN)."
        )
    if invoice.network_status in repository.HELD_STATUSES:
        return (
            f"The invoice is {invoice.network_status} on Bharat Connect; it gets no reminders until it is "
            "reopened there."
        )
    if invoice.paused == "DISPUTED":
        return "The invoice is disputed; it gets no reminders until the dispute is resolved."
    if invoice.paused == "PROMISED":
        return (
            "The customer promised to pay this invoice; it gets no reminders until the promised date passes."
        )
    return None


async def remind_now(
    session: AsyncSession, principal: Principal, company_id: str, invoice_id: str, body: RemindRequest
) -> RemindResult:
    """A manual reminder now, to the invoice's reminder recipients. It is recorded as MANUAL, outside the
    scheduled occurrences, so the schedule goes on as planned."""
    invoice = await repository.invoice_state(session, company_id, invoice_id, lock=True)
    if invoice is None:
        raise NotFound(f"No invoice {invoice_id}.")
    refusal = _refusal(invoice)
    if refusal:
        raise Unprocessable(refusal)
    reminder = await repository.applicable(session, company_id, invoice.customer_reminders)
    channels = [str(c) for c in body.channels] if body.channels is not None else None
    item = Outgoing(
        invoice=invoice,
        reminder_id=reminder.reminder_id if reminder else None,
        kind="MANUAL",
        occurrence=None,
        due_at=None,
        channels=channels,
        template=None,
    )
    written = await _write(session, company_id, principal.user_id, [item], now())
    send_id, rows = written[invoice_id]
    if not rows:
        on = f" on {', '.join(channels)}" if channels else ""
        raise Unprocessable(
            f"The invoice has nobody to remind{on}: no active contact of customer {invoice.customer_id} "
            "takes reminders on those channels, and the customer has no e-mail or number of its own."
        )
    return RemindResult(
        invoice_id=invoice_id,
        send_id=send_id,
        messages=[
            Delivery(
                message_id=r["message_id"],
                channel=r["channel"],
                to=r["recipient"],
                status=r.get("status", "PENDING"),
                sent_on=None,
            )
            for r in rows
        ],
    )


async def timeline(
    session: AsyncSession, company_id: str, invoice_id: str, at: datetime | None = None
) -> Timeline:
    """The reminders an invoice was sent (each message and what became of it) and the ones planned."""
    at = at or now()
    invoice = await repository.invoice_state(session, company_id, invoice_id, today=at.astimezone(IST).date())
    if invoice is None:
        raise NotFound(f"No invoice {invoice_id}.")
    sends = await repository.sends_of(session, company_id, invoice_id)
    found = await repository.messages(session, company_id, [m for s in sends for m in s.message_ids])
    sent = [
        SentReminder(
            send_id=s.send_id,
            reminder_id=s.reminder_id,
            kind=s.kind,
            offset_days=s.occurrence,
            due_at=s.due_at,
            sent_on=s.created_on,
            balance_amount=s.balance_amount,
            messages=[
                Delivery(
                    message_id=m.message_id,
                    channel=m.channel,
                    to=m.recipient,
                    status=m.status,
                    sent_on=m.sent_on,
                )
                for m in (found[i] for i in s.message_ids if i in found)
            ],
        )
        for s in sends
    ]
    reminder = await repository.applicable(session, company_id, invoice.customer_reminders)
    result = Timeline(
        invoice_id=invoice_id,
        reminder_id=reminder.reminder_id if reminder else None,
        sent=sent,
        planned=[],
    )
    refusal = _refusal(invoice)
    if reminder is None:
        result.note = (
            "No reminder applies: the customer lists no active one and the company has no active default."
        )
        return result
    if refusal is not None:
        result.note = refusal
        return result
    done = {s.occurrence for s in sends if s.reminder_id == reminder.reminder_id and s.occurrence is not None}
    passed = _passed(at, invoice.due_date, reminder.send_at)
    offsets, repeat = reminder.offsets, reminder.repeat_every_days
    planned: list[int] = []
    latest = latest_due(offsets, repeat, passed)
    dispatched_on = invoice.dispatched_on
    if (
        latest is not None
        and latest not in done
        and dispatched_on is not None
        and due_at(invoice.due_date, latest, reminder.send_at) > dispatched_on
    ):
        planned.append(latest)  # due already: the engine sends it within the minute
    # A step sent ahead of its time (the clock of the engine that sent it ran ahead) is not planned again.
    later = upcoming(offsets, repeat, passed, PLANNED_SHOWN + len(done))
    planned = (planned + [o for o in later if o not in done])[:PLANNED_SHOWN]
    result.planned = [
        PlannedReminder(
            reminder_id=reminder.reminder_id,
            kind=_kind(offsets, o),
            offset_days=o,
            due_at=due_at(invoice.due_date, o, reminder.send_at),
            channels=list(_step(reminder.steps, o)["channels"]),
        )
        for o in planned
    ]
    return result


async def invoices_paid(session: AsyncSession, company_id: str, invoice_ids: Sequence[str]) -> None:
    """Invoices just paid in full: their reminders still waiting in the outbox queue are not sent (§7:
    nothing for a paid invoice), in the payment's transaction."""
    await repository.cancel_unsent(session, company_id, invoice_ids)


async def invoices_held(session: AsyncSession, company_id: str, invoice_ids: Sequence[str]) -> None:
    """Invoices whose reminders stop (the buyer refused them on Bharat Connect, or the seller cancelled them
    there): their reminders still waiting in the outbox queue are not sent either. The sweep passes such
    invoices over by their network status (repository.HELD_STATUSES)."""
    await repository.cancel_unsent(session, company_id, invoice_ids)
