"""Paying several invoices in one checkout from the portal, over real HTTP through the sandbox gateway: a
real uvicorn, the sandbox's signed callback coming back over HTTP, one payment allocated across the
invoices, applied once however often the callback arrives, and refused when an invoice was paid meanwhile."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from dues.db import Database
from tests.customers.helpers import payload
from tests.pay.helpers import send_callback, session_of
from tests.payments.helpers import money, pay
from tests.support import Tenant, TenantFactory
from tests.web.portal.helpers import customer_with_invoices


@pytest_asyncio.fixture(loop_scope="session")
async def http(server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server, timeout=20) as c:
        yield c


@pytest_asyncio.fixture(loop_scope="session")
async def seller(committed: Database, http: httpx.AsyncClient) -> Tenant:
    return await TenantFactory(committed, http).create()


async def _checkout(http: httpx.AsyncClient, path: str, invoice_ids: list[str]) -> httpx.Response:
    started = await http.post(f"{path}/checkout", data={"invoiceId": invoice_ids})
    assert started.status_code == 303, started.text
    return started


async def test_two_invoices_paid_in_one_checkout_through_the_sandbox(
    server: str, http: httpx.AsyncClient, seller: Tenant
) -> None:
    _, (first, second), path = await customer_with_invoices(seller, "1000", "2000")

    started = await _checkout(http, path, [first["invoiceId"], second["invoiceId"]])
    location = started.headers["location"]
    assert location.startswith(f"{server}/pay/sandbox/checkout?")
    session = session_of(location)
    assert session["amount"] == "3540.00"
    sandbox = await http.get(location)
    assert "TEST MODE" in sandbox.text and "₹3,540.00" in sandbox.text
    sealed = re.search(r'name="session" value="([^"]+)"', sandbox.text)
    assert sealed
    chosen = await http.post("/pay/sandbox/complete", data={"session": sealed.group(1), "outcome": "succeed"})
    assert chosen.status_code == 303
    assert chosen.headers["location"].startswith(f"{server}{path}/receipt/")
    receipt = await http.get(chosen.headers["location"])

    assert receipt.status_code == 200
    assert 'id="receipt-status">Payment received<' in receipt.text
    assert first["invoiceNumber"] in receipt.text and second["invoiceNumber"] in receipt.text
    assert 'id="receipt-total">₹3,540.00<' in receipt.text
    for inv, total in ((first, 1180), (second, 2360)):
        shown = payload(await seller.get(f"/api/v0/invoice/{inv['invoiceId']}"))
        assert shown["status"] == "PAID"
        assert (money(shown["paidAmount"]), money(shown["balanceAmount"])) == (total, 0)
    [one] = payload(await seller.get(f"/api/v0/invoice/{first['invoiceId']}/payments"))
    [same] = payload(await seller.get(f"/api/v0/invoice/{second['invoiceId']}/payments"))
    assert one["paymentId"] == same["paymentId"]
    assert money(one["amount"]) == 3540
    assert sorted((a["invoiceId"], money(a["amount"])) for a in one["allocations"]) == sorted(
        [(first["invoiceId"], money(1180)), (second["invoiceId"], money(2360))]
    )

    # The sandbox calls back again (a retry, a replay): nothing is applied twice.
    replays = await asyncio.gather(*(send_callback(http, session) for _ in range(3)))
    assert [r.json()["replay"] for r in replays] == [True, True, True]
    assert len(payload(await seller.get(f"/api/v0/invoice/{first['invoiceId']}/payments"))) == 1
    assert "Nothing is due" in (await http.get(path)).text


async def test_an_invoice_paid_meanwhile_fails_the_whole_checkout(
    server: str, http: httpx.AsyncClient, seller: Tenant
) -> None:
    buyer, (first, second), path = await customer_with_invoices(seller, "1000", "500")
    started = await _checkout(http, path, [first["invoiceId"], second["invoiceId"]])
    session = session_of(started.headers["location"])
    paid = await pay(seller, buyer, 590, [(second["invoiceId"], 590)])
    assert paid.status_code == 200, paid.text

    answer = await send_callback(http, session)

    assert answer.status_code == 200 and answer.json()["status"] == "FAILED"
    receipt = await http.get(f"{path}/receipt/{session['attemptId']}")
    assert 'id="receipt-status">Payment failed<' in receipt.text
    assert "already paid" in receipt.text
    shown = payload(await seller.get(f"/api/v0/invoice/{first['invoiceId']}"))
    assert (shown["status"], money(shown["balanceAmount"])) == ("DISPATCHED", 1180)


async def test_a_tampered_amount_and_another_customers_receipt(
    server: str, http: httpx.AsyncClient, seller: Tenant
) -> None:
    _, (first,), path = await customer_with_invoices(seller, "1000")
    _, _, other_path = await customer_with_invoices(seller, "1000")
    session = session_of((await _checkout(http, path, [first["invoiceId"]])).headers["location"])
    # A receipt is this customer's only.
    assert (await http.get(f"{other_path}/receipt/{session['attemptId']}")).status_code == 404

    answer = await send_callback(http, {**session, "amount": "1.00"})

    assert answer.json()["status"] == "FAILED"
    shown = payload(await seller.get(f"/api/v0/invoice/{first['invoiceId']}"))
    assert shown["status"] == "DISPATCHED"
    nothing = await http.post(f"{path}/checkout", data={})
    assert nothing.status_code == 422 and "Choose at least one invoice" in nothing.text
