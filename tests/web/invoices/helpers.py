"""Making invoices through the API and reading the invoice pages as a signed-in person would."""

from __future__ import annotations

import re
from itertools import count
from typing import Any

from tests.collection.helpers import customer, invoice
from tests.customers.helpers import payload
from tests.support import Tenant, TenantFactory
from tests.web.test_shell import sign_in

_n = count(1)

__all__ = [
    "Seller",
    "customer",
    "invoice",
    "invoice_numbers",
    "make_seller",
    "payload",
    "set_chain",
    "sign_in",
]


class Seller:
    """A company with its ADMIN (``admin``), a customer and a signed-in page cookie per user."""

    def __init__(self, admin: Tenant, customer_id: str, cookie: dict[str, str]) -> None:
        self.admin = admin
        self.customer_id = customer_id
        self.cookie = cookie

    async def page(self, path: str, cookie: dict[str, str] | None = None, **kw: Any) -> Any:
        return await self.admin.http.get(path, headers=cookie or self.cookie, **kw)

    async def post_form(self, path: str, data: dict[str, Any], cookie: dict[str, str] | None = None) -> Any:
        return await self.admin.http.post(path, data=data, headers=cookie or self.cookie)

    async def follow(self, response: Any, cookie: dict[str, str] | None = None) -> Any:
        """The page a post redirected to, with the one-time message it left (the flash cookie)."""
        assert response.status_code == 303, response.text
        jar = (cookie or self.cookie)["Cookie"]
        flash = re.search(r"dues_flash=([^;]+);", response.headers.get("set-cookie", ""))
        if flash:
            jar += f"; dues_flash={flash.group(1)}"
        return await self.admin.http.get(response.headers["location"], headers={"Cookie": jar})

    async def api_invoice(self, invoice_id: str) -> dict[str, Any]:
        return payload(await self.admin.get(f"/api/v0/invoice/{invoice_id}"))  # type: ignore[no-any-return]


async def make_seller(tenants: TenantFactory, name: str = "Lakshmi Steel Pvt Ltd") -> Seller:
    admin = await tenants.create(name=name)
    customer_id = await customer(admin, legalName=f"Buyer {next(_n)} Pvt Ltd")
    return Seller(admin, customer_id, await sign_in(admin))


async def set_chain(seller: Tenant, chain: str) -> None:
    response = await seller.patch("/api/v0/company", json={"approvalChain": chain})
    assert response.status_code == 200, response.text


def invoice_numbers(html: str) -> list[str]:
    """The invoice numbers the list shows, in order."""
    return re.findall(r'<a href="/app/invoices/INV[A-Z0-9]{13}">([^<]+)</a>', html)
