"""What the network says to dues: its requests (the buyer's req-*, as EnKash's webhooks) and the resp-* of
dues's own requests, POSTed to ``/bharat-connect`` + EnKash's path.

Each message is checked (size, signature, JSON), matched to its company, stored once by its network id and
applied in the same transaction. A message the network delivers again (it retries until it gets an answer)
is answered exactly as the first delivery was, and applies nothing: the row is unique per (direction,
reqMsgId), and a copy that arrives while the first is being applied waits for it at that row.

A req-* is keyed by its ``reqMsgId``; a resp-* by the request it answers (``resp.reqMsgId``): a request has
one outcome, however many times the network sends it.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from dues.bharat_connect import messages, repository, wire
from dues.bharat_connect.network import SUPPLIER_PREFIX, network_of, parse
from dues.config import get_settings
from dues.db import Database
from dues.errors import BadRequest, DuesError, NotFound, Unauthorized, Unprocessable
from dues.kit.envelope import JSONBody, error_response

log = structlog.get_logger("dues.bharat_connect.inbound")

PREFIX = SUPPLIER_PREFIX
MAX_BODY_BYTES = 1024 * 1024
# The network's requests dues takes, and the resp-* of its own.
REQUESTS = frozenset(
    {
        wire.CONFIRM_INVOICE,
        wire.PAY,
        wire.CONFIRM_CD_NOTE,
        wire.SEND_PURCHASE_ORDER,
        wire.STATUS_CHANGE_PURCHASE_ORDER,
    }
)
RESPONSES = frozenset(wire.RESPONSES.values())
_REQUEST_OF = {response: request for request, response in wire.RESPONSES.items()}

Handler = Callable[[AsyncSession, str, dict[str, Any]], Awaitable[None]]
HANDLERS: dict[str, Handler] = {}
# The modules whose @handler (and messages.response_hook) registrations serve the network's messages;
# imported on first use rather than here, since they import the domains that import this transport.
HANDLER_MODULES = [
    "dues.bharat_connect.service",
    "dues.bharat_connect.purchase_orders",
    "dues.bharat_connect.onboarding",
]
_loaded = False


def handler(path: str) -> Callable[[Handler], Handler]:
    """Register ``async def f(session, company_id, body)`` for the network's req-* at ``path`` (wire.py).
    It runs in the transaction that stores the message; a dues.errors error it raises refuses the message:
    nothing it did is kept, the message is stored REFUSED with the error, and the network gets the error's
    envelope (a replay gets the same)."""

    def register(f: Handler) -> Handler:
        HANDLERS[path] = f
        return f

    return register


def load_handlers() -> None:
    global _loaded
    if not _loaded:
        for module in HANDLER_MODULES:
            importlib.import_module(module)
        _loaded = True


router = APIRouter(route_class=APIRoute, include_in_schema=False)


class TooLarge(DuesError):
    status_code = 413
    error_type = BadRequest.error_type


async def _read_bounded(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TooLarge(f"A network message is at most {MAX_BODY_BYTES // 1024} KB.")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise TooLarge(f"A network message is at most {MAX_BODY_BYTES // 1024} KB.")
    return bytes(raw)


def _error(exc: DuesError) -> Response:
    return error_response(exc.status_code, exc.error_type, exc.message, [s.to_json() for s in exc.sub_errors])


def _ok() -> Response:
    return JSONBody(wire.ok(None))


def _refusal_columns(exc: DuesError) -> dict[str, str | None]:
    """The error as the message's row keeps it, from which every answer to it is made."""
    first = exc.sub_errors[0] if exc.sub_errors else None
    return {
        "result": str(exc.status_code),
        "error_cd": str(exc.error_type),
        "error_dtl": exc.message[:500],
        "error_field": None if first is None else first.field[:100],
    }


def _answer_stored(
    state: str, result: str | None, error_cd: str | None, dtl: str | None, field: str | None
) -> Response:
    """The answer to a stored message, made from its row alone: a replay gets what the first delivery got."""
    if state != "REFUSED":
        return _ok()
    subs = [] if field is None else [{"field": field, "rejectedValue": None, "message": dtl or ""}]
    status = int(result) if result and result.isdigit() else 422
    return error_response(status, error_cd or "UNPROCESSABLE_REQUEST", dtl or "Refused.", subs)


def _text(value: Any, name: str, length: int) -> str:
    if not isinstance(value, str) or not value or len(value) > length:
        raise BadRequest(f"{name} must be a string of 1 to {length} characters.")
    return value


def _object_id(body: dict[str, Any]) -> str | None:
    """The network objectId the message is about, where its object names one (for the message log)."""
    for value in body.values():
        if isinstance(value, dict) and isinstance(value.get("objectId"), str):
            return str(value["objectId"])[:40]
    return None


