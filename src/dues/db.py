"""Engine, sessions, the embedded PostgreSQL, and the one-transaction-per-request route class."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import inspect
import json
import math
import re
import time
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, TypeVar

import psycopg
import simplejson
import structlog
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy import ClauseElement, event
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import configure_mappers
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from dues.config import Settings
from dues.embedded import start_embedded
from dues.errors import DuesError, unexpected_answer
from dues.kit.envelope import error_response

log = structlog.get_logger("dues.db")


def sqlalchemy_url(url: str) -> str:
    """Any PostgreSQL URL, as SQLAlchemy wants it with the psycopg 3 driver."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """The same URL as libpq (and procrastinate's connector) reads it."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def resolve_database_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    return start_embedded(settings.home)


IDLE_PING_SECONDS = 2.0
# How long a timed-out query's cancel request may take: on a server that answers nothing (stopped with
# SIGSTOP, a paused VM, a cut network) it never completes, and the caller has waited long enough already.
CANCEL_SECONDS = 0.5


class DatabaseTimeout(psycopg.OperationalError):
    """The server did not answer a query within the connection's time limit."""


class BoundedConnection(psycopg.AsyncConnection[Any]):
    """A psycopg connection that waits at most ``answer_timeout`` seconds for any answer of the server.

    asyncio's own timeouts do not help here: a cancelled psycopg wait sends the server a cancel request and
    then waits up to ten seconds more for the query to end, and a server that answers nothing answers that
    neither. This connection gives up at the limit: it asks the server (briefly) to cancel the query, so a
    live server stops a lock wait it would otherwise sit in, then closes itself, which makes SQLAlchemy
    discard it from the pool."""

    answer_timeout: float | None = None

    async def wait(
        self,
        gen: Any,
        interval: float = 0.1,
        timeout: float | None = None,  # noqa: ASYNC109 (psycopg's signature)
    ) -> Any:
        if timeout is not None or self.answer_timeout is None:
            return await super().wait(gen, interval, timeout)
        try:
            return await super().wait(gen, interval, self.answer_timeout)
        except psycopg.errors._WaitTimeout:  # psycopg's own wait timeout; nothing public says it
            with contextlib.suppress(Exception):
                await self.cancel_safe(timeout=CANCEL_SECONDS)
            self.pgconn.finish()
            raise DatabaseTimeout(f"the database did not answer within {self.answer_timeout:g} s") from None


async def connect_bounded(url: str, seconds: float, **kwargs: Any) -> BoundedConnection:
    """A connection opened within ``seconds`` (libpq counts whole seconds, at least 2) whose every wait for
    the server is bounded by ``seconds`` too."""
    connection = await BoundedConnection.connect(
        libpq_url(url), connect_timeout=max(2, math.ceil(seconds)), **kwargs
    )
    connection.answer_timeout = seconds
    return connection


def ping_after_idle(engine: AsyncEngine, seconds: float) -> None:
    """Check a pooled connection that sat idle for ``seconds`` before handing it out, and replace it if the
    server closed it (a restart, an idle timeout). A connection of a busy pool was in use a moment ago;
    checking it on every request, as pool_pre_ping does, would cost every request a round trip."""
    sync = engine.sync_engine

    @event.listens_for(sync, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(sync, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < seconds:
            return
        try:
            sync.dialect.do_ping(dbapi_connection)
        except DatabaseTimeout:
            raise  # a server that does not answer would not answer a new connection either: no retry
        except Exception as exc:
            log.info("replacing a pooled connection the server closed", error=str(exc))
            raise DisconnectionError() from exc  # the pool opens a new connection instead


@dataclass
class Database:
    url: str
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    # Sessions without an explicit transaction, for @single_statement endpoints; None where the database is
    # itself a view inside one outer transaction (tests), whose endpoints then run in the usual way.
    autocommit_sessionmaker: async_sessionmaker[AsyncSession] | None = None
    # Longest wait for the database (a connection, a pooled connection, any answer); None: no limit.
    timeout: float | None = None

    @classmethod
    def connect(
        cls,
        url: str,
        pool_size: int = 10,
        idle_ping_seconds: float = IDLE_PING_SECONDS,
        timeout: float | None = None,
    ) -> Database:
        """A pool of ``pool_size`` connections. With ``timeout``, nothing waits longer than that for the
        database: opening a connection, taking one from the pool, or any answer to a statement (a lock wait
        included); the caller gets an error it can turn into a 503 instead of hanging."""
        # No overflow: connections opened above pool_size would be closed again on return, and under a steady
        # load beyond it every request would pay for a new server process. Requests wait for a free one.
        bounds: dict[str, Any] = {}
        if timeout is not None:
            bounds = {
                "pool_timeout": timeout,
                "async_creator": lambda: connect_bounded(url, timeout),
            }
        engine = create_async_engine(sqlalchemy_url(url), pool_size=pool_size, max_overflow=0, **bounds)
        ping_after_idle(engine, idle_ping_seconds)
        return cls.on(url, engine, timeout)

    @classmethod
    def on(cls, url: str, engine: AsyncEngine, timeout: float | None = None) -> Database:
        autocommit = make_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"))
        return cls(url, engine, make_sessionmaker(engine), autocommit, timeout)

    async def dispose(self) -> None:
        await self.engine.dispose()


def make_sessionmaker(bind: Any, **kwargs: Any) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False, **kwargs)


SINGLE_STATEMENT = "__dues_single_statement__"
# In a session's info when each of its statements commits on its own (no transaction around the request).
AUTOCOMMIT = "dues.autocommit"

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def single_statement(endpoint: Endpoint) -> Endpoint:
    """Mark an endpoint whose only write is one statement and whose reads need no common snapshot: DuesRoute
    runs it without an explicit transaction, each statement committing on its own. The write is atomic as
    any statement is, and it commits the moment it ends, so a lock it takes (the invoice number series) is
    held for the statement alone rather than until this process comes back to send COMMIT; and the request
    saves the BEGIN and COMMIT round trips. With an Idempotency-Key the claim and the stored answer must
    commit with the write, so such a request gets the usual transaction."""
    setattr(endpoint, SINGLE_STATEMENT, True)
    return endpoint


SINGLE_STATEMENT_UNLESS = "__dues_single_statement_unless__"


def single_statement_unless(needs_transaction: Callable[[bytes], bool]) -> Callable[[Endpoint], Endpoint]:
    """@single_statement, except for requests whose body ``needs_transaction`` (given the raw body): those get
    the usual transaction (createInvoice with dispatchNow writes the invoice and its dispatch together)."""

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, SINGLE_STATEMENT_UNLESS, needs_transaction)
        return single_statement(endpoint)

    return mark


def driver_sql(statement: str) -> str:
    """A statement written with :name parameters, in the driver's %(name)s style (casts like ::text stay)."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", statement.replace("%", "%%"))


def driver_statement(statement: ClauseElement) -> str:
    """A SQLAlchemy statement as the driver's SQL, for fetch_rows; its bind parameters keep their names."""
    return str(statement.compile(dialect=_DRIVER_DIALECT))


_DRIVER_DIALECT = postgresql_psycopg.dialect()


ModelT = TypeVar("ModelT")


def detached(model: type[ModelT], columns: Sequence[str], values: Sequence[Any]) -> ModelT:
    """A model instance outside any session holding a row read by fetch_rows, to read. Made without the
    instrumented constructor, which costs more than the query on the hottest paths."""
    mapper = model.__mapper__  # type: ignore[attr-defined]
    if not mapper.configured:
        # A new process may build one before any query has set the mappers up (attributes would be unusable).
        configure_mappers()
    instance: ModelT = mapper.class_manager.new_instance()
    instance.__dict__.update(zip(columns, values, strict=True))
    return instance


async def fetch_rows(session: AsyncSession, statement: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Run a statement (driver_sql style) on the session's own connection, in its transaction, straight
    through the driver: for the few statements on the hottest paths, where SQLAlchemy's execution layers cost
    more than the statement. Errors arrive as SQLAlchemy's, so callers handle one kind."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        await cursor.execute(statement, params)
        return await cursor.fetchall() if cursor.description is not None else []
    except psycopg.Error as exc:
        lost = bool(raw.driver_connection.closed)  # type: ignore[union-attr]
        if lost:
            # As SQLAlchemy does for the statements it runs itself: a connection lost (or given up on, see
            # BoundedConnection) is dropped from the pool, not rolled back, which would fail again and hide
            # this error.
            await connection.invalidate(exc)
        raise DBAPIError.instance(statement, params, exc, psycopg.Error, connection_invalidated=lost) from exc
    finally:
        await cursor.close()


def _json_int(text: str) -> int | Decimal:
    """A JSON integer; past Python's limit on digits read into an int (4,300) a Decimal, which the field then
    refuses in its own words ("must be at most ...") instead of the whole body failing to parse."""
    return int(text) if len(text) < 4000 else Decimal(text)


class DecimalRequest(Request):
    """Reads JSON bodies with Decimal for every non-integer number, so amounts never pass through float."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = simplejson.loads(body, parse_float=Decimal, parse_int=_json_int)
            except (simplejson.JSONDecodeError, UnicodeDecodeError) as exc:
                # FastAPI turns the standard library's error (only) into the envelope's malformed-JSON 400.
                raise json.JSONDecodeError(str(exc), body.decode("utf-8", "replace"), 0) from exc
        return self._json


class FairGate:
    """At most ``size`` holders at once; the others wait in the order they came, and a freed slot goes
    straight to the longest waiter. (The connection pool's queue lets a newcomer take a connection freed for
    a waiter and sends the waiter to the back of the line: under load some requests waited several times as
    long as the rest.)"""

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiting: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        turn = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # handed the slot just as it was cancelled: pass it on
            raise

    def release(self) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)  # the slot goes straight to the longest waiter
                return
        self._free += 1


# Bodies up to this size are read before a request waits for its turn, so a slow sender holds no slot.
_GATED_BODY_MAX = 1024 * 1024


async def _small_body_read(request: Request) -> bool:
    """Read the request's body if it is small (Starlette keeps it for the endpoint); False if it is too large
    or of unknown length (uploads), which then go through without waiting for a turn."""
    if request.method in ("GET", "HEAD", "DELETE", "OPTIONS"):
        return True
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > _GATED_BODY_MAX:
        return False
    await request.body()
    return True


def _unflushed(session: AsyncSession) -> bool:
    """Objects added or changed but not yet written (in an autocommit session every statement has already
    committed, so only these would still need a commit)."""
    return bool(session.new or session.dirty or session.deleted)


# The request DuesRoute is serving, for the endpoint wrapper of _after_checks (which FastAPI calls with the
# endpoint's own arguments only).
_serving: ContextVar[Request | None] = ContextVar("dues_serving", default=None)


def _after_checks(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """The endpoint, preceded by the Idempotency-Key claim (api.md §1.6). FastAPI calls it once every
    dependency has run: the token checked, the role the operation allows, the company, the body parsed. So a
    stored answer goes back only to a caller who may make the request now; anyone else has had the
    operation's own 401/403 before a stored answer is looked at."""
    is_async = inspect.iscoroutinefunction(endpoint)

    @functools.wraps(endpoint)
    async def claimed(*args: Any, **kwargs: Any) -> Any:
        request = _serving.get()
        if request is not None:
            from dues.idempotency import service as idempotency  # it needs auth, which needs this module

            claim = await idempotency.claim(request.state.session, request)
            if claim is not None:
                request.state.idempotency_claim = claim
                if claim.replay is not None:
                    return claim.replay
        if is_async:
            return await endpoint(*args, **kwargs)
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return claimed


# Server answers that mean it cannot take work now (shutting down, starting up, out of connections).
_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})
_QUERY_CANCELED = "57014"  # a statement_timeout or lock wait ended by the server


