"""Random histories of everything that moves money, run concurrently in parts, and the books after every step.

Hypothesis draws a history for one seller and two buyers: invoices, credit notes, payments with and without
TDS, payments that leave credit, credit applications, write-offs, reversals, refunds and withdrawals. The
history is cut into parts that run at the same time, each over its own HTTP client, with real commits (so the
database's deferred ledger check runs at every commit). Steps may be refused (a concurrent part took the
balance first, a payment is reversed already): what is checked is that after every step

- every invoice has ``paid + credited + writtenOff + tds + balance = total`` and ``balance >= 0``;
- every invoice's ledger entries sum to its balance (0 once out of the ledger);
- every customer's ledger sums to its invoice balances minus its credit, and its credit is what its payments
  and credit notes still hold;
- no answer is a 500.

The second test takes the check in code out of the path (``CHECK_IN_CODE = False``) and makes the ledger
lose the entries of one movement: the database refuses that commit, the client gets a 500, and the books are
as they were before the step.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dues.db import Database
from dues.ledger import repository as ledger_repository
from dues.ledger import service as ledger_service
from tests.ledger.history import BUYERS, Book, make_book
from tests.ledger.history import broken as _broken
from tests.ledger.history import history as _history
from tests.ledger.history import invoice as _invoice
from tests.ledger.history import run as _run
from tests.support import TenantFactory

_INSERT = ledger_repository.insert


async def _book(live_tenants: TenantFactory) -> Book:
    return await make_book(live_tenants)


_references = iter(range(1, 10**9))


async def _part(book: Book, db: Database, steps: list[tuple[str, int, int, Decimal]]) -> None:
    for step in steps:
        await _run(book, step, f"UTR{next(_references):09d}")
        assert await _broken(db, book.seller.company_id) == {}, step


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=_history, parts=st.integers(1, 3))
async def test_random_histories_keep_the_books(
    history: list[tuple[str, int, int, Decimal]],
    parts: int,
    live_tenants: TenantFactory,
    committed: Database,
) -> None:
    book = await _book(live_tenants)
    for buyer in range(BUYERS):
        await _invoice(book, buyer, buyer)
    await asyncio.gather(*(_part(book, committed, history[k::parts]) for k in range(parts)))
    assert await _broken(committed, book.seller.company_id) == {}
    assert [a for a in book.answers if a[1] >= 500] == []


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=_history, lost=st.integers(0, 100))
async def test_without_the_check_in_code_the_database_refuses_a_lost_entry(
    history: list[tuple[str, int, int, Decimal]],
    lost: int,
    live_tenants: TenantFactory,
    committed: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    book = await _book(live_tenants)
    for buyer in range(BUYERS):
        await _invoice(book, buyer, buyer)
    monkeypatch.setattr(ledger_service, "CHECK_IN_CODE", False)
    insert = _INSERT
    state: dict[str, Any] = {"calls": 0, "step": -1, "lost_at": None}

    async def losing(session: Any, company_id: str, rows: Any) -> None:
        # One movement's entries go missing, as if a code path forgot to post them (a movement with no
        # entry to post, such as withdrawing an invoice that never entered the ledger, has none to lose).
        if rows:
            state["calls"] += 1
        if rows and state["lost_at"] is None and state["calls"] > lost % 4:
            state["lost_at"] = state["step"]
            return
        await insert(session, company_id, rows)

    monkeypatch.setattr(ledger_repository, "insert", losing)
    # The last step is a payment named to no invoice (n = -1), so every history has a movement whose entries
    # can go missing, whatever became of its invoices.
    for k, step in enumerate([*history, ("pay_credit", 0, -1, Decimal("0.5"))]):
        if k == len(history) and state["lost_at"] is None:
            lost = 0  # nothing was lost yet: this payment's entries are
            state["calls"] = 0
        state["step"] = k
        before = len(book.answers)
        await _run(book, step, f"UTR{next(_references):09d}")
        if state["lost_at"] == k:
            assert len(book.answers) > before and book.answers[-1][1] == 500, book.answers[before:]
        assert await _broken(committed, book.seller.company_id) == {}, step
    assert state["lost_at"] is not None
