"""The sandbox's buyer page clicked in a real browser (headless Chromium, through Playwright) against dues on
a real uvicorn: accept an invoice, pay a part of another, return a third with remarks, send a purchase order.
Screenshots at phone and desktop widths go to DUES_SHOTS_DIR (default: a temporary folder) for a person to
look at."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from dues.bharat_connect import wire
from dues.db import Database
from tests.bharat_connect.helpers import Calls, handle, invoice_body, present, register, sandbox_invoice
from tests.support import Tenant

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(os.environ.get("DUES_SHOTS_DIR") or Path(tempfile.gettempdir()) / "dues-bc-sandbox-shots")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

if not CHROMIUM.exists():
    pytest.skip(f"Chromium not installed: {CHROMIUM} is missing", allow_module_level=True)

from playwright.async_api import Browser, Page, async_playwright  # noqa: E402


@pytest_asyncio.fixture(loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        await launched.close()


@pytest.fixture(autouse=True)
def _shots_dir() -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)


async def _shoot(page: Page, name: str) -> None:
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)
        await page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    await page.set_viewport_size(PHONE)


async def test_the_buyer_accepts_pays_returns_and_orders_in_the_browser(
    committed: Database,
    seller: Tenant,
    http: httpx.AsyncClient,
    network: str,
    browser: Browser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    confirmations, payments, orders = Calls(), Calls(), Calls()
    handle(monkeypatch, wire.CONFIRM_INVOICE, confirmations)
    handle(monkeypatch, wire.PAY, payments)
    handle(monkeypatch, wire.SEND_PURCHASE_ORDER, orders)
    supplier = await register(seller)
    bodies = [invoice_body(supplier, "BCKAVERIFOODS01", number=f"SGT/26-27/{n}") for n in (101, 102, 103)]
    for body in bodies:
        await present(committed, seller.company_id, body)
    accepted, paid, returned = (b["invoice"]["objectId"] for b in bodies)
    await sandbox_invoice(http, returned)

    page = await browser.new_page(viewport=PHONE)
    await page.goto(f"{network}/bc-sandbox/buyer")
    assert "TEST MODE" in await page.locator("#test-mode").inner_text()
    assert await page.locator("section.invoice").count() == 3
    await _shoot(page, "buyer-invoices")

    card = page.locator(f"#invoice-{accepted}")
    await card.get_by_role("button", name="Accept").click()
    await page.wait_for_selector("#answer")
    assert "HTTP 200 (taken)" in await page.locator("#answer").inner_text()
    assert await page.locator(f"#invoice-{accepted} .status").inner_text() == "ACCEPTED"
    await _shoot(page, "buyer-accepted")

    card = page.locator(f"#invoice-{paid}")
    await card.get_by_text("Pay this invoice").click()
    await card.get_by_label("Amount (₹)").fill("4000.50")
    await card.get_by_label("Mode").select_option("UPI")
    await card.get_by_label("UTR (optional)").fill("UPI412233445566")
    await _shoot(page, "buyer-pay-form")
    await card.get_by_role("button", name="Pay", exact=True).click()
    await page.wait_for_selector("#answer")
    assert "Paid" in await page.locator("#answer").inner_text()
    assert await page.locator(f"#invoice-{paid} .status").inner_text() == "PARTIALLY_PAID"
    assert await page.locator(f"#invoice-{paid} .due").inner_text() == "₹7,799.50"

    card = page.locator(f"#invoice-{returned}")
    await card.get_by_label("Remarks (for reject or return)").fill("PO number missing")
    await card.get_by_role("button", name="Return").click()
    await page.wait_for_selector("#answer")
    assert await page.locator(f"#invoice-{returned} .status").inner_text() == "RETURNED"

    await page.get_by_label("PO number").fill("KF/PO/2026/778")
    await page.get_by_label("Line 1 item").fill("Basmati rice, 25 kg bags")
    await page.get_by_label("Line 1 quantity").fill("20")
    await page.get_by_label("Line 1 unit price").fill("1150")
    await page.get_by_label("Line 1 GST rate").fill("5")
    await page.get_by_role("button", name="Send purchase order").click()
    await page.wait_for_selector("#answer")
    assert "Purchase order sent" in await page.locator("#answer").inner_text()
    await _shoot(page, "buyer-after")

    # A refusal is shown, not hidden: more than is due.
    card = page.locator(f"#invoice-{paid}")
    await card.get_by_text("Pay this invoice").click()
    await card.get_by_label("Amount (₹)").fill("99999")
    await card.get_by_role("button", name="Pay", exact=True).click()
    assert re.search(r"more than the 7799\.50 still due", await page.locator("#problem").inner_text())
    await page.close()

    confirmed = {
        b["invoiceConfirmation"]["objectId"]: b["invoiceConfirmation"] for _, b in confirmations.bodies
    }
    assert confirmed[accepted]["buyerResponse"] == "ACCEPT"
    assert (confirmed[returned]["buyerResponse"], confirmed[returned]["buyerRemarks"]) == (
        "RETURN",
        "PO number missing",
    )
    (_, payment), *_ = payments.bodies
    assert payment["payment"]["mode"] == "UPI" and payment["payment"]["utr"] == "UPI412233445566"
    assert Decimal(str(payment["payment"]["paymentAmount"]["netPaidAmount"])) == Decimal("4000.50")
    order = orders.bodies[0][1]["purchaseOrder"]
    assert order["buyerPONumber"] == "KF/PO/2026/778"
    assert Decimal(str(order["poValueDetails"]["totalAmount"])) == Decimal("24150.00")