def database_trouble(exc: BaseException, timeout: float | None) -> str | None:
    """What to tell a person when ``exc`` says the database is unreachable or did not answer in time (a
    503); None for any other error. They learn it is worth trying again, and nothing of the driver's text.
    The errors it led to are looked through too: a connection given up on fails again as it is closed."""
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 8:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    if any(_timed_out(e) for e in chain):
        within = f"within {timeout:g} s" if timeout else "in time"
        return f"The database did not answer {within}; try again."
    if any(_unreachable(e) for e in chain):
        return "The database is not available right now; try again in a moment."
    if any(_made_way(e) for e in chain):
        return "The database stopped this request to let another one finish; try again."
    return None


# 40001: a replica cancelled a read that held back its replay (or a serialisation failure); 40P01: two
# movements of one company met at the reports' summary rows in opposite orders and one was chosen to stop.
# Either is over when tried again, and neither is the client's mistake.
_MADE_WAY_STATES = frozenset({"40001", "40P01"})


def _made_way(exc: BaseException) -> bool:
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    return getattr(orig, "sqlstate", None) in _MADE_WAY_STATES


def _timed_out(exc: BaseException) -> bool:
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    return (
        isinstance(exc, PoolTimeout)
        or isinstance(orig, DatabaseTimeout | psycopg.errors.ConnectionTimeout)
        or getattr(orig, "sqlstate", None) == _QUERY_CANCELED
    )


