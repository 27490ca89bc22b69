"""disputes and promises to pay (api.md §11)

An open dispute, or an open promise whose date has not passed, pauses the invoice's reminders (the engine's
query looks them up by the partial unique indexes: at most one open of each per invoice).

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MONEY = sa.Numeric(16, 2)
_NOW = sa.text("now()")
_OPEN = sa.text("status = 'OPEN'")


def upgrade() -> None:
    op.create_table(
        "disputes",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("dispute_id", sa.String(length=16), nullable=False),
        sa.Column("invoice_id", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("remarks", sa.String(length=500), nullable=True),
        sa.Column("amount", _MONEY, nullable=True),
        sa.Column("status", sa.String(length=8), server_default="OPEN", nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("resolution_remarks", sa.String(length=500), nullable=True),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=16), server_default="API", nullable=False),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.Column("resolved_on", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "reason IN ('PRICING', 'QUANTITY', 'QUALITY', 'NOT_RECEIVED', 'DUPLICATE', 'OTHER')",
            name=op.f("ck_disputes_reason"),
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('CREDIT_NOTE', 'REJECTED', 'WITHDRAWN', 'PRESENTED_AGAIN')",
            name=op.f("ck_disputes_outcome"),
        ),
        sa.CheckConstraint("source IN ('API', 'PORTAL', 'BHARAT_CONNECT')", name=op.f("ck_disputes_source")),
        sa.CheckConstraint("status IN ('OPEN', 'RESOLVED')", name=op.f("ck_disputes_status")),
        sa.CheckConstraint(
            "(status = 'RESOLVED') = (outcome IS NOT NULL)", name=op.f("ck_disputes_resolved_has_outcome")
        ),
        sa.CheckConstraint("amount IS NULL OR amount > 0", name=op.f("ck_disputes_amount_positive")),
        sa.ForeignKeyConstraint(
            ["company_id", "invoice_id"],
            ["invoices.company_id", "invoices.invoice_id"],
            name=op.f("fk_disputes_company_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "dispute_id", name=op.f("pk_disputes")),
    )
    op.create_index(
        "uq_disputes_open", "disputes", ["company_id", "invoice_id"], unique=True, postgresql_where=_OPEN
    )
    op.create_index("ix_disputes_customer", "disputes", ["company_id", "customer_id"])
    op.create_table(
        "promises",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("promise_id", sa.String(length=16), nullable=False),
        sa.Column("invoice_id", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.String(length=16), nullable=False),
        sa.Column("promised_date", sa.Date(), nullable=False),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("balance_at_promise", _MONEY, nullable=False),
        sa.Column("status", sa.String(length=12), server_default="OPEN", nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.Column("settled_on", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('OPEN', 'KEPT', 'BROKEN', 'SUPERSEDED')", name=op.f("ck_promises_status")
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_promises_amount_positive")),
        sa.ForeignKeyConstraint(
            ["company_id", "invoice_id"],
            ["invoices.company_id", "invoices.invoice_id"],
            name=op.f("fk_promises_company_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "promise_id", name=op.f("pk_promises")),
    )
    op.create_index(
        "uq_promises_open", "promises", ["company_id", "invoice_id"], unique=True, postgresql_where=_OPEN
    )
    op.create_index("ix_promises_customer", "promises", ["company_id", "customer_id"])
    op.create_index("ix_promises_open_date", "promises", ["promised_date"], postgresql_where=_OPEN)


def downgrade() -> None:
    op.drop_table("promises")
    op.drop_table("disputes")
