"""Payments received, their allocations to invoices, and customer credit."""

from __future__ import annotations

from datetime import date, datetime
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
    # §9.2: the buyer's TDS, settled on the invoices beside the cash (0019).
    tds_section: Mapped[str | None] = mapped_column(String(8))
    tds_payment_code: Mapped[str | None] = mapped_column(String(16))
    deductor_tan: Mapped[str | None] = mapped_column(String(10))
    tds_amount: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    # What of its credit was paid back to the customer (§9.3).
    refunded_amount: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    # RECORDED, or REVERSED once (§9.3): the rows stay as they were, the ledger says what was undone.
    status: Mapped[str] = mapped_column(String(12), server_default="RECORDED")
    reversed_on: Mapped[datetime | None] = mapped_column()
    reversed_by: Mapped[str | None] = mapped_column(String(64))
    reversal_reason: Mapped[str | None] = mapped_column(String(24))
    reversal_remarks: Mapped[str | None] = mapped_column(String(500))
    reversal_charge_invoice_id: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "customer_id"], ["customers.company_id", "customers.customer_id"]
        ),
        # 0 only for TDS recorded on its own, after the cash came in another payment (§9.2).
        CheckConstraint("amount >= 0 AND (amount > 0 OR tds_amount > 0)", name="amount_positive"),
        CheckConstraint(
            "allocated_amount >= 0 AND unallocated_amount >= 0 AND refunded_amount >= 0 AND tds_amount >= 0",
            name="parts_not_negative",
        ),
        CheckConstraint(
            "allocated_amount + unallocated_amount + refunded_amount = amount", name="parts_make_amount"
        ),
        CheckConstraint("status IN ('RECORDED', 'REVERSED')", name="status"),
        CheckConstraint(
            "tds_section IS NULL OR tds_section IN ('194C', '194H', '194I', '194J', '194O', '194Q', 'OTHER')",
            name="tds_section",
        ),
        CheckConstraint(
            "(status = 'REVERSED') = (reversed_on IS NOT NULL AND reversal_reason IS NOT NULL)",
            name="reversal",
        ),
        CheckConstraint("mode IN ('UPI', 'NEFT', 'RTGS', 'IMPS', 'CHEQUE', 'CASH', 'CARD')", name="mode"),
        Index("ix_payments_customer", "company_id", "customer_id", "paid_on"),
        # One transfer, one payment: see TRANSFER_MODES in dues.payments.service.
        Index(
            "uq_payments_transfer_reference",
            "company_id",
            "mode",
            text("upper(reference)"),
            unique=True,
            postgresql_where=text("mode IN ('UPI', 'NEFT', 'RTGS', 'IMPS', 'CARD') AND amount > 0"),
        ),
    )


class PaymentAllocation(Base):
    """The part of a payment applied to one invoice."""

    __tablename__ = "payment_allocations"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    # The buyer's TDS on this invoice (§9.2): the allocation settles amount + tds_amount.
    tds_amount: Mapped[Decimal] = mapped_column(MONEY, server_default="0")

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "payment_id"],
            ["payments.company_id", "payments.payment_id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(["company_id", "invoice_id"], ["invoices.company_id", "invoices.invoice_id"]),
        CheckConstraint(
            "amount >= 0 AND tds_amount >= 0 AND amount + tds_amount > 0", name="amount_positive"
        ),
        Index("ix_payment_allocations_invoice", "company_id", "invoice_id"),
    )
