"""An issued invoice changed by a PATCH keeps the ledger right (api.md §9.4): the request commits (the
database checks the ledger at commit) and the customer's entries still sum to its balances."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import text

from dues.db import Database
from tests.customers.helpers import payload
from tests.support import TenantFactory, gstin_for

INVOICES = "/api/v0/invoice"


async def _agrees(database: Database, customer_id: str) -> tuple[Decimal, Decimal]:
    async with database.sessionmaker() as session:
        entries, owed = (
            await session.execute(
                text(
                    "SELECT (SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE customer_id = :c), "
                    "(SELECT coalesce(sum(balance_amount), 0) FROM invoices "
                    "WHERE customer_id = :c AND posted)"
                ),
                {"c": customer_id},
            )
        ).one()
    assert entries == owed
    return Decimal(entries), Decimal(owed)


async def test_a_patch_of_an_issued_invoices_amount_or_customer_commits_with_its_entries(
    committed: Database, live_tenants: TenantFactory
) -> None:
    seller = await live_tenants.create()
    first = str((await seller.create_customer(panOrGstin=gstin_for("27")))["customerId"])
    second = str((await seller.create_customer(panOrGstin=gstin_for("27")))["customerId"])
    body: dict[str, Any] = {"customerId": first, "baseAmount": 1000, "dueDate": "2099-12-31"}
    invoice_id = payload(await seller.post(INVOICES, json=body))["invoiceId"]

    changed = payload(await seller.patch(f"{INVOICES}/{invoice_id}", json={"baseAmount": 2500}))
    assert changed["balanceAmount"] == 2500.0
    assert await _agrees(committed, first) == (Decimal("2500.00"), Decimal("2500.00"))

    moved = payload(await seller.patch(f"{INVOICES}/{invoice_id}", json={"customerId": second}))
    assert moved["customerId"] == second
    assert await _agrees(committed, first) == (0, 0)
    assert await _agrees(committed, second) == (Decimal("2500.00"), Decimal("2500.00"))
