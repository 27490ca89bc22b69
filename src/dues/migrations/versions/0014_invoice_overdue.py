"""invoices: invoice.overdue is written once per invoice

``overdue_evented_on`` is set by the statement that writes an invoice's invoice.overdue event, so the hourly
sweep never writes it twice. The partial index holds only the invoices out for collection with something owed
and no event yet, which is all the sweep ever looks at.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("invoices", sa.Column("overdue_evented_on", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_invoices_overdue_unevented",
        "invoices",
        ["company_id", "due_date"],
        postgresql_where=sa.text(
            "overdue_evented_on IS NULL AND status IN ('DISPATCHED', 'PARTIALLY_PAID') AND balance_amount > 0"
        ),
    )


def downgrade() -> None:
    op.drop_index("ix_invoices_overdue_unevented", table_name="invoices")
    op.drop_column("invoices", "overdue_evented_on")
