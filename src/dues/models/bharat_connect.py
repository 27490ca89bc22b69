"""Bharat Connect B2B (api.md §8, docs/decisions/0007): the company's registration on the network, every
message dues and the network exchanged, and what the network knows of dues's invoices, payments, credit notes
and the purchase orders buyers sent; then the sandbox network's own records (``bcs_``), kept as a real peer
keeps its own."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from dues.models.base import Base, Timestamps

MONEY = Numeric(16, 2)
# EnKash: B2B ids ^([^\\"]){1,100}$, remarks 1-100, invoice numbers and UTRs 1-50, objectId INV/PMT/ORG + 32.
B2B_ID = String(100)
OBJECT_ID = String(35)
REMARKS = String(100)

REGISTRATION_STATUSES = ("PENDING", "REGISTERED", "FAILED")
MESSAGE_DIRECTIONS = ("OUT", "IN")
# OUT: QUEUED → SENT (the network's sync answer) → ACKED (its resp-* with no error) | FAILED.
# IN: APPLIED (handled in the transaction that stored it) | REFUSED (understood, but refused by a rule).
MESSAGE_STATES = ("QUEUED", "SENT", "ACKED", "FAILED", "APPLIED", "REFUSED")
INVOICE_STATUSES = (
    "PRESENTED",
    "ACCEPTED",
    "REJECTED",
    "RETURNED",
    "PAYMENT_PENDING_CONFIRMATION",
    "PARTIALLY_PAID",
    "PAID",
    "CANCELLED",
    "WITHDRAWN",
)
BUYER_RESPONSES = ("ACCEPT", "REJECT", "RETURN")
PAYMENT_TYPES = ("ONPLATFORM", "OFFPLATFORM")
NETWORK_PAYMENT_STATUSES = ("HELD", "RECORDED", "REJECTED")
CD_NOTE_STATUSES = ("PRESENTED", "ACCEPTED", "REJECTED")
PURCHASE_ORDER_STATUSES = ("RECEIVED", "ACCEPTED", "REJECTED", "INVOICED", "CANCELLED")


def _among(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class BcRegistration(Timestamps, Base):
    """The company's own B2B id: asked for with its PAN (and GSTIN), answered later by the network."""

    __tablename__ = "bc_registrations"

    company_id: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(16))
    pan: Mapped[str] = mapped_column(String(10))
    gstin: Mapped[str | None] = mapped_column(String(15))
    registered_name: Mapped[str] = mapped_column(String(200))
    b2b_id: Mapped[str | None] = mapped_column(B2B_ID)
    detail: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        PrimaryKeyConstraint("company_id"),
        ForeignKeyConstraint(["company_id"], ["companies.company_id"], ondelete="CASCADE"),
        CheckConstraint(_among("status", REGISTRATION_STATUSES), name="status"),
        CheckConstraint("status <> 'REGISTERED' OR b2b_id IS NOT NULL", name="registered_has_id"),
        UniqueConstraint("b2b_id"),
    )


class BcMessage(Base):
    """One message of the network's wire format, either way. ``req_msg_id`` is the message's own id on the
    network: unique per direction, so a message the network delivers twice is stored (and applied) once."""

    __tablename__ = "bc_messages"

    company_id: Mapped[str] = mapped_column(String(10))
    message_id: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(3))
    # EnKash's path, without the base URL: api/v0/invoice/req-send-invoice
    path: Mapped[str] = mapped_column(String(100))
    req_msg_id: Mapped[str] = mapped_column(String(64))
    # What the message is about: the network's objectId and dues's own id of it (INV…, PAY…, CN…, PO…).
    object_id: Mapped[str | None] = mapped_column(String(40))
    dues_id: Mapped[str | None] = mapped_column(String(16))
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    state: Mapped[str] = mapped_column(String(16))
    attempt_count: Mapped[int] = mapped_column(Integer, server_default="0")
    # QUEUED: when the next attempt is due, or, while one is in flight, when its lease runs out.
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    # The resp-* (OUT) or what applying it gave (IN): EnKash's resp {result, errorCd, errorDtl, errorField}.
    result: Mapped[str | None] = mapped_column(String(32))
    error_cd: Mapped[str | None] = mapped_column(String(64))
    error_dtl: Mapped[str | None] = mapped_column(String(500))
    error_field: Mapped[str | None] = mapped_column(String(100))
    created_on: Mapped[datetime] = mapped_column(server_default=func.now())
    sent_on: Mapped[datetime | None] = mapped_column()
    acked_on: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        PrimaryKeyConstraint("company_id", "message_id"),
        ForeignKeyConstraint(["company_id"], ["companies.company_id"], ondelete="CASCADE"),
        CheckConstraint(_among("direction", MESSAGE_DIRECTIONS), name="direction"),
        CheckConstraint(_among("state", MESSAGE_STATES), name="state"),
        CheckConstraint(
            "(direction = 'OUT' AND state IN ('QUEUED','SENT','ACKED','FAILED')) OR "
            "(direction = 'IN' AND state IN ('APPLIED','REFUSED'))",
            name="state_of_direction",
        ),
        CheckConstraint("state <> 'QUEUED' OR next_attempt_at IS NOT NULL", name="queued_is_scheduled"),
        UniqueConstraint("direction", "req_msg_id"),
        Index("ix_bc_messages_of", "company_id", "dues_id", "created_on"),
        # The sender's scan for due messages, across companies: only queued rows are in it.
        Index("ix_bc_messages_due", "next_attempt_at", postgresql_where=text("state = 'QUEUED'")),
    )


