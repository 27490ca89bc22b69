"""Reads on a streaming replica (api.md §10 "Scale", docs/replica.md).

With ``DUES_REPLICA_URL`` set, the routes that only read (searches, the ledger; reports) take
``ReadSessionDep``: a session on the replica while it answers and is at most
``DUES_REPLICA_MAX_LAG_SECONDS`` behind the primary, else a session on the primary. Either way the session's
transaction is READ ONLY, so a write slipped into a read route fails the same way on both (the replica
would refuse it anyway). The request's own session, where the caller's token, company and Idempotency-Key
are read, stays on the primary. Unset, ``ReadSessionDep`` is that request session, as if this did not exist.

How far behind. The primary's WAL position (``pg_current_wal_lsn``) is read first, then the replica's
replayed position (``pg_last_wal_replay_lsn``). A replica at or past it has everything the primary had a
moment before: no lag. Otherwise it misses something written after both of
  - the last check that saw the primary at or before the replica's present position (it had it all then),
  - the last commit the replica replayed (``pg_last_xact_replay_timestamp``),
so the lag is at most the age of the more recent of the two, and that is what is reported. Neither alone
will do: the age of the last replayed commit grows on an idle primary where nothing is missing, and a
replica cut off from its primary replays nothing more and looks caught up with what it received.

The check runs at most once a second per process, when a read needs it, on two connections of its own
(never the request pools), each answer bounded by ``CHECK_TIMEOUT_SECONDS``; a request waits for it at most
``CHECK_WAIT_SECONDS`` in all, then reads on the primary. A replica that failed a check, or a request's
first statement, is left alone for ``RETRY_AFTER_SECONDS``. Each change of state is logged once.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import math
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, LiteralString

import psycopg
import structlog
from fastapi import Depends, Request
from sqlalchemy import event, text
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from dues.config import Settings
from dues.db import (
    IDLE_PING_SECONDS,
    BoundedConnection,
    Database,
    DatabaseTimeout,
    connect_bounded,
    first_line,
    make_sessionmaker,
    ping_after_idle,
    sqlalchemy_url,
)

log = structlog.get_logger("dues.replica")

CHECK_EVERY_SECONDS = 1.0
# Longest wait for any one answer of the replica before a read has started (a check, a pooled connection's
# ping, a request's first statement); a stopped replica refuses at once, a hung one is given up on here.
# Opening a connection takes up to 2 s more (libpq counts whole seconds, 2 at least).
CHECK_TIMEOUT_SECONDS = 1.0
# Longest a request waits for a check under way, from the check's start: past it, reads on the primary.
CHECK_WAIT_SECONDS = 0.5
RETRY_AFTER_SECONDS = 5.0

# One snapshot for the whole read: a report of several queries adds up even while movements commit.
_READ_ONLY = text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
_PRIMARY_POSITION: LiteralString = "SELECT pg_current_wal_lsn()::text"
_REPLICA_POSITION: LiteralString = (
    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
    "extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8"
)
# The same for a primary and each of its physical replicas: anything else is another cluster, whose WAL
# positions say nothing about this one's.
_SYSTEM: LiteralString = "SELECT system_identifier::text FROM pg_control_system()"


def lsn(position: str) -> int:
    """A WAL position as PostgreSQL writes it (``16/B374D848``), as a number."""
    high, low = position.split("/")
    return (int(high, 16) << 32) | int(low, 16)


@dataclass(frozen=True)
class ReplicaState:
    configured: bool
    usable: bool
    lag_seconds: float | None  # how far behind the primary it is at most; None when not known
    detail: str | None = None  # why it is not used, for a person; None while it is


NOT_CONFIGURED = ReplicaState(configured=False, usable=False, lag_seconds=None)


class ReplicaMonitor:
    """Whether the replica may serve reads now: it answers, it follows this primary, and its lag is within
    the limit. Checked as reads need it, at most once per CHECK_EVERY_SECONDS."""

    def __init__(
        self, primary_url: str, replica_url: str, max_lag: float, timeout: float = CHECK_TIMEOUT_SECONDS
    ) -> None:
        self.urls = {"primary": primary_url, "replica": replica_url}
        self.max_lag = max_lag
        self.timeout = timeout
        self._connections: dict[str, BoundedConnection] = {}
        self._systems: dict[str, str] = {}
        # (time, the primary's position then), one per check, oldest first; positions never go down, and of
        # checks that saw the same position only the latest is kept, the one that bounds the lag tightest.
        self._seen: deque[tuple[float, int]] = deque(maxlen=max(256, math.ceil(3 * max_lag) + 16))
        self._state = ReplicaState(True, False, None, "The replica has not been checked yet.")
        self._checked_at = -math.inf
        self._retry_at = -math.inf
        self._check: asyncio.Task[None] | None = None
        self._check_started = -math.inf
        self._announced: bool | None = None  # the state last logged

    @property
    def state(self) -> ReplicaState:
        return self._state

    async def current(self) -> ReplicaState:
        """The state to act on now: the last check's if it is recent, else a new check's if it answers
        within CHECK_WAIT_SECONDS of its start; else not usable for this read."""
        now = time.monotonic()
        if now < self._retry_at or now - self._checked_at < CHECK_EVERY_SECONDS:
            return self._state
        if self._check is None or self._check.done():
            self._check_started = now
            # A context of its own: the check belongs to no request, and its log lines carry no request id.
            self._check = asyncio.create_task(self._run_check(), context=contextvars.Context())
        wait = CHECK_WAIT_SECONDS - (now - self._check_started)
        if wait > 0:
            await asyncio.wait({self._check}, timeout=wait)
        if self._check.done():
            return self._state
        return ReplicaState(True, False, self._state.lag_seconds, "The replica's check is taking too long.")

    def failed(self, reason: str) -> None:
        """A read could not start on the replica: it is left alone for a while, as after a failed check."""
        self._give_up(f"The replica did not answer a read: {reason}")

    async def close(self) -> None:
        if self._check is not None:
            self._check.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._check
        for side in list(self._connections):
            await self._drop(side)

    async def _run_check(self) -> None:
        try:
            started = time.monotonic()
            (primary_position,) = await self._ask("primary", _PRIMARY_POSITION)
        except Exception as exc:
            # Requests fail on the primary anyway (their caller is read there); nothing to measure against.
            self._give_up(f"The primary did not tell its WAL position: {first_line(exc)}")
            return
        try:
            in_recovery, replayed, replay_age = await self._ask("replica", _REPLICA_POSITION)
        except Exception as exc:
            self._give_up(f"The replica did not answer: {first_line(exc)}")
            return
        try:
            self._judge(started, lsn(primary_position), in_recovery, replayed, replay_age)
        except Exception as exc:  # a bug here must not leave reads on a replica nobody checks any more
            log.exception("replica check failed")
            self._give_up(f"The replica's check failed: {first_line(exc)}")

    def _judge(
        self, started: float, primary: int, in_recovery: bool, replayed: str | None, replay_age: float | None
    ) -> None:
        seen = self._seen
        if seen and seen[-1][1] == primary:
            seen.pop()
        seen.append((started, primary))
        if self._systems.get("primary") != self._systems.get("replica"):
            detail = "DUES_REPLICA_URL is not a replica of the primary (another cluster): it is not used."
            self._settle(ReplicaState(True, False, None, detail))
            return
        if not in_recovery or replayed is None:
            detail = "The replica is not a standby (promoted?): it no longer follows the primary."
            self._settle(ReplicaState(True, False, None, detail))
            return
        position = lsn(replayed)
        lag: float | None
        if position >= primary:
            lag = 0.0
        else:
            now = time.monotonic()
            had_it_all = next((at for at, seen_at in reversed(seen) if seen_at <= position), None)
            bounds = [] if had_it_all is None else [now - had_it_all]
            if replay_age is not None:
                bounds.append(max(0.0, replay_age))  # the two servers' clocks may differ a little
            lag = min(bounds) if bounds else None
        if lag is None:
            self._settle(ReplicaState(True, False, None, "The replica's lag is not known yet."))
        elif lag > self.max_lag:
            detail = f"The replica is {lag:.1f} s behind the primary (the limit is {self.max_lag:g} s)."
            self._settle(ReplicaState(True, False, round(lag, 3), detail))
        else:
            self._settle(ReplicaState(True, True, round(lag, 3)))

    def _settle(self, state: ReplicaState) -> None:
        self._state = state
        self._checked_at = time.monotonic()
        if state.usable == self._announced:
            return
        if state.usable:
            message = "replica in use" if self._announced is None else "replica back"
            log.info(message, lag_seconds=state.lag_seconds)
        else:
            log.warning("replica down: reads on the primary", reason=state.detail)
        self._announced = state.usable

    def _give_up(self, detail: str) -> None:
        self._settle(ReplicaState(True, False, None, detail))
        self._retry_at = time.monotonic() + RETRY_AFTER_SECONDS

    async def _ask(self, side: str, query: LiteralString) -> tuple[Any, ...]:
        connection = self._connections.get(side)
        fresh = connection is None
        try:
            if connection is None:
                connection = await self._connect(side)
            return await _one_row(connection, query)
        except DatabaseTimeout:
            await self._drop(side)
            raise  # it answers nothing: no second try now
        except psycopg.OperationalError:
            await self._drop(side)
            if fresh:
                raise
        # The connection was closed since the last check (a server restarted): once more on a new one.
        return await _one_row(await self._connect(side), query)

    async def _connect(self, side: str) -> BoundedConnection:
        connection = await connect_bounded(self.urls[side], self.timeout, autocommit=True)
        try:
            (self._systems[side],) = await _one_row(connection, _SYSTEM)
        except Exception:
            await connection.close()
            raise
        self._connections[side] = connection
        return connection

    async def _drop(self, side: str) -> None:
        connection = self._connections.pop(side, None)
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()


async def _one_row(connection: BoundedConnection, query: LiteralString) -> tuple[Any, ...]:
    cursor = await connection.execute(query)
    row = await cursor.fetchone()
    assert row is not None  # each statement answers one row
    return tuple(row)


class ReadReplica:
    """The replica's connection pool and its monitor, for the life of an app (created by its lifespan)."""

    def __init__(
        self, engine: AsyncEngine, monitor: ReplicaMonitor, fallback: Database, timeout: float | None
    ) -> None:
        self.engine = engine
        self.sessionmaker: async_sessionmaker[AsyncSession] = make_sessionmaker(engine)
        self.monitor = monitor
        # Reads on the primary while the replica is not used, from a pool of their own: a request already
        # holds a connection of the request pool (its caller was read there), and taking a second one there
        # could leave every request holding one and waiting for another. Its connections are opened only
        # when such reads need them.
        self.fallback = fallback
        self.timeout = timeout  # a request's bound on each answer once its read has started

    @classmethod
    def connect(cls, settings: Settings, primary_url: str) -> ReadReplica:
        url = settings.replica_url
        if not url:
            raise ValueError("DUES_REPLICA_URL is not set")
        timeout = settings.db_timeout_seconds
        probe = CHECK_TIMEOUT_SECONDS
        engine = create_async_engine(
            sqlalchemy_url(url),
            pool_size=settings.db_pool_size,
            max_overflow=0,
            # A replica whose pool is taken up leaves the read to the primary rather than make it wait.
            pool_timeout=CHECK_WAIT_SECONDS,
            # Until a read has started, every answer is bounded by the probe's time (a pooled connection's
            # ping included); then by the request's own (read_session).
            async_creator=lambda: connect_bounded(url, probe),
        )
        ping_after_idle(engine, IDLE_PING_SECONDS)

        @event.listens_for(engine.sync_engine, "checkin")
        def _short_again(dbapi_connection: Any, record: Any) -> None:
            driver = getattr(dbapi_connection, "driver_connection", None)
            if isinstance(driver, BoundedConnection):
                driver.answer_timeout = probe

        monitor = ReplicaMonitor(primary_url, url, settings.replica_max_lag_seconds, probe)
        fallback = Database.connect(primary_url, settings.db_pool_size, timeout=timeout)
        return cls(engine, monitor, fallback, timeout)

    async def state(self) -> ReplicaState:
        return await self.monitor.current()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A read-only session on the replica when it may serve, else on the primary."""
        session = await self._on_replica()
        try:
            if session is None:
                session = self.fallback.sessionmaker()
                await session.execute(_READ_ONLY)
            yield session
        finally:
            if session is not None:
                await session.close()

    async def _on_replica(self) -> AsyncSession | None:
        if not (await self.monitor.current()).usable:
            return None
        session = self.sessionmaker()
        try:
            # The first statement takes a connection (pinged if it sat idle) and proves the replica answers.
            await session.execute(_READ_ONLY)
            raw = await (await session.connection()).get_raw_connection()
            driver = raw.driver_connection
            if isinstance(driver, BoundedConnection):
                driver.answer_timeout = self.timeout
        except PoolTimeout:
            await _close_quietly(session)
            return None  # busy, not down
        except Exception as exc:
            await _close_quietly(session)
            self.monitor.failed(first_line(exc))
            return None
        return session

    async def dispose(self) -> None:
        await self.monitor.close()
        await self.engine.dispose()
        await self.fallback.dispose()


async def _close_quietly(session: AsyncSession) -> None:
    with contextlib.suppress(Exception):
        await session.close()


def replica_of(request: Request) -> ReadReplica | None:
    return getattr(request.app.state, "replica", None)


async def read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The session a read-only route reads with (see the module's docstring)."""
    replica = replica_of(request)
    if replica is None:
        yield request.state.session
        return
    async with replica.session() as session:
        yield session


# scope="function": the session is closed (its connection back in the pool) before the response is sent.
ReadSessionDep = Annotated[AsyncSession, Depends(read_session, scope="function")]
