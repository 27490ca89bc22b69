"""The finance team's main tasks, driven through the pages alone in headless Chromium, at a phone's width
(390 px) and a desktop's (1280 px): sign in → create a customer → an invoice with two lines → another user,
the checker, approves it → dispatch → record a cheque with TDS → reverse it (the cheque bounced) → a credit
note, approved by the checker → download the statement. Then a VIEWER: no write control on any page it
opens, and a form posted straight from its session is refused (403).

Every page looked at is checked (no console error, no serious or critical axe-core violation) and
photographed at both widths into tests/web/screenshots/. The API is asked afterwards what the clicks did."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio

from dues.db import Database
from tests.support import Tenant, TenantFactory
from tests.web.browser import DESKTOP, PHONE, Watched, needs_chromium

needs_chromium()

from playwright.async_api import Browser, BrowserContext, Page  # noqa: E402

INVOICE_URL = re.compile(r".*/app/invoices/(INV[A-Z0-9]{13})$")
CUSTOMER_URL = re.compile(r".*/app/customers/(KC[A-Z0-9]{14})$")
PAYMENT_URL = re.compile(r".*/app/payments/([A-Z0-9]{16})$")
CREDIT_NOTE_URL = re.compile(r".*/app/credit-notes/(CN[A-Z0-9]{14})$")


def payload(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["payload"]


class Team:
    """One seller's people: the admin (who also makes invoices), a checker and a viewer."""

    def __init__(self, admin: Tenant, checker: Tenant, viewer: Tenant) -> None:
        self.admin, self.checker, self.viewer = admin, checker, viewer


@pytest_asyncio.fixture(loop_scope="session")
async def team(committed: Database, server: str) -> AsyncIterator[Team]:
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        factory = TenantFactory(committed, http)
        admin = await factory.create(name="Shree Ganesh Traders Pvt Ltd")
        response = await admin.patch("/api/v0/company", json={"approvalChain": "MAKER_CHECKER"})
        assert response.status_code == 200, response.text
        checker = await factory.user(admin, "CHECKER")
        viewer = await factory.user(admin, "VIEWER")
        yield Team(admin, checker, viewer)


async def _person(browser: Browser, server: str, user: Tenant, viewport: dict[str, int]) -> Watched:
    context: BrowserContext = await browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    watched = Watched(await context.new_page())
    # A confirm() before a reversal or a write-off is answered yes, as the person would.
    watched.page.on("dialog", lambda dialog: dialog.accept())
    await watched.sign_in(server, user.company_id, user.username, user.password)
    assert watched.page.url.endswith("/app"), watched.page.url
    return watched


async def _flash(page: Page) -> str:
    return await page.locator("#flash").inner_text()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
