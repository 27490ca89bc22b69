"""Fixtures for the web app's and the portal's tests: a real uvicorn on 127.0.0.1, headless Debian Chromium
through Playwright, signing in through the form, axe-core and the console checked on every page looked at.

Chromium and axe-core are test-time tools (.ci/run installs them): without Chromium the browser tests are
skipped with the reason; axe-core is looked for at DUES_AXE_JS, then in the npm folder .ci/run fills."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio
from playwright.async_api import Browser, async_playwright

from dues.config import get_settings
from dues.db import Database
from tests.customers.helpers import cheap_password_hashes
from tests.support import served
from tests.web.browser import CHROMIUM


@pytest.fixture(autouse=True)
def _cheap_hashes(cheap_password_hashes: None) -> None:
    """Cheap argon2 parameters for every test here (see tests.customers.helpers)."""


@pytest.fixture(autouse=True)
def _fresh_settings(no_message_providers: None) -> None:
    """No mail or SMS provider (messages stay in the outbox); settings re-read for each test."""


@pytest_asyncio.fixture(loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Headless Debian Chromium; a test module that uses it calls ``browser.needs_chromium()`` first."""
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope="session")
async def server(
    committed: Database, app_factory: Callable[[Database], object], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """The app served by a real uvicorn on 127.0.0.1 (an ephemeral port) with public_url set to it."""
    async with served(app_factory(committed)) as url:
        monkeypatch.setenv("DUES_PUBLIC_URL", url)
        get_settings.cache_clear()
        yield url


__all__ = ["cheap_password_hashes"]
