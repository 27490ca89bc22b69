"""Recording and reversing a payment in a real browser at phone width: a cheque with the buyer's TDS, the
amounts filled by "Suggest oldest first" in the page's script (no round trip), then reversed from its page;
no console error and no serious axe-core violation on any page looked at."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest_asyncio

from dues.db import Database
from dues.kit.timefmt import today_ist
from tests.payments.helpers import money
from tests.support import Tenant, TenantFactory
from tests.web.browser import PHONE, Watched, needs_chromium
from tests.web.payments.helpers import TAN, Scene, invoice_now, scene

needs_chromium()

from playwright.async_api import Browser, Dialog, Request  # noqa: E402


@pytest_asyncio.fixture(loop_scope="session")
async def seller(committed: Database, server: str) -> AsyncIterator[tuple[Tenant, Scene]]:
    """The seller with its scene, and its API client open for the test to read what the pages changed."""
    async with httpx.AsyncClient(base_url=server, timeout=20) as http:
        tenant = await TenantFactory(committed, http).create(name="Shree Ganesh Traders Pvt Ltd")
        yield tenant, await scene(tenant)


async def test_record_a_cheque_with_tds_by_suggestion_then_reverse_it(
    browser: Browser, server: str, seller: tuple[Tenant, Scene]
) -> None:
    tenant, s = seller
    watched = Watched(await browser.new_page(viewport=PHONE))
    page = watched.page
    await watched.sign_in(server, tenant.company_id, tenant.username, tenant.password)

    await page.goto(f"{server}/app/payments/new?customerId={s.customer_id}&invoiceId={s.older['invoiceId']}")
    await watched.check("payments-new")
    await page.get_by_label("Amount received (₹)").fill("17400")
    await page.get_by_label("Mode").select_option("CHEQUE")
    await page.get_by_label("Reference").fill("004512")
    await page.get_by_label("TDS section").select_option("194J")
    await page.get_by_label("Deductor TAN").fill(TAN)
    posted: list[str] = []

    def record_posts(request: Request) -> None:
        if request.method == "POST":
            posted.append(request.url)

    page.on("request", record_posts)
    await page.get_by_role("button", name="Suggest oldest first").click()
    # Filled by the script, without a round trip: 17,400 pays the two oldest after their TDS, nothing left.
    older, newer, newest = (i["invoiceNumber"] for i in s.invoices)
    assert await page.get_by_label(f"Amount for {older}").input_value() == "11600.00"
    assert await page.get_by_label(f"TDS for {older}").input_value() == "200.00"
    assert await page.get_by_label(f"Amount for {newer}").input_value() == "5800.00"
    assert await page.get_by_label(f"TDS for {newer}").input_value() == "100.00"
    assert await page.get_by_label(f"Amount for {newest}").input_value() == ""
    assert await page.locator("#unallocated").inner_text() == "₹0.00"
    assert posted == []
    await page.get_by_label(f"Amount for {older}").fill("11,000")
    assert await page.locator("#unallocated").inner_text() == "₹600.00"
    await page.get_by_label(f"Amount for {older}").fill("11600.00")
    await watched.check("payments-new-suggested")

    await page.get_by_role("button", name="Record payment").click()
    await page.wait_for_url(f"{server}/app/payments/PAY*")
    assert (await page.locator("#payment-status").inner_text()).upper() == "RECORDED"
    assert "recorded" in await page.locator("#flash").inner_text()
    await watched.check("payments-show")
    for inv in (s.older, s.newer):
        now = await invoice_now(tenant, inv["invoiceId"])
        assert (now["status"], money(now["balanceAmount"])) == ("PAID", 0)

    await page.get_by_label("Reason").select_option("CHEQUE_BOUNCED")
    await page.get_by_label("Bank charge (₹)").fill("590")

    async def accept(dialog: Dialog) -> None:
        await dialog.accept()

    page.once("dialog", accept)
    await page.get_by_role("button", name="Reverse payment").click()
    await page.wait_for_load_state()
    await page.locator("#flash").wait_for()
    assert (await page.locator("#payment-status").inner_text()).upper() == "REVERSED"
    assert await page.get_by_role("button", name="Reverse payment").count() == 0
    # Who recorded and reversed it is named by e-mail, and a long one still fits a phone's width.
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await watched.check("payments-reversed")
    for inv in (s.older, s.newer):
        now = await invoice_now(tenant, inv["invoiceId"])
        assert money(now["balanceAmount"]) == money(inv["totalAmount"]) > Decimal(0)

    await page.get_by_role("link", name="All payments").click()
    await page.wait_for_url(f"{server}/app/payments")
    assert await page.locator("#payments .badge-reversed").inner_text() == "Reversed"
    await watched.check("payments-list")


async def test_record_a_form_16a_certificate_in_the_register(
    browser: Browser, server: str, seller: tuple[Tenant, Scene]
) -> None:
    tenant, s = seller
    body = {
        "mode": "NEFT",
        "amount": 11600,
        "reference": "UTR-BROWSER-1",
        "paidOn": today_ist().isoformat(),
        "customerId": s.customer_id,
        "tdsSection": "194J",
        "deductorTan": TAN,
        "allocations": [{"invoiceId": s.older["invoiceId"], "amount": 11600, "tdsAmount": 200}],
    }
    assert (await tenant.post("/api/v0/payment", json=body)).status_code == 200
    watched = Watched(await browser.new_page(viewport=PHONE))
    page = watched.page
    await watched.sign_in(server, tenant.company_id, tenant.username, tenant.password)
    await page.goto(f"{server}/app/payments")
    await page.get_by_role("link", name="TDS register").click()
    await page.wait_for_url(f"{server}/app/tds")
    await watched.check("payments-tds-register")
    await page.locator("#tds-entries a").first.click()
    await page.wait_for_url(f"{server}/app/tds/TD*")
    await page.get_by_label("Certificate number").fill("ABCD1234")
    await page.get_by_label("Certificate date").fill(today_ist().isoformat())
    await page.get_by_label("Certificate amount (₹)").fill("200")
    await page.get_by_role("button", name="Record certificate").click()
    await page.locator("#flash").wait_for()
    assert await page.locator("#tds-status").inner_text() == "Certificate received"
    await watched.check("payments-tds-entry")
