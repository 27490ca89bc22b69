"""invoices: open invoices counted per seller and due date, kept by triggers

The overdue search's total counted every open invoice past its due date (343,501 of a million, 20-35 ms);
these counters answer it by summing at most one row per due date. Statement-level triggers with transition
tables keep them, so a bulk insert adds one row per due date, not per invoice; rows are upserted in key order
so concurrent writers take their locks in the same order.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Open (in every statement below) means what the overdue filter means, less the due date: something still
# owed on a collection not withdrawn.

_FUNCTION = """
CREATE FUNCTION invoices_count_open() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO invoice_open_counts (company_id, due_date, open_count)
        SELECT company_id, due_date, count(*) FROM new_rows WHERE balance_amount > 0 AND status <> 'COLLECTION_DELETED'
        GROUP BY company_id, due_date ORDER BY company_id, due_date
        ON CONFLICT (company_id, due_date)
        DO UPDATE SET open_count = invoice_open_counts.open_count + EXCLUDED.open_count;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO invoice_open_counts (company_id, due_date, open_count)
        SELECT company_id, due_date, -count(*) FROM old_rows WHERE balance_amount > 0 AND status <> 'COLLECTION_DELETED'
        GROUP BY company_id, due_date ORDER BY company_id, due_date
        ON CONFLICT (company_id, due_date)
        DO UPDATE SET open_count = invoice_open_counts.open_count + EXCLUDED.open_count;
    ELSE
        INSERT INTO invoice_open_counts (company_id, due_date, open_count)
        SELECT company_id, due_date, sum(change) FROM (
            SELECT company_id, due_date, 1 AS change FROM new_rows WHERE balance_amount > 0 AND status <> 'COLLECTION_DELETED'
            UNION ALL
            SELECT company_id, due_date, -1 FROM old_rows WHERE balance_amount > 0 AND status <> 'COLLECTION_DELETED'
        ) AS changes
        GROUP BY company_id, due_date HAVING sum(change) <> 0 ORDER BY company_id, due_date
        ON CONFLICT (company_id, due_date)
        DO UPDATE SET open_count = invoice_open_counts.open_count + EXCLUDED.open_count;
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "invoice_open_counts",
        sa.Column("company_id", sa.String(10), primary_key=True),
        sa.Column("due_date", sa.Date(), primary_key=True),
        # No CHECK (open_count >= 0): PostgreSQL checks the row an INSERT ... ON CONFLICT proposes before it
        # finds the conflict, and a decrement is proposed as a negative row.
        sa.Column("open_count", sa.BigInteger(), nullable=False),
    )
    op.execute(_FUNCTION)
    for event, table in (("INSERT", "NEW TABLE AS new_rows"), ("DELETE", "OLD TABLE AS old_rows")):
        op.execute(
            f"CREATE TRIGGER invoices_count_open_{event.lower()} AFTER {event} ON invoices "
            f"REFERENCING {table} FOR EACH STATEMENT EXECUTE FUNCTION invoices_count_open()"
        )
    op.execute(
        "CREATE TRIGGER invoices_count_open_update AFTER UPDATE ON invoices "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION invoices_count_open()"
    )
    # Invoices that exist already are counted once, here.
    op.execute(
        "INSERT INTO invoice_open_counts (company_id, due_date, open_count) "
        "SELECT company_id, due_date, count(*) FROM invoices "
        "WHERE balance_amount > 0 AND status <> 'COLLECTION_DELETED' GROUP BY company_id, due_date"
    )


def downgrade() -> None:
    for event in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER invoices_count_open_{event} ON invoices")
    op.execute("DROP FUNCTION invoices_count_open()")
    op.drop_table("invoice_open_counts")
