"""Write-offs, reversals and refunds through the real HTTP API, and what the ledger says of them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from dues.db import Database
from tests.collection.helpers import sql
from tests.support import Tenant


def write_off_path(invoice_id: str) -> str:
    return f"/api/v0/invoice/{invoice_id}/write-off"


def reverse_path(payment_id: str) -> str:
    return f"/api/v0/payment/{payment_id}/reverse"


def refund_path(customer_id: str) -> str:
    return f"/api/v0/customer/{customer_id}/refund"


async def write_off(
    seller: Tenant, invoice_id: str, amount: Any, reason: str = "not worth chasing"
) -> httpx.Response:
    return await seller.post(write_off_path(invoice_id), json={"amount": amount, "reason": reason})


async def reverse(
    seller: Tenant, payment_id: str, reason: str = "CHEQUE_BOUNCED", **fields: Any
) -> httpx.Response:
    return await seller.post(reverse_path(payment_id), json={"reason": reason, **fields})


async def entries(database: Database, customer_id: str) -> list[tuple[str, str | None, Decimal, str]]:
    """(type, invoice or None, amount, document) of the customer's ledger entries, oldest first."""
    rows = await sql(
        database,
        "SELECT entry_type, invoice_id, amount, document_id FROM ledger_entries WHERE customer_id = :c "
        "ORDER BY entry_id",
        c=customer_id,
    )
    return [(r[0], r[1], Decimal(r[2]), r[3]) for r in rows]


async def in_balance(database: Database, customer_id: str) -> bool:
    """api.md §9.4 for the customer, recomputed from the rows: entries = open invoice balances - credit."""
    [[entries_sum, open_sum, credit]] = await sql(
        database,
        "SELECT (SELECT COALESCE(sum(amount), 0) FROM ledger_entries WHERE customer_id = :c), "
        "(SELECT COALESCE(sum(balance_amount), 0) FROM invoices WHERE customer_id = :c AND posted), "
        "(SELECT credit_balance FROM customers WHERE customer_id = :c)",
        c=customer_id,
    )
    return bool(Decimal(entries_sum) == Decimal(open_sum) - Decimal(credit))
