"""the open-invoices-by-due-date index carries what reports read of each invoice

``ix_invoices_overdue`` (company, due date; open invoices under collection) also holds the customer, the
invoice id, the balance and whether the invoice is posted, so the AR overview's most-overdue customers and the
aging of open invoices read the index alone, not a heap page per invoice (173 ms against 30 ms over 1,000,000
invoices, docs/benchmarks.md). Same keys and condition: every query that used it still does.

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OVERDUE = "balance_amount > 0 AND status <> 'COLLECTION_DELETED'"


def upgrade() -> None:
    op.execute("DROP INDEX ix_invoices_overdue")
    op.execute(
        "CREATE INDEX ix_invoices_overdue ON invoices (company_id, due_date) "
        f"INCLUDE (customer_id, invoice_id, balance_amount, posted) WHERE {_OVERDUE}"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_invoices_overdue")
    op.execute(f"CREATE INDEX ix_invoices_overdue ON invoices (company_id, due_date) WHERE {_OVERDUE}")
