"""Invoices to credit and credit notes to make, through the real HTTP API."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import text

from dues.db import Database
from dues.kit.timefmt import today_ist
from tests.customers.helpers import payload
from tests.support import Tenant, gstin_for

NOTES = "/api/v0/credit-note"
INVOICES = "/api/v0/invoice"

# Dated a week back (and due a month on) so that every test's notes, dated today, fall after their invoices
# and well inside s.34(2)'s limit whatever day the suite runs.
INVOICE_DATE = today_ist() - timedelta(days=7)
DUE_DATE = today_ist() + timedelta(days=30)


def money(value: Any) -> Decimal:
    return Decimal(str(value))


async def customer(seller: Tenant, state: str = "Maharashtra", **fields: Any) -> str:
    """A customer in ``state`` (the seller's is Maharashtra: same state means CGST + SGST)."""
    code = {"Maharashtra": "27", "Karnataka": "29"}[state]
    created = await seller.create_customer(state=state, panOrGstin=gstin_for(code), **fields)
    return str(created["customerId"])


async def invoice(
    seller: Tenant, customer_id: str, base: str = "1000", rate: str = "18", **fields: Any
) -> dict[str, Any]:
    """An invoice of ``base`` at ``rate`` % GST, split as the customer's state asks (1,000 → 1,180)."""
    tax = Decimal(base) * Decimal(rate) / 100
    body: dict[str, Any] = {
        "customerId": customer_id,
        "invoiceDate": INVOICE_DATE.isoformat(),
        "dueDate": DUE_DATE.isoformat(),
        "baseAmount": base,
        **fields,
    }
    if "lineItems" not in fields and "cgst" not in fields and "igst" not in fields:
        inter = (await seller.get(f"/api/v0/customer/{customer_id}")).json()["payload"][
            "state"
        ] != "Maharashtra"
        body.update({"igst": str(tax)} if inter else {"cgst": str(tax / 2), "sgst": str(tax / 2)})
    return payload(await seller.post(INVOICES, json=body))  # type: ignore[no-any-return]


def part(invoice_id: str, base: Any = None, **fields: Any) -> dict[str, Any]:
    made: dict[str, Any] = {"invoiceId": invoice_id, **fields}
    if base is not None:
        made["baseAmount"] = base
    return made


async def make(
    seller: Tenant,
    customer_id: str,
    parts: list[dict[str, Any]],
    reason: str = "SALES_RETURN",
    **fields: Any,
) -> httpx.Response:
    body = {"customerId": customer_id, "reason": reason, "againstInvoices": parts, **fields}
    return await seller.post(NOTES, json=body)


async def note(
    seller: Tenant, customer_id: str, parts: list[dict[str, Any]], **fields: Any
) -> dict[str, Any]:
    return payload(await make(seller, customer_id, parts, **fields))  # type: ignore[no-any-return]


async def get_invoice(seller: Tenant, invoice_id: str) -> dict[str, Any]:
    return payload(await seller.get(f"{INVOICES}/{invoice_id}"))  # type: ignore[no-any-return]


async def credit_of(seller: Tenant, customer_id: str) -> Decimal:
    return money(payload(await seller.get(f"/api/v0/customer/{customer_id}"))["creditBalance"])


async def rows(database: Database, sql: str, **params: Any) -> list[Any]:
    async with database.sessionmaker() as session:
        return list((await session.execute(text(sql), params)).all())


async def ledger_agrees(database: Database, customer_id: str) -> Decimal:
    """The customer's creditBalance, after checking it is what its payments and issued notes hold, and that
    its ledger entries sum to its posted invoices' balances less that credit (api.md §9.4)."""
    [(credit, held, entries, owed)] = await rows(
        database,
        "SELECT c.credit_balance, "
        "(SELECT coalesce(sum(unallocated_amount), 0) FROM payments WHERE customer_id = :c) + "
        "(SELECT coalesce(sum(unapplied_amount), 0) FROM credit_notes WHERE customer_id = :c AND status = "
        "'ISSUED'), "
        "(SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE customer_id = :c), "
        "(SELECT coalesce(sum(balance_amount), 0) FROM invoices WHERE customer_id = :c AND posted) "
        "FROM customers c WHERE c.customer_id = :c",
        c=customer_id,
    )
    assert credit == held
    assert entries == owed - credit
    return Decimal(credit)
