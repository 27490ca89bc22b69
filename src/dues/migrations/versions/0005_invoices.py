"""invoices: GST invoices with their lines, the per-seller number series, and domain events

Money is NUMERIC(16, 2) and its invariants are CHECK constraints (paid + balance = total, nothing negative),
so no code path can write an invoice that does not add up.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=32), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=Text()), nullable=False),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_company", "events", ["company_id", "id"], unique=False)
    op.create_table(
        "invoice_series",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("financial_year", sa.SmallInteger(), nullable=False),
        sa.Column("last_number", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("company_id", "financial_year", name=op.f("pk_invoice_series")),
    )
    op.create_table(
        "invoices",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("invoice_id", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.String(length=16), nullable=False),
        sa.Column("invoice_number", sa.String(length=16), nullable=False),
        sa.Column("financial_year", sa.SmallInteger(), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("place_of_supply", sa.String(length=64), nullable=False),
        sa.Column("gst_exclusive", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("base_amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("cgst", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.Column("sgst", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.Column("igst", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.Column("cess", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.Column("total_amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("paid_amount", sa.Numeric(precision=16, scale=2), server_default="0", nullable=False),
        sa.Column("balance_amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("charge_customer", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("email_address", sa.String(length=254), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("partial_payment_allowed", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("minimum_partial_amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("approval_status", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=24), server_default="CREATED", nullable=False),
        sa.Column("collection_mode", sa.ARRAY(sa.String(length=16)), server_default="{}", nullable=False),
        sa.Column("created_via", sa.String(length=16), server_default="API", nullable=False),
        sa.Column("dispatched", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("dispatched_on", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_token", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "approval_status IN ('MAKER_APPROVAL_PENDING', 'MAKER_APPROVED', 'MAKER_REJECTED', 'CHECKER_APPROVAL_PENDING', 'CHECKER_APPROVED', 'CHECKER_REJECTED', 'APPROVER_APPROVAL_PENDING', 'APPROVER_APPROVED', 'APPROVER_REJECTED', 'BANK_APPROVED')",
            name=op.f("ck_invoices_approval_status"),
        ),
        sa.CheckConstraint(
            "status IN ('CREATED', 'DISPATCHED', 'PARTIALLY_PAID', 'PAID', 'COLLECTION_DELETED')",
            name=op.f("ck_invoices_status"),
        ),
        sa.CheckConstraint("balance_amount >= 0", name=op.f("ck_invoices_balance_not_negative")),
        sa.CheckConstraint("base_amount >= 0.1", name=op.f("ck_invoices_base_amount_min")),
        sa.CheckConstraint(
            "cgst >= 0 AND sgst >= 0 AND igst >= 0 AND cess >= 0", name=op.f("ck_invoices_taxes_not_negative")
        ),
        sa.CheckConstraint("due_date >= invoice_date", name=op.f("ck_invoices_due_after_invoice_date")),
        sa.CheckConstraint(
            "minimum_partial_amount IS NULL OR minimum_partial_amount > 0",
            name=op.f("ck_invoices_min_partial"),
        ),
        sa.CheckConstraint(
            "paid_amount + balance_amount = total_amount", name=op.f("ck_invoices_paid_plus_balance_is_total")
        ),
        sa.CheckConstraint("paid_amount >= 0", name=op.f("ck_invoices_paid_not_negative")),
        sa.ForeignKeyConstraint(
            ["company_id", "customer_id"],
            ["customers.company_id", "customers.customer_id"],
            name=op.f("fk_invoices_company_id_customers"),
        ),
        sa.PrimaryKeyConstraint("company_id", "invoice_id", name=op.f("pk_invoices")),
    )
    op.create_index("ix_invoices_created", "invoices", ["company_id", "created_on"], unique=False)
    op.create_index(
        "ix_invoices_customer_due", "invoices", ["company_id", "customer_id", "due_date"], unique=False
    )
    op.create_index(
        "ix_invoices_open_due",
        "invoices",
        ["company_id", "due_date"],
        unique=False,
        postgresql_where=sa.text("balance_amount > 0"),
    )
    op.create_index("ix_invoices_status_due", "invoices", ["company_id", "status", "due_date"], unique=False)
    op.create_index(
        "uq_invoices_external_id",
        "invoices",
        ["company_id", "external_id"],
        unique=True,
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    op.create_index(
        "uq_invoices_number", "invoices", ["company_id", "financial_year", "invoice_number"], unique=True
    )
    op.create_index(
        "uq_invoices_payment_token",
        "invoices",
        ["payment_token"],
        unique=True,
        postgresql_where=sa.text("payment_token IS NOT NULL"),
    )
    op.create_table(
        "invoice_lines",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("invoice_id", sa.String(length=16), nullable=False),
        sa.Column("line_no", sa.SmallInteger(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("hsn_sac", sa.String(length=8), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("gst_rate", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("base_amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("cgst", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("sgst", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("igst", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.CheckConstraint(
            "quantity > 0 AND unit_price >= 0 AND gst_rate >= 0", name=op.f("ck_invoice_lines_positive")
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "invoice_id"],
            ["invoices.company_id", "invoices.invoice_id"],
            name=op.f("fk_invoice_lines_company_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "invoice_id", "line_no", name=op.f("pk_invoice_lines")),
    )


def downgrade() -> None:
    op.drop_table("invoice_lines")
    op.drop_index(
        "uq_invoices_payment_token",
        table_name="invoices",
        postgresql_where=sa.text("payment_token IS NOT NULL"),
    )
    op.drop_index("uq_invoices_number", table_name="invoices")
    op.drop_index(
        "uq_invoices_external_id", table_name="invoices", postgresql_where=sa.text("external_id IS NOT NULL")
    )
    op.drop_index("ix_invoices_status_due", table_name="invoices")
    op.drop_index(
        "ix_invoices_open_due", table_name="invoices", postgresql_where=sa.text("balance_amount > 0")
    )
    op.drop_index("ix_invoices_customer_due", table_name="invoices")
    op.drop_index("ix_invoices_created", table_name="invoices")
    op.drop_table("invoices")
    op.drop_table("invoice_series")
    op.drop_index("ix_events_company", table_name="events")
    op.drop_table("events")
