from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio
import uvicorn

from dues.config import get_settings
from dues.db import Database
from tests.customers.helpers import cheap_password_hashes


@pytest.fixture(autouse=True)
def _cheap_hashes(cheap_password_hashes: None) -> None:
    """Cheap argon2 parameters for every test here (see tests.customers.helpers)."""


@pytest.fixture(autouse=True)
def _fresh_settings(no_message_providers: None) -> None:
    """No mail or SMS provider (messages stay in the outbox); settings re-read for each test."""


@pytest_asyncio.fixture(loop_scope="session")
async def server(
    committed: Database, app_factory: Callable[[Database], object], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """The app served by a real uvicorn on 127.0.0.1 and an ephemeral port, on the test's event loop (the
    database engine lives there), with public_url set to it: payment links, the sandbox's checkout and its
    callback all go over real HTTP to this server. Returns its base URL."""
    app = app_factory(committed)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")  # type: ignore[arg-type]
    instance = uvicorn.Server(config)
    task = asyncio.create_task(instance.serve())
    for _ in range(500):
        if instance.started:
            break
        await asyncio.sleep(0.01)
    assert instance.started, "uvicorn did not start"
    port = instance.servers[0].sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("DUES_PUBLIC_URL", url)
    get_settings.cache_clear()
    yield url
    instance.should_exit = True
    await task


__all__ = ["cheap_password_hashes"]
