"""Adjustments (api.md §9, migration 0019): credit notes, write-offs, refunds of credit, the TDS register."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
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
TDS_SECTIONS = ("194C", "194H", "194I", "194J", "194O", "194Q", "OTHER")
TDS_STATUSES = ("AWAITING_CERTIFICATE", "CERTIFICATE_RECEIVED", "MATCHED", "MISMATCHED", "CANCELLED")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class CreditNote(Base, Timestamps):
    """A GST credit note (CGST Act s.34) to one customer, against one or more of its invoices.

    Until it is approved (``posted``) it moves nothing. Approved, its total went partly to the balances of the
    invoices it is against (``applied_amount``, itemised in credit_note_allocations), and what they could not
    take is the customer's credit (``unapplied_amount``), later applied elsewhere or refunded."""

    __tablename__ = "credit_notes"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    credit_note_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(16))
    note_number: Mapped[str] = mapped_column(String(16))
    financial_year: Mapped[int] = mapped_column(SmallInteger)
    note_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(48))
    description: Mapped[str | None] = mapped_column(String(1000))
    external_id: Mapped[str | None] = mapped_column(String(100))
    base_amount: Mapped[Decimal] = mapped_column(MONEY)
    cgst: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    sgst: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    igst: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    cess: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    total_amount: Mapped[Decimal] = mapped_column(MONEY)
    applied_amount: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    unapplied_amount: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    refunded_amount: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    approval_status: Mapped[str] = mapped_column(String(32))
    # PENDING (awaiting approval), ISSUED (approved, in the ledger), REJECTED.
    status: Mapped[str] = mapped_column(String(12), server_default="PENDING")
    posted: Mapped[bool] = mapped_column(Boolean, server_default="false")
    dispatched: Mapped[bool] = mapped_column(Boolean, server_default="false")
    dispatched_on: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "customer_id"], ["customers.company_id", "customers.customer_id"]
        ),
        CheckConstraint("base_amount >= 0 AND total_amount > 0", name="amounts"),
        CheckConstraint("cgst >= 0 AND sgst >= 0 AND igst >= 0 AND cess >= 0", name="taxes_not_negative"),
        CheckConstraint(
            "applied_amount >= 0 AND unapplied_amount >= 0 AND refunded_amount >= 0",
            name="parts_not_negative",
        ),
        CheckConstraint(
            "CASE WHEN posted THEN applied_amount + unapplied_amount + refunded_amount = total_amount "
            "ELSE applied_amount + unapplied_amount + refunded_amount = 0 END",
            name="parts_make_total",
        ),
        CheckConstraint("status IN ('PENDING', 'ISSUED', 'REJECTED')", name="status"),
        Index("uq_credit_notes_number", "company_id", "financial_year", "note_number", unique=True),
        Index(
            "uq_credit_notes_external_id",
            "company_id",
            "external_id",
            unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
        Index("ix_credit_notes_customer", "company_id", "customer_id", "note_date"),
        Index("ix_credit_notes_created", "company_id", "created_on"),
    )


class CreditNoteInvoice(Base):
    """A credit note's part against one invoice, taxed at that invoice's place of supply."""

    __tablename__ = "credit_note_invoices"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    credit_note_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    base_amount: Mapped[Decimal] = mapped_column(MONEY)
    cgst: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    sgst: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    igst: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    cess: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    total_amount: Mapped[Decimal] = mapped_column(MONEY)

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "credit_note_id"],
            ["credit_notes.company_id", "credit_notes.credit_note_id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(["company_id", "invoice_id"], ["invoices.company_id", "invoices.invoice_id"]),
        CheckConstraint("total_amount > 0 AND base_amount >= 0", name="amounts"),
        Index("ix_credit_note_invoices_invoice", "company_id", "invoice_id"),
    )


