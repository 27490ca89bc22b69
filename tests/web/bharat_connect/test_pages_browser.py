"""The Bharat Connect pages in a real browser at phone width, against the sandbox network: the presented
invoice and the purchase order are there, and the order is accepted by a click; every page looked at has no
console error and no serious axe-core violation."""

from __future__ import annotations

import httpx

from tests.customers.helpers import payload
from tests.support import Tenant
from tests.web.bharat_connect.scene import trade
from tests.web.browser import PHONE, Watched, needs_chromium

needs_chromium()

from playwright.async_api import Browser  # noqa: E402


async def test_the_bharat_connect_pages_in_the_browser(
    browser: Browser, network: str, seller: Tenant, http: httpx.AsyncClient
) -> None:
    scene = await trade(seller, http)
    watched = Watched(await browser.new_page(viewport=PHONE))
    page = watched.page
    await watched.sign_in(network, seller.company_id, seller.username, seller.password)
    await page.get_by_role("link", name="Bharat Connect").click()
    await page.wait_for_url(f"{network}/app/bharat-connect")
    assert await page.locator("#b2b-id").inner_text() == scene.supplier_b2b_id
    assert await page.get_by_role("link", name=scene.invoice_number, exact=True).is_visible()
    await watched.check("bharat-connect-index")

    await page.get_by_role("link", name=f"Network messages of {scene.invoice_number}").click()
    await page.wait_for_url(f"{network}/app/bharat-connect/invoices/{scene.invoice_id}")
    assert "req-send-invoice" in await page.locator("#messages").inner_text()
    await watched.check("bharat-connect-invoice")

    await page.goto(f"{network}/app/bharat-connect")
    await page.get_by_role("link", name="Purchase orders received").click()
    await page.wait_for_url(f"{network}/app/bharat-connect/purchase-orders")
    await watched.check("bharat-connect-purchase-orders")
    await page.get_by_role("link", name=scene.po_number).click()
    await page.wait_for_url(f"{network}/app/bharat-connect/purchase-orders/{scene.po_id}")
    await watched.check("bharat-connect-purchase-order")
    await page.get_by_label("Remarks to the buyer").fill("Delivering on Friday")
    await page.get_by_role("button", name="Accept the order").click()
    await page.wait_for_load_state()
    assert "accepted" in await page.locator("#flash").inner_text()
    assert payload(await seller.get(f"/api/v0/purchase-order/{scene.po_id}"))["status"] == "ACCEPTED"
    await watched.check("bharat-connect-purchase-order-accepted")
