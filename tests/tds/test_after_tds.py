"""Customers' TDS default (api.md §9.2): set, changed and cleared on the customer; the payment page, the
dispatch e-mail and the reminders then show the amount due and the amount to pay after that TDS, computed on
the value without GST."""

from __future__ import annotations

import html
import re

import httpx

from dues.db import Database
from tests.collection.helpers import get_invoice
from tests.customers.helpers import assert_invalid, payload
from tests.pay.helpers import token_of
from tests.reminders.helpers import YEAR, open_invoice, reminder, reminder_messages, run_at, set_default
from tests.reminders.helpers import customer as reminded_customer
from tests.support import Tenant, TenantFactory

CUSTOMERS = "/api/v0/customer"


def _text(page: str) -> str:
    body = re.sub(r"<(style|title|svg)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


async def test_a_customer_carries_a_tds_default_that_can_be_changed_and_cleared(tenant: Tenant) -> None:
    made = await tenant.create_customer(tdsSection="194Q", tdsRate=0.1)
    assert (made["tdsSection"], made["tdsRate"]) == ("194Q", 0.1)
    path = f"{CUSTOMERS}/{made['customerId']}"
    changed = payload(await tenant.patch(path, json={"tdsSection": "194J", "tdsRate": 10}))
    assert (changed["tdsSection"], changed["tdsRate"]) == ("194J", 10)
    # A PATCH that leaves them out leaves them; null clears them (both: they go together).
    assert payload(await tenant.patch(path, json={"address": "Pune"}))["tdsRate"] == 10
    assert_invalid(await tenant.patch(path, json={"tdsRate": None}), "tdsRate")
    cleared = payload(await tenant.patch(path, json={"tdsSection": None, "tdsRate": None}))
    assert (cleared["tdsSection"], cleared["tdsRate"]) == (None, None)
    # EnKash's clients never send them.
    plain = await tenant.create_customer()
    assert (plain["tdsSection"], plain["tdsRate"]) == (None, None)


async def test_a_tds_default_is_a_known_section_and_a_rate_up_to_100(tenant: Tenant) -> None:
    body = {"legalName": "Buyer Ltd", "state": "Maharashtra"}
    for rate in (0, -1, 100.01, "2.005"):
        assert_invalid(
            await tenant.post(CUSTOMERS, json={**body, "tdsSection": "194C", "tdsRate": rate}), "tdsRate"
        )
    assert_invalid(
        await tenant.post(CUSTOMERS, json={**body, "tdsSection": "195", "tdsRate": 1}), "tdsSection"
    )
    assert_invalid(await tenant.post(CUSTOMERS, json={**body, "tdsSection": "194C"}), "tdsRate")
    assert_invalid(await tenant.post(CUSTOMERS, json={**body, "tdsRate": 2}), "tdsSection")
    assert (
        payload(await tenant.post(CUSTOMERS, json={**body, "tdsSection": "OTHER", "tdsRate": 100}))["tdsRate"]
        == 100
    )


async def test_the_payment_page_shows_the_amount_after_tds(
    server: str, live_tenants: TenantFactory, committed: Database
) -> None:
    seller = await live_tenants.create()
    rid = str((await reminder(seller))["reminderId"])
    await set_default(seller, rid)
    buyer = await reminded_customer(seller, tdsSection="194Q", tdsRate=0.1)
    invoice_id = await open_invoice(seller, buyer, baseAmount=100000, cgst=9000, sgst=9000)
    link = (await get_invoice(seller, invoice_id))["paymentLink"]
    assert link.startswith(server)

    async with httpx.AsyncClient() as browser:
        page = await browser.get(link)
    assert page.status_code == 200
    text = _text(page.text)
    assert "Amount due ₹1,18,000.00" in text
    assert "Amount to pay after TDS u/s 194Q at 0.1 % ₹1,17,900.00" in text
    assert "If you deduct TDS (₹100.00, on the value without GST)" in text

    # The dispatch e-mail and a reminder say it too.
    hint = "Amount to pay after TDS u/s 194Q at 0.1 %: INR 117,900.00 "
    hint += "(TDS INR 100.00, on the value without GST)."
    mails = payload(await seller.get("/api/v0/outbox", params={"invoiceId": invoice_id, "channel": "EMAIL"}))
    assert any(hint in m["body"] for m in mails["items"])
    assert await run_at(committed, f"{YEAR}-06-27 10:00") == 1
    [(_, _, _, _, body)] = await reminder_messages(committed, invoice_id)
    assert "INR 118,000.00 is outstanding" in body and hint in body


async def test_without_a_default_the_page_says_nothing_of_tds(
    server: str, live_tenants: TenantFactory
) -> None:
    seller = await live_tenants.create()
    buyer = await reminded_customer(seller)
    invoice_id = await open_invoice(seller, buyer, baseAmount=100000, cgst=9000, sgst=9000)
    async with httpx.AsyncClient() as browser:
        page = await browser.get((await get_invoice(seller, invoice_id))["paymentLink"])
    assert "TDS" not in _text(page.text)


async def test_a_part_paid_invoice_takes_tds_on_its_share_of_the_taxable_value(
    server: str, live_tenants: TenantFactory
) -> None:
    seller = await live_tenants.create()
    buyer = await reminded_customer(seller, tdsSection="194C", tdsRate=2)
    invoice_id = await open_invoice(seller, buyer, baseAmount=100000, cgst=9000, sgst=9000)
    payment = {
        "customerId": buyer,
        "mode": "NEFT",
        "amount": 59000,
        "reference": "UTRHALF0001",
        "paidOn": "2026-11-25",
        "allocations": [{"invoiceId": invoice_id, "amount": 59000}],
    }
    payload(await seller.post("/api/v0/payment", json=payment))
    token = token_of((await get_invoice(seller, invoice_id))["paymentLink"])
    async with httpx.AsyncClient() as browser:
        text = _text((await browser.get(f"{server}/pay/{token}")).text)
    # Half is left: 2 % of half the taxable value (50,000) is 1,000.
    assert "Amount due ₹59,000.00" in text
    assert "Amount to pay after TDS u/s 194C at 2 % ₹58,000.00" in text
