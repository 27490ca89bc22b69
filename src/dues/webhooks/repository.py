"""All SQL for webhooks. Every statement is scoped by company, except the sender's claim of due deliveries,
which works for all companies at once and hands each row back with its company for the writes that follow."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from dues import jobs
from dues.models.webhook import WebhookAttempt, WebhookDelivery, WebhookEndpoint

# An id that cannot have been issued is not looked up: it answers "not found" like any unknown id.
_WEBHOOK_ID = re.compile(r"^WH[A-Z0-9]{14}\Z", re.ASCII)
_DELIVERY_ID = re.compile(r"^msg_[0-9a-f]{32}\Z", re.ASCII)

SEND_TASK = "dues.webhooks.send_due"
QUEUE = "webhooks"


def add(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    session.add(endpoint)


async def count(session: AsyncSession, company_id: str) -> int:
    stmt = select(func.count()).select_from(WebhookEndpoint).where(WebhookEndpoint.company_id == company_id)
    return int((await session.execute(stmt)).scalar_one())


async def list_endpoints(session: AsyncSession, company_id: str) -> list[WebhookEndpoint]:
    stmt = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.company_id == company_id)
        .order_by(WebhookEndpoint.created_on, WebhookEndpoint.webhook_id)
    )
    return list((await session.execute(stmt)).scalars())


async def get(
    session: AsyncSession, company_id: str, webhook_id: str, *, for_update: bool = False
) -> WebhookEndpoint | None:
    if not _WEBHOOK_ID.match(webhook_id):
        return None
    stmt = select(WebhookEndpoint).where(
        WebhookEndpoint.company_id == company_id, WebhookEndpoint.webhook_id == webhook_id
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def delete_endpoint(session: AsyncSession, company_id: str, webhook_id: str) -> None:
    """The endpoint, its deliveries and their attempts (foreign keys cascade)."""
    await session.execute(
        delete(WebhookEndpoint).where(
            WebhookEndpoint.company_id == company_id, WebhookEndpoint.webhook_id == webhook_id
        )
    )


async def deliveries(
    session: AsyncSession,
    company_id: str,
    webhook_id: str,
    status: str | None,
    descending: bool,
    limit: int,
    offset: int,
) -> tuple[list[WebhookDelivery], int]:
    where = [WebhookDelivery.company_id == company_id, WebhookDelivery.webhook_id == webhook_id]
    if status is not None:
        where.append(WebhookDelivery.status == status)
    total = (
        await session.execute(select(func.count()).select_from(WebhookDelivery).where(*where))
    ).scalar_one()
    order = WebhookDelivery.created_on.desc() if descending else WebhookDelivery.created_on.asc()
    tie = WebhookDelivery.delivery_id.desc() if descending else WebhookDelivery.delivery_id.asc()
    stmt = select(WebhookDelivery).where(*where).order_by(order, tie).limit(limit).offset(offset)
    return list((await session.execute(stmt)).scalars()), int(total)


async def get_delivery(
    session: AsyncSession, company_id: str, webhook_id: str, delivery_id: str, *, for_update: bool = False
) -> WebhookDelivery | None:
    if not _DELIVERY_ID.match(delivery_id):
        return None
    stmt = select(WebhookDelivery).where(
        WebhookDelivery.company_id == company_id,
        WebhookDelivery.webhook_id == webhook_id,
        WebhookDelivery.delivery_id == delivery_id,
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def attempts_of(
    session: AsyncSession, company_id: str, delivery_ids: Sequence[str]
) -> list[WebhookAttempt]:
    if not delivery_ids:
        return []
    stmt = (
        select(WebhookAttempt)
        .where(WebhookAttempt.company_id == company_id, WebhookAttempt.delivery_id.in_(delivery_ids))
        .order_by(WebhookAttempt.id)
    )
    return list((await session.execute(stmt)).scalars())


_ADD_EVENTS = text(
    "INSERT INTO events (company_id, event_type, entity_id, payload) "
    "SELECT :company_id, e.event_type, e.entity_id, CAST(e.payload AS jsonb) "
    "FROM unnest(CAST(:event_types AS text[]), CAST(:entity_ids AS text[]), CAST(:payloads AS text[])) "
    "WITH ORDINALITY AS e(event_type, entity_id, payload, n) ORDER BY e.n"
)


async def add_events(session: AsyncSession, company_id: str, rows: Sequence[tuple[str, str, str]]) -> None:
    """Events (type, entity id, payload as JSON text) of one company in list order, with one statement."""
    if rows:
        event_types, entity_ids, payloads = (list(column) for column in zip(*rows, strict=True))
        await session.execute(
            _ADD_EVENTS,
            {
                "company_id": company_id,
                "event_types": event_types,
                "entity_ids": entity_ids,
                "payloads": payloads,
            },
        )


async def schedule_send(session: AsyncSession, at: datetime | None) -> None:
    """A sending job, at ``at`` (None: at once), in the caller's transaction."""
    await jobs.enqueue(session, SEND_TASK, queue=QUEUE, at=at)


