"""Payments received, their allocations to invoices, and customer credit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKeyConstraint, Index, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column

from dues.models.base import Base, Timestamps

MONEY = Numeric(16, 2)
MODES = ("UPI", "NEFT", "RTGS", "IMPS", "CHEQUE", "CASH", "CARD")


class Payment(Base, Timestamps):
    """Money a customer paid, as recorded once. What its allocations do not take went to the customer's
    credit (``customers.credit_balance``); ``unallocated_amount`` keeps where that credit came from."""

    __tablename__ = "payments"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    allocated_amount: Mapped[Decimal] = mapped_column(MONEY)
    unallocated_amount: Mapped[Decimal] = mapped_column(MONEY)
    reference: Mapped[str] = mapped_column(String(100))
    paid_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "customer_id"], ["customers.company_id", "customers.customer_id"]
        ),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("allocated_amount >= 0 AND unallocated_amount >= 0", name="parts_not_negative"),
        CheckConstraint("allocated_amount + unallocated_amount = amount", name="parts_make_amount"),
        CheckConstraint("mode IN ('UPI', 'NEFT', 'RTGS', 'IMPS', 'CHEQUE', 'CASH', 'CARD')", name="mode"),
        Index("ix_payments_customer", "company_id", "customer_id", "paid_on"),
        # One transfer, one payment: see TRANSFER_MODES in dues.payments.service.
        Index(
            "uq_payments_transfer_reference",
            "company_id",
            "mode",
            text("upper(reference)"),
            unique=True,
            postgresql_where=text("mode IN ('UPI', 'NEFT', 'RTGS', 'IMPS', 'CARD')"),
        ),
    )


class PaymentAllocation(Base):
    """The part of a payment applied to one invoice."""

    __tablename__ = "payment_allocations"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "payment_id"],
            ["payments.company_id", "payments.payment_id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(["company_id", "invoice_id"], ["invoices.company_id", "invoices.invoice_id"]),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_payment_allocations_invoice", "company_id", "invoice_id"),
    )
