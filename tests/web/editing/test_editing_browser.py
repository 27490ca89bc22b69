"""The invoice form and the credit note form in a real browser at phone width: the GST figures follow the
typing to the paisa (the script's integer arithmetic), and are what the server then saves; lines added and
removed with the script; a credit note's live total; no console error, no serious axe-core violation."""

from __future__ import annotations

import re

import httpx
import pytest_asyncio

from dues.db import Database
from tests.customers.helpers import payload
from tests.support import Tenant, TenantFactory
from tests.web.browser import PHONE, Watched, needs_chromium

needs_chromium()

from playwright.async_api import Browser, Page, expect  # noqa: E402


@pytest_asyncio.fixture(loop_scope="session")
async def seller(committed: Database, server: str) -> Tenant:
    async with httpx.AsyncClient(base_url=server, timeout=20) as http:
        return await TenantFactory(committed, http).create(name="Shree Ganesh Traders Pvt Ltd")


async def _line(page: Page, n: int, description: str, hsn: str, quantity: str, rate: str, gst: str) -> None:
    await page.get_by_label(f"Description, line {n}").fill(description)
    await page.get_by_label(f"HSN/SAC, line {n}").fill(hsn)
    await page.get_by_label(f"Quantity, line {n}").fill(quantity)
    await page.get_by_label(f"Rate (₹), line {n}").fill(rate)
    await page.get_by_label(f"GST %, line {n}").fill(gst)


async def test_an_invoice_with_two_lines_and_a_credit_note_through_the_pages(
    browser: Browser, server: str, seller: Tenant
) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=20) as http:
        seller.http = http
        customer = await seller.create_customer(legalName="Kaveri Motors Pvt Ltd", state="Karnataka")
        watched = Watched(await browser.new_page(viewport=PHONE))
        page = watched.page
        await watched.sign_in(server, seller.company_id, seller.username, seller.password)
        await page.goto(f"{server}/app/invoices/new?customerId={customer['customerId']}")
        await expect(page.get_by_label("Customer")).to_have_value(customer["customerId"])
        await page.get_by_label("Due date").fill("2099-12-31")
        await _line(page, 1, "Steel brackets", "7308", "3", "333.33", "18")
        await page.get_by_role("button", name="Add line").click()
        await _line(page, 2, "Fitting service", "998719", "1.5", "99.99", "5")
        # Karnataka from Maharashtra: IGST, 180.00 + 7.50 on 999.99 + 149.99.
        await expect(page.locator("#total-taxable")).to_have_text("₹1,149.98")
        await expect(page.locator("#total-igst")).to_have_text("₹187.50")
        await expect(page.locator("#total-cgst")).to_have_text("₹0.00")
        await expect(page.locator("#grand-total")).to_have_text("₹1,337.48")
        # Within the seller's state the same lines split in halves, each line rounded on its own.
        await page.get_by_label("Place of supply").select_option("Maharashtra")
        await expect(page.locator("#total-cgst")).to_have_text("₹93.75")
        await expect(page.locator("#total-sgst")).to_have_text("₹93.75")
        await expect(page.locator("#total-igst")).to_have_text("₹0.00")
        # A third line, removed again: the totals follow.
        await page.get_by_role("button", name="Add line").click()
        await _line(page, 3, "Spare", "7308", "1", "1000", "28")
        await expect(page.locator("#grand-total")).to_have_text("₹2,617.48")
        await page.get_by_role("button", name="Remove line 3").click()
        await expect(page.locator("#grand-total")).to_have_text("₹1,337.48")
        await watched.check("editing-invoice-form")

        await page.get_by_role("button", name="Create invoice").click()
        await page.wait_for_url(re.compile(r".*/app/invoices/INV[A-Z0-9]{13}$"))
        invoice_id = page.url.rsplit("/", 1)[1]
        saved = payload(await seller.get(f"/api/v0/invoice/{invoice_id}"))
        assert (saved["baseAmount"], saved["cgst"], saved["sgst"], saved["totalAmount"]) == (
            1149.98,
            93.75,
            93.75,
            1337.48,
        )
        # The invoice page is the invoices area's (another branch): what it logs is not this test's business.
        watched.errors.clear()

        await page.goto(f"{server}/app/credit-notes/new?invoiceId={invoice_id}")
        await page.get_by_label("Reason").select_option("POST_SALE_DISCOUNT")
        await page.get_by_label("Amount before tax (₹)").fill("100")
        await page.get_by_label("GST %").fill("18")
        await expect(page.locator("#note-total")).to_have_text("₹118.00")
        await watched.check("editing-credit-note-form")
        await page.get_by_role("button", name="Create credit note").click()
        await page.wait_for_url(re.compile(r".*/app/credit-notes/CN[A-Z0-9]{14}$"))
        await expect(page.locator("#credit-note-status")).to_have_text("Issued")
        await expect(page.locator("#approval-status")).to_have_text("Approver approved")
        await expect(page.locator("#flash")).to_contain_text("created for ₹118.00 and issued")
        # Nothing on the credit note page may widen it past a phone's screen.
        await page.set_viewport_size(PHONE)
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        await watched.check("editing-credit-note")
        assert payload(await seller.get(f"/api/v0/invoice/{invoice_id}"))["balanceAmount"] == 1219.48

        await page.goto(f"{server}/app/credit-notes")
        await expect(page.get_by_role("link", name=re.compile(r"^CN"))).to_have_count(1)
        await watched.check("editing-credit-notes")
