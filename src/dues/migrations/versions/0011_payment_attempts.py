"""pay: payment attempts through a gateway (the payment page)

An attempt is settled once: STARTED → SUCCEEDED (naming its payment) or FAILED (saying why). The CHECKs hold
that in the database too, and the partial unique index keeps one payment from being claimed by two attempts.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_attempts",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("attempt_id", sa.String(length=16), nullable=False),
        sa.Column("invoice_id", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("gateway", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="STARTED", nullable=False),
        sa.Column("gateway_reference", sa.String(length=100), nullable=True),
        sa.Column("payment_id", sa.String(length=16), nullable=True),
        sa.Column("failure_reason", sa.String(length=500), nullable=True),
        sa.Column("completed_on", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_attempts_amount_positive")),
        sa.CheckConstraint(
            "status IN ('STARTED', 'SUCCEEDED', 'FAILED')", name=op.f("ck_payment_attempts_status")
        ),
        sa.CheckConstraint(
            "(status = 'SUCCEEDED') = (payment_id IS NOT NULL)",
            name=op.f("ck_payment_attempts_payment_iff_succeeded"),
        ),
        sa.CheckConstraint(
            "(status = 'STARTED') = (completed_on IS NULL)",
            name=op.f("ck_payment_attempts_completed_iff_settled"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "invoice_id"],
            ["invoices.company_id", "invoices.invoice_id"],
            name=op.f("fk_payment_attempts_company_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "attempt_id", name=op.f("pk_payment_attempts")),
    )
    op.create_index(
        "ix_payment_attempts_invoice",
        "payment_attempts",
        ["company_id", "invoice_id", "created_on"],
        unique=False,
    )
    op.create_index(
        "uq_payment_attempts_payment",
        "payment_attempts",
        ["company_id", "payment_id"],
        unique=True,
        postgresql_where=sa.text("payment_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_payment_attempts_payment", table_name="payment_attempts")
    op.drop_index("ix_payment_attempts_invoice", table_name="payment_attempts")
    op.drop_table("payment_attempts")
