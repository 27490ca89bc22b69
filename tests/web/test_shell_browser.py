"""The shell in a real browser: sign in through the form, land on the overview, keyboard's skip link, no
console error and no serious axe-core violation, at phone and desktop widths."""

from __future__ import annotations

import httpx
import pytest_asyncio

from dues.db import Database
from tests.support import Tenant, TenantFactory
from tests.web.browser import PHONE, Watched, needs_chromium

needs_chromium()

from playwright.async_api import Browser  # noqa: E402


@pytest_asyncio.fixture(loop_scope="session")
async def seller(committed: Database, server: str) -> Tenant:
    async with httpx.AsyncClient(base_url=server, timeout=20) as http:
        return await TenantFactory(committed, http).create(name="Shree Ganesh Traders Pvt Ltd")


async def test_sign_in_lands_on_the_overview(browser: Browser, server: str, seller: Tenant) -> None:
    watched = Watched(await browser.new_page(viewport=PHONE))
    await watched.sign_in(server, seller.company_id, seller.username, seller.password)
    assert watched.page.url == f"{server}/app"
    assert await watched.page.locator("#company-name").inner_text() == "Shree Ganesh Traders Pvt Ltd"
    await watched.check("shell-overview")
    await watched.page.keyboard.press("Tab")
    focused = await watched.page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
