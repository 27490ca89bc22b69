"""The sandbox network over HTTP, under /bc-sandbox: the network's paths a supplier (dues) sends to, the
buyer's page, and a JSON control API for tests.

`dues serve` mounts it (app.py) when the network is the sandbox and its URL is the local default; `dues
bharat-connect sandbox` runs it alone (``standalone``), for a dues elsewhere. It is test mode throughout: it
moves no money, and anyone who can reach it can play any buyer, so it never runs in production unless the
operator names it (DUES_BHARAT_CONNECT=sandbox).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import simplejson
from fastapi import APIRouter, FastAPI, Request
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse, Response

from dues import errors
from dues.bharat_connect import signing, wire
from dues.bharat_connect.network import SANDBOX_PREFIX, parse
from dues.bharat_connect.sandbox import peer, store
from dues.bharat_connect.sandbox.peer import Delivery, Peer, SandboxError
from dues.db import Database
from dues.kit.envelope import JSONBody, error_response, ok
from dues.kit.money import rupees

MAX_BODY_BYTES = 1024 * 1024

router = APIRouter(prefix=SANDBOX_PREFIX, route_class=APIRoute, include_in_schema=False)

_pages = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
# Amounts come as Decimals from the sandbox's tables and as JSON numbers from bodies it keeps.
_pages.filters["rupees"] = lambda value: rupees(Decimal(str(value)))
# A test-mode page: never cached, never framed, nothing loaded from anywhere else.
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
}
_STATUS_TYPES = {
    400: "CLIENT_REQUEST_ERROR",
    401: "UNAUTHORIZED",
    404: "RECORD_NOT_FOUND",
    413: "CLIENT_REQUEST_ERROR",
}


def _refusal(status: int, message: str) -> Response:
    kind = _STATUS_TYPES.get(status, "UNPROCESSABLE_REQUEST" if status < 500 else "SYSTEM_ERROR")
    return error_response(status, kind, message, [])


def _state(request: Request) -> tuple[Database, Peer]:
    return request.app.state.db, request.app.state.bc_sandbox


async def _bounded(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise SandboxError(413, "A network message is at most 1024 KB.")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise SandboxError(413, "A network message is at most 1024 KB.")
    return bytes(raw)


# --------------------------------------------------------------------------------- the network's paths


@router.post("/api/v0/{rest:path}")
async def network_request(rest: str, request: Request) -> Response:
    """A supplier's message: checked, kept, answered at once; its resp-* (and what the buyer does by rule)
    follows from a task of this process."""
    path = "/api/v0/" + rest
    try:
        if path not in peer.MODELS:
            raise SandboxError(404, f"The sandbox network takes no message at {path}.")
        raw = await _bounded(request)
        if not signing.verify(Peer.secret(), raw, request.headers.get(signing.HEADER)):
            raise SandboxError(401, "X-BC-Signature is missing, stale or does not sign the body.")
        try:
            body = parse(raw)
        except (ValueError, UnicodeDecodeError):
            raise SandboxError(400, "The message is not valid JSON.") from None
        if not isinstance(body, dict) or b"\\u0000" in raw:
            raise SandboxError(400, "The message is not a JSON object the network can keep.")
    except SandboxError as exc:
        return _refusal(exc.status_code, exc.message)
    database, here = _state(request)
    supplier = peer.supplier_of(body)
    req_msg_id = body.get("reqMsgId") if isinstance(body.get("reqMsgId"), str) else None
    async with database.sessionmaker() as session:
        failing = await store.take_rule(session, ("fail-next",), None)
        if failing is not None:
            await store.add_message(session, "IN", path, req_msg_id, supplier, raw.decode(), 503)
            await session.commit()
            return _refusal(503, "The sandbox network is failing on purpose (a fail-next rule); try again.")
        resend = req_msg_id is not None and path != wire.SEARCH_ENTITY
        if resend and await store.taken_before(session, path, req_msg_id):  # type: ignore[arg-type]
            # A resend (the supplier did not hear the first answer): taken again, applied once, as a real
            # network keeps messages by their id; its resp-* went out the first time.
            await store.add_message(session, "IN", path, req_msg_id, supplier, raw.decode(), 200)
            await session.commit()
            return JSONBody(wire.ok(None))
        try:
            outcome = await peer.take(session, path, body)
        except SandboxError as exc:
            await session.rollback()
            await store.add_message(session, "IN", path, req_msg_id, supplier, raw.decode(), exc.status_code)
            await session.commit()
            return _refusal(exc.status_code, exc.message)
        if outcome.error is None and req_msg_id is None and outcome.resp is not None:
            outcome.error = ("INVALID_MESSAGE", "reqMsgId: the message's id is missing", "reqMsgId")
        await store.add_message(
            session, "IN", path, req_msg_id, outcome.supplier_b2b_id or supplier, raw.decode(), 200
        )
        await session.commit()

    async def follow() -> None:
        await peer.follow_up(database, here, path, body, outcome)

    if outcome.resp is not None and req_msg_id is not None:
        here.later(follow)
    return JSONBody(wire.ok(outcome.payload))


# ----------------------------------------------------------------------------------------- the buyer's page


def _shown(label: str, delivery: Delivery) -> dict[str, Any]:
    text = simplejson.dumps(delivery.answer, indent=2, use_decimal=True, default=str)
    if delivery.error:
        text = delivery.error
    return {
        "label": label,
        "status_code": delivery.status_code,
        "taken": delivery.taken,
        "req_msg_id": delivery.req_msg_id,
        "text": text,
    }


async def _notes(database: Database) -> list[dict[str, Any]]:
    """The cd-notes suppliers sent, newest version of each, with the buyer's last answer taken."""
    async with database.sessionmaker() as session:
        sent = await store.messages(session, direction="IN", path=wire.SEND_CD_NOTE)
        answers = await store.messages(session, direction="OUT", path=wire.CONFIRM_CD_NOTE)
    notes: dict[str, dict[str, Any]] = {}
    for message in sent:
        note = message.body.get("cdNote")
        if message.status_code == 200 and isinstance(note, dict) and isinstance(note.get("objectId"), str):
            notes[note["objectId"]] = dict(note)
    for message in answers:
        confirmation = message.body.get("cdNoteConfirmation") or {}
        taken = message.status_code is not None and 200 <= message.status_code < 300
        if taken and confirmation.get("objectId") in notes:
            notes[confirmation["objectId"]]["answer"] = (
                confirmation.get("cdNoteStatusTransition") or {}
            ).get("newStatus")
    return list(reversed(notes.values()))


