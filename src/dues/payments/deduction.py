"""The buyer's TDS on a payment (api.md §9.2): which section, whose TAN, how much on each invoice, and the
rules a payment's TDS meets before any invoice is locked (deduction_of) and once it is (tds_problem)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dues.errors import SubError, ValidationFailed
from dues.kit.money import ZERO, to_paise
from dues.kit.tds import taxable_value
from dues.models import Invoice
from dues.payments.schemas import AllocationIn, PaymentAllocationIn, PaymentCreate


@dataclass(frozen=True)
class Deduction:
    """The TDS a payment carries: under which section, by whom, and how much on each invoice."""

    section: str | None = None
    payment_code: str | None = None
    tan: str | None = None
    amounts: dict[str, Decimal] | None = None

    @property
    def total(self) -> Decimal:
        return sum((self.amounts or {}).values(), ZERO)


def tds_of(item: AllocationIn | PaymentAllocationIn) -> Decimal:
    """An allocation's TDS (a credit application's allocations carry none)."""
    return item.tds_amount if isinstance(item, PaymentAllocationIn) else ZERO


def deduction_of(data: PaymentCreate) -> Deduction:
    """The payment's TDS, checked as a whole (each invoice's share is checked when the invoice is locked)."""
    amounts = {a.invoice_id: a.tds_amount for a in data.allocations or [] if a.tds_amount > 0}
    deduction = Deduction(
        data.tds_section.value if data.tds_section else None,
        data.tds_payment_code,
        data.deductor_tan,
        amounts,
    )
    problems: list[SubError] = []
    if data.allocations is None and data.tds_amount:
        problems.append(
            SubError(
                "allocations",
                "are required with TDS: name each invoice the buyer deducted TDS on, with its tdsAmount",
                None,
            )
        )
    elif data.tds_amount is not None and data.tds_amount != deduction.total:
        problems.append(
            SubError(
                "tdsAmount",
                f"must equal the allocations' tdsAmount in all ({deduction.total:.2f})",
                str(data.tds_amount),
            )
        )
    if data.amount == 0 and deduction.total == 0:
        problems.append(
            SubError(
                "amount",
                "must be above 0; 0 only records TDS on its own, with allocations that carry a tdsAmount",
                str(data.amount),
            )
        )
    if deduction.total > 0 or data.tds_amount:
        if deduction.section is None:
            problems.append(
                SubError("tdsSection", "is required with TDS: the section the buyer deducted it under", None)
            )
        if deduction.tan is None:
            problems.append(
                SubError(
                    "deductorTan", "is required with TDS: the buyer's TAN, as on its TDS certificate", None
                )
            )
    if problems:
        raise ValidationFailed.of(problems)
    return deduction


def tds_limit(invoice: Invoice, percent: Decimal) -> Decimal:
    """The most TDS an invoice may carry in all: ``percent`` of its taxable value (GST excluded)."""
    taxable = taxable_value(invoice.total_amount, invoice.cgst, invoice.sgst, invoice.igst, invoice.cess)
    return to_paise(taxable * percent / 100)


def tds_problem(invoice: Invoice, tds: Decimal, percent: Decimal) -> str | None:
    """Why the (locked) invoice cannot take ``tds`` more TDS: its TDS would pass ``percent`` of its taxable
    value, which no section's rate comes near (194C 2 %, 194J 10 %, 194Q 0.1 %): a typing error, or TDS
    computed on the value with GST."""
    if tds <= 0:
        return None
    limit = tds_limit(invoice, percent)
    if invoice.tds_amount + tds <= limit:
        return None
    earlier = f" with the {invoice.tds_amount:.2f} recorded earlier" if invoice.tds_amount > 0 else ""
    return (
        f"is more than {percent.normalize():f} % of invoice {invoice.invoice_id}'s taxable value "
        f"({limit:.2f} at most{earlier}; TDS is deducted on the value without GST)"
    )
