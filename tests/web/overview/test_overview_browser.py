"""The overview in a real browser at phone and desktop widths: sign in, read the figures and charts, pick a
period with the form, follow a most-overdue customer's link; no console error, no serious axe-core
violation."""

from __future__ import annotations

import httpx
import pytest
import pytest_asyncio

from dues.db import Database
from tests.support import Tenant, TenantFactory
from tests.web.browser import DESKTOP, PHONE, Watched, needs_chromium
from tests.web.overview.test_overview_page import history

needs_chromium()

from playwright.async_api import Browser  # noqa: E402


@pytest_asyncio.fixture(loop_scope="session")
async def seller(committed: Database, server: str) -> tuple[Tenant, dict[str, str]]:
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        made = await TenantFactory(committed, http).create("Handmade Ledger Traders", registered=False)
        who = await history(made)
    return made, who


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
async def test_pick_a_period_and_follow_the_most_overdue(
    browser: Browser, server: str, seller: tuple[Tenant, dict[str, str]], viewport: dict[str, int]
) -> None:
    tenant, who = seller
    watched = Watched(await browser.new_page(viewport=viewport))
    page = watched.page
    await watched.sign_in(server, tenant.company_id, tenant.username, tenant.password)
    assert page.url == f"{server}/app"
    await watched.check("overview")

    await page.get_by_label("From", exact=True).fill("2026-10-01")
    await page.get_by_label("To", exact=True).fill("2026-11-30")
    await page.get_by_role("button", name="Show").click()
    await page.wait_for_url("**/app?from=*")

    assert page.url == f"{server}/app?from=2026-10-01&to=2026-11-30"
    assert await page.locator("#period").inner_text() == "01 Oct 2026 – 30 Nov 2026"
    assert await page.locator("#outstanding").inner_text() == "₹19,300.45"
    assert await page.locator("#cei").inner_text() == "47.4 %"
    aging = page.get_by_role("img", name="Outstanding by days past due at the end of 30 Nov 2026")
    assert await aging.is_visible()
    assert await page.locator("#aging-chart rect.bar").count() == 5
    assert await page.locator("#monthly-chart rect.bar").count() == 24
    await watched.check("overview-period")

    await page.get_by_role("link", name="Xylo Traders Pvt Ltd").click()
    await page.wait_for_url(f"**/app/customers/{who['X']}")
    assert page.url == f"{server}/app/customers/{who['X']}"


async def test_a_bad_date_in_the_address_is_shown_with_its_message(
    browser: Browser, server: str, seller: tuple[Tenant, dict[str, str]]
) -> None:
    tenant, _ = seller
    watched = Watched(await browser.new_page(viewport=PHONE))
    page = watched.page
    await watched.sign_in(server, tenant.company_id, tenant.username, tenant.password)

    answer = await page.goto(f"{server}/app?from=2026-02-30")

    assert answer is not None and answer.status == 422
    assert (
        await page.locator("#e-from").inner_text() == "is not a date: give one as yyyy-mm-dd, e.g. 2026-04-01"
    )
    assert await page.get_by_label("From", exact=True).input_value() == "2026-02-30"
    # A 422 answer is a console error in Chromium ("Failed to load resource"): expected here, not a fault.
    watched.errors.clear()
    await watched.check("overview-bad-date")
