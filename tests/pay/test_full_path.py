"""The collection path end to end, every hop over real connections (issue 4's acceptance): a customer and an
invoice, dispatch, the e-mail at a real SMTP server with the PDF and the link, the link's page, a part paid in
the sandbox, PARTIALLY_PAID with the right balance, the rest, PAID; and a local webhook receiver has
invoice.dispatched, invoice.payment_received (twice) and invoice.paid, each signature verified."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio

from dues.config import get_settings
from dues.db import Database
from tests.collection.providers import Inbox, smtp_server
from tests.conftest import run_jobs
from tests.customers.helpers import payload
from tests.pay.helpers import money, pay_in_sandbox, set_upi
from tests.support import Tenant, TenantFactory, gstin_for
from tests.webhooks.receiver import Receiver


@pytest_asyncio.fixture(loop_scope="session")
async def http(server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server, timeout=20) as c:
        yield c


@pytest.fixture
def inbox(server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server, and the settings that send mail to it and let webhooks reach 127.0.0.1 (after
    the server fixture, whose public_url they keep)."""
    mails = Inbox()
    for port in smtp_server(mails):
        monkeypatch.setenv("DUES_SMTP_URL", f"smtp://127.0.0.1:{port}")
        monkeypatch.setenv("DUES_WEBHOOKS_ALLOW_PRIVATE", "true")
        get_settings.cache_clear()
        yield mails


@pytest_asyncio.fixture(loop_scope="session")
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


async def test_from_invoice_to_paid_with_mail_page_sandbox_and_webhooks(
    server: str, http: httpx.AsyncClient, committed: Database, inbox: Inbox, receiver: Receiver
) -> None:
    seller: Tenant = await TenantFactory(committed, http).create()
    events = ["invoice.dispatched", "invoice.payment_received", "invoice.paid"]
    hook = payload(await seller.post("/api/v0/webhook", json={"url": receiver.url(), "events": events}))
    await set_upi(seller, "seller@okaxis")
    buyer = await seller.create_customer(panOrGstin=gstin_for("27", 77), email="ap@buyer.example")
    body = {
        "customerId": buyer["customerId"],
        "invoiceDate": "2026-11-24",
        "dueDate": "2026-12-31",
        "baseAmount": "1000.00",
        "cgst": "90.00",
        "sgst": "90.00",
    }
    inv = payload(await seller.post("/api/v0/invoice", json=body))
    dispatch = {"invoiceIds": [inv["invoiceId"]], "partialPaymentAllowed": True}
    assert payload(await seller.post("/api/v0/invoice/bulk/dispatch", json=dispatch))["results"][0]["success"]

    await run_jobs(committed)  # the send job: the mail goes to the SMTP server

    [(to, mail)] = inbox.mails
    assert to == ["ap@buyer.example"]
    [pdf] = list(mail.iter_attachments())
    assert pdf.get_content_type() == "application/pdf" and pdf.get_content().startswith(b"%PDF")
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(rf"{re.escape(server)}/pay/[A-Za-z0-9_-]+", text)
    assert link, text
    page = await http.get(link.group(0))
    assert page.status_code == 200 and inv["invoiceNumber"] in page.text

    part = await pay_in_sandbox(http, link.group(0), "300.00", "succeed")
    assert "Payment received" in part.text
    shown = payload(await seller.get(f"/api/v0/invoice/{inv['invoiceId']}"))
    assert shown["status"] == "PARTIALLY_PAID"
    assert (money(shown["paidAmount"]), money(shown["balanceAmount"])) == (300, 880)

    await pay_in_sandbox(http, link.group(0), "880.00", "succeed")
    shown = payload(await seller.get(f"/api/v0/invoice/{inv['invoiceId']}"))
    assert (shown["status"], money(shown["balanceAmount"])) == ("PAID", 0)

    await run_jobs(committed)  # the webhook deliveries

    got = [r.json()["type"] for r in receiver.received]
    assert sorted(got) == sorted(
        ["invoice.dispatched", "invoice.payment_received", "invoice.payment_received", "invoice.paid"]
    ), got
    assert all(r.verified(hook["secret"]) for r in receiver.received)
    assert {r.json()["data"]["invoiceId"] for r in receiver.received} == {inv["invoiceId"]}