class BcMessageAttempt(Base):
    __tablename__ = "bc_message_attempts"

    company_id: Mapped[str] = mapped_column(String(10))
    message_id: Mapped[str] = mapped_column(String(16))
    attempt_no: Mapped[int] = mapped_column(Integer)
    attempted_on: Mapped[datetime] = mapped_column(server_default=func.now())
    status_code: Mapped[int | None] = mapped_column(Integer)
    # OK: the network took it; ERROR: it answered something else; UNREACHABLE: no answer.
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        PrimaryKeyConstraint("company_id", "message_id", "attempt_no"),
        ForeignKeyConstraint(
            ["company_id", "message_id"],
            ["bc_messages.company_id", "bc_messages.message_id"],
            ondelete="CASCADE",
        ),
        CheckConstraint("outcome IN ('OK','ERROR','UNREACHABLE')", name="outcome"),
    )


class BcInvoice(Timestamps, Base):
    """An invoice presented on the network: its objectId and version there, and what the buyer said."""

    __tablename__ = "bc_invoices"

    company_id: Mapped[str] = mapped_column(String(10))
    invoice_id: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[str] = mapped_column(OBJECT_ID)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    status: Mapped[str] = mapped_column(String(32))
    buyer_b2b_id: Mapped[str] = mapped_column(B2B_ID)
    buyer_response: Mapped[str | None] = mapped_column(String(8))
    buyer_remarks: Mapped[str | None] = mapped_column(REMARKS)
    responded_on: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        PrimaryKeyConstraint("company_id", "invoice_id"),
        ForeignKeyConstraint(
            ["company_id", "invoice_id"], ["invoices.company_id", "invoices.invoice_id"], ondelete="CASCADE"
        ),
        UniqueConstraint("object_id"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(_among("status", INVOICE_STATUSES), name="status"),
        CheckConstraint(
            "buyer_response IS NULL OR " + _among("buyer_response", BUYER_RESPONSES), name="buyer_response"
        ),
    )


class BcPayment(Base):
    """A payment the network reported (req-pay): ONPLATFORM ones are recorded at once, OFFPLATFORM ones are
    HELD until the supplier confirms (RECORDED) or rejects (REJECTED) them."""

    __tablename__ = "bc_payments"

    company_id: Mapped[str] = mapped_column(String(10))
    object_id: Mapped[str] = mapped_column(OBJECT_ID)
    payment_type: Mapped[str] = mapped_column(String(12))
    mode: Mapped[str] = mapped_column(String(20))
    utr: Mapped[str | None] = mapped_column(String(50))
    net_paid: Mapped[Decimal] = mapped_column(MONEY)
    net_adjustment: Mapped[Decimal] = mapped_column(MONEY, server_default="0")
    total: Mapped[Decimal] = mapped_column(MONEY)
    # invoicesPayInfos as the network sent them.
    invoices: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16))
    payment_id: Mapped[str | None] = mapped_column(String(16))
    supplier_remarks: Mapped[str | None] = mapped_column(REMARKS)
    received_on: Mapped[datetime] = mapped_column(server_default=func.now())
    confirmed_on: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        PrimaryKeyConstraint("company_id", "object_id"),
        ForeignKeyConstraint(["company_id"], ["companies.company_id"], ondelete="CASCADE"),
        CheckConstraint(_among("payment_type", PAYMENT_TYPES), name="payment_type"),
        CheckConstraint(_among("status", NETWORK_PAYMENT_STATUSES), name="status"),
        CheckConstraint("status <> 'RECORDED' OR payment_id IS NOT NULL", name="recorded_has_payment"),
        CheckConstraint(
            "payment_type = 'OFFPLATFORM' OR status <> 'REJECTED'", name="onplatform_not_rejected"
        ),
        CheckConstraint("net_paid >= 0 AND net_adjustment >= 0 AND total >= 0", name="amounts_not_negative"),
        Index("ix_bc_payments_payment", "company_id", "payment_id"),
    )


