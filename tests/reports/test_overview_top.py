"""The most overdue customers as of today are first looked for among the customers owing the most in all
(reports.overview.repository._top_by_open_sum), and taken from there only when that provably is the answer;
otherwise every overdue invoice is grouped. Both ways must give what grouping everything gives."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dues.db import Database
from dues.kit.timefmt import today_ist
from dues.reports.overview import repository
from tests.reports.helpers import bill
from tests.support import Tenant, TenantFactory


async def _customers(seller: Tenant, owed: list[tuple[str, str, int]]) -> dict[str, str]:
    """One customer per (name, amount, days past due; negative: not due yet), billed that amount."""
    today = today_ist()
    made = {}
    for name, amount, late in owed:
        customer_id = str((await seller.create_customer(legalName=name))["customerId"])
        due = today - timedelta(days=late)
        await bill(seller, customer_id, amount, str(min(due, today) - timedelta(days=30)), str(due))
        made[customer_id] = name
    return made


async def _both(db: Database, seller: Tenant, limit: int) -> tuple[list[str], list[str], bool]:
    today = today_ist()
    async with db.sessionmaker() as session:
        proven = await repository._top_by_open_sum(session, seller.company_id, today, limit)
        rows = await session.execute(
            repository.OPEN_NOW, {"company_id": seller.company_id, "as_of": today, "limit": limit}
        )
        grouped = [f"{r[1]} {r[2]:.2f}" for r in rows]
        answer = await repository.top_overdue(session, seller.company_id, today, 0, 1, limit)
    shown = [f"{r.customer_name} {r.overdue:.2f}" for r in answer]
    return shown, grouped, proven is not None


@pytest.fixture
def few_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    # Three candidates for a top 2, so that a handful of customers can put the proof to the test.
    monkeypatch.setattr(repository, "_CANDIDATES_PER_PLACE", 1)


async def test_taken_from_those_owing_most_when_proven(
    db: Database, tenants: TenantFactory, few_candidates: None
) -> None:
    seller = await tenants.create("Top Traders", registered=False)
    await _customers(
        seller, [("Asha", "1000", 10), ("Bharat", "900", 5), ("Chetan", "100", 3), ("Divya", "50", 2)]
    )
    shown, grouped, proven = await _both(db, seller, 2)
    assert proven
    assert shown == grouped == ["Asha 1000.00", "Bharat 900.00"]


async def test_grouped_in_full_when_a_big_debtor_is_not_yet_due(
    db: Database, tenants: TenantFactory, few_candidates: None
) -> None:
    seller = await tenants.create("Top Traders", registered=False)
    # The two owing most are not due yet: the candidates hold only one overdue customer, and Divya, who owes
    # least in all, is second past due.
    await _customers(
        seller, [("Asha", "1000", -5), ("Bharat", "900", 5), ("Chetan", "800", -3), ("Divya", "700", 2)]
    )
    shown, grouped, proven = await _both(db, seller, 2)
    assert not proven
    assert shown == grouped == ["Bharat 900.00", "Divya 700.00"]


async def test_grouped_in_full_when_an_outsider_could_tie(
    db: Database, tenants: TenantFactory, few_candidates: None
) -> None:
    seller = await tenants.create("Top Traders", registered=False)
    # The last candidate owes as much in all as the second past due: an outsider owing that much could tie.
    await _customers(
        seller, [("Asha", "1000", 9), ("Bharat", "300", 5), ("Chetan", "300", -3), ("Divya", "300", 2)]
    )
    shown, grouped, proven = await _both(db, seller, 2)
    assert not proven
    assert shown == grouped