@dataclass(frozen=True)
class Claimed:
    company_id: str
    delivery_id: str
    webhook_id: str
    event_type: str
    attempt_count: int
    created_on: datetime
    url: str
    secret: str
    payload: str  # the event's payload as JSON text, digit for digit
    event_on: datetime
    format: str
    # enkash endpoints only: the EnKash path and the message (JSON text) of the event's data.
    path: str | None
    message: str | None


# Claiming moves next_attempt_at forward by the lease and commits before anything is sent: other workers
# skip the rows meanwhile, and if this worker dies mid-send they become due again when the lease runs out
# (at-least-once: the receiver may then see the message twice, with the same webhook-id).
_CLAIM = text(
    "WITH due AS ("
    "  SELECT company_id, delivery_id FROM webhook_deliveries"
    "  WHERE status = 'PENDING' AND next_attempt_at <= now()"
    "  ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED"
    ") "
    "UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => :lease) "
    "FROM due, webhook_endpoints w, events e "
    "WHERE d.company_id = due.company_id AND d.delivery_id = due.delivery_id "
    "AND w.company_id = d.company_id AND w.webhook_id = d.webhook_id "
    "AND e.id = d.event_id "
    "RETURNING d.company_id, d.delivery_id, d.webhook_id, d.event_type, d.attempt_count, d.created_on, "
    "w.url, w.secret, e.payload::text, e.created_on, w.format, "
    "CASE WHEN w.format = 'enkash' THEN e.payload ->> 'path' END, "
    "CASE WHEN w.format = 'enkash' THEN (e.payload -> 'message')::text END"
)


async def claim_due(session: AsyncSession, limit: int, lease_seconds: float) -> list[Claimed]:
    result = await session.execute(_CLAIM, {"limit": limit, "lease": lease_seconds})
    return [Claimed(*row) for row in result.all()]


_RECORD = text(
    "WITH d AS ("
    "  UPDATE webhook_deliveries SET status = CAST(:status AS varchar), attempt_count = attempt_count + 1,"
    "  last_attempt_on = now(), next_attempt_at = CAST(:next_at AS timestamptz),"
    "  delivered_on = CASE WHEN CAST(:status AS varchar) = 'DELIVERED' THEN now() ELSE delivered_on END"
    "  WHERE company_id = :company_id AND delivery_id = :delivery_id"
    "  RETURNING company_id, delivery_id"
    ") "
    "INSERT INTO webhook_attempts (company_id, delivery_id, status_code, error, duration_ms) "
    "SELECT company_id, delivery_id, :status_code, :error, :duration_ms FROM d"
)


async def record_attempt(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Log attempts and move their deliveries on. A delivery deleted meanwhile (its endpoint was) is skipped:
    the update finds no row, so no attempt is logged for it."""
    if rows:
        await session.execute(_RECORD, list(rows))
