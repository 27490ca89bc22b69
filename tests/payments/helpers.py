"""Invoices to pay and payments to make, through the real HTTP API."""

from __future__ import annotations

from decimal import Decimal
from itertools import count
from typing import Any

import httpx
from sqlalchemy import text

from dues.db import Database
from dues.kit.timefmt import today_ist
from tests.customers.helpers import payload
from tests.support import Tenant

PAYMENTS = "/api/v0/payment"
INVOICES = "/api/v0/invoice"


def money(value: Any) -> Decimal:
    return Decimal(str(value))


def number(value: Decimal) -> int | float:
    """A JSON number for an amount: the client writes it as the shortest text that reads back the same."""
    return int(value) if value == value.to_integral_value() else float(value)


async def customer(seller: Tenant) -> str:
    return str((await seller.create_customer())["customerId"])


async def invoice(
    seller: Tenant, customer_id: str, base: str = "1000", due: str = "2026-12-31", **fields: Any
) -> dict[str, Any]:
    """An intra-state invoice of base + 9% CGST + 9% SGST (1,000 → 1,180)."""
    tax = Decimal(base) * Decimal("0.09")
    body = {
        "customerId": customer_id,
        "invoiceDate": "2026-11-24",
        "dueDate": due,
        "baseAmount": number(Decimal(base)),
        "cgst": number(tax),
        "sgst": number(tax),
        **fields,
    }
    return payload(await seller.post(INVOICES, json=body))  # type: ignore[no-any-return]


# Each payment its own transfer unless a test says otherwise: a UTR is recorded once.
_references = count(1)


def body(
    customer_id: str, amount: Any, allocations: list[tuple[str, Any]] | None = None, **fields: Any
) -> dict[str, Any]:
    made: dict[str, Any] = {
        "mode": "NEFT",
        "amount": amount,
        "reference": f"UTR{next(_references):08d}",
        "paidOn": today_ist().isoformat(),
        "customerId": customer_id,
        **fields,
    }
    if allocations is not None:
        made["allocations"] = [{"invoiceId": i, "amount": a} for i, a in allocations]
    return made


async def pay(
    seller: Tenant,
    customer_id: str,
    amount: Any,
    allocations: list[tuple[str, Any]] | None = None,
    **fields: Any,
) -> httpx.Response:
    return await seller.post(PAYMENTS, json=body(customer_id, amount, allocations, **fields))


async def get_invoice(seller: Tenant, invoice_id: str) -> dict[str, Any]:
    return payload(await seller.get(f"{INVOICES}/{invoice_id}"))  # type: ignore[no-any-return]


async def credit_of(seller: Tenant, customer_id: str) -> Decimal:
    return money(payload(await seller.get(f"/api/v0/customer/{customer_id}"))["creditBalance"])


async def scalar(database: Database, sql: str, **params: Any) -> Any:
    async with database.sessionmaker() as session:
        return (await session.execute(text(sql), params)).scalar_one()


async def column(database: Database, sql: str, **params: Any) -> list[Any]:
    async with database.sessionmaker() as session:
        return list((await session.execute(text(sql), params)).scalars())