async def _page(
    request: Request, answer: dict[str, Any] | None = None, problem: str | None = None, status: int = 200
) -> HTMLResponse:
    database, _ = _state(request)
    buyer = request.query_params.get("buyer") or None
    async with database.sessionmaker() as session:
        invoices = await store.invoices(session, buyer)
        everyone = await store.invoices(session)
    suppliers = list(dict.fromkeys(i.supplier_b2b_id for i in everyone))
    buyers = list(dict.fromkeys(i.buyer_b2b_id for i in everyone))
    html = _pages.get_template("buyer.html").render(
        base=SANDBOX_PREFIX,
        invoices=invoices,
        notes=await _notes(database),
        suppliers=suppliers,
        buyers=buyers,
        modes=[m.value for m in wire.PaymentMode],
        answer=answer,
        problem=problem,
    )
    return HTMLResponse(html, status_code=status, headers=_PAGE_HEADERS)


@router.get("/buyer")
async def buyer_page(request: Request) -> HTMLResponse:
    return await _page(request)


def _field(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


@router.post("/buyer/invoices/{object_id}")
async def buyer_invoice(object_id: str, request: Request) -> HTMLResponse:
    database, here = _state(request)
    form = await request.form()
    action = (_field(form, "action") or "").upper()
    try:
        delivery = await peer.act(
            database,
            here,
            object_id,
            action,
            remarks=_field(form, "remarks"),
            type=_field(form, "type") or "ONPLATFORM",
            amount=_field(form, "amount"),
            mode=_field(form, "mode") or "NEFT",
            utr=_field(form, "utr"),
        )
    except SandboxError as exc:
        return await _page(request, problem=exc.message, status=exc.status_code)
    label = {"ACCEPT": "Accepted", "REJECT": "Rejected", "RETURN": "Returned", "PAY": "Paid"}.get(
        action, action
    )
    return await _page(request, _shown(label, delivery))


@router.post("/buyer/cd-notes/{object_id}")
async def buyer_note(object_id: str, request: Request) -> HTMLResponse:
    database, here = _state(request)
    form = await request.form()
    response = (_field(form, "response") or "").upper()
    try:
        delivery = await peer.act_on_cd_note(database, here, object_id, response, _field(form, "remarks"))
    except SandboxError as exc:
        return await _page(request, problem=exc.message, status=exc.status_code)
    return await _page(request, _shown(f"Note {response.lower()}ed", delivery))


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SandboxError(422, f"{value!r} is not a date (yyyy-MM-dd)") from None


@router.post("/buyer/purchase-orders")
async def buyer_purchase_order(request: Request) -> HTMLResponse:
    database, here = _state(request)
    form = await request.form()
    lines = []
    for n in range(1, 11):
        description = _field(form, f"description_{n}")
        if description:
            lines.append(
                {
                    "description": description,
                    "quantity": _field(form, f"quantity_{n}") or "1",
                    "unitPrice": _field(form, f"unit_price_{n}"),
                    "gstRate": _field(form, f"gst_rate_{n}") or "0",
                }
            )
    try:
        delivery = await peer.send_purchase_order(
            database,
            here,
            _field(form, "supplier") or "",
            _field(form, "buyer") or "",
            _field(form, "number") or "",
            lines,
            delivery_date=_day(_field(form, "delivery_date")),
            subject=_field(form, "subject"),
        )
    except SandboxError as exc:
        return await _page(request, problem=exc.message, status=exc.status_code)
    return await _page(request, _shown("Purchase order sent", delivery))


# ------------------------------------------------------------------------------------------- control API


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        value = parse(raw) if raw else {}
    except (ValueError, UnicodeDecodeError):
        raise SandboxError(400, "The body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise SandboxError(400, "The body is a JSON object.")
    return value


def _rule_json(rule: store.Rule) -> dict[str, Any]:
    return {
        "ruleNo": rule.rule_no,
        "buyerB2BId": rule.buyer_b2b_id,
        "action": rule.action,
        "argument": rule.argument,
        "remaining": rule.remaining,
    }


def _rule_of(body: dict[str, Any]) -> tuple[str | None, str, str | None, int | None]:
    action = str(body.get("action") or "")
    if action not in peer.RULES:
        raise SandboxError(422, f"action is one of {', '.join(peer.RULES)}")
    times = body.get("times", body.get("n"))
    if times is not None and (not isinstance(times, int) or times < 1):
        raise SandboxError(422, "times (or n) is a whole number of at least 1")
    buyer = body.get("buyerB2BId")
    if buyer is not None and (not isinstance(buyer, str) or not buyer):
        raise SandboxError(422, "buyerB2BId is a B2B id")
    argument: str | None = None
    if action == "fail-next":
        if times is None:
            raise SandboxError(422, "fail-next needs n: how many requests to refuse")
        return None, action, None, times
    if action in ("pay-part", "pay-off-platform"):
        if body.get("amount") is not None:
            argument = "amount:" + str(peer.money(body["amount"], "amount"))
        elif body.get("fraction") is not None:
            argument = "fraction:" + str(body["fraction"])
            peer.share_of(peer.PAISE, argument)  # refused here, not when an invoice comes
        elif action == "pay-part":
            raise SandboxError(422, "pay-part needs an amount or a fraction")
    if action in ("reject", "return") and body.get("remarks"):
        argument = peer.remarks_of(str(body["remarks"]))
    return buyer, action, argument, times


@router.get("/control/rules")
async def control_rules(request: Request) -> Response:
    database, _ = _state(request)
    async with database.sessionmaker() as session:
        return ok([_rule_json(r) for r in await store.rules(session)])


@router.post("/control/rules")
async def control_add_rule(request: Request) -> Response:
    """{action, buyerB2BId?, times?, amount? | fraction?, remarks?}; fail-next takes n."""
    database, _ = _state(request)
    try:
        buyer, action, argument, times = _rule_of(await _json(request))
    except SandboxError as exc:
        return _refusal(exc.status_code, exc.message)
    async with database.sessionmaker() as session:
        rule = await store.add_rule(session, buyer, action, argument, times)
        await session.commit()
    return ok(_rule_json(rule))


@router.delete("/control/rules")
async def control_clear_rules(request: Request) -> Response:
    database, _ = _state(request)
    async with database.sessionmaker() as session:
        cleared = await store.clear_rules(session)
        await session.commit()
    return ok({"cleared": cleared})


def _invoice_json(invoice: store.Invoice) -> dict[str, Any]:
    return {
        "objectId": invoice.object_id,
        "supplierB2BId": invoice.supplier_b2b_id,
        "buyerB2BId": invoice.buyer_b2b_id,
        "supplierInvoiceNumber": invoice.supplier_invoice_number,
        "version": invoice.version,
        "status": invoice.status,
        "total": invoice.total,
        "due": invoice.due,
    }


@router.get("/control/invoices")
async def control_invoices(request: Request) -> Response:
    database, _ = _state(request)
    async with database.sessionmaker() as session:
        found = await store.invoices(session, request.query_params.get("buyer") or None)
    return ok([_invoice_json(i) for i in found])


@router.post("/control/invoices/{object_id}")
async def control_act(object_id: str, request: Request) -> Response:
    """{action: ACCEPT | REJECT | RETURN | PAY, remarks?, type?, amount?, mode?, utr?}: as the page's
    buttons do."""
    database, here = _state(request)
    try:
        body = await _json(request)
        delivery = await peer.act(
            database,
            here,
            object_id,
            str(body.get("action") or ""),
            remarks=body.get("remarks"),
            type=str(body.get("type") or "ONPLATFORM"),
            amount=body.get("amount"),
            mode=str(body.get("mode") or "NEFT"),
            utr=body.get("utr"),
        )
    except SandboxError as exc:
        return _refusal(exc.status_code, exc.message)
    return ok(delivery.to_json())


@router.post("/control/cd-notes/{object_id}")
async def control_note(object_id: str, request: Request) -> Response:
    """{response: ACCEPT | REJECT, remarks?}."""
    database, here = _state(request)
    try:
        body = await _json(request)
        delivery = await peer.act_on_cd_note(
            database, here, object_id, str(body.get("response") or ""), body.get("remarks")
        )
    except SandboxError as exc:
        return _refusal(exc.status_code, exc.message)
    return ok(delivery.to_json())


@router.post("/control/purchase-orders")
async def control_purchase_order(request: Request) -> Response:
    """{supplierB2BId, buyerB2BId, buyerPONumber, lines: [{description, quantity, unitPrice, gstRate}],
    deliveryDate?, subject?}."""
    database, here = _state(request)
    try:
        body = await _json(request)
        lines = body.get("lines")
        delivery = await peer.send_purchase_order(
            database,
            here,
            str(body.get("supplierB2BId") or ""),
            str(body.get("buyerB2BId") or ""),
            str(body.get("buyerPONumber") or ""),
            [line for line in lines if isinstance(line, dict)] if isinstance(lines, list) else [],
            delivery_date=_day(body.get("deliveryDate")),
            subject=body.get("subject"),
        )
    except SandboxError as exc:
        return _refusal(exc.status_code, exc.message)
    return ok(delivery.to_json())


def _message_json(message: store.Message) -> dict[str, Any]:
    return {
        "messageNo": message.message_no,
        "direction": message.direction,
        "path": message.path,
        "reqMsgId": message.req_msg_id,
        "supplierB2BId": message.supplier_b2b_id,
        "statusCode": message.status_code,
        "createdOn": message.created_on.isoformat(),
        "body": message.body,
    }


@router.get("/control/messages")
async def control_messages(request: Request) -> Response:
    """Every message, in order: ?direction=IN|OUT (IN: from the supplier), ?path=, ?supplier=, ?after=N."""
    database, _ = _state(request)
    query = request.query_params
    after = query.get("after", "0")
    async with database.sessionmaker() as session:
        found = await store.messages(
            session,
            direction=query.get("direction") or None,
            path=query.get("path") or None,
            supplier_b2b_id=query.get("supplier") or None,
            after=int(after) if after.isdigit() else 0,
        )
    return ok([_message_json(m) for m in found])


@router.post("/control/messages/{message_no}/replay")
async def control_replay(message_no: int, request: Request) -> Response:
    """Send a message the sandbox sent the supplier again, exactly (same body, same reqMsgId)."""
    database, here = _state(request)
    try:
        delivery = await peer.replay(database, here, message_no)
    except SandboxError as exc:
        return _refusal(exc.status_code, exc.message)
    return ok(delivery.to_json())


# ------------------------------------------------------------------------------------------------ alone


def standalone(supplier_url: str, database_url: str) -> FastAPI:
    """The sandbox network as its own server, talking to the supplier (dues) at ``supplier_url``, keeping
    its records in the database at ``database_url`` (migrated)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.db = Database.connect(database_url, pool_size=4)
        try:
            yield
        finally:
            await app.state.db.dispose()

    app = FastAPI(
        title="Bharat Connect sandbox network (test mode)",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.bc_sandbox = Peer(supplier_url)
    errors.install(app)
    app.include_router(router)

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse(f"{SANDBOX_PREFIX}/buyer", status_code=303)

    return app
