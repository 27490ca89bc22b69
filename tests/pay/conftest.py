from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio

from dues.config import get_settings
from dues.db import Database
from tests.customers.helpers import cheap_password_hashes
from tests.support import served


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
    async with served(app_factory(committed)) as url:
        monkeypatch.setenv("DUES_PUBLIC_URL", url)
        get_settings.cache_clear()
        yield url


__all__ = ["cheap_password_hashes"]
