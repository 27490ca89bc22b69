"""A customer with issued invoices and a portal link, made through the API and the app's link page."""

from __future__ import annotations

import re
from typing import Any

from tests.customers.helpers import payload
from tests.payments.helpers import customer, invoice
from tests.support import Tenant
from tests.web.test_shell import sign_in

DISPATCH = "/api/v0/invoice/bulk/dispatch"


async def issued(seller: Tenant, customer_id: str, base: str = "1000", **fields: Any) -> dict[str, Any]:
    """A new invoice of base + 18 % GST for the customer, dispatched; as the API shows it afterwards."""
    made = await invoice(seller, customer_id, base=base, **fields)
    response = await seller.post(DISPATCH, json={"invoiceIds": [made["invoiceId"]]})
    assert payload(response)["results"] == [{"invoiceId": made["invoiceId"], "success": True}], response.text
    return payload(await seller.get(f"/api/v0/invoice/{made['invoiceId']}"))  # type: ignore[no-any-return]


async def portal_link(seller: Tenant, customer_id: str) -> str:
    """Create the customer's link on the app's page, as a finance user does; the portal's path."""
    cookie = await sign_in(seller)
    made = await seller.http.post(f"/app/customers/{customer_id}/portal/create", headers=cookie)
    assert made.status_code == 303, made.text
    page = await seller.http.get(f"/app/customers/{customer_id}/portal", headers=cookie)
    assert page.status_code == 200, page.text
    match = re.search(r'id="portal-url" type="text" readonly value="[^"]*?(/portal/[^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


async def customer_with_invoices(seller: Tenant, *bases: str) -> tuple[str, list[dict[str, Any]], str]:
    """A customer with issued invoices of these bases and a live portal link: (customerId, invoices, path)."""
    buyer = await customer(seller)
    made = [await issued(seller, buyer, base) for base in bases]
    return buyer, made, await portal_link(seller, buyer)
