"""The FastAPI application: routers, envelope errors, request ids and, in embedded mode, a worker."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qsl

import structlog
from fastapi import FastAPI
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dues import apidocs, errors, jobs
from dues.adjustments.endpoints import router as adjustment_router
from dues.audit.endpoints import router as audit_router
from dues.auth.endpoints import router as auth_router
from dues.auth.pages import router as login_pages
from dues.bharat_connect import network as bharat_connect
from dues.bharat_connect.endpoints import router as bharat_connect_router
from dues.bharat_connect.flows_endpoints import router as bharat_connect_flows_router
from dues.bharat_connect.inbound import router as bharat_connect_inbound
from dues.collection.endpoints import router as collection_router
from dues.collection.pages import router as outbox_pages
from dues.companies.endpoints import router as company_router
from dues.config import Settings, get_settings
from dues.credit_notes.endpoints import router as credit_note_router
from dues.customers.endpoints import router as customer_router
from dues.db import Database, FairGate, resolve_database_url
from dues.disputes.endpoints import router as dispute_router
from dues.health.endpoints import router as health_router
from dues.invoices.endpoints import router as invoice_router
from dues.kit import ids, leniency
from dues.kit.envelope import error_response
from dues.kit.logging import bind_request_id, clear_request, configure
from dues.ledger.endpoints import router as ledger_router
from dues.msme.endpoints import router as msme_router
from dues.pay import gateway
from dues.pay.endpoints import router as pay_router
from dues.payments.endpoints import router as payment_router
from dues.reminders.endpoints import router as reminder_router
from dues.replica import ReadReplica
from dues.reports.aging.endpoints import router as aging_router
from dues.reports.overview.endpoints import router as overview_router
from dues.statements.endpoints import router as statement_router
from dues.tds.endpoints import router as tds_router
from dues.uploads.endpoints import router as upload_router
from dues.web import routes as web
from dues.webhooks.endpoints import router as webhook_router

log = structlog.get_logger("dues.http")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_HEADER_UNSAFE = re.compile(rb"[\x00-\x1f\x7f]")

DESCRIPTION = """
Accounts Receivable for Indian B2B sellers, serving EnKash's AR API: a client written for EnKash's AR
endpoints works unchanged.

**Authorize.** `POST /oauth/token` with the company's client id and secret (HTTP Basic) and a user's e-mail
and password gives an access token; send it as `Authorization: Bearer <token>` on every `/api/` call. In
the interactive docs (`/docs`): *Authorize*, fill in username, password, client_id and client_secret, then
*Try it out* on any operation.

**Envelope.** Every response under `/api/` is EnKash's envelope: `response_code` (0 on success),
`response_message`, `payload`, and on error `errorResponse` with `errorType`, `errorMessage`, `apiSubErrors`
(one per field), `requestId` (also the `X-Request-Id` header) and `timestamp` (IST). Each operation lists
the errors it can answer.

**Retries.** Every POST under `/api/` takes an `Idempotency-Key` header: a retry with the same key and body
gets the first answer again and does nothing more (24 h); the same key with another body answers 409.

**Money** is exact: JSON numbers with at most 2 decimals, never rounded through floating point. Dates are
`yyyy-MM-dd`, date-times `yyyy-MM-dd HH:mm:ss` in IST.
"""


class RequestContext:
    """Gives every request an id (its own X-Request-Id if sane), puts it on every log line and the response,
    and logs one line per request. The body fields dues ignored (api.md §1.1a) are named in the response's
    X-Ignored-Fields header and on that line. Bodies declared larger than ``max_body`` are refused before
    any of them is read, so an oversized upload costs neither memory nor disk."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else ids.request_id()
        bind_request_id(request_id)
        collecting = leniency.start()
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                message.setdefault("headers", [])
                headers = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode()),
                    # No browser may take a JSON error or a CSV for HTML or script (MIME sniffing).
                    (b"x-content-type-options", b"nosniff"),
                ]
                ignored = leniency.ignored()
                if ignored:
                    # Field names come from the client: only what a header can carry is echoed.
                    value = ",".join(ignored).encode("ascii", "backslashreplace")
                    headers.append((b"x-ignored-fields", _HEADER_UNSAFE.sub(b"?", value)[:4096]))
                message["headers"] = headers
            await send(message)

        try:
            declared = dict(scope["headers"]).get(b"content-length", b"")
            if declared.isdigit() and int(declared) > self.max_body:
                limit_mb = self.max_body // (1024 * 1024)
                response = error_response(
                    413, "CLIENT_REQUEST_ERROR", f"The request body is larger than {limit_mb} MB.", []
                )
                await response(scope, receive, send_with_id)
                return
            early = _early_answer(scope)
            if early is not None:
                await early(scope, receive, send_with_id)
                return
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error", path=scope.get("path"))
            if not response_started:
                response = error_response(500, "SYSTEM_ERROR", "Something went wrong on our side.", [])
                await response(scope, receive, send_with_id)
        finally:
            ignored = leniency.ignored()
            log.info(
                "request",
                method=scope.get("method"),
                path=scope.get("path"),
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 1),
                **({"ignored_fields": ignored} if ignored else {}),
            )
            leniency.stop(collecting)
            clear_request()


def _nul_parameter(query: bytes) -> str | None:
    """The first query parameter whose name or value holds NUL (%00): PostgreSQL cannot store or compare
    it, so it is refused here, for every endpoint at once, rather than failing as a statement."""
    if b"%00" not in query and b"\x00" not in query:
        return None
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="latin-1"):
        if "\x00" in name or "\x00" in value:
            return name.replace("\x00", "") or "query"
    return None