class BcCdNote(Timestamps, Base):
    """A credit note sent to the network as a cd-note (against presented invoices), and the buyer's answer."""

    __tablename__ = "bc_cd_notes"

    company_id: Mapped[str] = mapped_column(String(10))
    credit_note_id: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[str] = mapped_column(OBJECT_ID)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    status: Mapped[str] = mapped_column(String(16))
    buyer_response: Mapped[str | None] = mapped_column(String(8))
    buyer_remarks: Mapped[str | None] = mapped_column(REMARKS)
    responded_on: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        PrimaryKeyConstraint("company_id", "credit_note_id"),
        ForeignKeyConstraint(
            ["company_id", "credit_note_id"],
            ["credit_notes.company_id", "credit_notes.credit_note_id"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("object_id"),
        CheckConstraint(_among("status", CD_NOTE_STATUSES), name="status"),
    )


class BcPurchaseOrder(Timestamps, Base):
    """A buyer's purchase order received over the network (req-send), as sent, and what the supplier did."""

    __tablename__ = "bc_purchase_orders"

    company_id: Mapped[str] = mapped_column(String(10))
    po_id: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[str] = mapped_column(OBJECT_ID)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    buyer_po_number: Mapped[str] = mapped_column(String(50))
    buyer_b2b_id: Mapped[str] = mapped_column(B2B_ID)
    # The customer whose bharatConnectB2BId is the buyer's, when there is one.
    customer_id: Mapped[str | None] = mapped_column(String(16))
    order_date: Mapped[date] = mapped_column(Date)
    delivery_date: Mapped[date | None] = mapped_column(Date)
    subject: Mapped[str | None] = mapped_column(String(200))
    total: Mapped[Decimal] = mapped_column(MONEY)
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16))
    supplier_remarks: Mapped[str | None] = mapped_column(REMARKS)
    invoice_id: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        PrimaryKeyConstraint("company_id", "po_id"),
        ForeignKeyConstraint(["company_id"], ["companies.company_id"], ondelete="CASCADE"),
        UniqueConstraint("company_id", "object_id"),
        CheckConstraint(_among("status", PURCHASE_ORDER_STATUSES), name="status"),
        CheckConstraint("status <> 'INVOICED' OR invoice_id IS NOT NULL", name="invoiced_has_invoice"),
        CheckConstraint("total >= 0", name="total_not_negative"),
        Index("ix_bc_purchase_orders_list", "company_id", "created_on"),
    )


# ---------------------------------------------------------------------------------------- the sandbox peer


class BcsMessage(Base):
    """Every message the sandbox network received from or sent to a supplier, for a test to read or replay."""

    __tablename__ = "bcs_messages"

    message_no: Mapped[int] = mapped_column(BigInteger, Identity())
    # IN: from the supplier (dues); OUT: to it.
    direction: Mapped[str] = mapped_column(String(3))
    path: Mapped[str] = mapped_column(String(100))
    req_msg_id: Mapped[str | None] = mapped_column(String(64))
    supplier_b2b_id: Mapped[str | None] = mapped_column(B2B_ID)
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status_code: Mapped[int | None] = mapped_column(Integer)
    created_on: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        PrimaryKeyConstraint("message_no"),
        CheckConstraint(_among("direction", MESSAGE_DIRECTIONS), name="direction"),
        Index("ix_bcs_messages_supplier", "supplier_b2b_id", "message_no"),
    )


class BcsInvoice(Base):
    """An invoice as the sandbox's buyer sees it: presented, edited, answered, paid."""

    __tablename__ = "bcs_invoices"

    supplier_b2b_id: Mapped[str] = mapped_column(B2B_ID)
    object_id: Mapped[str] = mapped_column(OBJECT_ID)
    buyer_b2b_id: Mapped[str] = mapped_column(B2B_ID)
    supplier_invoice_number: Mapped[str] = mapped_column(String(50))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    total: Mapped[Decimal] = mapped_column(MONEY)
    due: Mapped[Decimal] = mapped_column(MONEY)
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    updated_on: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    __table_args__ = (PrimaryKeyConstraint("supplier_b2b_id", "object_id"),)


class BcsRule(Base):
    """Scripted behaviour of the sandbox: what its buyer does with each invoice presented to it (accept,
    reject, return, pay-full, pay-part), or how the network fails (fail-next: refuse the next n requests)."""

    __tablename__ = "bcs_rules"

    rule_no: Mapped[int] = mapped_column(BigInteger, Identity())
    # None: any buyer (or, for fail-next, any request).
    buyer_b2b_id: Mapped[str | None] = mapped_column(B2B_ID)
    action: Mapped[str] = mapped_column(String(16))
    argument: Mapped[str | None] = mapped_column(String(100))
    # Applies so many more times; None: every time.
    remaining: Mapped[int | None] = mapped_column(Integer)
    created_on: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        PrimaryKeyConstraint("rule_no"),
        CheckConstraint(
            "action IN ('accept','reject','return','pay-full','pay-part','pay-off-platform','fail-next')",
            name="action",
        ),
        CheckConstraint("remaining IS NULL OR remaining >= 0", name="remaining_not_negative"),
    )
