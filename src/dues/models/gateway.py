"""Payment attempts through a gateway (the sandbox, or a real one later), and the sandbox's own record of
what its payers chose."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index, Numeric, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from dues.models.base import Base, Timestamps

MONEY = Numeric(16, 2)
ATTEMPT_STATUSES = ("STARTED", "SUCCEEDED", "FAILED")


class PaymentAttempt(Base, Timestamps):
    """One try by a payer to pay through a gateway: one invoice (invoice_id, from its payment page), or
    several of one customer at once (invoice_id NULL, the split in payment_attempt_invoices, from the customer
    portal). It moves once, from STARTED to SUCCEEDED (with the payment it recorded) or FAILED (with why),
    under a row lock, so a replayed callback finds it settled and changes nothing."""

    __tablename__ = "payment_attempts"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    attempt_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    invoice_id: Mapped[str | None] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    gateway: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(10), server_default="STARTED")
    gateway_reference: Mapped[str | None] = mapped_column(String(100))
    payment_id: Mapped[str | None] = mapped_column(String(16))
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    completed_on: Mapped[datetime | None] = mapped_column()
    # When reconciliation last asked the gateway about a STARTED attempt and got no final answer; it waits
    # longer between questions as the attempt ages, and takes the least recently asked first.
    checked_on: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "invoice_id"], ["invoices.company_id", "invoices.invoice_id"], ondelete="CASCADE"
        ),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status IN ('STARTED', 'SUCCEEDED', 'FAILED')", name="status"),
        # A success always names the one payment it recorded; nothing else carries a payment.
        CheckConstraint("(status = 'SUCCEEDED') = (payment_id IS NOT NULL)", name="payment_iff_succeeded"),
        CheckConstraint("(status = 'STARTED') = (completed_on IS NULL)", name="completed_iff_settled"),
        Index("ix_payment_attempts_invoice", "company_id", "invoice_id", "created_on"),
        # Reconciliation looks only at unsettled attempts: a handful among all attempts ever made.
        Index(
            "ix_payment_attempts_started",
            "company_id",
            "created_on",
            postgresql_where=text("status = 'STARTED'"),
        ),
        Index(
            "uq_payment_attempts_payment",
            "company_id",
            "payment_id",
            unique=True,
            postgresql_where=text("payment_id IS NOT NULL"),
        ),
    )


class PaymentAttemptInvoice(Base):
    """What one attempt over several invoices pays of each; the parts add up to the attempt's amount. The
    payment its success records is allocated exactly so."""

    __tablename__ = "payment_attempt_invoices"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    attempt_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "attempt_id"],
            ["payment_attempts.company_id", "payment_attempts.attempt_id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["company_id", "invoice_id"], ["invoices.company_id", "invoices.invoice_id"], ondelete="CASCADE"
        ),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_payment_attempt_invoices_invoice", "company_id", "invoice_id"),
    )


SANDBOX_STATUSES = ("SUCCEEDED", "FAILED")


class SandboxTransaction(Base):
    """What a payer chose on the sandbox's checkout page, kept as a gateway keeps its transactions, so the
    sandbox's status query answers truthfully when its callback was lost. Written once, before the
    callback is sent; the first choice for a checkout stands."""

    __tablename__ = "sandbox_transactions"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    gateway_reference: Mapped[str] = mapped_column(String(100), primary_key=True)
    attempt_id: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_on: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        ForeignKeyConstraint(["company_id"], ["companies.company_id"], ondelete="CASCADE"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status IN ('SUCCEEDED', 'FAILED')", name="status"),
    )
