"""Invoices dispatched for collection, and the payment page's links, through the real HTTP API."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from dues.pay.gateway import SIGNATURE_HEADER, callback_body, open_session, sign
from tests.customers.helpers import payload
from tests.payments.helpers import customer, invoice
from tests.support import Tenant

DISPATCH = "/api/v0/invoice/bulk/dispatch"


async def set_upi(seller: Tenant, vpa: str | None, payee: str | None = None) -> None:
    response = await seller.patch("/api/v0/company", json={"upiVpa": vpa, "upiPayeeName": payee})
    assert response.status_code == 200, response.text


async def dispatched(
    seller: Tenant, base: str = "1000", partial: bool = False, **fields: Any
) -> tuple[dict[str, Any], str]:
    """A new invoice of base + 18% GST, dispatched (with partialPaymentAllowed as given): the invoice as the
    API shows it afterwards, and the token of its payment link."""
    buyer = await customer(seller)
    inv = await invoice(seller, buyer, base=base, **fields)
    response = await seller.post(
        DISPATCH, json={"invoiceIds": [inv["invoiceId"]], "partialPaymentAllowed": partial}
    )
    assert payload(response)["results"] == [{"invoiceId": inv["invoiceId"], "success": True}], response.text
    shown = payload(await seller.get(f"/api/v0/invoice/{inv['invoiceId']}"))
    return shown, token_of(shown["paymentLink"])


def token_of(link: str) -> str:
    match = re.fullmatch(r".*/pay/([A-Za-z0-9_-]+)", link)
    assert match, link
    return match.group(1)


def money(value: Any) -> Decimal:
    return Decimal(str(value))


def session_of(location: str) -> dict[str, str]:
    """The sandbox checkout session a checkout redirect carries."""
    sealed = parse_qs(urlsplit(location).query)["session"][0]
    fields = open_session(sealed)
    assert fields is not None
    return fields


async def checkout(http: httpx.AsyncClient, token: str, amount: str) -> httpx.Response:
    return await http.post(f"/pay/{token}/checkout", data={"amount": amount})


async def send_callback(
    http: httpx.AsyncClient, session: dict[str, str], succeeded: bool = True, signature: str | None = None
) -> httpx.Response:
    """What the sandbox sends when the payer chooses, posted straight to the callback endpoint."""
    body = callback_body(session, succeeded, None if succeeded else "declined in test")
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature or sign(body)}
    return await http.post("/pay/callback/sandbox", content=body, headers=headers)


async def pay_in_sandbox(http: httpx.AsyncClient, link: str, amount: str, choice: str) -> httpx.Response:
    """A payer's clicks, each a real request: the page, the checkout form, the sandbox's choice."""
    _, receipt = await pay_in_sandbox_session(http, link, amount, choice)
    return receipt


async def pay_in_sandbox_session(
    http: httpx.AsyncClient, link: str, amount: str, choice: str
) -> tuple[dict[str, str], httpx.Response]:
    """pay_in_sandbox, also answering the checkout session the payer went through (to replay its callback)."""
    page = await http.get(link)
    assert page.status_code == 200
    form = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert form
    started = await http.post(form.group(1), data={"amount": amount})
    assert started.status_code == 303
    sandbox = await http.get(started.headers["location"])
    assert "TEST MODE — sandbox gateway, no money moves" in sandbox.text
    sealed = re.search(r'name="session" value="([^"]+)"', sandbox.text)
    assert sealed
    chosen = await http.post("/pay/sandbox/complete", data={"session": sealed.group(1), "outcome": choice})
    assert chosen.status_code == 303
    receipt = await http.get(chosen.headers["location"])
    assert receipt.status_code == 200
    return session_of(started.headers["location"]), receipt
