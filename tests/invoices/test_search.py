"""searchCollectionInvoices (api.md §4): every filter keeps what matches and drops what does not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from dues.db import Database
from dues.kit.timefmt import today_ist
from tests.customers.helpers import assert_error, assert_invalid
from tests.support import Tenant, TenantFactory, gstin_for, with_ledger

SEARCH = "/api/v0/invoice/search"
TODAY = today_ist()


def _day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


async def _invoice(seller: Tenant, customer: str, **fields: Any) -> str:
    body = {"customerId": customer, "dueDate": _day(30), **fields}
    response = await seller.post("/api/v0/invoice", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["payload"]["invoiceId"])


async def _sql(db: Database, statement: str, **params: Any) -> None:
    async with db.sessionmaker() as session:
        await session.execute(text(statement), params)
        await session.commit()


async def _book(seller: Tenant, db: Database) -> dict[str, str]:
    """Four invoices that differ in every filtered field; names i1..i4 and the customers a, b, c."""
    a = (await seller.create_customer(legalName="Alpha Traders", panOrGstin=gstin_for("27", 1)))["customerId"]
    b = (
        await seller.create_customer(
            legalName="Beta Stores", panOrGstin=gstin_for("29", 2), state="Karnataka"
        )
    )["customerId"]
    c = (await seller.create_customer(legalName="Gamma Traders", panOrGstin=gstin_for("27", 3)))["customerId"]
    book = {
        "a": a,
        "b": b,
        "c": c,
        "i1": await _invoice(
            seller,
            a,
            baseAmount=1000,
            cgst=90,
            sgst=90,
            externalId="EXT-1",
            invoiceNumber="N-1",
            collectionMode=["UPI"],
        ),
        "i2": await _invoice(
            seller,
            b,
            baseAmount=500,
            igst=90,
            dueDate=_day(5),
            externalId="EXT-2",
            collectionMode=["CARD", "NETBANKING"],
        ),
        "i3": await _invoice(seller, a, baseAmount=200, invoiceDate=_day(-60), dueDate=_day(-30)),
        "i4": await _invoice(seller, c, baseAmount=300, cgst=27, sgst=27, dueDate=_day(50)),
    }
    await _sql(
        db,
        "UPDATE invoices SET approval_status = 'CHECKER_APPROVAL_PENDING' WHERE invoice_id = :i",
        i=book["i2"],
    )
    await _sql(
        db, "UPDATE invoices SET created_on = '2026-01-15 10:00+05:30' WHERE invoice_id = :i", i=book["i1"]
    )
    await _sql(
        db,
        with_ledger(
            "UPDATE invoices SET status = 'PARTIALLY_PAID', dispatched = true, dispatched_on = :at, "
            "paid_amount = 100, balance_amount = total_amount - 100 WHERE invoice_id = :i"
        ),
        i=book["i3"],
        at=f"{_day(-20)} 10:00+05:30",
    )
    await _sql(db, "UPDATE invoices SET created_via = 'BULK_UPLOAD' WHERE invoice_id = :i", i=book["i4"])
    await _sql(db, "UPDATE customers SET status = 'INACTIVE' WHERE customer_id = :c", c=b)
    await _sql(db, "UPDATE customers SET deleted = true WHERE customer_id = :c", c=c)
    return book


CASES: list[tuple[dict[str, Any], set[str]]] = [
    ({}, {"i1", "i2", "i3", "i4"}),
    ({"approvalStatuses": ["CHECKER_APPROVAL_PENDING"]}, {"i2"}),
    ({"approvalStatuses": ["APPROVER_APPROVED"]}, {"i1", "i3", "i4"}),
    ({"balanceAmountFrom": 150, "balanceAmountTo": 700}, {"i2", "i4"}),
    ({"balanceAmountTo": 100}, {"i3"}),
    ({"baseAmountFrom": 400}, {"i1", "i2"}),
    ({"baseAmountTo": 250}, {"i3"}),
    ({"collectionMode": ["NETBANKING"]}, {"i2"}),
    ({"collectionMode": ["UPI", "CARD"]}, {"i1", "i2"}),
    ({"createdOnTo": "2026-01-15"}, {"i1"}),
    ({"createdOnFrom": "2026-01-16"}, {"i2", "i3", "i4"}),
    ({"createdOnFrom": "", "createdOnTo": "", "dispatchedOnTo": ""}, {"i1", "i2", "i3", "i4"}),
    ({"createdVia": "BULK_UPLOAD"}, {"i4"}),
    ({"createdVia": "API"}, {"i1", "i2", "i3"}),
    ({"customerDeleted": True}, {"i4"}),
    ({"customerDeleted": False}, {"i1", "i2", "i3"}),
    ({"customerIds": ["@b"]}, {"i2"}),
    ({"customerLegalName": "GAMMA"}, {"i4"}),
    ({"customerLegalName": "traders"}, {"i1", "i3", "i4"}),
    ({"customerStatus": "INACTIVE"}, {"i2"}),
    ({"customerStatus": "ACTIVE"}, {"i1", "i3", "i4"}),
    ({"dispatched": True}, {"i3"}),
    ({"dispatched": False}, {"i1", "i2", "i4"}),
    ({"dispatchedOnFrom": "@day-20", "dispatchedOnTo": "@day-20"}, {"i3"}),
    ({"dispatchedOnFrom": "@day-19"}, set()),
    ({"dueDateFrom": "@day20"}, {"i1", "i4"}),
    ({"dueDateTo": "@day10"}, {"i2", "i3"}),
    ({"invoiceIds": ["@i1", "@i4"]}, {"i1", "i4"}),
    ({"invoiceNumber": "N-1"}, {"i1"}),
    ({"externalIds": ["EXT-2", "EXT-9"]}, {"i2"}),
    ({"statuses": ["PARTIALLY_PAID"]}, {"i3"}),
    ({"statuses": ["CREATED"]}, {"i1", "i2", "i4"}),
    ({"overdue": True}, {"i3"}),
    ({"overdue": False}, {"i1", "i2", "i4"}),
]


def _resolve(value: Any, book: dict[str, str]) -> Any:
    if isinstance(value, list):
        return [_resolve(v, book) for v in value]
    if isinstance(value, str) and value.startswith("@day"):
        return _day(int(value[4:]))
    if isinstance(value, str) and value.startswith("@"):
        return book[value[1:]]
    return value


@pytest.mark.parametrize(("filters", "expected"), CASES, ids=[",".join(f) or "none" for f, _ in CASES])
async def test_each_filter_keeps_what_matches_and_drops_the_rest(
    tenant: Tenant, db: Database, filters: dict[str, Any], expected: set[str]
) -> None:
    book = await _book(tenant, db)
    body = {k: _resolve(v, book) for k, v in filters.items()}

    response = await tenant.post(SEARCH, json=body, params={"limit": 100})

    assert response.status_code == 200, response.text
    page = response.json()["payload"]
    names = {key for key, value in book.items() if key.startswith("i")}
    found = {key for key in names if book[key] in {item["invoiceId"] for item in page["items"]}}
    assert found == expected
    assert page["total"] == len(expected)


async def test_pages_are_ordered_and_counted(tenant: Tenant, db: Database) -> None:
    book = await _book(tenant, db)

    response = await tenant.post(
        SEARCH, json={}, params={"limit": 2, "offset": 1, "orderBy": "totalAmount", "direction": "ASC"}
    )

    page = response.json()["payload"]
    # Totals: i3 200.00, i4 354.00, i2 590.00, i1 1180.00.
    assert [item["invoiceId"] for item in page["items"]] == [book["i4"], book["i2"]]
    assert (page["total"], page["offset"], page["limit"]) == (4, 1, 2)
    assert page["items"][0]["customerLegalName"] == "Gamma Traders"


async def test_limits_and_unknown_sort_fields_are_refused(tenant: Tenant) -> None:
    too_many = await tenant.post(SEARCH, json={}, params={"limit": 5001})
    assert_error(too_many, 422, "VALIDATION_ERROR")
    assert_invalid(await tenant.post(SEARCH, json={}, params={"orderBy": "password"}), "orderBy")
    assert_invalid(await tenant.post(SEARCH, json={"createdOnFrom": "24/11/2026"}), "createdOnFrom")


async def test_another_company_finds_none_of_them(
    tenant: Tenant, tenants: TenantFactory, db: Database
) -> None:
    book = await _book(tenant, db)
    other = await tenants.create(name="Other Pvt Ltd")

    response = await other.post(SEARCH, json={"invoiceIds": [book["i1"], book["i2"]]})

    assert response.json()["payload"] == {"items": [], "total": 0, "offset": 0, "limit": 100}


async def _overdue_total(seller: Tenant) -> int:
    response = await seller.post(SEARCH, json={"overdue": True}, params={"limit": 1})
    assert response.status_code == 200, response.text
    return int(response.json()["payload"]["total"])


async def test_the_overdue_total_follows_every_change_of_the_invoices(tenant: Tenant, db: Database) -> None:
    customer = (await tenant.create_customer(legalName="Late Payers", panOrGstin=gstin_for("27", 4)))[
        "customerId"
    ]
    late = [
        await _invoice(tenant, customer, baseAmount=100, invoiceDate=_day(-90), dueDate=_day(-n))
        for n in (1, 1, 10, 40, 60)
    ]
    await _invoice(tenant, customer, baseAmount=100, dueDate=_day(0))  # due today: not overdue yet
    assert await _overdue_total(tenant) == 5

    await _sql(
        db,
        with_ledger(
            "UPDATE invoices SET status = 'PAID', paid_amount = total_amount, balance_amount = 0 "
            "WHERE invoice_id = :i"
        ),
        i=late[0],
    )
    await _sql(db, "UPDATE invoices SET status = 'COLLECTION_DELETED' WHERE invoice_id = :i", i=late[1])
    moved = await tenant.patch(f"/api/v0/invoice/{late[2]}", json={"dueDate": _day(5)})
    assert moved.status_code == 200, moved.text
    await _sql(db, "DELETE FROM invoices WHERE invoice_id = :i", i=late[3])
    assert await _overdue_total(tenant) == 1

    # The counters agree with a count of the invoices themselves, day by day.
    async with db.sessionmaker() as session:
        drift = await session.execute(
            text(
                "SELECT c.due_date, c.open_count, count(i.invoice_id) FROM invoice_open_counts c "
                "LEFT JOIN invoices i ON i.company_id = c.company_id AND i.due_date = c.due_date "
                "AND i.balance_amount > 0 AND i.status <> 'COLLECTION_DELETED' "
                "WHERE c.company_id = :c GROUP BY c.due_date, c.open_count "
                "HAVING c.open_count <> count(i.invoice_id)"
            ),
            {"c": tenant.company_id},
        )
        assert drift.all() == []
