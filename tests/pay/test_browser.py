"""The payer's clicks in a real browser (headless Chromium, through Playwright) against a real uvicorn:
pay in full, and pay a part, each through the sandbox. Screenshots of the page and the receipt at phone and
desktop widths go to tests/pay/screenshots/ (git-ignored) for a person to look at."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from dues.db import Database
from tests.customers.helpers import payload
from tests.pay.helpers import dispatched, money, set_upi
from tests.support import Tenant, TenantFactory

CHROMIUM = Path("/usr/bin/chromium")
# DUES_SHOTS_DIR puts them elsewhere, e.g. outside the checkout.
SHOTS = Path(os.environ.get("DUES_SHOTS_DIR") or Path(__file__).parent / "screenshots")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

if not CHROMIUM.exists():
    pytest.skip(f"Chromium not installed: {CHROMIUM} is missing", allow_module_level=True)

from playwright.async_api import Browser, Page, async_playwright  # noqa: E402


@pytest_asyncio.fixture(loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope="session")
async def seller(committed: Database, server: str) -> AsyncIterator[Tenant]:
    async with httpx.AsyncClient(base_url=server, timeout=20) as http:
        tenant = await TenantFactory(committed, http).create(name="Shree Ganesh Traders Pvt Ltd")
        await set_upi(tenant, "ganesh.traders@okicici", "Shree Ganesh Traders")
        bank = {
            "accountName": "Shree Ganesh Traders Pvt Ltd",
            "accountNumber": "50200012345678",
            "ifsc": "HDFC0000060",
            "bankName": "HDFC Bank, Fort, Mumbai",
        }
        response = await tenant.patch("/api/v0/company", json={"bankAccount": bank})
        assert response.status_code == 200, response.text
        yield tenant


async def _shoot(page: Page, name: str) -> None:
    shots = _shots()
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)
        await page.screenshot(path=str(shots / f"{name}-{label}.png"), full_page=True)
    await page.set_viewport_size(PHONE)


async def test_pay_in_full_in_the_browser(browser: Browser, seller: Tenant) -> None:
    inv, _ = await dispatched(seller, base="25000", partial=False)
    page = await browser.new_page(viewport=PHONE)

    await page.goto(inv["paymentLink"])
    assert await page.locator("#amount").count() == 0
    assert await page.locator("svg.qr").count() == 1
    await _shoot(page, "full-page")
    await page.get_by_role("button", name="Pay ₹29,500.00").click()

    await page.wait_for_url(re.compile(r".*/pay/sandbox/checkout\?session=.*"))
    assert "TEST MODE — sandbox gateway, no money moves" in await page.locator("#test-mode").inner_text()
    await _shoot(page, "full-sandbox")
    await page.get_by_role("button", name=re.compile("^Succeed")).click()

    await page.wait_for_url(re.compile(r".*/receipt/PA[A-Z0-9]{14}$"))
    assert await page.locator("h1").inner_text() == "Payment received"
    assert await page.locator("#still-due").inner_text() == "₹0.00"
    await _shoot(page, "full-receipt")
    shown = payload(await seller.get(f"/api/v0/invoice/{inv['invoiceId']}"))
    assert shown["status"] == "PAID"
    await page.close()


async def test_pay_a_part_in_the_browser(browser: Browser, seller: Tenant) -> None:
    inv, _ = await dispatched(seller, base="10000", partial=True, minimumPartialAmount=1000)  # 11,800
    page = await browser.new_page(viewport=PHONE)

    await page.goto(inv["paymentLink"])
    field = page.get_by_label("Amount to pay (₹)")
    assert await field.input_value() == "11800.00"
    await field.fill("500")
    await page.get_by_role("button", name="Pay now").click()
    assert (
        "The smallest part-payment this invoice takes is ₹1,000.00."
        in await page.get_by_role("alert").inner_text()
    )
    await _shoot(page, "part-page-refused")

    await page.get_by_label("Amount to pay (₹)").fill("4000.50")
    await page.get_by_role("button", name="Pay now").click()
    await page.wait_for_url(re.compile(r".*/pay/sandbox/checkout\?session=.*"))
    assert await page.locator("h1").inner_text() == "Pay ₹4,000.50"
    await page.get_by_role("button", name=re.compile("^Succeed")).click()

    await page.wait_for_url(re.compile(r".*/receipt/PA[A-Z0-9]{14}$"))
    assert await page.locator("#still-due").inner_text() == "₹7,799.50"
    await _shoot(page, "part-receipt")
    shown = payload(await seller.get(f"/api/v0/invoice/{inv['invoiceId']}"))
    assert shown["status"] == "PARTIALLY_PAID"
    assert money(shown["balanceAmount"]) == money("7799.50")

    await page.get_by_role("link", name="Pay the rest").click()
    assert await page.locator("#amount-due").inner_text() == "₹7,799.50"
    await _shoot(page, "part-page-after")
    await page.close()


async def test_above_the_upi_limit_in_the_browser(browser: Browser, seller: Tenant) -> None:
    inv, _ = await dispatched(seller, base="200000", partial=True, minimumPartialAmount=1000)  # 2,36,000
    page = await browser.new_page(viewport=PHONE)

    await page.goto(inv["paymentLink"])
    assert await page.locator("svg.qr").count() == 0
    assert await page.locator("#upi-link").count() == 0
    assert "per-transaction limit of UPI apps" in await page.locator("#upi-limit").inner_text()
    assert "50200012345678" in await page.locator("#bank-details").inner_text()
    await _shoot(page, "limit-page")

    await page.get_by_label("Part to pay by UPI (₹)").fill("150000")
    await page.get_by_role("button", name="Show UPI code for this amount").click()
    assert "UPI takes at most ₹1,00,000.00" in await page.locator("#upi-amount-error").inner_text()
    await page.get_by_label("Part to pay by UPI (₹)").fill("60000")
    await page.get_by_role("button", name="Show UPI code for this amount").click()

    assert await page.locator("svg.qr").count() == 1
    assert "am=60000.00" in (await page.locator("#upi-link").get_attribute("href") or "")
    vpa = page.locator("#upi-vpa")
    assert await vpa.inner_text() == "ganesh.traders@okicici"
    # One tap selects the whole VPA, ready to copy.
    assert await vpa.evaluate("e => getComputedStyle(e).userSelect") == "all"
    await _shoot(page, "limit-upi-part")
    await page.close()


async def test_the_receipt_keeps_the_invoice_number_on_one_line(browser: Browser, seller: Tenant) -> None:
    inv, _ = await dispatched(seller, base="1000", partial=False, invoiceNumber="SGT/2026-27/0042")
    page = await browser.new_page(viewport={"width": 320, "height": 700})
    await page.goto(inv["paymentLink"])
    await page.get_by_role("button", name=re.compile("^Pay ")).click()
    await page.wait_for_url(re.compile(r".*/pay/sandbox/checkout\?session=.*"))
    await page.get_by_role("button", name=re.compile("^Fail")).click()
    await page.wait_for_url(re.compile(r".*/receipt/PA[A-Z0-9]{14}$"))

    number = page.locator("#receipt-invoice")
    assert await number.inner_text() == "invoice\xa0SGT/2026-27/0042"
    # One line box: the number is not broken, however narrow the phone.
    assert await number.evaluate("e => e.getClientRects().length") == 1
    await page.screenshot(path=str(_shots() / "receipt-narrow-phone.png"), full_page=True)
    await page.close()


def _shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS
