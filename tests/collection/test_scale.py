"""5,000 ids in one dispatch call (api.md §4.1): every id answered, set-based writes. The time is printed,
not asserted (bench/ is where timings are judged); the target is 2 s."""

from __future__ import annotations

import time

from dues.db import Database
from tests.collection.helpers import DISPATCH, copies, customer, invoice, sql
from tests.customers.helpers import payload
from tests.support import Tenant

N = 5000


async def test_5000_ids_in_one_call(tenant: Tenant, db: Database) -> None:
    buyer = await customer(tenant, email="ap@buyer.example", contactNumber="9000000001")
    ids = await copies(db, (await invoice(tenant, buyer))["invoiceId"], N)

    # A database in service has statistics; this one was made a moment ago. Without them a connection that
    # planned the messages' foreign-key check on a near-empty invoices table keeps a sequential scan.
    await sql(db, "ANALYZE invoices")
    started = time.perf_counter()
    response = await tenant.post(DISPATCH, json={"invoiceIds": ids, "partialPaymentAllowed": True})
    elapsed = time.perf_counter() - started

    print(f"\ndispatch of {N} ids: {elapsed:.2f} s")
    answer = payload(response)
    assert len(answer["results"]) == N and all(line["success"] for line in answer["results"])
    assert answer["apiSubErrors"] == [] and answer["errorMessage"] is None
    [(messages, dispatched)] = await sql(
        db,
        "SELECT (SELECT count(*) FROM messages WHERE company_id = :c),"
        " (SELECT count(*) FROM invoices WHERE company_id = :c AND status = 'DISPATCHED')",
        c=tenant.company_id,
    )
    assert (messages, dispatched) == (2 * N, N)
