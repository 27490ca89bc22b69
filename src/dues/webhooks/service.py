"""Webhook endpoints (api.md §6) and the sending of their deliveries: the rules live here, SQL in the
repository. Delivery rows themselves are made by the database (trigger on ``events``, migration 0010)."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.auth.service import Principal
from dues.db import Database
from dues.errors import NotFound, SubError, Unprocessable, ValidationFailed
from dues.kit import ids
from dues.kit.pagination import Page, PageParams
from dues.models.webhook import WebhookEndpoint
from dues.webhooks import enkash, payloads, repository, signing, targets
from dues.webhooks.repository import Claimed
from dues.webhooks.schemas import (
    AttemptRead,
    DeliveryRead,
    DeliveryStatus,
    WebhookCreate,
    WebhookCreated,
    WebhookFormat,
    WebhookRead,
)

log = structlog.get_logger("dues.webhooks")

MAX_ENDPOINTS = 20
# After a failed attempt n (1-based), the next one waits BACKOFF[n - 1], the last value repeating; past
# RETRY_WINDOW from the event the delivery is FAILED (a manual retry may still send it again).
BACKOFF = tuple(
    timedelta(seconds=s) for s in (5, 30, 120, 600, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 12 * 3600)
)
RETRY_WINDOW = timedelta(days=3)
TIMEOUT_SECONDS = 10.0
# Longer than the slowest attempt (resolve + connect + answer), so a live worker never loses its claim.
LEASE_SECONDS = 120.0
BATCH = 50
MAX_BATCHES = 20
CONCURRENCY = 16
USER_AGENT = "dues-webhooks/1"


def _not_found(webhook_id: str) -> NotFound:
    return NotFound(f"No webhook {webhook_id}.")


def _audit_view(endpoint: WebhookEndpoint) -> dict[str, Any]:
    snapshot = audit.snapshot(endpoint)
    snapshot.pop("secret", None)
    return snapshot


async def create(
    session: AsyncSession, principal: Principal, company_id: str, data: WebhookCreate
) -> WebhookCreated:
    try:
        await targets.check(data.url)
    except targets.UnsafeTarget as exc:
        raise ValidationFailed.field("url", str(exc), data.url) from exc
    _check_format(data)
    if await repository.count(session, company_id) >= MAX_ENDPOINTS:
        raise Unprocessable(f"A company may have at most {MAX_ENDPOINTS} webhooks; delete one first.")
    endpoint = WebhookEndpoint(
        company_id=company_id,
        webhook_id=ids.webhook_id(),
        url=data.url,
        events=[str(e) for e in data.events],
        description=data.description,
        secret=signing.new_secret(),
        format=str(data.format),
    )
    repository.add(session, endpoint)
    await session.flush()
    await audit.record(
        session, company_id, principal.user_id, "webhook", endpoint.webhook_id, "CREATE", None,
        _audit_view(endpoint),
    )  # fmt: skip
    read = WebhookRead.model_validate(endpoint)
    return WebhookCreated(**read.model_dump(), secret=endpoint.secret)


def _check_format(data: WebhookCreate) -> None:
    """An enkash endpoint takes only the events EnKash has a webhook for: any other would reach it in a shape
    its EnKash client does not know, so each is refused by name rather than sent."""
    if data.format != WebhookFormat.ENKASH:
        return
    refused = [
        SubError(
            f"events[{i}]",
            f"{event} has no EnKash webhook: an endpoint of format enkash takes only the Bharat Connect "
            f"events ({enkash.PREFIX}*); register a standard endpoint for it",
            str(event),
        )
        for i, event in enumerate(data.events)
        if not enkash.carries(event)
    ]
    if refused:
        raise ValidationFailed.of(refused)


async def list_all(session: AsyncSession, company_id: str) -> list[WebhookRead]:
    return [WebhookRead.model_validate(e) for e in await repository.list_endpoints(session, company_id)]


async def delete(
    session: AsyncSession, principal: Principal, company_id: str, webhook_id: str
) -> WebhookRead:
    endpoint = await repository.get(session, company_id, webhook_id, for_update=True)
    if endpoint is None:
        raise _not_found(webhook_id)
    read = WebhookRead.model_validate(endpoint)
    before = _audit_view(endpoint)
    await repository.delete_endpoint(session, company_id, webhook_id)
    await audit.record(session, company_id, principal.user_id, "webhook", webhook_id, "DELETE", before, None)
    return read


async def _reads(session: AsyncSession, company_id: str, rows: list[Any]) -> list[DeliveryRead]:
    attempts = await repository.attempts_of(session, company_id, [d.delivery_id for d in rows])
    by_delivery: dict[str, list[AttemptRead]] = defaultdict(list)
    for attempt in attempts:
        by_delivery[attempt.delivery_id].append(AttemptRead.model_validate(attempt))
    reads = []
    for row in rows:
        read = DeliveryRead.model_validate(row)
        read.attempts = by_delivery[row.delivery_id]
        reads.append(read)
    return reads


async def deliveries(
    session: AsyncSession,
    company_id: str,
    webhook_id: str,
    status: DeliveryStatus | None,
    page: PageParams,
) -> Page[DeliveryRead]:
    if await repository.get(session, company_id, webhook_id) is None:
        raise _not_found(webhook_id)
    page.column({"createdOn": "created_on"}, "createdOn")
    rows, total = await repository.deliveries(
        session,
        company_id,
        webhook_id,
        str(status) if status else None,
        page.descending,
        page.limit,
        page.offset,
    )
    items = await _reads(session, company_id, rows)
    return Page[DeliveryRead](items=items, total=total, offset=page.offset, limit=page.limit)


async def retry(
    session: AsyncSession, principal: Principal, company_id: str, webhook_id: str, delivery_id: str
) -> DeliveryRead:
    """Send a delivery again now, whatever its state: a FAILED one after the receiver is fixed, or a
    DELIVERED one the receiver lost."""
    if await repository.get(session, company_id, webhook_id) is None:
        raise _not_found(webhook_id)
    delivery = await repository.get_delivery(session, company_id, webhook_id, delivery_id, for_update=True)
    if delivery is None:
        raise NotFound(f"No delivery {delivery_id} for webhook {webhook_id}.")
    before = {"deliveryId": delivery_id, "status": delivery.status}
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = datetime.now(UTC)
    await session.flush()
    await repository.schedule_send(session, None)
    await audit.record(
        session, company_id, principal.user_id, "webhook", webhook_id, "RETRY_DELIVERY", before,
        {"deliveryId": delivery_id, "status": "PENDING"},
    )  # fmt: skip
    return (await _reads(session, company_id, [delivery]))[0]


async def emit(
    session: AsyncSession, company_id: str, event_type: str, entity_id: str, payload: dict[str, Any]
) -> None:
    """Record an event in the caller's transaction (payloads.py builds ``payload``); its deliveries are made
    by the database as the row goes in, and are rolled back with it."""
    await repository.add_events(session, company_id, [(event_type, entity_id, payloads.dumps(payload))])


async def emit_many(
    session: AsyncSession, company_id: str, events: Sequence[tuple[str, str, dict[str, Any]]]
) -> None:
    """Several events, (type, entity id, payload) in order, with one statement."""
    await repository.add_events(session, company_id, [(t, e, payloads.dumps(p)) for t, e, p in events])


# Sending.


@dataclass(frozen=True)
class Outcome:
    claimed: Claimed
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def body_of(claimed: Claimed) -> bytes:
    """``{"type", "timestamp", "data"}``; the payload goes in as stored, so amounts keep their digits. An
    enkash endpoint gets the network message alone, as EnKash's webhook carries it (also as stored)."""
    if claimed.format == WebhookFormat.ENKASH:
        if claimed.message is None or claimed.message == "null":
            raise enkash.NotSendable("the event carries no Bharat Connect message")
        return claimed.message.encode()
    timestamp = claimed.event_on.astimezone(UTC).isoformat().replace("+00:00", "Z")
    head = json.dumps({"type": claimed.event_type, "timestamp": timestamp}, separators=(",", ":"))
    return (head[:-1] + ',"data":' + claimed.payload + "}").encode()


