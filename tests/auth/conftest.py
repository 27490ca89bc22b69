from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest_asyncio

from dues.db import Database
from tests.support import served


@pytest_asyncio.fixture(loop_scope="session")
async def server(committed: Database, app_factory: Callable[[Database], object]) -> AsyncIterator[str]:
    """The app on a real uvicorn (127.0.0.1, an ephemeral port) on the test's event loop, where the database
    engine lives; requests really commit. Its base URL."""
    async with served(app_factory(committed)) as url:
        yield url