async def test_the_main_tasks_through_the_pages(
    browser: Browser, server: str, team: Team, viewport: dict[str, int]
) -> None:
    width = "phone" if viewport == PHONE else "desktop"
    admin = await _person(browser, server, team.admin, viewport)
    page = admin.page
    await admin.check(f"main-{width}-overview")

    # A customer, through the form.
    await page.get_by_role("link", name="Customers", exact=True).click()
    await admin.check(f"main-{width}-customers")
    await page.get_by_role("link", name="New customer").click()
    await page.get_by_label("Legal name").fill(f"Apex Components {width} Pvt Ltd")
    await page.get_by_label("GSTIN or PAN").fill("")
    await page.get_by_label("State").select_option("Karnataka")
    await page.get_by_label("Contact name").fill("Ravi Kumar")
    await page.get_by_label("E-mail").fill("ravi@apex.example")
    await admin.check(f"main-{width}-customer-new")
    await page.get_by_role("button", name="Create customer").click()
    await page.wait_for_url(CUSTOMER_URL)
    customer_id = CUSTOMER_URL.match(page.url).group(1)  # type: ignore[union-attr]
    assert await page.locator("h1").inner_text() == f"Apex Components {width} Pvt Ltd"
    await admin.check(f"main-{width}-customer")

    # An invoice of two lines; the GST split appears as it is typed (Karnataka from Maharashtra: IGST).
    await page.get_by_role("link", name="New invoice").click()
    await page.get_by_label("Description, line 1").fill("Bearings 6204")
    await page.get_by_label("HSN/SAC, line 1").fill("8482")
    await page.get_by_label("Quantity, line 1").fill("100")
    await page.get_by_label("Rate (₹), line 1").fill("250")
    await page.get_by_label("GST %, line 1").fill("18")
    await page.get_by_role("button", name="Add line").click()
    await page.get_by_label("Description, line 2").fill("Installation")
    await page.get_by_label("HSN/SAC, line 2").fill("9954")
    await page.get_by_label("Quantity, line 2").fill("1")
    await page.get_by_label("Rate (₹), line 2").fill("5000.50")
    await page.get_by_label("GST %, line 2").fill("18")
    # 25,000 + 5,000.50 = 30,000.50 taxable; IGST 18 % = 5,400.09; total 35,400.59
    await page.locator("#grand-total").filter(has_text="35,400.59").wait_for()
    assert "5,400.09" in await page.locator("#total-igst").inner_text()
    await admin.check(f"main-{width}-invoice-new")
    await page.get_by_role("button", name="Create invoice").click()
    await page.wait_for_url(INVOICE_URL)
    invoice_id = INVOICE_URL.match(page.url).group(1)  # type: ignore[union-attr]
    invoice_url = page.url
    # The maker may not approve what it made: no Approve button for the admin who created it.
    assert await page.get_by_role("button", name="Approve").count() == 0
    await admin.check(f"main-{width}-invoice-pending")

    # The checker approves it.
    checker = await _person(browser, server, team.checker, viewport)
    await checker.page.goto(invoice_url)
    await checker.page.get_by_role("button", name="Approve").click()
    await checker.page.wait_for_load_state()
    assert "approved" in (await _flash(checker.page)).lower()
    assert "Checker approved" in await checker.page.locator("#approval-status").inner_text()
    await checker.check(f"main-{width}-invoice-approved")

    # Dispatch.
    await page.goto(invoice_url)
    await page.get_by_role("button", name="Dispatch").click()
    await page.wait_for_load_state()
    assert "dispatched" in (await _flash(page)).lower()
    invoice = payload(await team.admin.get(f"/api/v0/invoice/{invoice_id}"))
    number = invoice["invoiceNumber"]
    assert invoice["paymentLink"]

    # A cheque with TDS: 2 % (194C) of the taxable value withheld, the rest paid by cheque.
    await page.get_by_role("link", name="Record payment").click()
    await page.get_by_label("Amount received (₹)").fill("34800.58")
    await page.get_by_label("Mode").select_option("CHEQUE")
    await page.get_by_label("Reference").fill("000123")
    await page.get_by_label("TDS section").select_option("194C")
    await page.get_by_label("Deductor TAN").fill("BLRA12345B")
    await page.get_by_label(f"Amount for {number}").fill("34800.58")
    await page.get_by_label(f"TDS for {number}").fill("600.01")
    await admin.check(f"main-{width}-payment-new")
    await page.get_by_role("button", name="Record payment").click()
    await page.wait_for_url(PAYMENT_URL)
    payment_url = page.url
    invoice = payload(await team.admin.get(f"/api/v0/invoice/{invoice_id}"))
    assert invoice["status"] == "PAID"
    await admin.check(f"main-{width}-payment")

    # The cheque bounces: reversed, the invoice is owed again.
    await page.get_by_label("Reason").select_option("CHEQUE_BOUNCED")
    await page.get_by_role("button", name="Reverse payment").click()
    await page.wait_for_load_state()
    assert page.url == payment_url
    assert "REVERSED" in (await page.locator("#payment-status").inner_text()).upper()
    invoice = payload(await team.admin.get(f"/api/v0/invoice/{invoice_id}"))
    assert Decimal(str(invoice["balanceAmount"])) == Decimal("35400.59")
    await admin.check(f"main-{width}-payment-reversed")

    # A credit note of ₹1,000 before tax against the invoice; the checker approves it.
    await page.goto(invoice_url)
    await page.get_by_role("link", name="Credit note").click()
    await page.get_by_label("Reason").select_option("POST_SALE_DISCOUNT")
    await page.get_by_label("Amount before tax (₹)").fill("1000")
    await admin.check(f"main-{width}-credit-note-new")
    await page.get_by_role("button", name="Create credit note").click()
    await page.wait_for_url(CREDIT_NOTE_URL)
    await admin.check(f"main-{width}-credit-note")
    await checker.page.goto(page.url)
    await checker.page.get_by_role("button", name="Approve").click()
    await checker.page.wait_for_load_state()
    invoice = payload(await team.admin.get(f"/api/v0/invoice/{invoice_id}"))
    # 1,000 + 18 % IGST = 1,180 off the balance.
    assert Decimal(str(invoice["balanceAmount"])) == Decimal("34220.59")

    # The statement, downloaded as a PDF.
    await page.goto(f"{server}/app/customers/{customer_id}")
    await page.get_by_role("link", name="Statement").click()
    await admin.check(f"main-{width}-statement")
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Download PDF").click()
    download = await download_info.value
    assert (await download.path()).read_bytes()[:5] == b"%PDF-"

    # A VIEWER: reads everything, may change nothing.
    viewer = await _person(browser, server, team.viewer, viewport)
    for url, name in (
        (invoice_url, "invoice"),
        (f"{server}/app/customers/{customer_id}", "customer"),
        (payment_url, "payment"),
    ):
        await viewer.page.goto(url)
        writes = viewer.page.locator("main form[method=post], main form[method=POST]")
        assert await writes.count() == 0, f"a VIEWER sees a form on the {name} page"
        await viewer.check(f"main-{width}-viewer-{name}")
    forged = await viewer.page.request.post(
        f"{server}/app/invoices/{invoice_id}/approval",
        form={"action": "APPROVE", "remarks": "looks fine"},
        headers={"Origin": server},
    )
    assert forged.status == 403
    for watched in (admin, checker, viewer):
        await watched.page.context.close()
