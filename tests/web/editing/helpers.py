"""What the editing pages' tests share: signing in, posting the invoice form as a browser would, reading
the result through the API."""

from __future__ import annotations

import re
from typing import Any

from tests.customers.helpers import payload
from tests.support import Tenant
from tests.web.test_shell import sign_in

__all__ = ["form_of_lines", "invoice", "new_invoice", "sign_in"]


def form_of_lines(
    customer_id: str, lines: list[tuple[str, str, str, str, str]], **fields: str
) -> dict[str, str]:
    """The invoice form as posted: (description, HSN/SAC, quantity, rate, GST %) per line."""
    data = {"customerId": customer_id, "invoiceDate": "", "dueDate": "2099-12-31", "op": "create", **fields}
    for i, (description, hsn, quantity, rate, gst_rate) in enumerate(lines):
        data |= {
            f"lineItems[{i}].description": description,
            f"lineItems[{i}].hsnSac": hsn,
            f"lineItems[{i}].quantity": quantity,
            f"lineItems[{i}].unit": "NOS",
            f"lineItems[{i}].unitPrice": rate,
            f"lineItems[{i}].gstRate": gst_rate,
        }
    return data


async def new_invoice(user: Tenant, cookie: dict[str, str], data: dict[str, str]) -> str:
    """Post the form; the id of the invoice it made (the page it lands on names it)."""
    response = await user.http.post("/app/invoices/new", data=data, headers=cookie)
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/app/invoices/(INV[A-Z0-9]{13})", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


async def invoice(user: Tenant, invoice_id: str) -> dict[str, Any]:
    return payload(await user.get(f"/api/v0/invoice/{invoice_id}"))  # type: ignore[no-any-return]
