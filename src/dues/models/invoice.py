from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from dues.models.base import Base, Timestamps

MONEY = Numeric(16, 2)

APPROVAL_STATUSES = (
    "MAKER_APPROVAL_PENDING",
    "MAKER_APPROVED",
    "MAKER_REJECTED",
    "CHECKER_APPROVAL_PENDING",
    "CHECKER_APPROVED",
    "CHECKER_REJECTED",
    "APPROVER_APPROVAL_PENDING",
    "APPROVER_APPROVED",
    "APPROVER_REJECTED",
    "BANK_APPROVED",
)
STATUSES = ("CREATED", "DISPATCHED", "PARTIALLY_PAID", "PAID", "WRITTEN_OFF", "COLLECTION_DELETED")
DOCUMENT_TYPES = ("TAX_INVOICE", "BILL_OF_SUPPLY", "DEBIT_NOTE")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Invoice(Base, Timestamps):
    """A GST invoice of a seller to one of its customers, and what is still owed on it."""

    __tablename__ = "invoices"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(16))
    invoice_number: Mapped[str] = mapped_column(String(16))
    financial_year: Mapped[int] = mapped_column(SmallInteger)
    invoice_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    place_of_supply: Mapped[str] = mapped_column(String(64))
    gst_exclusive: Mapped[bool] = mapped_column(Boolean, server_default="true")
    base_amount: Mapped[Decimal] = mapped_column(MONEY)
    cgst: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    sgst: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    igst: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    cess: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    total_amount: Mapped[Decimal] = mapped_column(MONEY)
    paid_amount: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    balance_amount: Mapped[Decimal] = mapped_column(MONEY)
    charge_customer: Mapped[bool] = mapped_column(Boolean, server_default="false")
    description: Mapped[str | None] = mapped_column(String(1000))
    email_address: Mapped[str | None] = mapped_column(String(254))
    external_id: Mapped[str | None] = mapped_column(String(100))
    partial_payment_allowed: Mapped[bool] = mapped_column(Boolean, server_default="false")
    minimum_partial_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    approval_status: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24), server_default="CREATED")
    collection_mode: Mapped[list[str]] = mapped_column(ARRAY(String(16)), server_default="{}")
    created_via: Mapped[str] = mapped_column(String(16), server_default="API")
    dispatched: Mapped[bool] = mapped_column(Boolean, server_default="false")
    dispatched_on: Mapped[datetime | None] = mapped_column()
    payment_token: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    # When its invoice.overdue event was written: an invoice gets that event once (migration 0014).
    overdue_evented_on: Mapped[datetime | None] = mapped_column()
    # §9.1: a debit note is an invoice that names its originals (0019).
    document_type: Mapped[str] = mapped_column(String(16), server_default="TAX_INVOICE")
    original_invoice_ids: Mapped[list[str] | None] = mapped_column(ARRAY(String(16)))
    note_reason: Mapped[str | None] = mapped_column(String(32))
    # What settled the invoice besides cash (0019): paid + credited + written off + TDS + balance = total.
    credited_amount: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    written_off_amount: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    tds_amount: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    # In the ledger: from its approval until it is withdrawn from collection (0019).
    posted: Mapped[bool] = mapped_column(Boolean, server_default="false")

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "customer_id"], ["customers.company_id", "customers.customer_id"]
        ),
        # The money invariants hold in the database too, whatever code path writes.
        CheckConstraint("base_amount >= 0.1", name="base_amount_min"),
        CheckConstraint("cgst >= 0 AND sgst >= 0 AND igst >= 0 AND cess >= 0", name="taxes_not_negative"),
        CheckConstraint("paid_amount >= 0", name="paid_not_negative"),
        CheckConstraint("balance_amount >= 0", name="balance_not_negative"),
        CheckConstraint(
            "paid_amount + credited_amount + written_off_amount + tds_amount + balance_amount = total_amount",
            name="settled_parts_make_total",
        ),
        CheckConstraint(
            "credited_amount >= 0 AND written_off_amount >= 0 AND tds_amount >= 0",
            name="settlements_not_negative",
        ),
        CheckConstraint(_in("document_type", DOCUMENT_TYPES), name="document_type"),
        CheckConstraint(
            "(document_type = 'DEBIT_NOTE') = (original_invoice_ids IS NOT NULL)", name="debit_note_originals"
        ),
        CheckConstraint("due_date >= invoice_date", name="due_after_invoice_date"),
        CheckConstraint("minimum_partial_amount IS NULL OR minimum_partial_amount > 0", name="min_partial"),
        CheckConstraint(_in("approval_status", APPROVAL_STATUSES), name="approval_status"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        Index("uq_invoices_number", "company_id", "financial_year", "invoice_number", unique=True),
        Index(
            "uq_invoices_external_id",
            "company_id",
            "external_id",
            unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
        Index(
            "uq_invoices_payment_token",
            "payment_token",
            unique=True,
            postgresql_where=text("payment_token IS NOT NULL"),
        ),
        # Search (bench/invoice_search.py): the INCLUDE columns let a filtered page be found and ordered from
        # the index alone; the partial indexes serve "overdue", whose constants the queries spell as literals.
        Index(
            "ix_invoices_customer_due",
            "company_id",
            "customer_id",
            "due_date",
            postgresql_include=["created_on", "invoice_id"],
        ),
        Index(
            "ix_invoices_status_due",
            "company_id",
            "status",
            "due_date",
            postgresql_include=["created_on", "invoice_id"],
        ),
        Index(
            "ix_invoices_overdue",
            "company_id",
            "due_date",
            postgresql_where=text("balance_amount > 0 AND status <> 'COLLECTION_DELETED'"),
            # What the reports read of each open invoice (0021): the index alone answers them.
            postgresql_include=["customer_id", "invoice_id", "balance_amount", "posted"],
        ),
        Index(
            "ix_invoices_open_created",
            "company_id",
            "created_on",
            "invoice_id",
            postgresql_include=["due_date", "status"],
            postgresql_where=text("balance_amount > 0"),
        ),
        Index(
            "ix_invoices_overdue_customer",
            "company_id",
            "customer_id",
            "due_date",
            postgresql_include=["created_on", "invoice_id"],
            postgresql_where=text("balance_amount > 0 AND status <> 'COLLECTION_DELETED'"),
        ),
        Index("ix_invoices_created", "company_id", "created_on"),
        Index(
            "ix_invoices_overdue_unevented",
            "company_id",
            "due_date",
            postgresql_where=text(
                "overdue_evented_on IS NULL AND status IN ('DISPATCHED', 'PARTIALLY_PAID') "
                "AND balance_amount > 0"
            ),
        ),
    )


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    line_no: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    description: Mapped[str] = mapped_column(String(500))
    hsn_sac: Mapped[str] = mapped_column(String(8))
    # The unit of quantity, a GST UQC such as NOS or KGS (0018).
    unit: Mapped[str] = mapped_column(String(8), server_default="NOS")
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    gst_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    base_amount: Mapped[Decimal] = mapped_column(MONEY)
    cgst: Mapped[Decimal] = mapped_column(MONEY)
    sgst: Mapped[Decimal] = mapped_column(MONEY)
    igst: Mapped[Decimal] = mapped_column(MONEY)

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "invoice_id"], ["invoices.company_id", "invoices.invoice_id"], ondelete="CASCADE"
        ),
        CheckConstraint("quantity > 0 AND unit_price >= 0 AND gst_rate >= 0", name="positive"),
    )