def _unreachable(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    sqlstate = getattr(orig, "sqlstate", None)
    return isinstance(orig, psycopg.OperationalError) and (
        sqlstate is None or sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_STATES
    )


def first_line(exc: BaseException) -> str:
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__


def _gate_timeout(timeout: float) -> Response:
    log.warning("no turn within the database timeout", seconds=timeout)
    return error_response(
        503,
        "SYSTEM_ERROR",
        f"The server is waiting on the database and could not take this request within {timeout:g} s; "
        "try again.",
        [],
    )


class DuesRoute(APIRoute):
    """Each request runs in one session and one transaction, committed here once the endpoint has answered.

    The commit happens before the response is sent, so a client that got a 2xx can rely on the change; an
    exception rolls everything back, queued jobs included (they are rows in the same transaction).
    POST requests with an Idempotency-Key are claimed and answered from the same transaction (api.md §1.6),
    after the endpoint's dependencies have authorised the caller (_after_checks).
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        # Read by get_route_handler, which super().__init__ calls: the endpoint as written, with its marks.
        self.dues_endpoint = endpoint
        methods = {m.upper() for m in kwargs.get("methods") or ()}
        if "POST" in methods:
            endpoint = _after_checks(endpoint)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        inner = super().get_route_handler()
        single = getattr(self.dues_endpoint, SINGLE_STATEMENT, False)
        needs_transaction: Callable[[bytes], bool] | None
        needs_transaction = getattr(self.dues_endpoint, SINGLE_STATEMENT_UNLESS, None)

        async def handler(request: Request) -> Response:
            from dues.idempotency import service as idempotency

            request = DecimalRequest(request.scope, request.receive)
            db: Database = request.app.state.db
            sessions = db.sessionmaker
            keyed = request.method == "POST" and idempotency.HEADER in request.headers
            if single and db.autocommit_sessionmaker and not keyed:
                if needs_transaction is None or not needs_transaction(await request.body()):
                    sessions = db.autocommit_sessionmaker
            gate: FairGate | None = getattr(request.app.state, "gate", None)
            if gate is not None and await _small_body_read(request):
                # The requests ahead may all be waiting on a database that does not answer.
                try:
                    async with asyncio.timeout(db.timeout):
                        await gate.acquire()
                except TimeoutError:
                    return _gate_timeout(db.timeout or 0)
            else:
                gate = None
            serving = _serving.set(request)
            try:
                async with sessions() as session:
                    request.state.session = session
                    if sessions is db.autocommit_sessionmaker:
                        session.info[AUTOCOMMIT] = True
                    if keyed:
                        # The claim fingerprints the body; read it now, while the endpoint (a form, a
                        # file) has not consumed the stream.
                        await request.body()
                    response = await inner(request)
                    if response.status_code >= 400:
                        if getattr(request.state, "commit_on_error", False):
                            await session.commit()
                        else:
                            await session.rollback()
                        return response
                    claim: idempotency.Claim | None = getattr(request.state, "idempotency_claim", None)
                    if claim is not None and claim.replay is None:
                        await idempotency.store(session, claim, response)
                    if sessions is not db.autocommit_sessionmaker or _unflushed(session):
                        await session.commit()
                    return response
            except (DuesError, RequestValidationError, StarletteHTTPException):
                raise
            except Exception as exc:
                unavailable = database_trouble(exc, db.timeout)
                if unavailable is not None:
                    log.warning("database unavailable", path=request.url.path, error=first_line(exc))
                    return error_response(503, "SYSTEM_ERROR", unavailable, [])
                # Handled here rather than by Starlette's outermost middleware so the 500 still carries the
                # request id header and goes through the request log.
                log.exception("unexpected error", path=request.url.path)
                return unexpected_answer(request)
            finally:
                _serving.reset(serving)
                if gate is not None:
                    gate.release()

        return handler


def body_fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def get_session(request: Request) -> AsyncSession:
    # async: FastAPI would run a plain function in its thread pool, a thread hop on every request.
    return request.state.session  # type: ignore[no-any-return]


SessionDep = Annotated[AsyncSession, Depends(get_session)]
