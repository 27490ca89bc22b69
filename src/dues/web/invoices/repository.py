"""The invoice pages' own SQL: saved views of the list, and what an invoice's timeline is read from. Every
statement is scoped by company; each timeline source is one bounded query on an index that starts with
(company_id, invoice_id), or (company_id, customer_id) where the table has no invoice index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dues.kit import ids
from dues.models import AuditLog, Event, LedgerEntry, User
from dues.models.dispute import Dispute, Promise
from dues.models.message import Message
from dues.models.reminder import ReminderSend
from dues.models.web import SavedView
from dues.models.webhook import WebhookDelivery, WebhookEndpoint

PAGE = "invoices"
# How many saved views one person keeps for the list: a menu, not a store.
MAX_VIEWS = 50
# How far back each source of a timeline reaches: an invoice with more than this many of one kind of thing
# shows the newest ones (the page says so).
TIMELINE_LIMIT = 200


async def views_of(session: AsyncSession, company_id: str, user_id: str) -> list[SavedView]:
    stmt = (
        select(SavedView)
        .where(SavedView.company_id == company_id, SavedView.user_id == user_id, SavedView.page == PAGE)
        .order_by(SavedView.name)
        .limit(MAX_VIEWS)
    )
    return list((await session.execute(stmt)).scalars())


async def view_named(session: AsyncSession, company_id: str, user_id: str, name: str) -> SavedView | None:
    stmt = select(SavedView).where(
        SavedView.company_id == company_id,
        SavedView.user_id == user_id,
        SavedView.page == PAGE,
        SavedView.name == name,
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def save_view(session: AsyncSession, company_id: str, user_id: str, name: str, query: str) -> SavedView:
    """A new view, or the one of that name given the new query (saving twice under a name updates it)."""
    found = await view_named(session, company_id, user_id, name)
    if found is not None:
        found.query = query
        await session.flush()
        return found
    view = SavedView(
        company_id=company_id, view_id=ids.saved_view_id(), user_id=user_id, page=PAGE, name=name, query=query
    )
    session.add(view)
    await session.flush()
    return view


async def delete_view(session: AsyncSession, company_id: str, user_id: str, view_id: str) -> str | None:
    """Deletes the person's own view; its name, or None when it is not theirs (or does not exist)."""
    stmt = (
        delete(SavedView)
        .where(
            SavedView.company_id == company_id,
            SavedView.user_id == user_id,
            SavedView.page == PAGE,
            SavedView.view_id == view_id,
        )
        .returning(SavedView.name)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


# The timeline's sources --------------------------------------------------------------------------------


async def audit_rows(session: AsyncSession, company_id: str, invoice_id: str) -> list[AuditLog]:
    stmt = (
        select(AuditLog)
        .where(
            AuditLog.company_id == company_id,
            AuditLog.entity_type == "invoice",
            AuditLog.entity_id == invoice_id,
        )
        .order_by(AuditLog.id.desc())
        .limit(TIMELINE_LIMIT)
    )
    return list((await session.execute(stmt)).scalars())


async def ledger_rows(session: AsyncSession, company_id: str, invoice_id: str) -> list[LedgerEntry]:
    stmt = (
        select(LedgerEntry)
        .where(LedgerEntry.company_id == company_id, LedgerEntry.invoice_id == invoice_id)
        .order_by(LedgerEntry.entry_id.desc())
        .limit(TIMELINE_LIMIT)
    )
    return list((await session.execute(stmt)).scalars())


async def message_rows(session: AsyncSession, company_id: str, invoice_id: str) -> list[Message]:
    stmt = (
        select(Message)
        .where(Message.company_id == company_id, Message.invoice_id == invoice_id)
        .order_by(Message.created_on.desc())
        .limit(TIMELINE_LIMIT)
    )
    return list((await session.execute(stmt)).scalars())


async def reminder_rows(session: AsyncSession, company_id: str, invoice_id: str) -> list[ReminderSend]:
    stmt = (
        select(ReminderSend)
        .where(ReminderSend.company_id == company_id, ReminderSend.invoice_id == invoice_id)
        .order_by(ReminderSend.created_on.desc())
        .limit(TIMELINE_LIMIT)
    )
    return list((await session.execute(stmt)).scalars())


async def dispute_rows(
    session: AsyncSession, company_id: str, customer_id: str, invoice_id: str
) -> list[Dispute]:
    # The customer bound lets ix_disputes_customer find them; the invoice id picks this invoice's.
    stmt = (
        select(Dispute)
        .where(
            Dispute.company_id == company_id,
            Dispute.customer_id == customer_id,
            Dispute.invoice_id == invoice_id,
        )
        .order_by(Dispute.created_on.desc())
        .limit(TIMELINE_LIMIT)
    )
    return list((await session.execute(stmt)).scalars())


async def promise_rows(
    session: AsyncSession, company_id: str, customer_id: str, invoice_id: str
) -> list[Promise]:
    stmt = (
        select(Promise)
        .where(
            Promise.company_id == company_id,
            Promise.customer_id == customer_id,
            Promise.invoice_id == invoice_id,
        )
        .order_by(Promise.created_on.desc())
        .limit(TIMELINE_LIMIT)
    )
    return list((await session.execute(stmt)).scalars())


async def webhook_rows(
    session: AsyncSession, company_id: str, invoice_id: str, since: datetime
) -> list[tuple[WebhookDelivery, str]]:
    """Deliveries of this invoice's events (with the endpoint's URL): its events by ix_events_entity, their
    deliveries by ix_webhook_deliveries_event (migration 0028); ``since`` (the invoice's creation) bounds it
    further."""
    stmt = (
        select(WebhookDelivery, WebhookEndpoint.url)
        .join(
            Event,
            (Event.company_id == WebhookDelivery.company_id) & (Event.id == WebhookDelivery.event_id),
        )
        .join(
            WebhookEndpoint,
            (WebhookEndpoint.company_id == WebhookDelivery.company_id)
            & (WebhookEndpoint.webhook_id == WebhookDelivery.webhook_id),
        )
        .where(
            WebhookDelivery.company_id == company_id,
            WebhookDelivery.created_on >= since,
            Event.company_id == company_id,
            Event.entity_id == invoice_id,
        )
        .order_by(WebhookDelivery.created_on.desc())
        .limit(TIMELINE_LIMIT)
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def emails_of(session: AsyncSession, company_id: str, user_ids: Sequence[str]) -> dict[str, str]:
    """The e-mail of each of the company's users named (who did what, on the timeline)."""
    wanted = sorted({u for u in user_ids if u})
    if not wanted:
        return {}
    stmt = select(User.user_id, User.email).where(User.company_id == company_id, User.user_id.in_(wanted))
    return {row[0]: row[1] for row in (await session.execute(stmt)).all()}
