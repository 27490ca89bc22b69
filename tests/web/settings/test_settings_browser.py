"""Settings in a real browser at phone width: an ADMIN changes the approval chain and the UPI details, then
adds a CHECKER and sees its password once; every page looked at has no console error and no serious axe-core
violation."""

from __future__ import annotations

import httpx
import pytest_asyncio

from dues.db import Database
from tests.customers.helpers import payload
from tests.support import Tenant, TenantFactory
from tests.web.browser import PHONE, Watched, needs_chromium

needs_chromium()

from playwright.async_api import Browser  # noqa: E402


@pytest_asyncio.fixture(loop_scope="session")
async def seller(committed: Database, server: str) -> Tenant:
    async with httpx.AsyncClient(base_url=server, timeout=20) as http:
        return await TenantFactory(committed, http).create(name="Shree Ganesh Traders Pvt Ltd")


async def company_of(server: str, seller: Tenant) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=server, timeout=20) as http:
        seller.http = http
        return payload(await seller.get("/api/v0/company"))  # type: ignore[no-any-return]


async def test_an_admin_changes_the_approval_chain_and_upi_and_adds_a_checker(
    browser: Browser, server: str, seller: Tenant
) -> None:
    watched = Watched(await browser.new_page(viewport=PHONE))
    page = watched.page
    await watched.sign_in(server, seller.company_id, seller.username, seller.password)
    await page.get_by_role("link", name="Settings").click()
    await page.wait_for_url(f"{server}/app/settings")
    await watched.check("settings-index")

    await page.get_by_role("combobox", name="Approval chain").select_option("MAKER_CHECKER")
    await page.get_by_role("button", name="Save approval chain").click()
    await page.wait_for_load_state()
    assert "Approval chain settings saved." in await page.locator("#flash").inner_text()
    assert await page.get_by_role("combobox", name="Approval chain").input_value() == "MAKER_CHECKER"

    # A UPI id with no bank handle is refused on its section, what was typed kept.
    await page.get_by_label("UPI id (VPA)").fill("ganesh.traders")
    await page.get_by_label("UPI payee name").fill("Shree Ganesh Traders")
    await page.get_by_role("button", name="Save UPI").click()
    await page.wait_for_load_state()
    assert "is not a UPI id" in await page.locator("#e-upiVpa").inner_text()
    assert await page.get_by_label("UPI payee name").input_value() == "Shree Ganesh Traders"
    # Chromium logs every 4xx answer as a console error; this 422 is the refusal the test asked for.
    watched.errors = [e for e in watched.errors if "status of 422" not in e]
    await watched.check("settings-refused")
    await page.get_by_label("UPI id (VPA)").fill("ganesh.traders@okhdfc")
    await page.get_by_role("button", name="Save UPI").click()
    await page.wait_for_load_state()
    assert "UPI settings saved." in await page.locator("#flash").inner_text()

    shown = await company_of(server, seller)
    assert (shown["approvalChain"], shown["upiVpa"], shown["upiPayeeName"]) == (
        "MAKER_CHECKER",
        "ganesh.traders@okhdfc",
        "Shree Ganesh Traders",
    )

    await page.get_by_role("link", name="Users and roles").click()
    await page.wait_for_url(f"{server}/app/settings/users")
    await watched.check("settings-users")
    await page.get_by_label("E-mail").fill("checker@ganesh.example")
    await page.get_by_label("Role", exact=True).select_option("CHECKER")
    await page.get_by_role("button", name="Add user").click()
    await page.wait_for_load_state()
    password = await page.locator("#new-password").inner_text()
    assert len(password) >= 12
    row = page.locator("#users tr", has_text="checker@ganesh.example")
    assert await row.locator("td.role").inner_text() == "CHECKER"
    await watched.check("settings-user-created")

    checker = Watched(await browser.new_page(viewport=PHONE))
    await checker.sign_in(server, seller.company_id, "checker@ganesh.example", password)
    assert checker.page.url == f"{server}/app"
    await checker.page.goto(f"{server}/app/settings")
    assert await checker.page.locator("#read-only").is_visible()
    assert await checker.page.locator("form[action='/app/settings/upi']").count() == 0
    await checker.check("settings-read-only")
