"""Helpers of the aging tests: documents dated days before today, and the report through the real API."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from dues.kit.timefmt import today_ist
from tests.customers.helpers import payload
from tests.payments.helpers import invoice, pay
from tests.support import Tenant

AGING = "/api/v0/reports/aging"


def day(offset: int) -> date:
    """Today (IST) plus ``offset`` days."""
    return today_ist() + timedelta(days=offset)


async def dated_invoice(seller: Tenant, customer_id: str, base: str, dated: int, due: int) -> dict[str, Any]:
    """An invoice of base + 18% GST dated ``dated`` days from today and due ``due`` days from today."""
    return await invoice(
        seller,
        customer_id,
        base=base,
        due=day(due).isoformat(),
        invoiceDate=day(dated).isoformat(),
        partialPaymentAllowed=True,
    )


async def dated_payment(
    seller: Tenant, customer_id: str, amount: str, paid: int, *on: tuple[str, str]
) -> dict[str, Any]:
    """A payment received ``paid`` days from today, allocated as ``on`` says ((invoice id, amount) pairs);
    what they leave is the customer's credit (with no pair, dues allocates it to the oldest invoices)."""
    answer = await pay(seller, customer_id, amount, list(on) or None, paidOn=day(paid).isoformat())
    return payload(answer)  # type: ignore[no-any-return]


async def aging(seller: Tenant, **params: Any) -> httpx.Response:
    return await seller.get(AGING, params={k: v for k, v in params.items() if v is not None})


async def report(seller: Tenant, **params: Any) -> dict[str, Any]:
    """The report's payload, its amounts read as exact decimals (not through floats)."""
    answer = await aging(seller, **params)
    payload(answer)
    return json.loads(answer.text, parse_float=Decimal)["payload"]  # type: ignore[no-any-return]


def amounts(row: dict[str, Any]) -> dict[str, Decimal]:
    """A row's (or the totals') amounts by name."""
    return {k: Decimal(v) for k, v in row.items() if k not in ("customerId", "customerName")}


def money(*values: str) -> list[Decimal]:
    return [Decimal(v) for v in values]
