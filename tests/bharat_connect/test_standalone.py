"""The sandbox network on its own server and its own database (what `dues bharat-connect sandbox` runs),
with dues pointed at it by DUES_BHARAT_CONNECT_URL: a registration goes through it, and it keeps the
messages in its own log, not in the one of the sandbox dues mounts."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator

import httpx
import psycopg
import pytest
import uvicorn
from sqlalchemy.engine import make_url

from dues.bharat_connect.sandbox.app import standalone
from dues.config import get_settings
from dues.db import libpq_url
from dues.migrations import upgrade
from tests.bharat_connect.helpers import register
from tests.support import Tenant


@pytest.fixture
def own_database(database_url: str) -> Iterator[str]:
    """A database of the sandbox's own on the same server, migrated as `dues bharat-connect sandbox` does."""
    name = f"dues_bcs_{secrets.token_hex(4)}"
    admin = libpq_url(database_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_dues_registers_through_a_sandbox_running_alone(
    seller: Tenant, network: str, http: httpx.AsyncClient, own_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = standalone(supplier_url=network, database_url=own_database)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="on", log_level="warning"))
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    assert server.started
    sandbox = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    try:
        monkeypatch.setenv("DUES_BHARAT_CONNECT_URL", sandbox + "/bc-sandbox")
        get_settings.cache_clear()

        b2b_id = await register(seller)

        async with httpx.AsyncClient(base_url=sandbox) as client:
            log = (await client.get("/bc-sandbox/control/messages?direction=OUT")).json()["payload"]
            assert [m["path"] for m in log][-1] == "/api/v0/business-onboarding/respRegId"
            assert log[-1]["body"]["b2bId"] == b2b_id
            home = await client.get("/")
            assert home.status_code == 303 and home.headers["location"] == "/bc-sandbox/buyer"
            # Only the network's own paths are served: dues's API is not there.
            assert (await client.get("/api/v0/company")).status_code == 404
        # The sandbox dues mounts saw none of it.
        assert (await http.get("/bc-sandbox/control/messages")).json()["payload"] == []
    finally:
        server.should_exit = True
        await task
