"""/healthz and /readyz as a load balancer uses them: no token, no envelope, never waiting in line."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from dues.app import create_app
from dues.config import Settings
from dues.db import Database
from dues.health.service import head_revision


def client(database: Database, **overrides: object) -> httpx.AsyncClient:
    settings = Settings(
        jwt_secret=os.environ["DUES_JWT_SECRET"],
        inprocess_worker=False,
        **overrides,  # type: ignore[arg-type]
    )
    transport = httpx.ASGITransport(app=create_app(settings, database))
    return httpx.AsyncClient(transport=transport, base_url="http://dues.test")


def unreachable(database_url: str) -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])  # nothing listens there once this returns
    return make_url(database_url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database.connect(database_url, pool_size=1, timeout=5)
    yield database
    await database.dispose()


async def test_healthz_answers_without_a_token_or_a_database(database_url: str) -> None:
    database = Database.connect(unreachable(database_url), pool_size=1, timeout=5)
    try:
        async with client(database) as http:
            answer = await http.get("/healthz")
            head = await http.head("/healthz")
    finally:
        await database.dispose()
    assert (answer.status_code, answer.json()) == (200, {"status": "alive"})
    assert answer.headers["cache-control"] == "no-store"
    assert head.status_code == 200


async def test_readyz_is_200_with_the_schema_at_head(database: Database) -> None:
    async with client(database) as http:
        answer = await http.get("/readyz")
        head = await http.head("/readyz")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "status": "ready",
        "schemaRevision": head_revision(),
        "expectedRevision": head_revision(),
        "problem": None,
        "detail": None,
        # Without DUES_REPLICA_URL every read is on the primary.
        "replica": {"configured": False, "usable": False, "lagSeconds": None, "detail": None},
    }
    assert head.status_code == 200


async def test_readyz_answers_while_every_turn_and_connection_is_taken(database: Database) -> None:
    async with client(database, max_active_requests=1) as http, database.sessionmaker() as holder:
        await holder.execute(text("SELECT 1"))  # the pool's only connection
        gate = http._transport.app.state.gate  # type: ignore[attr-defined]
        await gate.acquire()  # the only turn
        try:
            started = time.monotonic()
            answers = await asyncio.gather(*(http.get("/readyz") for _ in range(20)))
            took = time.monotonic() - started
        finally:
            gate.release()
    assert {a.status_code for a in answers} == {200}
    assert took < 2, took


async def test_readyz_is_503_naming_the_database_when_it_cannot_be_reached(database_url: str) -> None:
    database = Database.connect(unreachable(database_url), pool_size=1, timeout=5)
    try:
        async with client(database) as http:
            started = time.monotonic()
            answer = await http.get("/readyz")
            took = time.monotonic() - started
    finally:
        await database.dispose()
    assert answer.status_code == 503, answer.text
    body = answer.json()
    assert (body["status"], body["problem"], body["schemaRevision"]) == ("not ready", "database", None)
    assert body["detail"] == "The database is not available right now; try again in a moment."
    assert answer.headers["cache-control"] == "no-store"
    assert took < 2, took


async def test_the_openapi_document_describes_both(database: Database) -> None:
    async with client(database) as http:
        paths = (await http.get("/openapi.json")).json()["paths"]
    assert paths["/healthz"]["get"]["description"]
    assert "503" in paths["/readyz"]["get"]["responses"]
