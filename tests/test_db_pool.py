"""The connection pool and the driver helpers: closed connections are replaced, busy ones not pinged, and a
request that cannot get a connection or a turn in time gets a 503 rather than waiting on."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from dues.app import create_app
from dues.config import Settings
from dues.db import Database


async def test_a_connection_closed_while_idle_is_replaced(database_url: str) -> None:
    database = Database.connect(database_url, pool_size=1, idle_ping_seconds=0.05)
    try:
        async with database.sessionmaker() as session:
            first = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with database.sessionmaker() as session:
            # Another session ends it, as a server restart or an idle timeout would.
            killer = Database.connect(database_url, pool_size=1)
            async with killer.sessionmaker() as other:
                await other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first})
            await killer.dispose()
        await asyncio.sleep(0.1)

        async with database.sessionmaker() as session:
            second = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()

        assert second != first
    finally:
        await database.dispose()


async def _last_statement_after_checkout(database_url: str, idle_ping_seconds: float, pause: float) -> str:
    """What the pooled connection last ran, seen from another connection, once it is checked out again."""
    database = Database.connect(database_url, pool_size=1, idle_ping_seconds=idle_ping_seconds)
    watcher = Database.connect(database_url, pool_size=1)
    try:
        async with database.sessionmaker() as session:
            pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await session.commit()
        await asyncio.sleep(pause)
        async with database.sessionmaker() as session:
            await session.connection()  # checked out; nothing of its own sent yet
            async with watcher.sessionmaker() as other:
                query = await other.execute(
                    text("SELECT query FROM pg_stat_activity WHERE pid = :p"), {"p": pid}
                )
                return str(query.scalar_one())
    finally:
        await database.dispose()
        await watcher.dispose()


async def test_a_connection_in_steady_use_is_handed_out_without_a_ping(database_url: str) -> None:
    assert await _last_statement_after_checkout(database_url, idle_ping_seconds=60, pause=0) == "COMMIT"


async def test_a_connection_idle_for_a_while_is_pinged_first(database_url: str) -> None:
    assert "marker" not in await _last_statement_after_checkout(
        database_url, idle_ping_seconds=0.05, pause=0.1
    )


def test_a_new_process_reads_a_detached_row_before_any_query() -> None:
    # A second server process may serve a createInvoice before it has run any ORM query.
    script = (
        "from dues.db import detached\n"
        "from dues.models import Company\n"
        "company = detached(Company, ['company_id', 'state'], ['CEKX', 'Goa'])\n"
        "print(company.company_id, company.state)\n"
    )
    command = [sys.executable, "-c", script]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (our script)
    assert (done.returncode, done.stdout.strip()) == (0, "CEKX Goa"), done.stderr


def _app(database: Database, **overrides: object) -> httpx.AsyncClient:
    settings = Settings(
        jwt_secret=os.environ["DUES_JWT_SECRET"],
        inprocess_worker=False,
        **overrides,  # type: ignore[arg-type]
    )
    transport = httpx.ASGITransport(app=create_app(settings, database))
    return httpx.AsyncClient(transport=transport, base_url="http://dues.test")


def _token_request(http: httpx.AsyncClient) -> Awaitable[httpx.Response]:
    # Looking the client up needs the database.
    form = {"grant_type": "password", "username": "a@b.example", "password": "x"}
    return http.post("/oauth/token", data=form, auth=("CEKAAAAAAA", "secret"))


async def test_a_request_that_gets_no_pooled_connection_in_time_is_a_503(database_url: str) -> None:
    database = Database.connect(database_url, pool_size=1, timeout=1)
    try:
        async with database.sessionmaker() as holder, _app(database, max_active_requests=0) as http:
            await holder.execute(text("SELECT 1"))  # the pool's only connection, held
            started = time.monotonic()
            answer = await _token_request(http)
            took = time.monotonic() - started
        assert answer.status_code == 503, answer.text
        error = answer.json()["errorResponse"]
        assert error["errorType"] == "SYSTEM_ERROR"
        assert error["errorMessage"] == "The database did not answer within 1 s; try again."
        assert 0.9 < took < 3, took
    finally:
        await database.dispose()


async def test_a_request_that_gets_no_turn_in_time_is_a_503(database_url: str) -> None:
    database = Database.connect(database_url, pool_size=2, timeout=1)
    try:
        async with _app(database, max_active_requests=1) as http:
            gate = http._transport.app.state.gate  # type: ignore[attr-defined]
            await gate.acquire()  # the one turn, taken by a request stuck on the database
            started = time.monotonic()
            answer = await _token_request(http)
            took = time.monotonic() - started
            gate.release()
            assert (await _token_request(http)).status_code != 503  # the turn is free again
        assert answer.status_code == 503, answer.text
        assert "could not take this request within 1 s" in answer.json()["errorResponse"]["errorMessage"]
        assert 0.9 < took < 3, took
    finally:
        await database.dispose()


async def test_a_database_that_cannot_be_reached_is_a_503_at_once(database_url: str) -> None:
    closed = make_url(database_url).set(host="127.0.0.1", port=_closed_port()).render_as_string(False)
    database = Database.connect(closed, pool_size=1, timeout=5)
    try:
        async with _app(database) as http:
            started = time.monotonic()
            answer = await _token_request(http)
            took = time.monotonic() - started
        assert answer.status_code == 503, answer.text
        message = answer.json()["errorResponse"]["errorMessage"]
        assert message == "The database is not available right now; try again in a moment."
        assert took < 2, took
    finally:
        await database.dispose()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again once this returns: nothing listens there
