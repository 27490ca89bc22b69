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
from sqlalchemy import text

from dues.db import Database
from dues.kit.timefmt import today_ist
from dues.ledger import repository as ledger_repository
from dues.ledger import service as ledger_service
from tests.support import Tenant, TenantFactory

INVOICE = "/api/v0/invoice"
_INSERT = ledger_repository.insert
BUYERS = 2

# A step is (kind, buyer, a, b): a and b pick an invoice or payment and a share of an amount.
_share = st.sampled_from([Decimal("0.1"), Decimal("0.25"), Decimal("0.5"), Decimal("1"), Decimal("1.3")])
_step = st.tuples(
    st.sampled_from(
        [
            "invoice",
            "invoice",
            "pay",
            "pay",
            "pay_tds",
            "pay_credit",
            "pay_credit",
            "apply_credit",
            "credit_note",
            "write_off",
            "reverse",
            "reverse",
            "refund",
            "refund",
            "withdraw",
        ]
    ),
    st.integers(0, BUYERS - 1),
    st.integers(0, 50),
    _share,
)
_history = st.lists(_step, min_size=4, max_size=14)


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


class Book:
    """The ids a history made, shared by its parts."""

    def __init__(self, seller: Tenant, approver: Tenant, buyers: list[str]) -> None:
        self.seller = seller
        self.approver = approver
        self.buyers = buyers
        self.invoices: dict[int, list[str]] = {b: [] for b in range(len(buyers))}
        self.payments: dict[int, list[str]] = {b: [] for b in range(len(buyers))}
        self.answers: list[tuple[str, int]] = []


async def _invoice(book: Book, buyer: int, n: int) -> None:
    base = Decimal(1000 + 37 * n)
    tax = (base * Decimal("0.09")).quantize(Decimal("0.01"))
    body = {
        "customerId": book.buyers[buyer],
        "invoiceDate": today_ist().isoformat(),
        "dueDate": today_ist().isoformat(),
        "baseAmount": str(base),
        "cgst": str(tax),
        "sgst": str(tax),
        "partialPaymentAllowed": True,
    }
    answer = await book.seller.post(INVOICE, json=body)
    book.answers.append(("invoice", answer.status_code))
    if answer.status_code == 200:
        book.invoices[buyer].append(answer.json()["payload"]["invoiceId"])


async def _state(book: Book, invoice_id: str) -> dict[str, Any]:
    return (await book.seller.get(f"{INVOICE}/{invoice_id}")).json()["payload"]  # type: ignore[no-any-return]


async def _pick(items: list[str], n: int) -> str | None:
    return items[n % len(items)] if items else None


