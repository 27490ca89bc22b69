"""msmeDueDate and msmeInterest on the invoice answers (api.md §10): a micro or small seller's issued
invoices carry them, as of today (IST), in getInvoice, search, create and approval answers; a page of any size
costs two queries; anything else carries nulls."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from dues.db import Database
from dues.kit.timefmt import today_ist
from dues.msme.interest import accrue, statutory_due_date
from dues.msme.service import interest_for
from tests.customers.helpers import payload
from tests.msme.helpers import INVOICES, bank_rates, bill, msme_seller
from tests.support import TenantFactory

TODAY = today_ist()


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements sent to the database meanwhile (the test harness's savepoints apart)."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_a_search_page_shows_each_invoices_interest_for_two_queries(
    db: Database, tenants: TenantFactory
) -> None:
    seller = await msme_seller(tenants, "MICRO")
    buyer = (await seller.create_customer())["customerId"]
    # Late by 100 days (agreed 30 days), by the 45-day cap (agreed 90 days), and not yet due.
    dated = [
        (TODAY - timedelta(days=130), TODAY - timedelta(days=100), "25000.00"),
        (TODAY - timedelta(days=80), TODAY - timedelta(days=-10), "1234.56"),
        (TODAY - timedelta(days=5), TODAY + timedelta(days=25), "999.99"),
    ]
    made = [await bill(seller, buyer, *d) for d in dated]
    debit_dates = (TODAY - timedelta(days=90), TODAY - timedelta(days=60), "500.00")
    debit = payload(
        await seller.post(
            INVOICES,
            json={
                "customerId": buyer,
                "documentType": "DEBIT_NOTE",
                "originalInvoiceIds": [made[0]["invoiceId"]],
                "invoiceDate": debit_dates[0].isoformat(),
                "dueDate": debit_dates[1].isoformat(),
                "baseAmount": debit_dates[2],
            },
        )
    )
    documents = [*zip(made, dated, strict=True), (debit, debit_dates)]
    ids = [m["invoiceId"] for m, _ in documents]

    page = payload(await seller.post(f"{INVOICES}/search", json={"invoiceIds": ids}))
    async with db.sessionmaker() as session:
        with statements(db.engine) as seen:
            found = await interest_for(session, seller.company_id, ids, TODAY)

    rates = await bank_rates(seller)
    expected = {}
    for m, (invoice_date, due_date, amount) in documents:
        due = statutory_due_date(invoice_date, due_date)
        expected[m["invoiceId"]] = (
            due.isoformat(),
            accrue(due, [(invoice_date, Decimal(amount))], rates, TODAY),
        )
    shown = {i["invoiceId"]: (i["msmeDueDate"], Decimal(str(i["msmeInterest"]))) for i in page["items"]}
    assert shown == {k: (due, owed.interest) for k, (due, owed) in expected.items()}
    assert shown[made[1]["invoiceId"]][0] == (dated[1][0] + timedelta(days=45)).isoformat()
    assert shown[made[0]["invoiceId"]][1] > 0 and shown[made[2]["invoiceId"]][1] == 0
    assert {k: v.interest for k, v in found.items()} == {k: o.interest for k, (_, o) in expected.items()}
    assert len(seen) == 2, seen


async def test_other_sellers_and_invoices_not_issued_show_nulls(db: Database, tenants: TenantFactory) -> None:
    medium = await msme_seller(tenants, "MEDIUM")
    buyer = (await medium.create_customer())["customerId"]
    late = await bill(medium, buyer, TODAY - timedelta(days=100), TODAY - timedelta(days=70), "1000.00")
    small = await msme_seller(tenants, "SMALL")
    payload(await small.patch("/api/v0/company", json={"approvalChain": "MAKER_CHECKER"}))
    checker = await tenants.user(small, "CHECKER")
    small_buyer = (await small.create_customer())["customerId"]
    pending = await bill(
        small, small_buyer, TODAY - timedelta(days=100), TODAY - timedelta(days=70), "1000.00"
    )

    page = payload(await medium.post(f"{INVOICES}/search", json={}))
    async with db.sessionmaker() as session:
        with statements(db.engine) as seen:
            for_medium = await interest_for(session, medium.company_id, [late["invoiceId"]], TODAY)
        # Another company's invoice is not this one's to reckon.
        across = await interest_for(session, small.company_id, [late["invoiceId"]], TODAY)
        not_issued = await interest_for(session, small.company_id, [pending["invoiceId"]], TODAY)

    assert [(i["msmeDueDate"], i["msmeInterest"]) for i in page["items"]] == [(None, None)]
    assert (for_medium, across, not_issued) == ({}, {}, {})
    assert len(seen) == 1, seen
    assert (pending["approvalStatus"], pending["msmeDueDate"], pending["msmeInterest"]) == (
        "CHECKER_APPROVAL_PENDING",
        None,
        None,
    )
    # Approved, it is issued and owed since its date: the approval's answer shows the interest.
    approved = payload(
        await checker.post(f"{INVOICES}/{pending['invoiceId']}/approval", json={"action": "APPROVE"})
    )
    read = payload(await small.get(f"{INVOICES}/{pending['invoiceId']}"))
    assert approved["msmeDueDate"] == read["msmeDueDate"] == (TODAY - timedelta(days=70)).isoformat()
    assert approved["msmeInterest"] == read["msmeInterest"] and Decimal(str(read["msmeInterest"])) > 0


async def test_the_create_answer_of_a_small_seller_agrees_with_get(tenants: TenantFactory) -> None:
    seller = await msme_seller(tenants, "SMALL")
    buyer = (await seller.create_customer())["customerId"]

    made = await bill(seller, buyer, TODAY - timedelta(days=60), TODAY - timedelta(days=40), "777.77")
    read = payload(await seller.get(f"{INVOICES}/{made['invoiceId']}"))

    assert made["msmeDueDate"] == read["msmeDueDate"] == (TODAY - timedelta(days=40)).isoformat()
    assert made["msmeInterest"] == read["msmeInterest"]
    due = TODAY - timedelta(days=40)
    expected = accrue(due, [(TODAY - timedelta(days=60), Decimal("777.77"))], await bank_rates(seller), TODAY)
    assert Decimal(str(read["msmeInterest"])) == expected.interest > 0


async def test_the_fields_come_after_enkashs_and_are_described(tenants: TenantFactory) -> None:
    """Additive only: an EnKash client that reads the fields it knows finds them unchanged."""
    seller = await msme_seller(tenants, None)
    buyer = (await seller.create_customer())["customerId"]
    made = await bill(seller, buyer, date(2026, 1, 1), date(2026, 1, 31), "100.00")

    keys = list(made)

    assert keys[-2:] == ["msmeDueDate", "msmeInterest"]
    assert {"invoiceId", "dueDate", "balanceAmount", "status", "approvalStatus"} <= set(keys)
