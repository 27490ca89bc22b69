"""All SQL of the Bharat Connect transport: messages both ways, their attempts, the company's registration.

Every statement is scoped by company, except three that work across companies because the network names no
company: the sender's claim of due messages (each row comes back with its company), finding the company a
network message is for (by its supplier B2B id, or by the request a resp-* answers), and finding a message by
its network id (unique per direction across companies).

Bodies go in and come out as JSON text, never through the driver's JSON handling: amounts keep their exact
digits (a float would turn 0.10 into 0.1 and big amounts into approximations).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from dues import jobs
from dues.bharat_connect.network import parse
from dues.models.bharat_connect import BcMessage, BcRegistration

SEND_TASK = "dues.bharat_connect.send_due"
QUEUE = "bharat_connect"

_INSERT_OUT = text(
    "INSERT INTO bc_messages (company_id, message_id, direction, path, req_msg_id, object_id, dues_id, body,"
    " state, next_attempt_at) "
    "VALUES (:company_id, :message_id, 'OUT', :path, :req_msg_id, :object_id, :dues_id, CAST(:body AS jsonb),"
    " 'QUEUED', now())"
)


async def add_out(
    session: AsyncSession,
    company_id: str,
    message_id: str,
    path: str,
    req_msg_id: str,
    body: str,
    dues_id: str | None,
    object_id: str | None,
) -> None:
    """An outbound message, QUEUED and due now; ``body`` is its exact JSON text."""
    await session.execute(
        _INSERT_OUT,
        {
            "company_id": company_id,
            "message_id": message_id,
            "path": path,
            "req_msg_id": req_msg_id,
            "object_id": object_id,
            "dues_id": dues_id,
            "body": body,
        },
    )


async def schedule_send(session: AsyncSession, at: datetime | None) -> None:
    """A sending job, at ``at`` (None: at once), in the caller's transaction."""
    await jobs.enqueue(session, SEND_TASK, queue=QUEUE, at=at)


@dataclass(frozen=True)
class Claimed:
    company_id: str
    message_id: str
    path: str
    body: str  # exact JSON text
    attempt_count: int
    created_on: datetime


# As webhooks: claiming moves next_attempt_at forward by the lease and commits before anything is sent, so
# other senders skip the rows meanwhile, and a sender that dies mid-send leaves them due again when the lease
# runs out (at least once: the network may see a message twice, with the same reqMsgId, and drops the copy).
_CLAIM = text(
    "WITH due AS ("
    "  SELECT company_id, message_id FROM bc_messages"
    "  WHERE state = 'QUEUED' AND next_attempt_at <= now()"
    "  ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED"
    ") "
    "UPDATE bc_messages m SET next_attempt_at = now() + make_interval(secs => :lease) "
    "FROM due WHERE m.company_id = due.company_id AND m.message_id = due.message_id "
    "RETURNING m.company_id, m.message_id, m.path, m.body::text, m.attempt_count, m.created_on"
)


async def claim_due(session: AsyncSession, limit: int, lease_seconds: float) -> list[Claimed]:
    result = await session.execute(_CLAIM, {"limit": limit, "lease": lease_seconds})
    return [Claimed(*row) for row in result.all()]


# The attempt is logged whatever the message's state; the state moves only from QUEUED: a resp-* that came
# back before this attempt was recorded (the network answers fast) has already made it ACKED or FAILED.
_RECORD = text(
    "WITH m AS ("
    "  UPDATE bc_messages SET attempt_count = attempt_count + 1,"
    "  state = CASE WHEN state = 'QUEUED' THEN CAST(:state AS varchar) ELSE state END,"
    "  next_attempt_at = CASE WHEN state = 'QUEUED' AND CAST(:state AS varchar) = 'QUEUED'"
    "    THEN CAST(:next_at AS timestamptz) WHEN state = 'QUEUED' THEN NULL ELSE next_attempt_at END,"
    "  sent_on = CASE WHEN CAST(:outcome AS varchar) = 'OK' THEN coalesce(sent_on, now()) ELSE sent_on END,"
    "  error_cd = CASE WHEN state = 'QUEUED' AND CAST(:state AS varchar) = 'FAILED'"
    "    THEN 'NOT_DELIVERED' ELSE error_cd END,"
    "  error_dtl = CASE WHEN state = 'QUEUED' AND CAST(:state AS varchar) = 'FAILED'"
    "    THEN CAST(:detail AS varchar) ELSE error_dtl END"
    "  WHERE company_id = :company_id AND message_id = :message_id"
    "  RETURNING company_id, message_id, attempt_count"
    ") "
    "INSERT INTO bc_message_attempts (company_id, message_id, attempt_no, status_code, outcome, detail,"
    " duration_ms) "
    "SELECT company_id, message_id, attempt_count, :status_code, :outcome, :detail, :duration_ms FROM m"
)


