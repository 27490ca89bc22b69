"""The portal in a real browser at phone and desktop widths: the finance user makes the link; the
customer opens it, pays two invoices in one sandbox checkout, raises a dispute on a third, and uploads a TDS
certificate. Every portal page is checked (no console error, no serious axe-core violation, screenshots)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from dues.db import Database
from tests.customers.helpers import payload
from tests.payments.helpers import customer
from tests.support import Tenant, TenantFactory
from tests.tds.helpers import pay_with_tds, register
from tests.web.browser import DESKTOP, PHONE, Watched, needs_chromium
from tests.web.portal.helpers import issued
from tests.web.portal.test_portal import PDF

needs_chromium()

from playwright.async_api import Browser  # noqa: E402


@pytest_asyncio.fixture(loop_scope="session")
async def seller(committed: Database, server: str) -> AsyncIterator[Tenant]:
    async with httpx.AsyncClient(base_url=server, timeout=20) as http:
        yield await TenantFactory(committed, http).create(name="Shree Ganesh Traders Pvt Ltd")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
async def test_the_customer_pays_two_invoices_at_once_and_disputes_one(
    browser: Browser, server: str, seller: Tenant, tmp_path: Path, viewport: dict[str, int]
) -> None:
    width = "phone" if viewport == PHONE else "desktop"
    buyer = await customer(seller)
    first, second, third, taxed = [await issued(seller, buyer, b) for b in ("1000", "2000", "500", "10000")]
    await pay_with_tds(seller, buyer, taxed["invoiceId"], 11600, 200, "2026-11-30", section="194C")
    [entry] = await register(seller, customerIds=[buyer])

    # The finance user makes the link on the customer's portal page.
    staff = Watched(await browser.new_page(viewport=viewport))
    await staff.sign_in(server, seller.company_id, seller.username, seller.password)
    await staff.page.goto(f"{server}/app/customers/{buyer}/portal")
    await staff.page.get_by_role("button", name="Create link").click()
    await staff.page.wait_for_load_state()
    link = await staff.page.get_by_label("Live link").input_value()
    await staff.check(f"portal-{width}-link")

    watched = Watched(await browser.new_page(viewport=viewport))
    page = watched.page
    await page.goto(link)
    await watched.check(f"portal-{width}-home")
    await page.get_by_label(f"Pay {first['invoiceNumber']}").check()
    await page.get_by_label(f"Pay {second['invoiceNumber']}").check()
    assert "₹3,540.00" in await page.locator("#selected-total").inner_text()
    await page.get_by_role("button", name="Pay selected").click()
    await page.wait_for_load_state()
    assert "/pay/sandbox/checkout" in page.url, await page.content()
    await watched.check(f"portal-{width}-sandbox-checkout")
    await page.get_by_role("button", name="Succeed").click()
    await page.wait_for_load_state()
    assert "/receipt/" in page.url
    assert await page.locator("#receipt-status").inner_text() == "Payment received"
    assert await page.locator("#receipt-total").inner_text() == "₹3,540.00"
    await watched.check(f"portal-{width}-receipt")
    for inv in (first, second):
        assert payload(await seller.get(f"/api/v0/invoice/{inv['invoiceId']}"))["status"] == "PAID"

    await page.get_by_role("link", name="Back to your account").click()
    await page.wait_for_load_state()
    assert await page.get_by_label(f"Pay {first['invoiceNumber']}").count() == 0
    await page.get_by_role("link", name=f"Dispute {third['invoiceNumber']}").click()
    await page.wait_for_load_state()
    await watched.check(f"portal-{width}-dispute")
    await page.get_by_label("Reason").select_option("NOT_RECEIVED")
    await page.get_by_label("Remarks").fill("The goods never arrived at our Pune warehouse.")
    await page.get_by_role("button", name="Raise dispute").click()
    await page.wait_for_load_state()
    assert "was raised" in await page.locator("#flash").inner_text()
    assert "Pune warehouse" in await page.locator("#open-disputes").inner_text()
    await watched.check(f"portal-{width}-home-disputed")
    [dispute] = payload(await seller.get(f"/api/v0/invoice/{third['invoiceId']}/disputes"))
    assert (dispute["source"], dispute["reason"]) == ("PORTAL", "NOT_RECEIVED")
    # While it is open the invoice gets no reminder, not even one asked for by hand.
    remind = await seller.post(f"/api/v0/invoice/{third['invoiceId']}/remind")
    assert remind.status_code == 422 and "disputed" in remind.text

    await page.get_by_role("link", name="Upload certificate").click()
    await page.wait_for_load_state()
    await watched.check(f"portal-{width}-certificate")
    await page.get_by_label("Certificate number").fill("MUMC12345X")
    await page.get_by_label("Certificate date").fill("2026-12-02")
    pdf = tmp_path / "form16a.pdf"
    pdf.write_bytes(PDF)
    await page.get_by_label("Certificate PDF").set_input_files(str(pdf))
    await page.get_by_role("button", name="Upload certificate").click()
    await page.wait_for_load_state()
    assert "MUMC12345X" in await page.locator("#flash").inner_text()
    assert payload(await seller.get(f"/api/v0/tds/{entry['tdsId']}"))["status"] == "CERTIFICATE_RECEIVED"
    await watched.check(f"portal-{width}-home-after")
