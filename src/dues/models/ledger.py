"""The receivables ledger (api.md §9.4, migration 0019): append-only entries and the per-customer summary
that the database's deferred check reads at commit."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    Identity,
    Index,
    Numeric,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from dues.models.base import Base

MONEY = Numeric(16, 2)
ENTRY_TYPES = (
    "INVOICE",
    "DEBIT_NOTE",
    "PAYMENT",
    "TDS",
    "CREDIT_NOTE",
    "WRITE_OFF",
    "REVERSAL",
    "REFUND",
    "CREDIT_APPLIED",
)


class LedgerEntry(Base):
    """One movement of what a customer owes: positive raises it. Entries with an ``invoice_id`` moved that
    invoice's balance; those without moved the customer's credit (negative: credit grew). Never changed: a
    trigger refuses UPDATE and DELETE."""

    __tablename__ = "ledger_entries"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    entry_id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(16))
    effective_date: Mapped[date] = mapped_column(Date)
    posted_on: Mapped[datetime] = mapped_column(server_default=func.now())
    entry_type: Mapped[str] = mapped_column(String(16))
    document_id: Mapped[str] = mapped_column(String(16))
    document_number: Mapped[str | None] = mapped_column(String(100))
    invoice_id: Mapped[str | None] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(MONEY)

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "customer_id"], ["customers.company_id", "customers.customer_id"]
        ),
        CheckConstraint(f"entry_type IN ({', '.join(repr(t) for t in ENTRY_TYPES)})", name="entry_type"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        Index(
            "ix_ledger_entries_customer",
            "company_id",
            "customer_id",
            "effective_date",
            "entry_id",
            # What statements read of each entry (0022): the index alone answers them.
            postgresql_include=["entry_type", "document_id", "document_number", "invoice_id", "amount"],
        ),
        Index(
            "ix_ledger_entries_invoice",
            "company_id",
            "invoice_id",
            postgresql_where=text("invoice_id IS NOT NULL"),
        ),
        Index("ix_ledger_entries_date", "company_id", "effective_date"),
    )


class CustomerLedgerBalance(Base):
    """Per customer: the sum of its entries, of its posted invoices' balances, and its credit; kept by
    statement triggers and checked at commit (``entries_sum - credit_entries_sum = open_sum`` and
    ``credit_entries_sum = -credit``). Written only by them."""

    __tablename__ = "customer_ledger_balances"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    entries_sum: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    # The part of entries_sum on no invoice: what moved the customer's credit.
    credit_entries_sum: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    open_sum: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    credit: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