@router.post(PREFIX + "{rest:path}")
async def receive(rest: str, request: Request) -> Response:
    """Every network→dues path; EnKash writes some without their leading slash, so /bharat-connect +
    path, with or without one between, all arrive here."""
    path = "/" + rest.lstrip("/")
    try:
        return await _receive(path, request)
    except DuesError as exc:
        return _error(exc)


async def _receive(path: str, request: Request) -> Response:
    network = network_of(get_settings())
    if network is None:
        raise NotFound("Bharat Connect is off on this server.")
    if path not in REQUESTS and path not in RESPONSES:
        raise NotFound(f"No Bharat Connect message is received at {path}.")
    raw = await _read_bounded(request)
    if not network.verify(request.headers, raw):
        raise Unauthorized("The message's X-BC-Signature is missing, stale or does not sign its body.")
    try:
        body = parse(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The message is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BadRequest("The message is not a JSON object.")
    if b"\\u0000" in raw:
        raise BadRequest("The message holds a NUL character (\\u0000), which cannot be stored.")
    load_handlers()
    database: Database = request.app.state.db
    if path in RESPONSES:
        return await _response(database, path, raw, body)
    return await _request(database, path, raw, body)


async def _request(database: Database, path: str, raw: bytes, body: dict[str, Any]) -> Response:
    key = _text(body.get("reqMsgId"), "reqMsgId", 64)
    b2b_ids = body.get("b2bIds")
    supplier = b2b_ids.get("supplierB2BId") if isinstance(b2b_ids, dict) else None
    supplier = _text(supplier, "b2bIds.supplierB2BId", 100)
    run = HANDLERS.get(path)
    async with database.sessionmaker() as session:
        company_id = await repository.company_of_b2b_id(session, supplier)
        if company_id is None:
            raise NotFound(f"No supplier here is registered on the network as {supplier}.")
        if run is None:
            # Not stored: the network keeps sending it, and a dues that learns the path applies it then.
            raise NotFound(f"dues does not take {path} messages yet.")

        async def apply(session: AsyncSession) -> None:
            await run(session, company_id, body)

        return await _store_and_apply(database, session, company_id, path, key, raw, _object_id(body), apply)


async def _response(database: Database, path: str, raw: bytes, body: dict[str, Any]) -> Response:
    resp = body.get("resp")
    answered = _text(resp.get("reqMsgId") if isinstance(resp, dict) else None, "resp.reqMsgId", 64)
    async with database.sessionmaker() as session:
        message = await repository.by_req_msg_id(session, "OUT", answered)
        if message is None:
            raise NotFound(f"dues sent no message {answered}.")
        company_id = message.company_id

        async def apply(session: AsyncSession) -> None:
            # Locked: the sender may be recording an attempt of it at this moment.
            locked = await repository.by_req_msg_id(session, "OUT", answered, for_update=True)
            assert locked is not None
            expected = wire.RESPONSES.get(locked.path)
            if expected != path:
                raise Unprocessable(
                    f"{answered} was sent to {locked.path}; its outcome comes to {expected}, not {path}."
                )
            await messages.answered(session, locked, body)

        return await _store_and_apply(
            database, session, company_id, path, "RESP-" + answered, raw, message.object_id, apply
        )


async def _store_and_apply(
    database: Database,
    session: AsyncSession,
    company_id: str,
    path: str,
    key: str,
    raw: bytes,
    object_id: str | None,
    apply: Callable[[AsyncSession], Awaitable[None]],
) -> Response:
    text = raw.decode("utf-8")
    message_id = messages.new_message_id()
    stored = await repository.add_in(session, company_id, message_id, path, key, object_id, text, "APPLIED")
    if not stored:
        return await _replay(session, key)
    try:
        await apply(session)
    except DuesError as exc:
        await session.rollback()
        log.info("network message refused", path=path, req_msg_id=key, error=exc.message)
        columns = _refusal_columns(exc)
        async with database.sessionmaker() as fresh:
            stored = await repository.add_in(
                fresh, company_id, message_id, path, key, object_id, text, "REFUSED", **columns
            )
            await fresh.commit()
            if not stored:
                # A copy delivered meanwhile was stored first: its answer is the answer.
                return await _replay(fresh, key)
        return _answer_stored("REFUSED", **_stored_answer(columns))
    await session.commit()
    return _ok()


def _stored_answer(columns: dict[str, str | None]) -> dict[str, str | None]:
    return {
        "result": columns["result"],
        "error_cd": columns["error_cd"],
        "dtl": columns["error_dtl"],
        "field": columns["error_field"],
    }


async def _replay(session: AsyncSession, key: str) -> Response:
    first = await repository.by_req_msg_id(session, "IN", key)
    if first is None:  # stored and then deleted with its company between the two statements
        raise NotFound("The message's supplier is gone.")
    return _answer_stored(first.state, first.result, first.error_cd, first.error_dtl, first.error_field)
