"""payments: payments, allocations, customer credit

Customer credit is the existing ``customers.credit_balance`` column (0001): one row to lock and read, kept
beside each payment's ``unallocated_amount``, which says where the credit came from. The invoices' money
invariants (paid >= 0, paid + balance = total, balance >= 0) are CHECKs since 0005; this adds the payments'.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("payment_id", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("allocated_amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("unallocated_amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount_positive")),
        sa.CheckConstraint(
            "allocated_amount >= 0 AND unallocated_amount >= 0", name=op.f("ck_payments_parts_not_negative")
        ),
        sa.CheckConstraint(
            "allocated_amount + unallocated_amount = amount", name=op.f("ck_payments_parts_make_amount")
        ),
        sa.CheckConstraint(
            "mode IN ('UPI', 'NEFT', 'RTGS', 'IMPS', 'CHEQUE', 'CASH', 'CARD')", name=op.f("ck_payments_mode")
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "customer_id"],
            ["customers.company_id", "customers.customer_id"],
            name=op.f("fk_payments_company_id_customers"),
        ),
        sa.PrimaryKeyConstraint("company_id", "payment_id", name=op.f("pk_payments")),
    )
    op.create_index(
        "ix_payments_customer", "payments", ["company_id", "customer_id", "paid_on"], unique=False
    )
    op.create_table(
        "payment_allocations",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("payment_id", sa.String(length=16), nullable=False),
        sa.Column("invoice_id", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_allocations_amount_positive")),
        sa.ForeignKeyConstraint(
            ["company_id", "payment_id"],
            ["payments.company_id", "payments.payment_id"],
            name=op.f("fk_payment_allocations_company_id_payments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "invoice_id"],
            ["invoices.company_id", "invoices.invoice_id"],
            name=op.f("fk_payment_allocations_company_id_invoices"),
        ),
        sa.PrimaryKeyConstraint(
            "company_id", "payment_id", "invoice_id", name=op.f("pk_payment_allocations")
        ),
    )
    op.create_index(
        "ix_payment_allocations_invoice", "payment_allocations", ["company_id", "invoice_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_payment_allocations_invoice", table_name="payment_allocations")
    op.drop_table("payment_allocations")
    op.drop_index("ix_payments_customer", table_name="payments")
    op.drop_table("payments")
