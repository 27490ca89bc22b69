"""payments: a bank or card transaction reference is recorded once

A UTR (UPI, NEFT, RTGS, IMPS) or a card transaction id names one transfer; recording it twice would count the
same money twice. Cheque and cash references (cheque and receipt numbers) are not unique across banks and
books, so they are left free.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "uq_payments_transfer_reference",
        "payments",
        ["company_id", "mode", sa.text("upper(reference)")],
        unique=True,
        postgresql_where=sa.text("mode IN ('UPI', 'NEFT', 'RTGS', 'IMPS', 'CARD')"),
    )


def downgrade() -> None:
    op.drop_index("uq_payments_transfer_reference", table_name="payments")