def next_state(claimed: Claimed, delivered: bool, now: datetime) -> tuple[str, datetime | None]:
    if delivered:
        return DeliveryStatus.DELIVERED, None
    attempts = claimed.attempt_count + 1
    next_at = now + BACKOFF[min(attempts, len(BACKOFF)) - 1]
    if next_at > claimed.created_on + RETRY_WINDOW:
        return DeliveryStatus.FAILED, None
    return DeliveryStatus.PENDING, next_at


async def _attempt(client: httpx.AsyncClient, claimed: Claimed) -> Outcome:
    started = time.monotonic()

    def outcome(status_code: int | None, error: str | None) -> Outcome:
        return Outcome(claimed, status_code, error, int((time.monotonic() - started) * 1000))

    try:
        url = claimed.url
        if claimed.format == WebhookFormat.ENKASH:
            url = enkash.url_for(url, claimed.path)
        body = body_of(claimed)
    except enkash.NotSendable as exc:
        return outcome(None, f"not sent: {exc}"[:500])
    try:
        target = await targets.check(url)
    except targets.UnsafeTarget as exc:
        return outcome(None, f"not sent: the url {exc}"[:500])
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": claimed.delivery_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.sign(claimed.secret, claimed.delivery_id, timestamp, body),
    }
    connect_to = target.url
    extensions: dict[str, Any] = {}
    if target.address is not None:
        # Connect to the address that was checked, not to whatever the name resolves to a moment later.
        connect_to = target.url.copy_with(host=str(target.address))
        headers["host"] = target.url.netloc.decode("ascii")
        if target.url.scheme == "https":
            extensions["sni_hostname"] = target.host
    try:
        async with client.stream(
            "POST", connect_to, content=body, headers=headers, extensions=extensions
        ) as response:
            # The answer's body is not read: only its status matters, and a receiver could send gigabytes.
            return outcome(response.status_code, None)
    except httpx.TimeoutException:
        return outcome(None, f"no answer within {TIMEOUT_SECONDS:g} s")
    except httpx.HTTPError as exc:
        return outcome(None, f"{type(exc).__name__}: {exc}"[:500])


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(TIMEOUT_SECONDS),
        follow_redirects=False,
        # No proxies from the environment (they would bypass the address check), and no kept connections:
        # a pooled connection is keyed by address only, and two hosts on one address need their own TLS.
        trust_env=False,
        limits=httpx.Limits(max_keepalive_connections=0),
    )


