"""What dues says to the network: queued in the transaction of the change that causes it, sent by a job,
retried with backoff, and settled by the network's resp-* (docs/decisions/0007-bharat-connect.md).

A message's life: QUEUED (a row, committed with the change, and a send job) → SENT (the network took it:
``{"response_code": 0}``) → ACKED (its resp-* came with no error code) or FAILED (the resp-* carried one, or
the network never took it: 12 attempts or 3 days). Each attempt is logged in bc_message_attempts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from dues import jobs
from dues.bharat_connect import repository
from dues.bharat_connect.network import Network, Unreachable, network_of, parse
from dues.bharat_connect.repository import Claimed
from dues.config import get_settings
from dues.db import Database
from dues.kit import ids
from dues.kit.envelope import dumps
from dues.models.bharat_connect import BcMessage

log = structlog.get_logger("dues.bharat_connect")

# After a failed attempt n (1-based) the next waits BACKOFF[n - 1], the last value repeating, as webhooks do;
# a message not taken after MAX_ATTEMPTS attempts, or whose next attempt would fall past RETRY_WINDOW from
# its queueing, is FAILED. Tests shorten BACKOFF (monkeypatch) to see retries within seconds.
BACKOFF: tuple[timedelta, ...] = tuple(
    timedelta(seconds=s) for s in (5, 30, 120, 600, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 12 * 3600)
)
RETRY_WINDOW = timedelta(days=3)
MAX_ATTEMPTS = 12
# Longer than the slowest attempt (connect + answer, network.TIMEOUT_SECONDS), so a live sender never loses
# its claim.
LEASE_SECONDS = 120.0
BATCH = 50
MAX_BATCHES = 20
CONCURRENCY = 8

_DEFERRED = "dues.bharat_connect.send_deferred"


def new_message_id() -> str:
    return ids.many("BCM", 1, 13)[0]


async def queue(
    session: AsyncSession,
    company_id: str,
    path: str,
    body: dict[str, Any],
    *,
    dues_id: str | None = None,
    object_id: str | None = None,
) -> str:
    """Queue ``body`` for the network at ``path`` (one of wire.py's paths), in the caller's transaction: the
    message and its send job exist only if the caller commits. ``body["reqMsgId"]`` is its id on the network
    (wire.req_msg_id()). Answers dues's id of the message (BCM…)."""
    req_msg_id = body.get("reqMsgId")
    if not isinstance(req_msg_id, str) or not req_msg_id:
        raise ValueError("a network message needs its reqMsgId (wire.req_msg_id())")
    message_id = new_message_id()
    await repository.add_out(
        session, company_id, message_id, path, req_msg_id, dumps(body).decode(), dues_id, object_id
    )
    # One send job per transaction: it sends every message due, so a dispatch of a thousand invoices
    # needs one, not a thousand.
    transaction = session.get_transaction()
    if transaction is None or session.info.get(_DEFERRED) is not transaction:
        await jobs.enqueue(session, repository.SEND_TASK, queue=repository.QUEUE)
        session.info[_DEFERRED] = transaction
    return message_id


async def supplier_b2b_id(session: AsyncSession, company_id: str) -> str | None:
    """The company's own B2B id on the network, once its registration is REGISTERED."""
    return await repository.registered_b2b_id(session, company_id)


# What to do when the resp-* of a message sent to a path comes back, by that path (the request's).
ResponseHook = Callable[[AsyncSession, str, BcMessage, dict[str, Any]], Awaitable[None]]
RESPONSE_HOOKS: dict[str, ResponseHook] = {}


def response_hook(path: str) -> Callable[[ResponseHook], ResponseHook]:
    """Register ``async def f(session, company_id, message, body)``, called in the transaction that stores
    the resp-* of an outbound message sent to ``path``: ``message`` is that outbound message, already ACKED
    or FAILED (its error_cd, error_dtl, error_field as the network said), ``body`` the resp-* as received."""

    def register(hook: ResponseHook) -> ResponseHook:
        RESPONSE_HOOKS[path] = hook
        return hook

    return register


def _said(value: Any, length: int) -> str | None:
    return None if value is None else str(value)[:length]


async def answered(session: AsyncSession, message: BcMessage, body: dict[str, Any]) -> None:
    """Settle an outbound message by its resp-*: ACKED without errorCd, FAILED with one; then its hook."""
    resp = body.get("resp") if isinstance(body.get("resp"), dict) else {}
    assert isinstance(resp, dict)
    error_cd = _said(resp.get("errorCd"), 64)
    state = "FAILED" if error_cd else "ACKED"
    result = _said(resp.get("result"), 32)
    error_dtl = _said(resp.get("errorDtl"), 500)
    error_field = _said(resp.get("errorField"), 100)
    await repository.set_outcome(
        session, message.company_id, message.message_id, state, result, error_cd, error_dtl, error_field
    )
    said = {
        "state": state,
        "result": result,
        "error_cd": error_cd,
        "error_dtl": error_dtl,
        "error_field": error_field,
    }
    for name, value in said.items():
        set_committed_value(message, name, value)
    hook = RESPONSE_HOOKS.get(message.path)
    if hook is not None:
        await hook(session, message.company_id, message, body)


# Sending.


@dataclass(frozen=True)
class Outcome:
    claimed: Claimed
    status_code: int | None
    outcome: str  # OK, ERROR or UNREACHABLE
    detail: str | None
    duration_ms: int


async def _attempt(network: Network, claimed: Claimed) -> Outcome:
    started = time.monotonic()

    def outcome(status_code: int | None, kind: str, detail: str | None) -> Outcome:
        elapsed = int((time.monotonic() - started) * 1000)
        return Outcome(claimed, status_code, kind, None if detail is None else detail[:500], elapsed)

    try:
        answer = await network.send(claimed.path, parse(claimed.body))
    except Unreachable as exc:
        return outcome(None, "UNREACHABLE", str(exc))
    except Exception as exc:
        log.exception("sending a network message failed", message_id=claimed.message_id)
        return outcome(None, "UNREACHABLE", f"{type(exc).__name__}: {exc}")
    if answer.taken:
        return outcome(answer.status_code, "OK", None)
    return outcome(answer.status_code, "ERROR", answer.describe())


def next_state(claimed: Claimed, taken: bool, now: datetime) -> tuple[str, datetime | None]:
    if taken:
        return "SENT", None
    attempts = claimed.attempt_count + 1
    if attempts >= MAX_ATTEMPTS:
        return "FAILED", None
    next_at = now + BACKOFF[min(attempts, len(BACKOFF)) - 1]
    if next_at > claimed.created_on + RETRY_WINDOW:
        return "FAILED", None
    return "QUEUED", next_at


async def send_due(database: Database) -> int:
    """Send what is due, batch by batch, until nothing is (or MAX_BATCHES); the number of attempts made.
    With Bharat Connect off, nothing is sent and the messages wait."""
    network = network_of(get_settings())
    if network is None:
        return 0
    made = 0
    gate = asyncio.Semaphore(CONCURRENCY)

    async def attempt(claimed: Claimed) -> Outcome:
        async with gate:
            return await _attempt(network, claimed)

    for _ in range(MAX_BATCHES):
        async with database.sessionmaker() as session:
            claimed = await repository.claim_due(session, BATCH, LEASE_SECONDS)
            await session.commit()
        if not claimed:
            break
        outcomes = await asyncio.gather(*(attempt(c) for c in claimed))
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
        state, next_at = next_state(o.claimed, o.outcome == "OK", now)
        rows.append(
            {
                "company_id": o.claimed.company_id,
                "message_id": o.claimed.message_id,
                "state": state,
                "next_at": next_at,
                "status_code": o.status_code,
                "outcome": o.outcome,
                "detail": o.detail,
                "duration_ms": o.duration_ms,
            }
        )
        if next_at is not None:
            # One job per second that has retries due, not one per message.
            retry_at.add(next_at.replace(microsecond=0) + timedelta(seconds=1))
        if o.outcome != "OK":
            log.info(
                "network message not taken",
                company_id=o.claimed.company_id,
                message_id=o.claimed.message_id,
                path=o.claimed.path,
                status_code=o.status_code,
                detail=o.detail,
                next_state=state,
            )
    async with database.sessionmaker() as session:
        await repository.record_attempts(session, rows)
        for at in sorted(retry_at):
            await repository.schedule_send(session, at)
        await session.commit()
