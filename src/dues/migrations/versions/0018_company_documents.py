"""company documents: what a tax invoice prints about its seller and its lines (CGST Rules r.46)

Companies get a phone, the bank account printed for transfers, and ``upi_max_amount``, above which the
payment page offers no UPI QR code (UPI's per-transaction limit). Invoice lines get their ``unit`` (a UQC
such as NOS or KGS); existing lines are taken to be counted in numbers (NOS).

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("companies", sa.Column("phone", sa.String(length=20), nullable=True))
    op.add_column("companies", sa.Column("bank_account_name", sa.String(length=100), nullable=True))
    op.add_column("companies", sa.Column("bank_account_number", sa.String(length=36), nullable=True))
    op.add_column("companies", sa.Column("bank_ifsc", sa.String(length=11), nullable=True))
    op.add_column("companies", sa.Column("bank_name", sa.String(length=100), nullable=True))
    op.add_column(
        "companies",
        sa.Column(
            "upi_max_amount", sa.Numeric(precision=16, scale=2), server_default="100000.00", nullable=False
        ),
    )
    op.create_check_constraint(
        op.f("ck_companies_upi_max_amount_positive"), "companies", "upi_max_amount > 0"
    )
    op.add_column(
        "invoice_lines", sa.Column("unit", sa.String(length=8), server_default="NOS", nullable=False)
    )


def downgrade() -> None:
    op.drop_column("invoice_lines", "unit")
    op.drop_constraint(op.f("ck_companies_upi_max_amount_positive"), "companies", type_="check")
    for column in (
        "upi_max_amount",
        "bank_name",
        "bank_ifsc",
        "bank_account_number",
        "bank_account_name",
        "phone",
    ):
        op.drop_column("companies", column)
