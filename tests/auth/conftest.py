from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest_asyncio
import uvicorn

from dues.db import Database


@pytest_asyncio.fixture(loop_scope="session")
async def server(committed: Database, app_factory: Callable[[Database], object]) -> AsyncIterator[str]:
    """The app on a real uvicorn (127.0.0.1, an ephemeral port) on the test's event loop, where the database
    engine lives; requests really commit. Its base URL."""
    config = uvicorn.Config(
        app_factory(committed),  # type: ignore[arg-type]
        host="127.0.0.1",
        port=0,
        lifespan="off",
        log_level="warning",
    )
    instance = uvicorn.Server(config)
    task = asyncio.create_task(instance.serve())
    for _ in range(500):
        if instance.started:
            break
        await asyncio.sleep(0.01)
    assert instance.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{instance.servers[0].sockets[0].getsockname()[1]}"
    instance.should_exit = True
    await task
