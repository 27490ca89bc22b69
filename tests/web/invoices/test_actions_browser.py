"""The invoice pages in a real browser at phone width: filter the list, save the view, open an invoice, a
checker approves it, the admin dispatches it; no console error and no serious axe-core violation on any of
them."""

from __future__ import annotations

import re

import httpx
import pytest_asyncio

from dues.db import Database
from tests.support import Tenant, TenantFactory
from tests.web.browser import PHONE, Watched, needs_chromium
from tests.web.invoices.helpers import customer, invoice, payload

needs_chromium()

from playwright.async_api import Browser  # noqa: E402

INVOICE_URL = re.compile(r".*/app/invoices/(INV[A-Z0-9]{13})$")


class Team:
    def __init__(self, admin: Tenant, checker: Tenant, invoice_id: str) -> None:
        self.admin = admin
        self.checker = checker
        self.invoice_id = invoice_id


@pytest_asyncio.fixture(loop_scope="session")
async def team(committed: Database, server: str) -> Team:
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        tenants = TenantFactory(committed, http)
        admin = await tenants.create(name="Shree Ganesh Traders Pvt Ltd")
        checker = await tenants.user(admin, "CHECKER", email="checker@ganesh.example")
        assert (
            await admin.patch("/api/v0/company", json={"approvalChain": "MAKER_CHECKER"})
        ).status_code == 200
        buyer = await customer(admin, legalName="Kaveri Textiles Pvt Ltd")
        await invoice(admin, buyer, invoiceNumber="GT-100", dueDate="2027-06-30")
        made = await invoice(admin, buyer, invoiceNumber="GT-101", dueDate="2026-12-31")
        return Team(admin, checker, made["invoiceId"])


async def _person(browser: Browser, server: str, who: Tenant) -> Watched:
    watched = Watched(await browser.new_page(viewport=PHONE))
    watched.page.on("dialog", lambda dialog: dialog.accept())
    await watched.sign_in(server, who.company_id, who.username, who.password)
    return watched


async def test_filter_save_open_approve_and_dispatch(browser: Browser, server: str, team: Team) -> None:
    admin = await _person(browser, server, team.admin)
    page = admin.page
    await page.get_by_role("link", name="Invoices").click()
    await page.wait_for_url(f"{server}/app/invoices")
    await admin.check("invoices-list")

    # Filter: created and due by the end of the year.
    await page.get_by_label("Created", exact=True).check()
    await page.get_by_label("Due to").fill("2026-12-31")
    await page.get_by_role("button", name="Filter").click()
    await page.wait_for_url(re.compile(r".*dueDateTo=2026-12-31.*"))
    rows = page.locator("#invoices tbody tr")
    assert await rows.count() == 1
    assert "GT-101" in await rows.first.inner_text()
    await admin.check("invoices-list-filtered")

    # Save the view; it is listed, and following it applies it.
    await page.get_by_label("View name").fill("Due this year")
    await page.get_by_role("button", name="Save this view").click()
    await page.wait_for_load_state()
    assert "saved" in await page.locator("#flash").inner_text()
    await page.goto(f"{server}/app/invoices")
    await page.get_by_role("link", name="Due this year").click()
    await page.wait_for_url(re.compile(r".*status=CREATED.*"))
    assert await page.locator("#invoices tbody tr").count() == 1
    await admin.check("invoices-list-view")

    # Open the invoice: waiting for a checker, so its maker sees no Approve.
    await page.get_by_role("link", name="GT-101").click()
    await page.wait_for_url(INVOICE_URL)
    invoice_url = page.url
    assert "Checker approval pending" in await page.locator("#approval-status").inner_text()
    assert await page.get_by_role("button", name="Approve").count() == 0
    assert await page.get_by_role("button", name="Dispatch").count() == 0
    await admin.check("invoices-page-pending")

    # The checker approves it, with remarks.
    checker = await _person(browser, server, team.checker)
    await checker.page.goto(invoice_url)
    await checker.page.get_by_label("Approval remarks").fill("Rates as agreed")
    await checker.page.get_by_role("button", name="Approve").click()
    await checker.page.wait_for_load_state()
    assert "approved" in (await checker.page.locator("#flash").inner_text()).lower()
    assert "Checker approved" in await checker.page.locator("#approval-status").inner_text()
    assert "Rates as agreed" in await checker.page.locator("#timeline").inner_text()
    await checker.check("invoices-page-approved")

    # The admin dispatches it.
    await page.goto(invoice_url)
    await page.get_by_role("button", name="Dispatch").click()
    await page.wait_for_load_state()
    assert "dispatched" in (await page.locator("#flash").inner_text()).lower()
    assert "Dispatched" in await page.locator("#invoice-status").inner_text()
    timeline = await page.locator("#timeline").inner_text()
    assert "Dispatched" in timeline and "E-mail to accounts@buyer.example" in timeline
    await admin.check("invoices-page-dispatched")
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        answer = await http.get(f"/api/v0/invoice/{team.invoice_id}", headers=team.admin.headers())
    read = payload(answer)
    assert read["status"] == "DISPATCHED" and read["paymentLink"]
    for watched in (admin, checker):
        await watched.page.context.close()