async def record_attempts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(_RECORD, list(rows))


def _with_exact_body(message: BcMessage, body: str) -> BcMessage:
    # The ORM read the JSONB through float; the text read beside it keeps every digit.
    set_committed_value(message, "body", parse(body))
    return message


async def by_req_msg_id(
    session: AsyncSession, direction: str, req_msg_id: str, *, for_update: bool = False
) -> BcMessage | None:
    """The message with this network id, of any company (the network names none)."""
    stmt = select(BcMessage, cast(BcMessage.body, Text).label("body_text")).where(
        BcMessage.direction == direction, BcMessage.req_msg_id == req_msg_id
    )
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).first()
    return None if row is None else _with_exact_body(row[0], row[1])


async def set_outcome(
    session: AsyncSession,
    company_id: str,
    message_id: str,
    state: str,
    result: str | None,
    error_cd: str | None,
    error_dtl: str | None,
    error_field: str | None,
) -> None:
    """An outbound message's resp-* came: ACKED or FAILED, with what the network said."""
    await session.execute(
        text(
            "UPDATE bc_messages SET state = :state, result = :result, error_cd = :error_cd,"
            " error_dtl = :error_dtl, error_field = :error_field, next_attempt_at = NULL, acked_on = now()"
            " WHERE company_id = :company_id AND message_id = :message_id"
        ),
        {
            "company_id": company_id,
            "message_id": message_id,
            "state": state,
            "result": result,
            "error_cd": error_cd,
            "error_dtl": error_dtl,
            "error_field": error_field,
        },
    )


_INSERT_IN = text(
    "INSERT INTO bc_messages (company_id, message_id, direction, path, req_msg_id, object_id, body, state,"
    " result, error_cd, error_dtl, error_field) "
    "VALUES (:company_id, :message_id, 'IN', :path, :req_msg_id, :object_id, CAST(:body AS jsonb), :state,"
    " :result, :error_cd, :error_dtl, :error_field) "
    "ON CONFLICT (direction, req_msg_id) DO NOTHING RETURNING message_id"
)


async def add_in(
    session: AsyncSession,
    company_id: str,
    message_id: str,
    path: str,
    req_msg_id: str,
    object_id: str | None,
    body: str,
    state: str,
    *,
    result: str | None = None,
    error_cd: str | None = None,
    error_dtl: str | None = None,
    error_field: str | None = None,
) -> bool:
    """An inbound message, unless one with its network id is already stored (a replay): whether it went in.
    A concurrent copy waits here for the first to commit or roll back."""
    inserted = await session.execute(
        _INSERT_IN,
        {
            "company_id": company_id,
            "message_id": message_id,
            "path": path,
            "req_msg_id": req_msg_id,
            "object_id": object_id,
            "body": body,
            "state": state,
            "result": result,
            "error_cd": error_cd,
            "error_dtl": error_dtl,
            "error_field": error_field,
        },
    )
    return inserted.first() is not None


async def latest_out(session: AsyncSession, company_id: str, paths: Sequence[str]) -> str | None:
    """The id of the company's newest outbound message to one of these paths."""
    stmt = (
        select(BcMessage.message_id)
        .where(
            BcMessage.company_id == company_id,
            BcMessage.direction == "OUT",
            BcMessage.path.in_(list(paths)),
        )
        .order_by(BcMessage.created_on.desc(), BcMessage.message_id.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


# Registration.


async def registration(
    session: AsyncSession, company_id: str, *, for_update: bool = False
) -> BcRegistration | None:
    stmt = select(BcRegistration).where(BcRegistration.company_id == company_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


def add_registration(session: AsyncSession, registration: BcRegistration) -> None:
    session.add(registration)


async def registered_b2b_id(session: AsyncSession, company_id: str) -> str | None:
    stmt = select(BcRegistration.b2b_id).where(
        BcRegistration.company_id == company_id, BcRegistration.status == "REGISTERED"
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def company_of_b2b_id(session: AsyncSession, b2b_id: str) -> str | None:
    """The company registered on the network with this B2B id (the supplier a network message is for)."""
    stmt = select(BcRegistration.company_id).where(
        BcRegistration.b2b_id == b2b_id, BcRegistration.status == "REGISTERED"
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def holder_of_b2b_id(session: AsyncSession, b2b_id: str) -> str | None:
    """The company holding this B2B id, registered or not (the id is unique across companies)."""
    stmt = select(BcRegistration.company_id).where(BcRegistration.b2b_id == b2b_id)
    return (await session.execute(stmt)).scalar_one_or_none()
