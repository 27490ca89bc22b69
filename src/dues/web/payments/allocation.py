"""The allocation table of the record-payment page: one row per open invoice of the customer, what the buyer
would deduct as TDS on it, and the "oldest first" suggestion.

The suggestion follows the payments service's own order and rules (oldest due date first; an invoice that
does not allow a part-payment, or whose minimum the rest cannot reach, is passed over), so what the page
proposes is what the API would have done without allocations, plus the buyer's TDS. payments.js computes
the same figures in the browser, in whole paise, with the same rounding (half up); keep the two in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dues.kit.money import ZERO
from dues.kit.tds import after_tds, taxable_value
from dues.models import Invoice
from dues.payments.deduction import tds_limit

_PAISA = Decimal("0.01")


@dataclass(frozen=True)
class Owed:
    """An open invoice as the allocation table shows it."""

    invoice_id: str
    number: str
    invoice_date: date
    due_date: date
    balance: Decimal
    tds: Decimal
    """The TDS the buyer would deduct on the whole balance at the customer's rate (0 without one)."""
    tds_room: Decimal
    """The most TDS the company's sanity limit lets this invoice take still."""
    partial_allowed: bool
    minimum: Decimal | None

    @property
    def to_pay(self) -> Decimal:
        return self.balance - self.tds


def owed(invoices: Iterable[Invoice], rate: Decimal | None, sanity_percent: Decimal) -> list[Owed]:
    """The rows for ``invoices`` (in the order to settle them); ``rate`` is the customer's TDS rate."""
    rows = []
    for invoice in invoices:
        tds = ZERO
        if rate:
            taxable = taxable_value(
                invoice.total_amount, invoice.cgst, invoice.sgst, invoice.igst, invoice.cess
            )
            tds = after_tds(invoice.balance_amount, invoice.total_amount, taxable, rate).tds
        room = max(tds_limit(invoice, sanity_percent) - invoice.tds_amount, ZERO)
        rows.append(
            Owed(
                invoice.invoice_id,
                invoice.invoice_number,
                invoice.invoice_date,
                invoice.due_date,
                invoice.balance_amount,
                min(tds, room),
                room,
                invoice.partial_payment_allowed,
                invoice.minimum_partial_amount,
            )
        )
    return rows


def _paise(value: Decimal) -> int:
    return int((value / _PAISA).to_integral_value())


def _share(tds: int, cash: int, to_pay: int) -> int:
    """TDS in proportion to a part-payment: tds × cash / to_pay, half up (integers, as payments.js)."""
    return (2 * tds * cash + to_pay) // (2 * to_pay)


def oldest_first(received: Decimal, rows: Iterable[Owed]) -> dict[str, tuple[Decimal, Decimal]]:
    """invoiceId → (cash, TDS) spreading ``received`` over ``rows`` in their order; what is left over is the
    customer's credit."""
    left = _paise(received)
    plan: dict[str, tuple[Decimal, Decimal]] = {}
    for row in rows:
        if left <= 0:
            break
        tds, to_pay = _paise(row.tds), _paise(row.to_pay)
        if to_pay <= 0:
            continue
        if left >= to_pay:
            cash = to_pay
        else:
            cash = left
            tds = _share(tds, cash, to_pay)
            settles = Decimal(cash + tds) * _PAISA
            if not row.partial_allowed or (row.minimum is not None and settles < row.minimum):
                continue
        plan[row.invoice_id] = (Decimal(cash) * _PAISA, Decimal(tds) * _PAISA)
        left -= cash
    return plan