class CreditNoteLine(Base):
    __tablename__ = "credit_note_lines"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    credit_note_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    line_no: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(500))
    hsn_sac: Mapped[str] = mapped_column(String(8))
    unit: Mapped[str] = mapped_column(String(8), server_default="NOS")
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    gst_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    base_amount: Mapped[Decimal] = mapped_column(MONEY)
    cgst: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    sgst: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    igst: Mapped[Decimal] = mapped_column(MONEY, server_default="0")

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "credit_note_id"],
            ["credit_notes.company_id", "credit_notes.credit_note_id"],
            ondelete="CASCADE",
        ),
        CheckConstraint("quantity > 0 AND unit_price >= 0 AND gst_rate >= 0", name="positive"),
    )


class CreditNoteAllocation(Base):
    """Where a credit note's money went: an invoice's balance, at approval or when its credit was applied."""

    __tablename__ = "credit_note_allocations"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    credit_note_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "credit_note_id"], ["credit_notes.company_id", "credit_notes.credit_note_id"]
        ),
        ForeignKeyConstraint(["company_id", "invoice_id"], ["invoices.company_id", "invoices.invoice_id"]),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_credit_note_allocations_invoice", "company_id", "invoice_id"),
    )


class WriteOff(Base):
    __tablename__ = "write_offs"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    write_off_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(String(500))
    # Written off by the company's autoWriteOffBelow when a payment left a residual below it.
    automatic: Mapped[bool] = mapped_column(Boolean, server_default="false")
    created_by: Mapped[str] = mapped_column(String(64))
    created_on: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        ForeignKeyConstraint(["company_id", "invoice_id"], ["invoices.company_id", "invoices.invoice_id"]),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_write_offs_invoice", "company_id", "invoice_id"),
    )


class Refund(Base):
    __tablename__ = "refunds"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    refund_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    mode: Mapped[str] = mapped_column(String(8))
    reference: Mapped[str] = mapped_column(String(100))
    paid_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))
    created_on: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "customer_id"], ["customers.company_id", "customers.customer_id"]
        ),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_refunds_customer", "company_id", "customer_id", "paid_on"),
    )


class RefundSource(Base):
    """The credit a refund paid back: a payment's unallocated part or a credit note's unapplied one."""

    __tablename__ = "refund_sources"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    refund_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)

    __table_args__ = (
        ForeignKeyConstraint(["company_id", "refund_id"], ["refunds.company_id", "refunds.refund_id"]),
        CheckConstraint("amount > 0", name="amount_positive"),
    )


class TdsEntry(Base, Timestamps):
    """TDS a buyer deducted from one payment: owed to the seller by the tax department until Form 16A and
    Form 26AS show it deposited against the seller's PAN."""

    __tablename__ = "tds_entries"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    tds_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(String(16))
    invoice_ids: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    deductor_tan: Mapped[str | None] = mapped_column(String(10))
    section: Mapped[str] = mapped_column(String(8))
    payment_code: Mapped[str | None] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    deducted_on: Mapped[date] = mapped_column(Date)
    # The financial year's quarter of the deduction, as "2026-27-Q3".
    quarter: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(24), server_default="AWAITING_CERTIFICATE")
    certificate_number: Mapped[str | None] = mapped_column(String(32))
    certificate_date: Mapped[date | None] = mapped_column(Date)
    certificate_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    matched_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    statement_id: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        ForeignKeyConstraint(["company_id", "payment_id"], ["payments.company_id", "payments.payment_id"]),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(_in("section", TDS_SECTIONS), name="section"),
        CheckConstraint(_in("status", TDS_STATUSES), name="status"),
        Index("uq_tds_entries_payment", "company_id", "payment_id", unique=True),
        Index("ix_tds_entries_quarter", "company_id", "quarter", "status"),
        Index("ix_tds_entries_tan", "company_id", "deductor_tan", "section", "quarter"),
    )


class TdsStatement(Base):
    """A Form 26AS / AIS TDS statement as imported, with what each of its rows matched."""

    __tablename__ = "tds_statements"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    file_name: Mapped[str | None] = mapped_column(String(255))
    total_rows: Mapped[int] = mapped_column(Integer)
    matched_rows: Mapped[int] = mapped_column(Integer)
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(String(64))
    created_on: Mapped[datetime] = mapped_column(server_default=func.now())
