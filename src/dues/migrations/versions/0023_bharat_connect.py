"""Bharat Connect B2B: the company's registration, every network message, and what the network knows of
invoices, payments, credit notes and purchase orders; the sandbox network's own records (api.md §8,
docs/decisions/0007-bharat-connect.md)

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bcs_invoices",
        sa.Column("supplier_b2b_id", sa.String(length=100), nullable=False),
        sa.Column("object_id", sa.String(length=35), nullable=False),
        sa.Column("buyer_b2b_id", sa.String(length=100), nullable=False),
        sa.Column("supplier_invoice_number", sa.String(length=50), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("total", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("due", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("updated_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("supplier_b2b_id", "object_id", name=op.f("pk_bcs_invoices")),
    )
    op.create_table(
        "bcs_messages",
        sa.Column("message_no", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("path", sa.String(length=100), nullable=False),
        sa.Column("req_msg_id", sa.String(length=64), nullable=True),
        sa.Column("supplier_b2b_id", sa.String(length=100), nullable=True),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("direction IN ('OUT', 'IN')", name=op.f("ck_bcs_messages_direction")),
        sa.PrimaryKeyConstraint("message_no", name=op.f("pk_bcs_messages")),
    )
    op.create_index(
        "ix_bcs_messages_supplier", "bcs_messages", ["supplier_b2b_id", "message_no"], unique=False
    )
    op.create_table(
        "bcs_rules",
        sa.Column("rule_no", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("buyer_b2b_id", sa.String(length=100), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("argument", sa.String(length=100), nullable=True),
        sa.Column("remaining", sa.Integer(), nullable=True),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "action IN ('accept','reject','return','pay-full','pay-part','pay-off-platform','fail-next')",
            name=op.f("ck_bcs_rules_action"),
        ),
        sa.CheckConstraint(
            "remaining IS NULL OR remaining >= 0", name=op.f("ck_bcs_rules_remaining_not_negative")
        ),
        sa.PrimaryKeyConstraint("rule_no", name=op.f("pk_bcs_rules")),
    )
    op.create_table(
        "bc_messages",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("message_id", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("path", sa.String(length=100), nullable=False),
        sa.Column("req_msg_id", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.String(length=40), nullable=True),
        sa.Column("dues_id", sa.String(length=16), nullable=True),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempt_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=32), nullable=True),
        sa.Column("error_cd", sa.String(length=64), nullable=True),
        sa.Column("error_dtl", sa.String(length=500), nullable=True),
        sa.Column("error_field", sa.String(length=100), nullable=True),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("sent_on", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acked_on", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(direction = 'OUT' AND state IN ('QUEUED','SENT','ACKED','FAILED')) OR (direction = 'IN' AND state IN ('APPLIED','REFUSED'))",
            name=op.f("ck_bc_messages_state_of_direction"),
        ),
        sa.CheckConstraint("direction IN ('OUT', 'IN')", name=op.f("ck_bc_messages_direction")),
        sa.CheckConstraint(
            "state <> 'QUEUED' OR next_attempt_at IS NOT NULL",
            name=op.f("ck_bc_messages_queued_is_scheduled"),
        ),
        sa.CheckConstraint(
            "state IN ('QUEUED', 'SENT', 'ACKED', 'FAILED', 'APPLIED', 'REFUSED')",
            name=op.f("ck_bc_messages_state"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.company_id"],
            name=op.f("fk_bc_messages_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "message_id", name=op.f("pk_bc_messages")),
        sa.UniqueConstraint("direction", "req_msg_id", name=op.f("uq_bc_messages_direction_req_msg_id")),
    )
    op.create_index(
        "ix_bc_messages_due",
        "bc_messages",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("state = 'QUEUED'"),
    )
    op.create_index("ix_bc_messages_of", "bc_messages", ["company_id", "dues_id", "created_on"], unique=False)
    op.create_table(
        "bc_payments",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("object_id", sa.String(length=35), nullable=False),
        sa.Column("payment_type", sa.String(length=12), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("utr", sa.String(length=50), nullable=True),
        sa.Column("net_paid", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("net_adjustment", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.Column("total", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("invoices", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("payment_id", sa.String(length=16), nullable=True),
        sa.Column("supplier_remarks", sa.String(length=100), nullable=True),
        sa.Column("received_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("confirmed_on", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "payment_type = 'OFFPLATFORM' OR status <> 'REJECTED'",
            name=op.f("ck_bc_payments_onplatform_not_rejected"),
        ),
        sa.CheckConstraint(
            "payment_type IN ('ONPLATFORM', 'OFFPLATFORM')", name=op.f("ck_bc_payments_payment_type")
        ),
        sa.CheckConstraint(
            "status <> 'RECORDED' OR payment_id IS NOT NULL", name=op.f("ck_bc_payments_recorded_has_payment")
        ),
        sa.CheckConstraint("status IN ('HELD', 'RECORDED', 'REJECTED')", name=op.f("ck_bc_payments_status")),
        sa.CheckConstraint(
            "net_paid >= 0 AND net_adjustment >= 0 AND total >= 0",
            name=op.f("ck_bc_payments_amounts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.company_id"],
            name=op.f("fk_bc_payments_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "object_id", name=op.f("pk_bc_payments")),
    )
    op.create_index("ix_bc_payments_payment", "bc_payments", ["company_id", "payment_id"], unique=False)
    op.create_table(
        "bc_purchase_orders",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("po_id", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.String(length=35), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("buyer_po_number", sa.String(length=50), nullable=False),
        sa.Column("buyer_b2b_id", sa.String(length=100), nullable=False),
        sa.Column("customer_id", sa.String(length=16), nullable=True),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("total", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("supplier_remarks", sa.String(length=100), nullable=True),
        sa.Column("invoice_id", sa.String(length=16), nullable=True),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status <> 'INVOICED' OR invoice_id IS NOT NULL",
            name=op.f("ck_bc_purchase_orders_invoiced_has_invoice"),
        ),
        sa.CheckConstraint(
            "status IN ('RECEIVED', 'ACCEPTED', 'REJECTED', 'INVOICED', 'CANCELLED')",
            name=op.f("ck_bc_purchase_orders_status"),
        ),
        sa.CheckConstraint("total >= 0", name=op.f("ck_bc_purchase_orders_total_not_negative")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.company_id"],
            name=op.f("fk_bc_purchase_orders_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "po_id", name=op.f("pk_bc_purchase_orders")),
        sa.UniqueConstraint(
            "company_id", "object_id", name=op.f("uq_bc_purchase_orders_company_id_object_id")
        ),
    )
    op.create_index(
        "ix_bc_purchase_orders_list", "bc_purchase_orders", ["company_id", "created_on"], unique=False
    )
    op.create_table(
        "bc_registrations",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pan", sa.String(length=10), nullable=False),
        sa.Column("gstin", sa.String(length=15), nullable=True),
        sa.Column("registered_name", sa.String(length=200), nullable=False),
        sa.Column("b2b_id", sa.String(length=100), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status <> 'REGISTERED' OR b2b_id IS NOT NULL", name=op.f("ck_bc_registrations_registered_has_id")
        ),
        sa.CheckConstraint(
            "status IN ('PENDING', 'REGISTERED', 'FAILED')", name=op.f("ck_bc_registrations_status")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.company_id"],
            name=op.f("fk_bc_registrations_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_bc_registrations")),
        sa.UniqueConstraint("b2b_id", name=op.f("uq_bc_registrations_b2b_id")),
    )
    op.create_table(
        "bc_message_attempts",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("message_id", sa.String(length=16), nullable=False),
        sa.Column("attempt_no", sa.Integer(), nullable=False),
        sa.Column(
            "attempted_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('OK','ERROR','UNREACHABLE')", name=op.f("ck_bc_message_attempts_outcome")
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "message_id"],
            ["bc_messages.company_id", "bc_messages.message_id"],
            name=op.f("fk_bc_message_attempts_company_id_bc_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "company_id", "message_id", "attempt_no", name=op.f("pk_bc_message_attempts")
        ),
    )
    op.create_table(
        "bc_cd_notes",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("credit_note_id", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.String(length=35), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("buyer_response", sa.String(length=8), nullable=True),
        sa.Column("buyer_remarks", sa.String(length=100), nullable=True),
        sa.Column("responded_on", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('PRESENTED', 'ACCEPTED', 'REJECTED')", name=op.f("ck_bc_cd_notes_status")
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "credit_note_id"],
            ["credit_notes.company_id", "credit_notes.credit_note_id"],
            name=op.f("fk_bc_cd_notes_company_id_credit_notes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "credit_note_id", name=op.f("pk_bc_cd_notes")),
        sa.UniqueConstraint("object_id", name=op.f("uq_bc_cd_notes_object_id")),
    )
    op.create_table(
        "bc_invoices",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("invoice_id", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.String(length=35), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("buyer_b2b_id", sa.String(length=100), nullable=False),
        sa.Column("buyer_response", sa.String(length=8), nullable=True),
        sa.Column("buyer_remarks", sa.String(length=100), nullable=True),
        sa.Column("responded_on", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "buyer_response IS NULL OR buyer_response IN ('ACCEPT', 'REJECT', 'RETURN')",
            name=op.f("ck_bc_invoices_buyer_response"),
        ),
        sa.CheckConstraint(
            "status IN ('PRESENTED', 'ACCEPTED', 'REJECTED', 'RETURNED', 'PAYMENT_PENDING_CONFIRMATION', 'PARTIALLY_PAID', 'PAID', 'CANCELLED', 'WITHDRAWN')",
            name=op.f("ck_bc_invoices_status"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_bc_invoices_version_positive")),
        sa.ForeignKeyConstraint(
            ["company_id", "invoice_id"],
            ["invoices.company_id", "invoices.invoice_id"],
            name=op.f("fk_bc_invoices_company_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "invoice_id", name=op.f("pk_bc_invoices")),
        sa.UniqueConstraint("object_id", name=op.f("uq_bc_invoices_object_id")),
    )


def downgrade() -> None:
    op.drop_table("bc_invoices")
    op.drop_table("bc_cd_notes")
    op.drop_table("bc_message_attempts")
    op.drop_table("bc_registrations")
    op.drop_table("bc_purchase_orders")
    op.drop_table("bc_payments")
    op.drop_table("bc_messages")
    op.drop_table("bcs_rules")
    op.drop_table("bcs_messages")
    op.drop_table("bcs_invoices")
