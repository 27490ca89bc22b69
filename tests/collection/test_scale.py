"""5,000 ids in one dispatch call (api.md §4.1): every id answered, set-based writes. The time is printed,
not asserted (bench/ is where timings are judged); the target is 2 s."""

from __future__ import annotations

import time

from dues.db import Database
from dues.models import Invoice
from tests.collection.helpers import DISPATCH, customer, invoice, sql
from tests.customers.helpers import payload
from tests.support import Tenant

N = 5000


async def _copies(db: Database, template: str, n: int) -> list[str]:
    """``n`` invoices like the template, written straight to the table (creating them is not under test)."""
    made = {
        "invoice_id": "'INV' || lpad(CAST(g AS text), 13, '0')",
        "invoice_number": "'S-' || CAST(g AS text)",
        "external_id": "NULL",
    }
    columns = [c.name for c in Invoice.__table__.columns]
    values = ", ".join(made.get(c, f"t.{c}") for c in columns)
    await sql(
        db,
        f"INSERT INTO invoices ({', '.join(columns)}) SELECT {values} "  # noqa: S608
        "FROM invoices t, generate_series(1, :n) g WHERE t.invoice_id = :t",
        n=n,
        t=template,
    )
    return [f"INV{g:013d}" for g in range(1, n + 1)]


async def test_5000_ids_in_one_call(tenant: Tenant, db: Database) -> None:
    buyer = await customer(tenant, email="ap@buyer.example", contactNumber="9000000001")
    ids = await _copies(db, (await invoice(tenant, buyer))["invoiceId"], N)

    # A database in service has statistics; this one was made a moment ago. Without them a connection that
    # planned the messages' foreign-key check on a near-empty invoices table keeps a sequential scan.
    await sql(db, "ANALYZE invoices")
    started = time.perf_counter()
    response = await tenant.post(DISPATCH, json={"invoiceIds": ids, "partialPaymentAllowed": True})
    elapsed = time.perf_counter() - started

    print(f"\ndispatch of {N} ids: {elapsed:.2f} s")
    answer = payload(response)
    assert len(answer) == N and all(line["success"] for line in answer)
    [(messages, dispatched)] = await sql(
        db,
        "SELECT (SELECT count(*) FROM messages WHERE company_id = :c),"
        " (SELECT count(*) FROM invoices WHERE company_id = :c AND status = 'DISPATCHED')",
        c=tenant.company_id,
    )
    assert (messages, dispatched) == (2 * N, N)
