"""A finance user's customer tasks in Chromium at phone width, through the pages alone: find the customers,
create one through the form, add a contact on its page, open its statement. Each page looked at is checked
(no console error, no serious axe-core violation, screenshots at 390 and 1280 px)."""

from __future__ import annotations

import httpx
import pytest_asyncio

from dues.db import Database
from tests.customers.helpers import payload
from tests.payments.helpers import invoice
from tests.support import Tenant, TenantFactory, gstin_for
from tests.web.browser import PHONE, Watched, needs_chromium

needs_chromium()

from playwright.async_api import Browser, expect  # noqa: E402


@pytest_asyncio.fixture(loop_scope="session")
async def seller(committed: Database, server: str) -> Tenant:
    async with httpx.AsyncClient(base_url=server, timeout=20) as http:
        return await TenantFactory(committed, http).create(name="Shree Ganesh Traders Pvt Ltd")


async def test_create_a_customer_add_a_contact_and_open_its_statement(
    browser: Browser, server: str, seller: Tenant
) -> None:
    watched = Watched(await browser.new_page(viewport=PHONE))
    page = watched.page
    await watched.sign_in(server, seller.company_id, seller.username, seller.password)

    await page.goto(f"{server}/app/customers")
    await watched.check("customers-list")
    await page.get_by_role("link", name="New customer").click()
    await page.wait_for_url(f"{server}/app/customers/new")
    await watched.check("customers-new")

    await page.get_by_label("Legal name").fill("Kaveri Textiles Pvt Ltd")
    await page.get_by_label("GSTIN or PAN").fill(gstin_for("29"))
    await page.get_by_label("State").select_option("Karnataka")
    await page.get_by_label("Contact name").fill("Asha Rao")
    await page.get_by_label("E-mail").fill("asha@kaveri.example")
    await page.get_by_label("Phone").fill("9876543210")
    await page.get_by_role("button", name="Create customer").click()
    await page.wait_for_url(f"{server}/app/customers/KC*")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kaveri Textiles Pvt Ltd")
    customer_id = page.url.rsplit("/", 1)[1]

    await page.get_by_text("Add a contact").click()
    await page.get_by_label("Name", exact=True).fill("Meera Iyer")
    await page.get_by_label("Contact e-mail").fill("meera@kaveri.example")
    await page.get_by_role("button", name="Add contact").click()
    await page.wait_for_load_state()
    await expect(page.locator("#flash")).to_have_text("Contact Meera Iyer added.")
    await expect(page.locator("#contact-list")).to_contain_text("Meera Iyer")
    await watched.check("customers-page")

    async with httpx.AsyncClient(base_url=server, timeout=20) as http:
        seller.http = http
        sold = await invoice(
            seller,
            customer_id,
            base="1000",
            invoiceDate="2026-11-02",
            due="2026-11-30",
            cgst=0,
            sgst=0,
            igst=180,
        )
    await page.reload()
    await expect(page.locator("#invoices")).to_contain_text(sold["invoiceNumber"])

    await page.get_by_role("link", name="Statement", exact=True).click()
    await page.wait_for_url(f"{server}/app/customers/{customer_id}/statement")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Statement of account")
    await expect(page.get_by_role("link", name="Download PDF")).to_be_visible()
    await expect(page.get_by_role("button", name="Send by e-mail")).to_be_visible()
    await expect(page.locator("#statement-lines")).to_contain_text(sold["invoiceNumber"])
    await expect(page.locator("#closing-balance")).to_have_text("₹1,180.00")
    await watched.check("customers-statement")
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Download PDF").click()
    download = await download_info.value
    assert (await download.path()).read_bytes().startswith(b"%PDF-")

    async with httpx.AsyncClient(base_url=server, timeout=20) as http:
        seller.http = http
        contacts = payload(await seller.get(f"/api/v0/customer/{customer_id}/contacts"))
    assert sorted(c["name"] for c in contacts) == ["Asha Rao", "Meera Iyer"]
