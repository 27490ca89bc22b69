"""The whole path over real HTTP (api.md §5): a real uvicorn serves the app; the seller creates a customer
and an invoice and dispatches it through the API, the payer opens the link, pays part in the sandbox (whose
callback comes back over HTTP, signed), then the rest."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from dues.db import Database
from tests.customers.helpers import payload
from tests.pay.helpers import (
    checkout,
    dispatched,
    money,
    pay_in_sandbox,
    send_callback,
    session_of,
    set_upi,
)
from tests.support import Tenant, TenantFactory


@pytest_asyncio.fixture(loop_scope="session")
async def http(server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server, timeout=20) as c:
        yield c


@pytest_asyncio.fixture(loop_scope="session")
async def seller(committed: Database, http: httpx.AsyncClient) -> Tenant:
    return await TenantFactory(committed, http).create()


async def test_dispatch_then_pay_part_then_the_rest_over_real_http(
    server: str, http: httpx.AsyncClient, seller: Tenant
) -> None:
    await set_upi(seller, "seller@okaxis")
    inv, _ = await dispatched(seller, base="1000", partial=True, minimumPartialAmount=100)
    link = inv["paymentLink"]
    assert link.startswith(f"{server}/pay/")

    failed = await pay_in_sandbox(http, link, "300.00", "fail")
    assert "Payment failed" in failed.text and "Try again" in failed.text
    assert payload(await seller.get(f"/api/v0/invoice/{inv['invoiceId']}"))["status"] == "DISPATCHED"

    part = await pay_in_sandbox(http, link, "300.00", "succeed")
    assert "Payment received" in part.text
    assert re.search(r'id="still-due">₹880.00<', part.text)
    shown = payload(await seller.get(f"/api/v0/invoice/{inv['invoiceId']}"))
    assert shown["status"] == "PARTIALLY_PAID"
    assert (money(shown["paidAmount"]), money(shown["balanceAmount"])) == (300, 880)
    assert "am=880.00" in (await http.get(link)).text

    rest = await pay_in_sandbox(http, link, "880.00", "succeed")
    assert re.search(r'id="still-due">₹0.00<', rest.text)
    assert "Pay the rest" not in rest.text
    shown = payload(await seller.get(f"/api/v0/invoice/{inv['invoiceId']}"))
    assert shown["status"] == "PAID"
    assert (money(shown["paidAmount"]), money(shown["balanceAmount"])) == (1180, 0)
    payments = payload(await seller.get(f"/api/v0/invoice/{inv['invoiceId']}/payments"))
    assert [money(p["amount"]) for p in payments] == [300, 880]
    assert "Nothing to pay" in (await http.get(link)).text


async def test_five_concurrent_deliveries_of_one_success_apply_it_once(
    server: str, http: httpx.AsyncClient, seller: Tenant
) -> None:
    inv, token = await dispatched(seller, base="1000", partial=True)
    session = session_of((await checkout(http, token, "590")).headers["location"])

    answers = await asyncio.gather(*(send_callback(http, session) for _ in range(5)))

    assert [a.status_code for a in answers] == [200] * 5
    assert sorted(a.json()["replay"] for a in answers) == [False, True, True, True, True]
    assert {a.json()["status"] for a in answers} == {"SUCCEEDED"}
    shown = payload(await seller.get(f"/api/v0/invoice/{inv['invoiceId']}"))
    assert (money(shown["paidAmount"]), money(shown["balanceAmount"])) == (590, 590)
    assert len(payload(await seller.get(f"/api/v0/invoice/{inv['invoiceId']}/payments"))) == 1
