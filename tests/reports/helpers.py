"""Histories for the AR overview's tests, made through the real HTTP API with the dates each test chooses."""

from __future__ import annotations

from decimal import Decimal
from itertools import count
from typing import Any

import httpx

from tests.customers.helpers import payload
from tests.support import Tenant

OVERVIEW = "/api/v0/reports/overview"
TAN = "MUMA12345B"
_references = count(1)


def money(value: Any) -> Decimal:
    return Decimal(str(value))


async def overview(seller: Tenant, **params: str) -> dict[str, Any]:
    answer = await seller.get(OVERVIEW, params=params)
    assert answer.status_code == 200, answer.text
    return payload(answer)  # type: ignore[no-any-return]


async def bill(seller: Tenant, customer_id: str, amount: str, dated: str, due: str) -> str:
    """A bill of supply (the seller has no GSTIN, so the total is the amount) that may be paid in parts."""
    body = {
        "customerId": customer_id,
        "invoiceDate": dated,
        "dueDate": due,
        "baseAmount": amount,
        "partialPaymentAllowed": True,
    }
    return str(payload(await seller.post("/api/v0/invoice", json=body))["invoiceId"])


async def paid(
    seller: Tenant,
    customer_id: str,
    amount: str,
    on: str,
    allocations: list[tuple[str, str]],
    tds: str | None = None,
) -> str:
    """A payment of ``amount`` on the day ``on``; what the allocations leave becomes the customer's credit.
    ``tds`` is deducted on the first allocation's invoice."""
    body: dict[str, Any] = {
        "mode": "NEFT",
        "amount": amount,
        "reference": f"UTROV{next(_references):08d}",
        "paidOn": on,
        "customerId": customer_id,
        "allocations": [{"invoiceId": i, "amount": a} for i, a in allocations],
    }
    if tds is not None:
        body.update(tdsSection="194C", deductorTan=TAN)
        body["allocations"][0]["tdsAmount"] = tds
    return str(payload(await seller.post("/api/v0/payment", json=body))["paymentId"])


async def credit_note(seller: Tenant, customer_id: str, invoice_id: str, amount: str, on: str) -> str:
    body = {
        "customerId": customer_id,
        "noteDate": on,
        "reason": "SALES_RETURN",
        "againstInvoices": [{"invoiceId": invoice_id, "baseAmount": amount}],
    }
    return str(payload(await seller.post("/api/v0/credit-note", json=body))["creditNoteId"])


async def refund(seller: Tenant, customer_id: str, amount: str, on: str) -> httpx.Response:
    body = {"amount": amount, "mode": "NEFT", "reference": f"RFOV{next(_references):08d}", "paidOn": on}
    return await seller.post(f"/api/v0/customer/{customer_id}/refund", json=body)