def _early_answer(scope: Scope) -> Response | None:
    """Answers given before routing: OPTIONS on any path, and a query parameter holding NUL."""
    if scope.get("method") == "OPTIONS":
        allowed = errors.allowed_methods(scope)
        if allowed is None:
            return error_response(404, "RECORD_NOT_FOUND", "No such resource: check the path and the id.", [])
        # RFC 9110 §9.3.7: what the path accepts, in Allow; no body.
        return Response(status_code=204, headers={"Allow": ", ".join(allowed)})
    # The API's answer; the HTML pages for people (/outbox, /login, /pay) explain a bad filter on the page.
    api = scope.get("path", "").startswith(("/api/", "/oauth/"))
    name = _nul_parameter(scope.get("query_string", b"")) if api else None
    if name is not None:
        message = "must not contain a NUL character (%00)"
        return error_response(
            422,
            "VALIDATION_ERROR",
            f"{name}: {message}",
            [{"field": name, "rejectedValue": None, "message": message}],
        )
    return None


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    gateway.configured_names(settings)  # an unknown name in DUES_GATEWAYS stops the start, with the reason
    bharat_connect.network_of(settings)  # so does a Bharat Connect setting that cannot work

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = app.state.db is None
        if owned:
            app.state.db = Database.connect(
                resolve_database_url(settings), settings.db_pool_size, timeout=settings.db_timeout_seconds
            )
        jobs.bind(app.state.db)
        if settings.replica_url:
            # Searches and reports read there while it keeps up (dues.replica, docs/replica.md).
            app.state.replica = ReadReplica.connect(settings, app.state.db.url)
        gateway.announce(settings)
        # What exists now (modules, the app, its routes and models) lives as long as the process: out of the
        # collector's reach, its full collections stop walking it, and the slowest requests stop waiting on
        # them (p99 of a bare endpoint under 32 clients: 124 ms before, 61 ms after).
        gc.freeze()
        worker: asyncio.Task[None] | None = None
        if app.state.run_worker:
            worker = jobs.start_in_process(app.state.db)
        try:
            yield
        finally:
            if worker is not None:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await worker
            if app.state.replica is not None:
                await app.state.replica.dispose()
                app.state.replica = None
            if owned:
                await app.state.db.dispose()

    app = FastAPI(
        title="dues",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        # /docs and /redoc are served by apidocs.install, from files dues ships (no CDN).
        docs_url=None,
        redoc_url=None,
        openapi_tags=apidocs.TAGS,
    )
    app.state.db = database
    app.state.settings = settings
    app.state.replica = None  # a ReadReplica while the app runs, with DUES_REPLICA_URL set
    # Requests doing their database work at once; the rest wait their turn in arrival order (db.FairGate).
    app.state.gate = FairGate(settings.max_active_requests) if settings.max_active_requests else None
    app.state.run_worker = (
        settings.inprocess_worker if settings.inprocess_worker is not None else settings.embedded
    )
    errors.install(app)
    # Room for the multipart envelope around the largest file an upload may carry.
    app.add_middleware(RequestContext, max_body=settings.upload_max_bytes + 1024 * 1024)
    # Routers are tried in this order, each route by its pattern: the busiest paths first (matching
    # createInvoice last among eleven routers cost 70 us of its 1.1 ms). The invoice router's patterns take
    # one segment after /invoice/ or end in /approval or /pdf, so none of the others' /invoice/... paths
    # (bulk/create, bulk/dispatch, {id}/payments) can be taken by it.
    app.include_router(invoice_router)
    app.include_router(auth_router)
    app.include_router(company_router)
    app.include_router(audit_router)
    # Before the customers router: /customer/bulk... and /customer/reminder... must never be taken for
    # /customer/{customerId}.
    app.include_router(upload_router)
    app.include_router(reminder_router)
    app.include_router(customer_router)
    app.include_router(collection_router)
    app.include_router(payment_router)
    app.include_router(dispute_router)
    app.include_router(credit_note_router)
    app.include_router(adjustment_router)
    app.include_router(ledger_router)
    app.include_router(overview_router)
    app.include_router(statement_router)
    app.include_router(tds_router)
    app.include_router(msme_router)
    app.include_router(aging_router)
    app.include_router(webhook_router)
    app.include_router(bharat_connect_router)
    app.include_router(pay_router)
    app.include_router(bharat_connect_flows_router)
    # What the Bharat Connect network sends dues (its webhooks and the resp-* of dues's messages): signed by
    # the network, outside /api/, in EnKash's envelope.
    app.include_router(bharat_connect_inbound)
    if bharat_connect.sandbox_served_here(settings):
        # The sandbox network (test mode), at the URL dues's own adapter sends to by default.
        from dues.bharat_connect.sandbox import app as bc_sandbox

        app.state.bc_sandbox = bc_sandbox.Peer()
        app.include_router(bc_sandbox.router)
    # HTML for people (/login, /logout, /outbox): outside /api/, signed in by cookie, never enveloped.
    app.include_router(login_pages)
    app.include_router(outbox_pages)
    # The finance team's web app (/app) and the customer portal (/portal).
    web.install(app)
    apidocs.install(app)
    # /healthz and /readyz for load balancers: outside /api/, no token, no envelope.
    app.include_router(health_router)
    return app


def factory() -> FastAPI:
    """Entry point for uvicorn with several worker processes (``dues serve --workers K``)."""
    configure(get_settings().log_level, get_settings().log_json)
    return create_app()
