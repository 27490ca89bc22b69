"""Driving this area's pages at phone width: a signed-in page, and the check each page gets (the shared
Watched.check, and nothing wider than the phone's screen). Import only after ``needs_chromium()``."""

from __future__ import annotations

import httpx
import pytest_asyncio
from playwright.async_api import Browser

from dues.db import Database
from tests.support import Tenant, TenantFactory
from tests.web.browser import PHONE, Watched


@pytest_asyncio.fixture(loop_scope="session")
async def seller(committed: Database, server: str) -> Tenant:
    async with httpx.AsyncClient(base_url=server, timeout=20) as http:
        return await TenantFactory(committed, http).create(name="Shree Ganesh Traders Pvt Ltd")


async def check(watched: Watched, name: str) -> None:
    """Watched.check, and nothing wider than the phone's screen (no sideways scrolling)."""
    width = await watched.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: {width} px wide"
    await watched.check(name)


async def signed_in(browser: Browser, server: str, seller: Tenant) -> Watched:
    watched = Watched(await browser.new_page(viewport=PHONE, accept_downloads=True))
    await watched.sign_in(server, seller.company_id, seller.username, seller.password)
    return watched
