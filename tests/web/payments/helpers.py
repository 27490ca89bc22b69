"""A customer who deducts TDS and its open invoices, made through the real API, for the payments pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from tests.customers.helpers import payload
from tests.payments.helpers import invoice
from tests.support import Tenant

TAN = "MUMA12345B"


@dataclass(frozen=True)
class Scene:
    """A customer deducting TDS u/s 194J at 2 % and three open invoices of base + 18 % GST, by due date:
    ``older`` 10,000 (11,800; TDS 200, so 11,600 to pay), ``newer`` 5,000 (5,900; TDS 100, 5,800 to pay),
    ``newest`` 1,000 (1,180; TDS 20, 1,160 to pay). None allows a part-payment."""

    customer_id: str
    older: dict[str, Any]
    newer: dict[str, Any]
    newest: dict[str, Any]

    @property
    def invoices(self) -> list[dict[str, Any]]:
        return [self.older, self.newer, self.newest]


async def scene(seller: Tenant) -> Scene:
    made = await seller.create_customer(legalName="Vayu Logistics Pvt Ltd", tdsSection="194J", tdsRate=2)
    customer_id = made["customerId"]
    # Made out of due-date order, so the page's order is the due dates', not creation's.
    newer = await invoice(seller, customer_id, base="5000", due="2026-12-20")
    older = await invoice(seller, customer_id, base="10000", due="2026-12-10")
    newest = await invoice(seller, customer_id, base="1000", due="2026-12-31")
    return Scene(customer_id, older, newer, newest)


async def invoice_now(seller: Tenant, invoice_id: str) -> dict[str, Any]:
    return payload(await seller.get(f"/api/v0/invoice/{invoice_id}"))  # type: ignore[no-any-return]


def input_value(html: str, name: str) -> str:
    """The value an <input name=...> of the page carries."""
    found = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', html, re.S)
    assert found, f"no input {name}"
    return found.group(1)


def payment_id_of(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/app/payments/(PAY[A-Z0-9]{13})", response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


async def follow(http: httpx.AsyncClient, response: httpx.Response, cookie: dict[str, str]) -> httpx.Response:
    """The page a post redirected to, as a browser loads it: with the one-time flash cookie it was given."""
    assert response.status_code == 303, response.text
    flash = re.search(r"(dues_flash=[^;]*);", response.headers.get("set-cookie", ""))
    headers = {"Cookie": cookie["Cookie"] + (f"; {flash.group(1)}" if flash else "")}
    page = await http.get(response.headers["location"], headers=headers)
    http.cookies.clear()
    return page
