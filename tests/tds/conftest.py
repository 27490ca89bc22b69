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
def _no_providers(no_message_providers: None) -> None:
    """No mail or SMS provider: messages stay in the outbox, where the tests read them."""


@pytest_asyncio.fixture(loop_scope="session")
async def server(
    committed: Database, app_factory: Callable[[Database], object], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """The app on a real uvicorn at 127.0.0.1, with public_url set to it (payment links point there)."""
    async with served(app_factory(committed)) as url:
        monkeypatch.setenv("DUES_PUBLIC_URL", url)
        get_settings.cache_clear()
        yield url


__all__ = ["cheap_password_hashes"]