class InvoiceSeries(Base):
    """The next invoice number of a seller in a financial year; rows meet here only at the very end of a
    create (one UPDATE ... RETURNING), so the series lock is held for microseconds."""

    __tablename__ = "invoice_series"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    # INVOICE, DEBIT_NOTE or CREDIT_NOTE: each document kind has its own consecutive series (0019).
    series: Mapped[str] = mapped_column(String(12), primary_key=True, server_default="INVOICE")
    financial_year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, server_default="0")


class InvoiceOpenCount(Base):
    """How many of a seller's invoices due on a day are open (something owed, collection not withdrawn): kept
    by triggers on invoices (migration 0007), so the overdue total is a sum over due dates, not a count of
    invoices."""

    __tablename__ = "invoice_open_counts"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    due_date: Mapped[date] = mapped_column(Date, primary_key=True)
    open_count: Mapped[int] = mapped_column(BigInteger)


class Event(Base):
    """Domain events (invoice.created, invoice.approved ...), written in the transaction of the change they
    describe, for webhooks to deliver."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    company_id: Mapped[str] = mapped_column(String(10))
    event_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_on: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        Index("ix_events_company", "company_id", "id"),
        # An invoice's (or any entity's) events, for its timeline on the invoice page (migration 0028).
        Index("ix_events_entity", "company_id", "entity_id", "id"),
    )