async def _run(book: Book, step: tuple[str, int, int, Decimal], reference: str) -> None:
    kind, buyer, n, share = step
    customer_id = book.buyers[buyer]
    invoice_id = await _pick(book.invoices[buyer], n) if n >= 0 else None
    if kind == "invoice" or (invoice_id is None and kind in ("pay", "pay_tds", "credit_note", "write_off")):
        await _invoice(book, buyer, n)
        return
    today = today_ist().isoformat()
    answer = None
    if kind in ("pay", "pay_tds") and invoice_id:
        invoice = await _state(book, invoice_id)
        balance = _money(invoice["balanceAmount"])
        if balance <= 0:
            return
        settle = min(balance, (balance * share).quantize(Decimal("0.01"))) or balance
        allocation: dict[str, Any] = {"invoiceId": invoice_id, "amount": str(settle)}
        body: dict[str, Any] = {
            "mode": "NEFT",
            "reference": reference,
            "paidOn": today,
            "customerId": customer_id,
        }
        if kind == "pay_tds":
            tds = min((_money(invoice["baseAmount"]) * Decimal("0.02")).quantize(Decimal("0.01")), settle)
            allocation = {"invoiceId": invoice_id, "amount": str(settle - tds), "tdsAmount": str(tds)}
            body.update(tdsSection="194J", deductorTan="BLRA12345B")
            if settle - tds <= 0:
                return
            body["amount"] = str(settle - tds)
        else:
            body["amount"] = str(settle)
        body["allocations"] = [allocation]
        answer = await book.seller.post("/api/v0/payment", json=body)
    elif kind == "pay_credit":
        # More than the invoice's balance: the rest is the customer's credit.
        amount = (Decimal(700) * share).quantize(Decimal("0.01"))
        body = {"mode": "NEFT", "reference": reference, "paidOn": today, "customerId": customer_id}
        body["amount"] = str(amount)
        if invoice_id:
            balance = _money((await _state(book, invoice_id))["balanceAmount"])
            settle = min(balance, (amount / 2).quantize(Decimal("0.01")))
            if settle > 0:
                body["allocations"] = [{"invoiceId": invoice_id, "amount": str(settle)}]
        answer = await book.seller.post("/api/v0/payment", json=body)
    elif kind == "apply_credit":
        answer = await book.seller.post(f"/api/v0/customer/{customer_id}/credit/apply", json={})
    elif kind == "credit_note" and invoice_id:
        invoice = await _state(book, invoice_id)
        base = (_money(invoice["baseAmount"]) * share / 2).quantize(Decimal("0.01"))
        tax = (base * Decimal("0.09")).quantize(Decimal("0.01"))
        body = {
            "customerId": customer_id,
            "reason": "POST_SALE_DISCOUNT",
            "againstInvoices": [
                {"invoiceId": invoice_id, "baseAmount": str(base), "cgst": str(tax), "sgst": str(tax)}
            ],
        }
        answer = await book.seller.post("/api/v0/credit-note", json=body)
    elif kind == "write_off" and invoice_id:
        invoice = await _state(book, invoice_id)
        balance = _money(invoice["balanceAmount"])
        amount = min(balance, (balance * share).quantize(Decimal("0.01")))
        if amount <= 0:
            return
        body = {"amount": str(amount), "reason": "small balance not worth chasing"}
        answer = await book.approver.post(f"{INVOICE}/{invoice_id}/write-off", json=body)
    elif kind == "reverse":
        payment_id = await _pick(book.payments[buyer], n)
        if payment_id is None:
            return
        answer = await book.approver.post(
            f"/api/v0/payment/{payment_id}/reverse", json={"reason": "CHEQUE_BOUNCED"}
        )
    elif kind == "refund":
        owed = (await book.seller.get(f"/api/v0/customer/{customer_id}")).json()["payload"]
        credit = _money(owed.get("creditBalance") or 0)
        amount = min(credit, (credit * share).quantize(Decimal("0.01")))
        if amount <= 0:
            return
        body = {"amount": str(amount), "mode": "NEFT", "reference": reference, "paidOn": today}
        answer = await book.approver.post(f"/api/v0/customer/{customer_id}/refund", json=body)
    elif kind == "withdraw" and invoice_id:
        answer = await book.seller.post(
            f"{INVOICE}/bulk/delete", json={"invoiceIds": [invoice_id], "reason": "raised in error"}
        )
    if answer is None:
        return
    book.answers.append((kind, answer.status_code))
    if answer.status_code == 200 and kind in ("pay", "pay_tds", "pay_credit"):
        book.payments[buyer].append(answer.json()["payload"]["paymentId"])


# Each query answers the rows that break a rule; every one must come back empty.
_BROKEN = {
    "invoice parts": (
        "SELECT invoice_id FROM invoices WHERE company_id = :c AND (balance_amount < 0 OR paid_amount "
        "+ credited_amount + written_off_amount + tds_amount + balance_amount <> total_amount)"
    ),
    "invoice entries": (
        "SELECT i.invoice_id FROM invoices i WHERE i.company_id = :c "
        "AND COALESCE((SELECT sum(e.amount) FROM ledger_entries e "
        "WHERE e.company_id = i.company_id AND e.invoice_id = i.invoice_id), 0) "
        "<> CASE WHEN i.posted THEN i.balance_amount ELSE 0 END"
    ),
    "customer ledger": (
        "SELECT k.customer_id FROM customers k WHERE k.company_id = :c "
        "AND COALESCE((SELECT sum(e.amount) FROM ledger_entries e "
        "WHERE e.company_id = k.company_id AND e.customer_id = k.customer_id), 0) "
        "<> COALESCE((SELECT sum(i.balance_amount) FROM invoices i "
        "WHERE i.company_id = k.company_id AND i.customer_id = k.customer_id AND i.posted), 0) "
        "- k.credit_balance"
    ),
    "customer credit": (
        "SELECT k.customer_id FROM customers k WHERE k.company_id = :c AND k.credit_balance "
        "<> COALESCE((SELECT sum(p.unallocated_amount) FROM payments p WHERE p.company_id = k.company_id "
        "AND p.customer_id = k.customer_id AND p.status = 'RECORDED'), 0) "
        "+ COALESCE((SELECT sum(n.unapplied_amount) FROM credit_notes n WHERE n.company_id = k.company_id "
        "AND n.customer_id = k.customer_id AND n.status = 'ISSUED'), 0)"
    ),
}


async def _broken(db: Database, company_id: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    async with db.sessionmaker() as session:
        for rule, query in _BROKEN.items():
            rows = [r[0] for r in (await session.execute(text(query), {"c": company_id})).all()]
            if rows:
                found[rule] = rows
    return found


async def _book(live_tenants: TenantFactory) -> Book:
    seller = await live_tenants.create("Property Seller Pvt Ltd")
    approver = await live_tenants.user(seller, "APPROVER")
    buyers = [str((await seller.create_customer())["customerId"]) for _ in range(BUYERS)]
    return Book(seller, approver, buyers)


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
