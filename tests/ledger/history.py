"""Random histories of everything that moves money, made through the real HTTP API.

A step is (kind, buyer, a, b): a picks an invoice or payment, b a share of an amount. ``run`` makes one for a
``Book`` (one seller, its approver, two buyers). Undated, every document is dated today, as
tests/ledger/test_property.py runs them (concurrently). ``run_dated`` takes a dated step (kind, buyer, a, b,
back, term): the movement is dated ``back`` days before today (payments backdated, even before the invoice
they pay; invoices up to two days ahead) and an invoice falls due ``term`` days after its date, so the
reports' histories (tests/reports/test_property.py) hold amounts of every age on every past day. A dated
history also changes due dates (``redate``), which the API allows while an invoice is unsettled.

Steps may be refused (a balance already taken, a payment reversed already, a due date frozen by a
payment): what the tests check is what the books say after them.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import text

from dues.db import Database
from dues.kit.timefmt import today_ist
from tests.support import Tenant, TenantFactory

INVOICE = "/api/v0/invoice"
BUYERS = 2
KINDS = [
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
Step = tuple[str, int, int, Decimal]
DatedStep = tuple[str, int, int, Decimal, int, int]

share = st.sampled_from([Decimal("0.1"), Decimal("0.25"), Decimal("0.5"), Decimal("1"), Decimal("1.3")])
step = st.tuples(st.sampled_from(KINDS), st.integers(0, BUYERS - 1), st.integers(0, 50), share)
history = st.lists(step, min_size=4, max_size=14)

# Dated histories span SPAN days back from today; an invoice may be dated up to 2 days ahead.
SPAN = 40
TERMS = (0, 7, 15, 30, 45)
dated_step = st.tuples(
    st.sampled_from([*KINDS, "redate", "redate"]),
    st.integers(0, BUYERS - 1),
    st.integers(0, 50),
    share,
    st.integers(-2, SPAN),
    st.sampled_from(TERMS),
)
dated_history = st.lists(dated_step, min_size=10, max_size=24)


def money(value: Any) -> Decimal:
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


async def make_book(factory: TenantFactory) -> Book:
    seller = await factory.create("Property Seller Pvt Ltd")
    approver = await factory.user(seller, "APPROVER")
    buyers = [str((await seller.create_customer())["customerId"]) for _ in range(BUYERS)]
    return Book(seller, approver, buyers)


async def invoice(book: Book, buyer: int, n: int, on: date | None = None, term: int = 0) -> None:
    dated = on or today_ist()
    base = Decimal(1000 + 37 * n)
    tax = (base * Decimal("0.09")).quantize(Decimal("0.01"))
    body = {
        "customerId": book.buyers[buyer],
        "invoiceDate": dated.isoformat(),
        "dueDate": (dated + timedelta(days=term)).isoformat(),
        "baseAmount": str(base),
        "cgst": str(tax),
        "sgst": str(tax),
        "partialPaymentAllowed": True,
    }
    answer = await book.seller.post(INVOICE, json=body)
    book.answers.append(("invoice", answer.status_code))
    if answer.status_code == 200:
        book.invoices[buyer].append(answer.json()["payload"]["invoiceId"])


async def state(book: Book, invoice_id: str) -> dict[str, Any]:
    return (await book.seller.get(f"{INVOICE}/{invoice_id}")).json()["payload"]  # type: ignore[no-any-return]


def pick(items: list[str], n: int) -> str | None:
    return items[n % len(items)] if items else None


async def run(book: Book, step: Step, reference: str, on: date | None = None, term: int = 0) -> None:
    """One step; ``on`` dates it (default today; a payment, refund or credit note is never dated after
    today), ``term`` is a new invoice's days to its due date."""
    kind, buyer, n, share = step
    customer_id = book.buyers[buyer]
    invoice_id = pick(book.invoices[buyer], n) if n >= 0 else None
    if kind == "invoice" or (invoice_id is None and kind in ("pay", "pay_tds", "credit_note", "write_off")):
        await invoice(book, buyer, n, on, term)
        return
    today = min(on, today_ist()).isoformat() if on else today_ist().isoformat()
    answer = None
    if kind in ("pay", "pay_tds") and invoice_id:
        invoice_now = await state(book, invoice_id)
        balance = money(invoice_now["balanceAmount"])
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
            tds = min((money(invoice_now["baseAmount"]) * Decimal("0.02")).quantize(Decimal("0.01")), settle)
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
            balance = money((await state(book, invoice_id))["balanceAmount"])
            settle = min(balance, (amount / 2).quantize(Decimal("0.01")))
            if settle > 0:
                body["allocations"] = [{"invoiceId": invoice_id, "amount": str(settle)}]
        answer = await book.seller.post("/api/v0/payment", json=body)
    elif kind == "apply_credit":
        answer = await book.seller.post(f"/api/v0/customer/{customer_id}/credit/apply", json={})
    elif kind == "credit_note" and invoice_id:
        invoice_now = await state(book, invoice_id)
        base = (money(invoice_now["baseAmount"]) * share / 2).quantize(Decimal("0.01"))
        tax = (base * Decimal("0.09")).quantize(Decimal("0.01"))
        body = {
            "customerId": customer_id,
            "reason": "POST_SALE_DISCOUNT",
            "againstInvoices": [
                {"invoiceId": invoice_id, "baseAmount": str(base), "cgst": str(tax), "sgst": str(tax)}
            ],
        }
        if on:
            # A note is dated on or after its invoice: the later of the two days.
            body["noteDate"] = max(today, invoice_now["invoiceDate"])
        answer = await book.seller.post("/api/v0/credit-note", json=body)
    elif kind == "write_off" and invoice_id:
        invoice_now = await state(book, invoice_id)
        balance = money(invoice_now["balanceAmount"])
        amount = min(balance, (balance * share).quantize(Decimal("0.01")))
        if amount <= 0:
            return
        body = {"amount": str(amount), "reason": "small balance not worth chasing"}
        answer = await book.approver.post(f"{INVOICE}/{invoice_id}/write-off", json=body)
    elif kind == "reverse":
        payment_id = pick(book.payments[buyer], n)
        if payment_id is None:
            return
        answer = await book.approver.post(
            f"/api/v0/payment/{payment_id}/reverse", json={"reason": "CHEQUE_BOUNCED"}
        )
    elif kind == "refund":
        owed = (await book.seller.get(f"/api/v0/customer/{customer_id}")).json()["payload"]
        credit = money(owed.get("creditBalance") or 0)
        amount = min(credit, (credit * share).quantize(Decimal("0.01")))
        if amount <= 0:
            return
        body = {"amount": str(amount), "mode": "NEFT", "reference": reference, "paidOn": today}
        answer = await book.approver.post(f"/api/v0/customer/{customer_id}/refund", json=body)
    elif kind == "withdraw" and invoice_id:
        answer = await book.seller.post(
            f"{INVOICE}/bulk/delete", json={"invoiceIds": [invoice_id], "reason": "raised in error"}
        )
    elif kind == "redate" and invoice_id:
        # A new due date, ``term`` days after the invoice date: refused once anything settled the invoice.
        dated = date.fromisoformat((await state(book, invoice_id))["invoiceDate"])
        due = (dated + timedelta(days=term)).isoformat()
        answer = await book.seller.patch(f"{INVOICE}/{invoice_id}", json={"dueDate": due})
    if answer is None:
        return
    book.answers.append((kind, answer.status_code))
    if answer.status_code == 200 and kind in ("pay", "pay_tds", "pay_credit"):
        book.payments[buyer].append(answer.json()["payload"]["paymentId"])


async def run_dated(book: Book, step: DatedStep, reference: str) -> None:
    """A dated step: its movement dated ``back`` days before today (a day ahead only for an invoice)."""
    kind, buyer, n, share, back, term = step
    on = today_ist() - timedelta(days=back)
    await run(book, (kind, buyer, n, share), reference, on, term)


# Each query answers the rows that break a rule; every one must come back empty.
BROKEN = {
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


async def broken(db: Database, company_id: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    async with db.sessionmaker() as session:
        for rule, query in BROKEN.items():
            rows = [r[0] for r in (await session.execute(text(query), {"c": company_id})).all()]
            if rows:
                found[rule] = rows
    return found
