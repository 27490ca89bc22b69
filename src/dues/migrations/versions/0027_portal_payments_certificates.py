"""the customer portal: one payment attempt over several invoices, and Form 16A files (api.md §12)

Revision ID: 0027
Revises: 0026
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MONEY = sa.Numeric(16, 2)


def upgrade() -> None:
    # An attempt over several invoices names none itself: its parts are in payment_attempt_invoices.
    op.alter_column("payment_attempts", "invoice_id", existing_type=sa.String(length=16), nullable=True)
    op.create_table(
        "payment_attempt_invoices",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("attempt_id", sa.String(length=16), nullable=False),
        sa.Column("invoice_id", sa.String(length=16), nullable=False),
        sa.Column("amount", _MONEY, nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_attempt_invoices_amount_positive")),
        sa.ForeignKeyConstraint(
            ["company_id", "attempt_id"],
            ["payment_attempts.company_id", "payment_attempts.attempt_id"],
            name=op.f("fk_payment_attempt_invoices_company_id_payment_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "invoice_id"],
            ["invoices.company_id", "invoices.invoice_id"],
            name=op.f("fk_payment_attempt_invoices_company_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "company_id", "attempt_id", "invoice_id", name=op.f("pk_payment_attempt_invoices")
        ),
    )
    op.create_index(
        "ix_payment_attempt_invoices_invoice", "payment_attempt_invoices", ["company_id", "invoice_id"]
    )
    op.create_table(
        "tds_certificate_files",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("tds_id", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "size > 0 AND size <= 5242880", name=op.f("ck_tds_certificate_files_size_bounded")
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "tds_id"],
            ["tds_entries.company_id", "tds_entries.tds_id"],
            name=op.f("fk_tds_certificate_files_company_id_tds_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "tds_id", name=op.f("pk_tds_certificate_files")),
    )


def downgrade() -> None:
    op.drop_table("tds_certificate_files")
    op.drop_index("ix_payment_attempt_invoices_invoice", table_name="payment_attempt_invoices")
    op.drop_table("payment_attempt_invoices")
    # Attempts over several invoices cannot survive the old shape.
    op.execute("DELETE FROM payment_attempts WHERE invoice_id IS NULL")
    op.alter_column("payment_attempts", "invoice_id", existing_type=sa.String(length=16), nullable=False)
