"""summaries that keep reports fast, MSME settings and rates, statements of account (api.md §10)

Aging as of any day and the AR overview read summaries kept by statement triggers on ``ledger_entries``, in
the transaction of the movement, so that a report never re-reads the history:

- ``receivable_deltas``: per company, basis (``D`` an invoice's due date, ``I`` its invoice date, ``C`` the
  customer's credit), effective date and that date of the invoice: the sum of the entries. What was owed on a
  day ``X``, by due date, is the sum of the ``D`` rows with ``effective_date <= X``, grouped by due date.
- ``receivable_open``: the same summed over every effective date (what is owed now, by due or invoice date),
  so that aging as of today subtracts only the few rows dated after today.
- ``ledger_day_totals``: per company, day and entry type, the entries on invoices and on credit, their count,
  and for payments and TDS the amount-weighted days from invoice date and past due date (average days to pay).

An invoice whose due or invoice date changes after it entered the ledger moves its sums from the old dates to
the new ones (a row trigger, fired only when one of those dates changed).

Companies learn ``udyam_number``, ``msme_category`` and ``statement_day``; ``msme_bank_rates`` holds the RBI
bank rate by the day it took effect (editable, shipped with the rates since 2020); ``statement_runs`` records a
company's monthly statements sent, once per month whatever the number of workers.

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COMPANY = sa.String(10)
MONEY = sa.Numeric(18, 2)

# RBI bank rate (the MSF rate, repo + 0.25) by the day it took effect: MSMED Act s.16 interest is three times it.
BANK_RATES = (
    ("2020-03-27", "4.65"),
    ("2020-05-22", "4.25"),
    ("2022-05-04", "4.65"),
    ("2022-06-08", "5.15"),
    ("2022-08-05", "5.65"),
    ("2022-09-30", "6.15"),
    ("2022-12-07", "6.50"),
    ("2023-02-08", "6.75"),
    ("2025-02-07", "6.50"),
    ("2025-04-09", "6.25"),
    ("2025-06-06", "5.75"),
    ("2025-12-05", "5.50"),
)

# Rows of the new entries with the dates of their invoices; the keys are sorted so that two movements that
# touch the same rows lock them in the same order.
_FUNCTIONS = """
CREATE FUNCTION ledger_sum_reports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_day_totals AS t (company_id, effective_date, entry_type, on_invoices, on_credit, entries,
                                        days_weighted, late_weighted)
    SELECT e.company_id, e.effective_date, e.entry_type,
           COALESCE(sum(e.amount) FILTER (WHERE e.invoice_id IS NOT NULL), 0),
           COALESCE(sum(e.amount) FILTER (WHERE e.invoice_id IS NULL), 0),
           count(*),
           COALESCE(sum(-e.amount * (e.effective_date - i.invoice_date)) FILTER (WHERE i.invoice_id IS NOT NULL), 0),
           COALESCE(sum(-e.amount * GREATEST(e.effective_date - i.due_date, 0))
                    FILTER (WHERE i.invoice_id IS NOT NULL), 0)
      FROM new_rows e
      LEFT JOIN invoices i ON i.company_id = e.company_id AND i.invoice_id = e.invoice_id
                          AND e.entry_type IN ('PAYMENT', 'TDS')
     GROUP BY e.company_id, e.effective_date, e.entry_type
     ORDER BY e.company_id, e.effective_date, e.entry_type
    ON CONFLICT (company_id, effective_date, entry_type)
    DO UPDATE SET on_invoices = t.on_invoices + EXCLUDED.on_invoices, on_credit = t.on_credit + EXCLUDED.on_credit,
                  entries = t.entries + EXCLUDED.entries, days_weighted = t.days_weighted + EXCLUDED.days_weighted,
                  late_weighted = t.late_weighted + EXCLUDED.late_weighted;

    INSERT INTO receivable_deltas AS t (company_id, basis, effective_date, age_date, amount)
    SELECT company_id, basis, effective_date, age_date, sum(amount) FROM (
        SELECT e.company_id, b.basis, e.effective_date,
               CASE b.basis WHEN 'D' THEN i.due_date ELSE i.invoice_date END AS age_date, e.amount
          FROM new_rows e
          JOIN invoices i ON i.company_id = e.company_id AND i.invoice_id = e.invoice_id
         CROSS JOIN (VALUES ('D'), ('I')) AS b(basis)
        UNION ALL
        SELECT e.company_id, 'C', e.effective_date, e.effective_date, e.amount
          FROM new_rows e WHERE e.invoice_id IS NULL
    ) AS m
     GROUP BY company_id, basis, effective_date, age_date
    HAVING sum(amount) <> 0
     ORDER BY company_id, basis, effective_date, age_date
    ON CONFLICT (company_id, basis, effective_date, age_date)
    DO UPDATE SET amount = t.amount + EXCLUDED.amount;

    INSERT INTO receivable_open AS t (company_id, basis, age_date, amount)
    SELECT e.company_id, b.basis, CASE b.basis WHEN 'D' THEN i.due_date ELSE i.invoice_date END, sum(e.amount)
      FROM new_rows e
      JOIN invoices i ON i.company_id = e.company_id AND i.invoice_id = e.invoice_id
     CROSS JOIN (VALUES ('D'), ('I')) AS b(basis)
     GROUP BY 1, 2, 3
    HAVING sum(e.amount) <> 0
     ORDER BY 1, 2, 3
    ON CONFLICT (company_id, basis, age_date)
    DO UPDATE SET amount = t.amount + EXCLUDED.amount;
    RETURN NULL;
