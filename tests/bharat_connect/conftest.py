"""dues served by a real uvicorn on 127.0.0.1, with the sandbox network mounted at its /bc-sandbox (the
default outside production) and a real job worker running: every message goes over real HTTP, both ways."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text

from dues import jobs
from dues.bharat_connect import messages
from dues.config import get_settings
from dues.db import Database
from tests.bharat_connect.wire_schemas import problems
from tests.customers.helpers import cheap_password_hashes
from tests.support import Tenant, TenantFactory, served


@pytest.fixture(autouse=True)
def _cheap_hashes(cheap_password_hashes: None) -> None:
    """Cheap argon2 parameters: companies are made and logged in (tests.customers.helpers)."""


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """A message the network did not take is tried again after half a second, not 5 s, 30 s, 2 min …"""
    monkeypatch.setattr(messages, "BACKOFF", (timedelta(seconds=0.5),))


@pytest_asyncio.fixture(loop_scope="session")
async def network(
    committed: Database, app_factory: Callable[[Database], object], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """dues and its sandbox network on one real uvicorn, its public URL set to it (so dues's sandbox adapter
    sends to its own /bc-sandbox, and the sandbox to its /bharat-connect), and a job worker sending dues's
    messages. Returns the base URL. The sandbox's records are emptied afterwards."""
    app = app_factory(committed)
    async with served(app) as url:
        monkeypatch.setenv("DUES_PUBLIC_URL", url)
        get_settings.cache_clear()
        worker = asyncio.create_task(
            jobs.run_worker(committed, concurrency=4, wait=True, install_signal_handlers=False, name="bc")
        )
        try:
            yield url
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await worker
            for task in list(app.state.bc_sandbox.tasks):  # type: ignore[attr-defined]
                task.cancel()
    get_settings.cache_clear()
    async with committed.engine.begin() as conn:
        rows = (
            await conn.execute(text("SELECT path, body::text FROM bcs_messages ORDER BY message_no"))
        ).all()
        await conn.execute(text("TRUNCATE bcs_messages, bcs_invoices, bcs_rules"))
    # Every body dues and the sandbox sent each other in the test keeps the wire format's schemas.
    broken = [problem for path, body in rows for problem in problems(path, json.loads(body))]
    assert not broken, "\n".join(broken)


@pytest_asyncio.fixture(loop_scope="session")
async def http(network: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=network, timeout=30) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="session")
async def seller(committed: Database, http: httpx.AsyncClient) -> Tenant:
    return await TenantFactory(committed, http).create(name="Shree Ganesh Traders Pvt Ltd")


__all__ = ["cheap_password_hashes"]