async def send_due(database: Database) -> int:
    """Send what is due, batch by batch, until nothing is (or MAX_BATCHES); the number of attempts made."""
    made = 0
    gate = asyncio.Semaphore(CONCURRENCY)

    async def attempt(client: httpx.AsyncClient, claimed: Claimed) -> Outcome:
        async with gate:
            return await _attempt(client, claimed)

    async with _client() as client:
        for _ in range(MAX_BATCHES):
            async with database.sessionmaker() as session:
                claimed = await repository.claim_due(session, BATCH, LEASE_SECONDS)
                await session.commit()
            if not claimed:
                break
            outcomes = await asyncio.gather(*(attempt(client, c) for c in claimed))
            await _record(database, outcomes)
            made += len(outcomes)
            if len(claimed) < BATCH:
                break
    return made


async def _record(database: Database, outcomes: list[Outcome]) -> None:
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    retry_at: set[datetime] = set()
    for o in outcomes:
        status, next_at = next_state(o.claimed, o.delivered, now)
        rows.append(
            {
                "company_id": o.claimed.company_id,
                "delivery_id": o.claimed.delivery_id,
                "status": str(status),
                "next_at": next_at,
                "status_code": o.status_code,
                "error": o.error,
                "duration_ms": o.duration_ms,
            }
        )
        if next_at is not None:
            # One job per second that has retries due, not one per delivery.
            retry_at.add(next_at.replace(microsecond=0) + timedelta(seconds=1))
        if not o.delivered:
            log.info(
                "webhook attempt failed",
                company_id=o.claimed.company_id,
                delivery_id=o.claimed.delivery_id,
                status_code=o.status_code,
                error=o.error,
                next_status=str(status),
            )
    async with database.sessionmaker() as session:
        await repository.record_attempt(session, rows)
        for at in sorted(retry_at):
            await repository.schedule_send(session, at)
        await session.commit()