END
$$;

CREATE FUNCTION ledger_move_invoice_dates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO receivable_deltas AS t (company_id, basis, effective_date, age_date, amount)
    SELECT company_id, basis, effective_date, age_date, sum(amount) FROM (
        SELECT e.company_id, b.basis, e.effective_date, b.age_date, e.amount * b.sign AS amount
          FROM ledger_entries e
         CROSS JOIN (VALUES ('D', OLD.due_date, -1), ('D', NEW.due_date, 1),
                            ('I', OLD.invoice_date, -1), ('I', NEW.invoice_date, 1)) AS b(basis, age_date, sign)
         WHERE e.company_id = NEW.company_id AND e.invoice_id = NEW.invoice_id
    ) AS m
     GROUP BY company_id, basis, effective_date, age_date
    HAVING sum(amount) <> 0
     ORDER BY company_id, basis, effective_date, age_date
    ON CONFLICT (company_id, basis, effective_date, age_date)
    DO UPDATE SET amount = t.amount + EXCLUDED.amount;

    INSERT INTO receivable_open AS t (company_id, basis, age_date, amount)
    SELECT company_id, basis, age_date, sum(amount) FROM (
        SELECT e.company_id, b.basis, b.age_date, e.amount * b.sign AS amount
          FROM ledger_entries e
         CROSS JOIN (VALUES ('D', OLD.due_date, -1), ('D', NEW.due_date, 1),
                            ('I', OLD.invoice_date, -1), ('I', NEW.invoice_date, 1)) AS b(basis, age_date, sign)
         WHERE e.company_id = NEW.company_id AND e.invoice_id = NEW.invoice_id
    ) AS m
     GROUP BY company_id, basis, age_date
    HAVING sum(amount) <> 0
     ORDER BY company_id, basis, age_date
    ON CONFLICT (company_id, basis, age_date)
    DO UPDATE SET amount = t.amount + EXCLUDED.amount;
    RETURN NULL;
END
$$;
"""

_BACKFILL = """
INSERT INTO ledger_day_totals (company_id, effective_date, entry_type, on_invoices, on_credit, entries,
                               days_weighted, late_weighted)
SELECT e.company_id, e.effective_date, e.entry_type,
       COALESCE(sum(e.amount) FILTER (WHERE e.invoice_id IS NOT NULL), 0),
       COALESCE(sum(e.amount) FILTER (WHERE e.invoice_id IS NULL), 0),
       count(*),
       COALESCE(sum(-e.amount * (e.effective_date - i.invoice_date)) FILTER (WHERE i.invoice_id IS NOT NULL), 0),
       COALESCE(sum(-e.amount * GREATEST(e.effective_date - i.due_date, 0)) FILTER (WHERE i.invoice_id IS NOT NULL), 0)
  FROM ledger_entries e
  LEFT JOIN invoices i ON i.company_id = e.company_id AND i.invoice_id = e.invoice_id
                      AND e.entry_type IN ('PAYMENT', 'TDS')
 GROUP BY e.company_id, e.effective_date, e.entry_type;

INSERT INTO receivable_deltas (company_id, basis, effective_date, age_date, amount)
SELECT company_id, basis, effective_date, age_date, sum(amount) FROM (
    SELECT e.company_id, b.basis, e.effective_date,
           CASE b.basis WHEN 'D' THEN i.due_date ELSE i.invoice_date END AS age_date, e.amount
      FROM ledger_entries e
      JOIN invoices i ON i.company_id = e.company_id AND i.invoice_id = e.invoice_id
     CROSS JOIN (VALUES ('D'), ('I')) AS b(basis)
    UNION ALL
    SELECT e.company_id, 'C', e.effective_date, e.effective_date, e.amount
      FROM ledger_entries e WHERE e.invoice_id IS NULL
) AS m
GROUP BY company_id, basis, effective_date, age_date HAVING sum(amount) <> 0;

