"""pay: reconciling attempts whose callback never came

The sandbox keeps what its payers chose (sandbox_transactions), so it can answer a status query as a real
gateway does. Attempts get the time reconciliation last asked about them, and a small partial index over the
unsettled ones, which the minutely job reads.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("payment_attempts", sa.Column("checked_on", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_payment_attempts_started",
        "payment_attempts",
        ["company_id", "created_on"],
        unique=False,
        postgresql_where=sa.text("status = 'STARTED'"),
    )
    op.create_table(
        "sandbox_transactions",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("gateway_reference", sa.String(length=100), nullable=False),
        sa.Column("attempt_id", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_sandbox_transactions_amount_positive")),
        sa.CheckConstraint("status IN ('SUCCEEDED', 'FAILED')", name=op.f("ck_sandbox_transactions_status")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.company_id"],
            name=op.f("fk_sandbox_transactions_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "gateway_reference", name=op.f("pk_sandbox_transactions")),
    )


def downgrade() -> None:
    op.drop_table("sandbox_transactions")
    op.drop_index("ix_payment_attempts_started", table_name="payment_attempts")
    op.drop_column("payment_attempts", "checked_on")
