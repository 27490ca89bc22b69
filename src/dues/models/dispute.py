"""Disputes and promises to pay (api.md §11, migration 0025): what pauses an invoice's reminders."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKeyConstraint, Index, Numeric, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from dues.models.base import Base

MONEY = Numeric(16, 2)
DISPUTE_REASONS = ("PRICING", "QUANTITY", "QUALITY", "NOT_RECEIVED", "DUPLICATE", "OTHER")
# PRESENTED_AGAIN: a dispute the buyer's refusal on Bharat Connect opened, closed by dues when the seller
# presented the invoice to the buyer again (an edit, REOPEN); not a value the resolve call takes.
DISPUTE_OUTCOMES = ("CREDIT_NOTE", "REJECTED", "WITHDRAWN", "PRESENTED_AGAIN")
DISPUTE_SOURCES = ("API", "PORTAL", "BHARAT_CONNECT")
# SUPERSEDED: replaced by a newer promise before its date came (neither kept nor broken).
PROMISE_STATUSES = ("OPEN", "KEPT", "BROKEN", "SUPERSEDED")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Dispute(Base):
    """A customer's objection to an invoice; while OPEN the invoice gets no reminders."""

    __tablename__ = "disputes"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    dispute_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(16))
    remarks: Mapped[str | None] = mapped_column(String(500))
    # The part of the invoice disputed; NULL: all of it.
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(8), server_default="OPEN")
    outcome: Mapped[str | None] = mapped_column(String(16))
    resolution_remarks: Mapped[str | None] = mapped_column(String(500))
    opened_by: Mapped[str] = mapped_column(String(64))
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16), server_default="API")
    created_on: Mapped[datetime] = mapped_column(server_default=func.now())
    resolved_on: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "invoice_id"], ["invoices.company_id", "invoices.invoice_id"], ondelete="CASCADE"
        ),
        CheckConstraint(_in("reason", DISPUTE_REASONS), name="reason"),
        CheckConstraint("outcome IS NULL OR " + _in("outcome", DISPUTE_OUTCOMES), name="outcome"),
        CheckConstraint(_in("source", DISPUTE_SOURCES), name="source"),
        CheckConstraint("status IN ('OPEN', 'RESOLVED')", name="status"),
        CheckConstraint("(status = 'RESOLVED') = (outcome IS NOT NULL)", name="resolved_has_outcome"),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        # At most one open dispute per invoice, whoever races; also what the reminder engine looks up.
        Index(
            "uq_disputes_open",
            "company_id",
            "invoice_id",
            unique=True,
            postgresql_where=text("status = 'OPEN'"),
        ),
        Index("ix_disputes_customer", "company_id", "customer_id"),
    )


class Promise(Base):
    """The customer's promise to pay ``amount`` of an invoice by ``promised_date``; reminders pause until
    then. ``balance_at_promise`` is what the invoice owed when promised: kept means the balance fell by the
    amount (or the invoice was paid) by the date."""

    __tablename__ = "promises"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    promise_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(String(16))
    promised_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    balance_at_promise: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(12), server_default="OPEN")
    created_by: Mapped[str] = mapped_column(String(64))
    created_on: Mapped[datetime] = mapped_column(server_default=func.now())
    settled_on: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "invoice_id"], ["invoices.company_id", "invoices.invoice_id"], ondelete="CASCADE"
        ),
        CheckConstraint(_in("status", PROMISE_STATUSES), name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        # A new promise replaces the open one: at most one open per invoice.
        Index(
            "uq_promises_open",
            "company_id",
            "invoice_id",
            unique=True,
            postgresql_where=text("status = 'OPEN'"),
        ),
        Index("ix_promises_customer", "company_id", "customer_id"),
        # The settling job reads open promises by date, across companies.
        Index("ix_promises_open_date", "promised_date", postgresql_where=text("status = 'OPEN'")),
    )