INSERT INTO receivable_open (company_id, basis, age_date, amount)
SELECT company_id, basis, age_date, sum(amount) FROM receivable_deltas WHERE basis IN ('D', 'I')
GROUP BY company_id, basis, age_date HAVING sum(amount) <> 0;
"""


def upgrade() -> None:
    op.create_table(
        "receivable_deltas",
        sa.Column("company_id", COMPANY, primary_key=True),
        sa.Column("basis", sa.String(1), primary_key=True),
        sa.Column("effective_date", sa.Date(), primary_key=True),
        sa.Column("age_date", sa.Date(), primary_key=True),
        sa.Column("amount", MONEY, nullable=False),
        sa.CheckConstraint("basis IN ('D', 'I', 'C')", name=op.f("ck_receivable_deltas_basis")),
    )
    op.create_table(
        "receivable_open",
        sa.Column("company_id", COMPANY, primary_key=True),
        sa.Column("basis", sa.String(1), primary_key=True),
        sa.Column("age_date", sa.Date(), primary_key=True),
        sa.Column("amount", MONEY, nullable=False),
        sa.CheckConstraint("basis IN ('D', 'I')", name=op.f("ck_receivable_open_basis")),
    )
    op.create_table(
        "ledger_day_totals",
        sa.Column("company_id", COMPANY, primary_key=True),
        sa.Column("effective_date", sa.Date(), primary_key=True),
        sa.Column("entry_type", sa.String(16), primary_key=True),
        sa.Column("on_invoices", MONEY, nullable=False),
        sa.Column("on_credit", MONEY, nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.Column("days_weighted", sa.Numeric(24, 2), nullable=False),
        sa.Column("late_weighted", sa.Numeric(24, 2), nullable=False),
    )
    op.execute(_BACKFILL)
    op.execute(_FUNCTIONS)
    op.execute(
        "CREATE TRIGGER ledger_entries_reports AFTER INSERT ON ledger_entries REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION ledger_sum_reports()"
    )
    op.execute(
        "CREATE TRIGGER invoices_report_dates AFTER UPDATE OF due_date, invoice_date ON invoices FOR EACH ROW "
        "WHEN (OLD.due_date IS DISTINCT FROM NEW.due_date OR OLD.invoice_date IS DISTINCT FROM NEW.invoice_date) "
        "EXECUTE FUNCTION ledger_move_invoice_dates()"
    )

    op.add_column("companies", sa.Column("udyam_number", sa.String(19)))
    op.add_column("companies", sa.Column("msme_category", sa.String(8)))
    op.add_column("companies", sa.Column("statement_day", sa.SmallInteger()))
    op.create_check_constraint(
        op.f("ck_companies_msme_category"), "companies", "msme_category IN ('MICRO', 'SMALL', 'MEDIUM')"
    )
    op.create_check_constraint(
        op.f("ck_companies_statement_day"), "companies", "statement_day BETWEEN 1 AND 28"
    )

    rates = op.create_table(
        "msme_bank_rates",
        sa.Column("effective_from", sa.Date(), primary_key=True),
        sa.Column("bank_rate", sa.Numeric(5, 2), nullable=False),
        sa.Column("note", sa.String(200)),
        sa.CheckConstraint("bank_rate > 0 AND bank_rate < 100", name=op.f("ck_msme_bank_rates_rate")),
    )
    op.bulk_insert(
        rates,
        [
            {"effective_from": date.fromisoformat(d), "bank_rate": Decimal(r), "note": "RBI bank rate"}
            for d, r in BANK_RATES
        ],
    )

    op.create_table(
        "statement_runs",
        sa.Column("company_id", COMPANY, primary_key=True),
        sa.Column("period_start", sa.Date(), primary_key=True),
        sa.Column("started_on", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("statement_runs")
    op.drop_table("msme_bank_rates")
    op.drop_constraint(op.f("ck_companies_statement_day"), "companies", type_="check")
    op.drop_constraint(op.f("ck_companies_msme_category"), "companies", type_="check")
    for column in ("statement_day", "msme_category", "udyam_number"):
        op.drop_column("companies", column)
    op.execute("DROP TRIGGER invoices_report_dates ON invoices")
    op.execute("DROP TRIGGER ledger_entries_reports ON ledger_entries")
    op.execute("DROP FUNCTION ledger_move_invoice_dates()")
    op.execute("DROP FUNCTION ledger_sum_reports()")
    op.drop_table("ledger_day_totals")
    op.drop_table("receivable_open")
    op.drop_table("receivable_deltas")
