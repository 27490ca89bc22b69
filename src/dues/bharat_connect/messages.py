"""Outbound messages (docs/decisions/0007): CONTRACT shared with the transport (brief BC-NET).

Stand-in, written by the flows branch so that it runs before the transport lands: on merge the transport's
version replaces this file (its ``queue`` also defers the send job). Nothing the flows need lives here beyond
the three names of the contract: ``queue``, ``supplier_b2b_id``, ``response_hook``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from dues.kit import envelope, ids
from dues.models.bharat_connect import BcMessage

ResponseHook = Callable[[AsyncSession, str, BcMessage, dict[str, Any]], Awaitable[None]]
RESPONSE_HOOKS: dict[str, ResponseHook] = {}

_QUEUE = text(
    "INSERT INTO bc_messages (company_id, message_id, direction, path, req_msg_id, object_id, dues_id, body, "
    "state, next_attempt_at) VALUES (:company_id, :message_id, 'OUT', :path, :req_msg_id, :object_id, "
    ":dues_id, CAST(:body AS jsonb), 'QUEUED', now())"
)
_SUPPLIER = text(
    "SELECT b2b_id FROM bc_registrations WHERE company_id = :company_id AND status = 'REGISTERED'"
)


async def queue(
    session: AsyncSession,
    company_id: str,
    path: str,
    body: dict[str, Any],
    *,
    dues_id: str | None = None,
    object_id: str | None = None,
) -> str:
    """A QUEUED OUT message for ``path`` carrying ``body``, in the caller's transaction; its message id."""
    message_id = ids.many("BCM", 1, 13)[0]
    await session.execute(
        _QUEUE,
        {
            "company_id": company_id,
            "message_id": message_id,
            "path": path,
            "req_msg_id": body["reqMsgId"],
            "object_id": object_id,
            "dues_id": dues_id,
            "body": envelope.dumps(body).decode(),
        },
    )
    return message_id


async def supplier_b2b_id(session: AsyncSession, company_id: str) -> str | None:
    """The company's own B2B id once the network registered it."""
    return (await session.execute(_SUPPLIER, {"company_id": company_id})).scalar_one_or_none()


def response_hook(path: str) -> Callable[[ResponseHook], ResponseHook]:
    """Register ``f(session, company_id, message, body)``, called when the resp-* of a message sent to
    ``path`` arrives."""

    def register(f: ResponseHook) -> ResponseHook:
        RESPONSE_HOOKS[path] = f
        return f

    return register
