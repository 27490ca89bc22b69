"""the receivables ledger and the adjustments that move it (api.md §9)

Invoices learn their document type (tax invoice, bill of supply, debit note) and what besides cash settled
them: credit notes, write-offs and TDS, so that ``paid + credited + written_off + tds + balance = total``.
Payments carry the buyer's TDS and can be reversed once; customers their TDS default. New tables: credit notes
(with the invoices they are against, their lines and where their money went), write-offs, refunds, the TDS
register and the 26AS statements matched against it, and the ledger itself.

The ledger (``ledger_entries``) is append-only: a row trigger refuses UPDATE and DELETE. Its invariant, for
every customer, ``sum(entries) = sum(balance of posted invoices) - credit_balance``, is kept in
``customer_ledger_balances`` by statement triggers on the three tables and checked at commit by a deferred
constraint trigger on that summary, so a transaction that moves money without its entries (or the reverse)
cannot commit whatever code path wrote it. An invoice is *posted* (in the ledger) from its approval until it is
withdrawn from collection.

Everything that exists already gets its entries here: an INVOICE entry for every approved invoice still under
collection, and PAYMENT entries for every payment (one per allocation, one for its unallocated credit).

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(16, 2)
ID = sa.String(16)
COMPANY = sa.String(10)
ENTRY_TYPES = (
    "INVOICE",
    "DEBIT_NOTE",
    "PAYMENT",
    "TDS",
    "CREDIT_NOTE",
    "WRITE_OFF",
    "REVERSAL",
    "REFUND",
    "CREDIT_APPLIED",
)
STATUSES = ("CREATED", "DISPATCHED", "PARTIALLY_PAID", "PAID", "WRITTEN_OFF", "COLLECTION_DELETED")
TDS_SECTIONS = ("194C", "194H", "194I", "194J", "194O", "194Q", "OTHER")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _money(name: str, **kw: object) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, MONEY, nullable=False, server_default="0", **kw)  # type: ignore[arg-type]


def _stamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_on", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    ]


# The summary the deferred check reads: one row per customer, moved by the statement triggers below.
_SUMMARY_FUNCTIONS = """
CREATE FUNCTION ledger_sum_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO customer_ledger_balances (company_id, customer_id, entries_sum, credit_entries_sum)
    SELECT company_id, customer_id, sum(amount), COALESCE(sum(amount) FILTER (WHERE invoice_id IS NULL), 0)
    FROM new_rows
    GROUP BY company_id, customer_id ORDER BY company_id, customer_id
    ON CONFLICT (company_id, customer_id)
    DO UPDATE SET entries_sum = customer_ledger_balances.entries_sum + EXCLUDED.entries_sum,
                  credit_entries_sum = customer_ledger_balances.credit_entries_sum + EXCLUDED.credit_entries_sum;
    RETURN NULL;
END
$$;

CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are never changed or deleted: a correction is a new entry'
        USING ERRCODE = 'check_violation';
END
$$;

CREATE FUNCTION ledger_sum_open_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO customer_ledger_balances (company_id, customer_id, open_sum)
    SELECT company_id, customer_id, sum(balance_amount) FROM new_rows WHERE posted
    GROUP BY company_id, customer_id ORDER BY company_id, customer_id
    ON CONFLICT (company_id, customer_id)
    DO UPDATE SET open_sum = customer_ledger_balances.open_sum + EXCLUDED.open_sum;
    RETURN NULL;
END
$$;

CREATE FUNCTION ledger_sum_open_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO customer_ledger_balances (company_id, customer_id, open_sum)
    SELECT company_id, customer_id, sum(change) FROM (
        SELECT company_id, customer_id, balance_amount AS change FROM new_rows WHERE posted
        UNION ALL
        SELECT company_id, customer_id, -balance_amount FROM old_rows WHERE posted
    ) AS changes
    GROUP BY company_id, customer_id HAVING sum(change) <> 0 ORDER BY company_id, customer_id
    ON CONFLICT (company_id, customer_id)
    DO UPDATE SET open_sum = customer_ledger_balances.open_sum + EXCLUDED.open_sum;
    RETURN NULL;
END
$$;

CREATE FUNCTION ledger_sum_open_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO customer_ledger_balances (company_id, customer_id, open_sum)
    SELECT company_id, customer_id, -sum(balance_amount) FROM old_rows WHERE posted
    GROUP BY company_id, customer_id ORDER BY company_id, customer_id
    ON CONFLICT (company_id, customer_id)
    DO UPDATE SET open_sum = customer_ledger_balances.open_sum + EXCLUDED.open_sum;
    RETURN NULL;
END
$$;

CREATE FUNCTION ledger_sum_credit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO customer_ledger_balances (company_id, customer_id, credit)
    SELECT n.company_id, n.customer_id, sum(n.credit_balance - o.credit_balance)
    FROM new_rows n JOIN old_rows o USING (company_id, customer_id)
    GROUP BY n.company_id, n.customer_id HAVING sum(n.credit_balance - o.credit_balance) <> 0
    ORDER BY n.company_id, n.customer_id
    ON CONFLICT (company_id, customer_id)
    DO UPDATE SET credit = customer_ledger_balances.credit + EXCLUDED.credit;
    RETURN NULL;
END
$$;

CREATE FUNCTION ledger_check_balance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    row customer_ledger_balances%ROWTYPE;
BEGIN
    -- Deferred to commit: read the row as the transaction leaves it, not as this event saw it.
    SELECT * INTO row FROM customer_ledger_balances
    WHERE company_id = NEW.company_id AND customer_id = NEW.customer_id;
    -- Both halves: the entries on invoices make their balances, the entries on no invoice make the credit.
    -- (Their sum alone would let a lost pair that cancels out, such as a credit application's, through.)
    IF row.entries_sum - row.credit_entries_sum <> row.open_sum OR row.credit_entries_sum <> -row.credit THEN
        RAISE EXCEPTION 'ledger out of balance for customer % of %: entries % (% of them on no invoice) <> '
            'open invoices % - credit %',
            row.customer_id, row.company_id, row.entries_sum, row.credit_entries_sum, row.open_sum, row.credit
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_balanced';
    END IF;
    RETURN NULL;
END
$$;
"""


def upgrade() -> None:
    # Companies: the series of notes, the logo, write-off and TDS settings (§1.7).
    op.add_column("companies", sa.Column("credit_note_prefix", sa.String(8), nullable=True))
    op.add_column("companies", sa.Column("debit_note_prefix", sa.String(8), nullable=True))
    op.add_column("companies", sa.Column("logo", sa.LargeBinary(), nullable=True))
    op.add_column("companies", sa.Column("logo_content_type", sa.String(32), nullable=True))
    op.add_column("companies", _money("auto_write_off_below"))
    op.add_column(
        "companies", sa.Column("tds_sanity_percent", sa.Numeric(5, 2), nullable=False, server_default="10")
    )
    op.create_check_constraint(
        op.f("ck_companies_auto_write_off_below"), "companies", "auto_write_off_below >= 0"
    )
    op.create_check_constraint(
        op.f("ck_companies_tds_sanity_percent"),
        "companies",
        "tds_sanity_percent > 0 AND tds_sanity_percent <= 100",
    )

    # Customers: the TDS their payments usually carry (§9.2).
    op.add_column("customers", sa.Column("tds_section", sa.String(8), nullable=True))
    op.add_column("customers", sa.Column("tds_rate", sa.Numeric(5, 2), nullable=True))
    op.create_check_constraint(
        op.f("ck_customers_tds_rate"), "customers", "tds_rate IS NULL OR (tds_rate > 0 AND tds_rate <= 100)"
    )
    op.create_check_constraint(
        op.f("ck_customers_tds_section"),
        "customers",
        "tds_section IS NULL OR " + _in("tds_section", TDS_SECTIONS),
    )

    # Invoices: document type, the other ways they are settled, and whether they are in the ledger.
    op.add_column(
        "invoices", sa.Column("document_type", sa.String(16), nullable=False, server_default="TAX_INVOICE")
    )
    op.add_column("invoices", sa.Column("original_invoice_ids", postgresql.ARRAY(ID), nullable=True))
    op.add_column("invoices", sa.Column("note_reason", sa.String(32), nullable=True))
    op.add_column("invoices", _money("credited_amount"))
    op.add_column("invoices", _money("written_off_amount"))
    op.add_column("invoices", _money("tds_amount"))
    op.add_column("invoices", sa.Column("posted", sa.Boolean(), nullable=False, server_default="false"))
    op.execute(
        "UPDATE invoices i SET document_type = 'BILL_OF_SUPPLY' FROM companies c "
        "WHERE c.company_id = i.company_id AND c.gstin IS NULL"
    )
    op.create_check_constraint(
        op.f("ck_invoices_document_type"),
        "invoices",
        _in("document_type", ("TAX_INVOICE", "BILL_OF_SUPPLY", "DEBIT_NOTE")),
    )
    op.create_check_constraint(
        op.f("ck_invoices_debit_note_originals"),
        "invoices",
        "(document_type = 'DEBIT_NOTE') = (original_invoice_ids IS NOT NULL)",
    )
    op.create_check_constraint(
        op.f("ck_invoices_settlements_not_negative"),
        "invoices",
        "credited_amount >= 0 AND written_off_amount >= 0 AND tds_amount >= 0",
    )
    op.drop_constraint(op.f("ck_invoices_paid_plus_balance_is_total"), "invoices", type_="check")
    op.create_check_constraint(
        op.f("ck_invoices_settled_parts_make_total"),
        "invoices",
        "paid_amount + credited_amount + written_off_amount + tds_amount + balance_amount = total_amount",
    )
    op.drop_constraint(op.f("ck_invoices_status"), "invoices", type_="check")
    op.create_check_constraint(op.f("ck_invoices_status"), "invoices", _in("status", STATUSES))

    # Number series: invoices, debit notes and credit notes each count on their own (GST r.46, r.53).
    op.add_column(
        "invoice_series", sa.Column("series", sa.String(12), nullable=False, server_default="INVOICE")
    )
    op.drop_constraint("pk_invoice_series", "invoice_series", type_="primary")
    op.create_primary_key("pk_invoice_series", "invoice_series", ["company_id", "series", "financial_year"])

    # Payments: TDS, refunds out of their credit, reversal.
    op.add_column("payments", sa.Column("tds_section", sa.String(8), nullable=True))
    op.add_column("payments", sa.Column("tds_payment_code", sa.String(16), nullable=True))
    op.add_column("payments", sa.Column("deductor_tan", sa.String(10), nullable=True))
    op.add_column("payments", _money("tds_amount"))
    op.add_column("payments", _money("refunded_amount"))
    op.add_column("payments", sa.Column("status", sa.String(12), nullable=False, server_default="RECORDED"))
    op.add_column("payments", sa.Column("reversed_on", sa.DateTime(timezone=True), nullable=True))
    op.add_column("payments", sa.Column("reversed_by", sa.String(64), nullable=True))
    op.add_column("payments", sa.Column("reversal_reason", sa.String(24), nullable=True))
    op.add_column("payments", sa.Column("reversal_remarks", sa.String(500), nullable=True))
    op.add_column("payments", sa.Column("reversal_charge_invoice_id", ID, nullable=True))
    op.drop_constraint(op.f("ck_payments_parts_make_amount"), "payments", type_="check")
    op.drop_constraint(op.f("ck_payments_parts_not_negative"), "payments", type_="check")
    op.create_check_constraint(
        op.f("ck_payments_parts_not_negative"),
        "payments",
        "allocated_amount >= 0 AND unallocated_amount >= 0 AND refunded_amount >= 0 AND tds_amount >= 0",
    )
    op.create_check_constraint(
        op.f("ck_payments_parts_make_amount"),
        "payments",
        "allocated_amount + unallocated_amount + refunded_amount = amount",
    )
    op.create_check_constraint(op.f("ck_payments_status"), "payments", "status IN ('RECORDED', 'REVERSED')")
    # TDS recorded on its own (the cash came earlier, through the payment page) is a payment of 0 that names
    # the transfer it was deducted from: it neither needs nor takes that transfer's reference for itself.
    op.drop_constraint(op.f("ck_payments_amount_positive"), "payments", type_="check")
    op.create_check_constraint(
        op.f("ck_payments_amount_positive"), "payments", "amount >= 0 AND (amount > 0 OR tds_amount > 0)"
    )
    op.drop_index("uq_payments_transfer_reference", table_name="payments")
    op.create_index(
        "uq_payments_transfer_reference",
        "payments",
        ["company_id", "mode", sa.text("upper(reference)")],
        unique=True,
        postgresql_where=sa.text("mode IN ('UPI', 'NEFT', 'RTGS', 'IMPS', 'CARD') AND amount > 0"),
    )
    op.create_check_constraint(
        op.f("ck_payments_tds_section"),
        "payments",
        "tds_section IS NULL OR " + _in("tds_section", TDS_SECTIONS),
    )
    op.create_check_constraint(
        op.f("ck_payments_reversal"),
        "payments",
        "(status = 'REVERSED') = (reversed_on IS NOT NULL AND reversal_reason IS NOT NULL)",
    )
    op.add_column("payment_allocations", _money("tds_amount"))
    op.drop_constraint(op.f("ck_payment_allocations_amount_positive"), "payment_allocations", type_="check")
    op.create_check_constraint(
        op.f("ck_payment_allocations_amount_positive"),
        "payment_allocations",
        "amount >= 0 AND tds_amount >= 0 AND amount + tds_amount > 0",
    )

    # Credit notes (§9.1).
    op.create_table(
        "credit_notes",
        sa.Column("company_id", COMPANY, primary_key=True),
        sa.Column("credit_note_id", ID, primary_key=True),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("note_number", sa.String(16), nullable=False),
        sa.Column("financial_year", sa.SmallInteger(), nullable=False),
        sa.Column("note_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(48), nullable=False),
        sa.Column("description", sa.String(1000), nullable=True),
        sa.Column("external_id", sa.String(100), nullable=True),
        sa.Column("base_amount", MONEY, nullable=False),
        _money("cgst"),
        _money("sgst"),
        _money("igst"),
        _money("cess"),
        sa.Column("total_amount", MONEY, nullable=False),
        _money("applied_amount"),
        _money("unapplied_amount"),
        _money("refunded_amount"),
        sa.Column("approval_status", sa.String(32), nullable=False),
        sa.Column("status", sa.String(12), nullable=False, server_default="PENDING"),
        sa.Column("posted", sa.Boolean(), nullable=False, server_default="false"),
        sa.Column("dispatched", sa.Boolean(), nullable=False, server_default="false"),
        sa.Column("dispatched_on", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["company_id", "customer_id"],
            ["customers.company_id", "customers.customer_id"],
            name="fk_credit_notes_company_id_customers",
        ),
        sa.CheckConstraint("base_amount >= 0 AND total_amount > 0", name=op.f("ck_credit_notes_amounts")),
        sa.CheckConstraint(
            "cgst >= 0 AND sgst >= 0 AND igst >= 0 AND cess >= 0",
            name=op.f("ck_credit_notes_taxes_not_negative"),
        ),
        sa.CheckConstraint(
            "applied_amount >= 0 AND unapplied_amount >= 0 AND refunded_amount >= 0",
            name=op.f("ck_credit_notes_parts_not_negative"),
        ),
        sa.CheckConstraint(
            "CASE WHEN posted THEN applied_amount + unapplied_amount + refunded_amount = total_amount "
            "ELSE applied_amount + unapplied_amount + refunded_amount = 0 END",
            name=op.f("ck_credit_notes_parts_make_total"),
        ),
        sa.CheckConstraint(
            "status IN ('PENDING', 'ISSUED', 'REJECTED')", name=op.f("ck_credit_notes_status")
        ),
    )
    op.create_index(
        "uq_credit_notes_number", "credit_notes", ["company_id", "financial_year", "note_number"], unique=True
    )
    op.create_index(
        "uq_credit_notes_external_id",
        "credit_notes",
        ["company_id", "external_id"],
        unique=True,
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    op.create_index("ix_credit_notes_customer", "credit_notes", ["company_id", "customer_id", "note_date"])
    op.create_index("ix_credit_notes_created", "credit_notes", ["company_id", "created_on"])
    op.create_table(
        "credit_note_invoices",
        sa.Column("company_id", COMPANY, primary_key=True),
        sa.Column("credit_note_id", ID, primary_key=True),
        sa.Column("invoice_id", ID, primary_key=True),
        sa.Column("base_amount", MONEY, nullable=False),
        _money("cgst"),
        _money("sgst"),
        _money("igst"),
        _money("cess"),
        sa.Column("total_amount", MONEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "credit_note_id"],
            ["credit_notes.company_id", "credit_notes.credit_note_id"],
            ondelete="CASCADE",
            name="fk_credit_note_invoices_company_id_credit_notes",
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "invoice_id"],
            ["invoices.company_id", "invoices.invoice_id"],
            name="fk_credit_note_invoices_company_id_invoices",
        ),
        sa.CheckConstraint(
            "total_amount > 0 AND base_amount >= 0", name=op.f("ck_credit_note_invoices_amounts")
        ),
    )
    op.create_index("ix_credit_note_invoices_invoice", "credit_note_invoices", ["company_id", "invoice_id"])
    op.create_table(
        "credit_note_lines",
        sa.Column("company_id", COMPANY, primary_key=True),
        sa.Column("credit_note_id", ID, primary_key=True),
        sa.Column("line_no", sa.SmallInteger(), primary_key=True),
        sa.Column("invoice_id", ID, nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("hsn_sac", sa.String(8), nullable=False),
        sa.Column("unit", sa.String(8), nullable=False, server_default="NOS"),
        sa.Column("quantity", sa.Numeric(14, 3), nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("gst_rate", sa.Numeric(5, 2), nullable=False),
        sa.Column("base_amount", MONEY, nullable=False),
        _money("cgst"),
        _money("sgst"),
        _money("igst"),
        sa.ForeignKeyConstraint(
            ["company_id", "credit_note_id"],
            ["credit_notes.company_id", "credit_notes.credit_note_id"],
            ondelete="CASCADE",
            name="fk_credit_note_lines_company_id_credit_notes",
        ),
        sa.CheckConstraint(
            "quantity > 0 AND unit_price >= 0 AND gst_rate >= 0", name=op.f("ck_credit_note_lines_positive")
        ),
    )
    # Where a note's money went: the balances of the invoices it is against, and later applications of its credit.
    op.create_table(
        "credit_note_allocations",
        sa.Column("company_id", COMPANY, primary_key=True),
        sa.Column("credit_note_id", ID, primary_key=True),
        sa.Column("invoice_id", ID, primary_key=True),
        sa.Column("amount", MONEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "credit_note_id"],
            ["credit_notes.company_id", "credit_notes.credit_note_id"],
            name="fk_credit_note_allocations_company_id_credit_notes",
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "invoice_id"],
            ["invoices.company_id", "invoices.invoice_id"],
            name="fk_credit_note_allocations_company_id_invoices",
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_credit_note_allocations_amount_positive")),
    )
    op.create_index(
        "ix_credit_note_allocations_invoice", "credit_note_allocations", ["company_id", "invoice_id"]
    )

    # Write-offs (§9.3).
    op.create_table(
        "write_offs",
        sa.Column("company_id", COMPANY, primary_key=True),
        sa.Column("write_off_id", ID, primary_key=True),
        sa.Column("invoice_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False, server_default="false"),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "invoice_id"],
            ["invoices.company_id", "invoices.invoice_id"],
            name="fk_write_offs_company_id_invoices",
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_write_offs_amount_positive")),
    )
    op.create_index("ix_write_offs_invoice", "write_offs", ["company_id", "invoice_id"])

    # Refunds of customer credit (§9.3), and which credits each took.
    op.create_table(
        "refunds",
        sa.Column("company_id", COMPANY, primary_key=True),
        sa.Column("refund_id", ID, primary_key=True),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "customer_id"],
            ["customers.company_id", "customers.customer_id"],
            name="fk_refunds_company_id_customers",
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_refunds_amount_positive")),
    )
    op.create_index("ix_refunds_customer", "refunds", ["company_id", "customer_id", "paid_on"])
    op.create_table(
        "refund_sources",
        sa.Column("company_id", COMPANY, primary_key=True),
        sa.Column("refund_id", ID, primary_key=True),
        sa.Column("source_id", ID, primary_key=True),
        sa.Column("amount", MONEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "refund_id"],
            ["refunds.company_id", "refunds.refund_id"],
            name="fk_refund_sources_company_id_refunds",
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_refund_sources_amount_positive")),
    )

    # The TDS register (§9.2) and the 26AS / AIS statements matched against it.
    op.create_table(
        "tds_entries",
        sa.Column("company_id", COMPANY, primary_key=True),
        sa.Column("tds_id", ID, primary_key=True),
        sa.Column("payment_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("invoice_ids", postgresql.ARRAY(ID), nullable=False),
        sa.Column("deductor_tan", sa.String(10), nullable=True),
        sa.Column("section", sa.String(8), nullable=False),
        sa.Column("payment_code", sa.String(16), nullable=True),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("deducted_on", sa.Date(), nullable=False),
        sa.Column("quarter", sa.String(10), nullable=False),
        sa.Column("status", sa.String(24), nullable=False, server_default="AWAITING_CERTIFICATE"),
        sa.Column("certificate_number", sa.String(32), nullable=True),
        sa.Column("certificate_date", sa.Date(), nullable=True),
        sa.Column("certificate_amount", MONEY, nullable=True),
        sa.Column("matched_amount", MONEY, nullable=True),
        sa.Column("statement_id", ID, nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["company_id", "payment_id"],
            ["payments.company_id", "payments.payment_id"],
            name="fk_tds_entries_company_id_payments",
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_tds_entries_amount_positive")),
        sa.CheckConstraint(_in("section", TDS_SECTIONS), name=op.f("ck_tds_entries_section")),
        sa.CheckConstraint(
            _in(
                "status",
                ("AWAITING_CERTIFICATE", "CERTIFICATE_RECEIVED", "MATCHED", "MISMATCHED", "CANCELLED"),
            ),
            name=op.f("ck_tds_entries_status"),
        ),
    )
    op.create_index("uq_tds_entries_payment", "tds_entries", ["company_id", "payment_id"], unique=True)
    op.create_index("ix_tds_entries_quarter", "tds_entries", ["company_id", "quarter", "status"])
    op.create_index("ix_tds_entries_tan", "tds_entries", ["company_id", "deductor_tan", "section", "quarter"])
    op.create_table(
        "tds_statements",
        sa.Column("company_id", COMPANY, primary_key=True),
        sa.Column("statement_id", ID, primary_key=True),
        sa.Column("file_name", sa.String(255), nullable=True),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("matched_rows", sa.Integer(), nullable=False),
        sa.Column("result", postgresql.JSONB(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )

    # The ledger (§9.4).
    op.create_table(
        "ledger_entries",
        sa.Column("company_id", COMPANY, primary_key=True),
        sa.Column("entry_id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("posted_on", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("entry_type", sa.String(16), nullable=False),
        sa.Column("document_id", ID, nullable=False),
        sa.Column("document_number", sa.String(100), nullable=True),
        sa.Column("invoice_id", ID, nullable=True),
        sa.Column("amount", MONEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "customer_id"],
            ["customers.company_id", "customers.customer_id"],
            name="fk_ledger_entries_company_id_customers",
        ),
        sa.CheckConstraint(_in("entry_type", ENTRY_TYPES), name=op.f("ck_ledger_entries_entry_type")),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_ledger_entries_amount_not_zero")),
    )
    op.create_index(
        "ix_ledger_entries_customer",
        "ledger_entries",
        ["company_id", "customer_id", "effective_date", "entry_id"],
    )
    op.create_index(
        "ix_ledger_entries_invoice",
        "ledger_entries",
        ["company_id", "invoice_id"],
        postgresql_where=sa.text("invoice_id IS NOT NULL"),
    )
    op.create_index("ix_ledger_entries_date", "ledger_entries", ["company_id", "effective_date"])
    op.create_table(
        "customer_ledger_balances",
        sa.Column("company_id", COMPANY, primary_key=True),
        sa.Column("customer_id", ID, primary_key=True),
        _money("entries_sum"),
        _money("credit_entries_sum"),
        _money("open_sum"),
        _money("credit"),
    )

    # What exists already enters the ledger before the triggers watch it.
    op.execute(
        "UPDATE invoices i SET posted = true FROM companies c WHERE c.company_id = i.company_id "
        "AND i.status <> 'COLLECTION_DELETED' AND "
        "(i.approval_status IN ('APPROVER_APPROVED', 'BANK_APPROVED') OR "
        "(c.approval_chain = 'MAKER_CHECKER' AND i.approval_status = 'CHECKER_APPROVED') OR "
        "i.paid_amount > 0)"
    )
    op.execute(
        "INSERT INTO ledger_entries (company_id, customer_id, effective_date, posted_on, entry_type, "
        "document_id, document_number, invoice_id, amount) "
        "SELECT company_id, customer_id, invoice_date, created_on, 'INVOICE', invoice_id, invoice_number, "
        "invoice_id, total_amount FROM invoices WHERE posted ORDER BY company_id, invoice_date, created_on"
    )
    op.execute(
        "INSERT INTO ledger_entries (company_id, customer_id, effective_date, posted_on, entry_type, "
        "document_id, document_number, invoice_id, amount) "
        "SELECT p.company_id, p.customer_id, p.paid_on, p.created_on, 'PAYMENT', p.payment_id, p.reference, "
        "a.invoice_id, -a.amount FROM payment_allocations a "
        "JOIN payments p USING (company_id, payment_id) ORDER BY p.company_id, p.paid_on, p.created_on"
    )
    op.execute(
        "INSERT INTO ledger_entries (company_id, customer_id, effective_date, posted_on, entry_type, "
        "document_id, document_number, invoice_id, amount) "
        "SELECT company_id, customer_id, paid_on, created_on, 'PAYMENT', payment_id, reference, NULL, "
        "-unallocated_amount FROM payments WHERE unallocated_amount > 0 ORDER BY company_id, paid_on, created_on"
    )
    op.execute(
        "INSERT INTO customer_ledger_balances (company_id, customer_id, entries_sum, credit_entries_sum, "
        "open_sum, credit) SELECT c.company_id, c.customer_id, "
        "COALESCE((SELECT sum(amount) FROM ledger_entries e WHERE e.company_id = c.company_id "
        "AND e.customer_id = c.customer_id), 0), "
        "COALESCE((SELECT sum(amount) FROM ledger_entries e WHERE e.company_id = c.company_id "
        "AND e.customer_id = c.customer_id AND e.invoice_id IS NULL), 0), "
        "COALESCE((SELECT sum(balance_amount) FROM invoices i WHERE i.company_id = c.company_id "
        "AND i.customer_id = c.customer_id AND i.posted), 0), c.credit_balance FROM customers c"
    )

    op.execute(_SUMMARY_FUNCTIONS)
    op.execute(
        "CREATE TRIGGER ledger_entries_sum AFTER INSERT ON ledger_entries REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION ledger_sum_entries()"
    )
    op.execute(
        "CREATE TRIGGER ledger_entries_immutable BEFORE UPDATE OR DELETE ON ledger_entries "
        "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER invoices_ledger_insert AFTER INSERT ON invoices REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION ledger_sum_open_insert()"
    )
    op.execute(
        "CREATE TRIGGER invoices_ledger_update AFTER UPDATE ON invoices "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION ledger_sum_open_update()"
    )
    op.execute(
        "CREATE TRIGGER invoices_ledger_delete AFTER DELETE ON invoices REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION ledger_sum_open_delete()"
    )
    op.execute(
        "CREATE TRIGGER customers_ledger_credit AFTER UPDATE ON customers "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION ledger_sum_credit()"
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER ledger_balanced AFTER INSERT OR UPDATE ON customer_ledger_balances "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balance()"
    )
    # The rows written above are checked now, not at some later commit: existing data that does not add up
    # stops the upgrade here, with the customer named.
    op.execute(
        "DO $$ DECLARE bad record; BEGIN "
        "SELECT * INTO bad FROM customer_ledger_balances WHERE entries_sum - credit_entries_sum <> open_sum "
        "OR credit_entries_sum <> -credit LIMIT 1; "
        "IF FOUND THEN RAISE EXCEPTION 'ledger out of balance for customer % of %', bad.customer_id, "
        "bad.company_id; END IF; END $$"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER ledger_balanced ON customer_ledger_balances")
    op.execute("DROP TRIGGER customers_ledger_credit ON customers")
    op.execute("DROP TRIGGER invoices_ledger_delete ON invoices")
    op.execute("DROP TRIGGER invoices_ledger_update ON invoices")
    op.execute("DROP TRIGGER invoices_ledger_insert ON invoices")
    op.execute("DROP TRIGGER ledger_entries_immutable ON ledger_entries")
    op.execute("DROP TRIGGER ledger_entries_sum ON ledger_entries")
    for fn in (
        "ledger_check_balance",
        "ledger_sum_credit",
        "ledger_sum_open_delete",
        "ledger_sum_open_update",
        "ledger_sum_open_insert",
        "ledger_refuse_change",
        "ledger_sum_entries",
    ):
        op.execute(f"DROP FUNCTION {fn}()")
    for table in (
        "customer_ledger_balances",
        "ledger_entries",
        "tds_statements",
        "tds_entries",
        "refund_sources",
        "refunds",
        "write_offs",
        "credit_note_allocations",
        "credit_note_lines",
        "credit_note_invoices",
        "credit_notes",
    ):
        op.drop_table(table)
    op.drop_constraint(op.f("ck_payment_allocations_amount_positive"), "payment_allocations", type_="check")
    op.create_check_constraint(
        op.f("ck_payment_allocations_amount_positive"), "payment_allocations", "amount > 0"
    )
    op.drop_column("payment_allocations", "tds_amount")
    op.drop_index("uq_payments_transfer_reference", table_name="payments")
    op.create_index(
        "uq_payments_transfer_reference",
        "payments",
        ["company_id", "mode", sa.text("upper(reference)")],
        unique=True,
        postgresql_where=sa.text("mode IN ('UPI', 'NEFT', 'RTGS', 'IMPS', 'CARD')"),
    )
    for name in (
        "reversal",
        "tds_section",
        "status",
        "parts_make_amount",
        "parts_not_negative",
        "amount_positive",
    ):
        op.drop_constraint(op.f(f"ck_payments_{name}"), "payments", type_="check")
    op.create_check_constraint(op.f("ck_payments_amount_positive"), "payments", "amount > 0")
    for column in (
        "reversal_charge_invoice_id",
        "reversal_remarks",
        "reversal_reason",
        "reversed_by",
        "reversed_on",
        "status",
        "refunded_amount",
        "tds_amount",
        "deductor_tan",
        "tds_payment_code",
        "tds_section",
    ):
        op.drop_column("payments", column)
    op.create_check_constraint(
        op.f("ck_payments_parts_not_negative"),
        "payments",
        "allocated_amount >= 0 AND unallocated_amount >= 0",
    )
    op.create_check_constraint(
        op.f("ck_payments_parts_make_amount"), "payments", "allocated_amount + unallocated_amount = amount"
    )
    op.drop_constraint("pk_invoice_series", "invoice_series", type_="primary")
    op.execute("DELETE FROM invoice_series WHERE series <> 'INVOICE'")
    op.create_primary_key("pk_invoice_series", "invoice_series", ["company_id", "financial_year"])
    op.drop_column("invoice_series", "series")
    op.drop_constraint(op.f("ck_invoices_status"), "invoices", type_="check")
    op.create_check_constraint(
        op.f("ck_invoices_status"),
        "invoices",
        _in("status", tuple(s for s in STATUSES if s != "WRITTEN_OFF")),
    )
    op.drop_constraint(op.f("ck_invoices_settled_parts_make_total"), "invoices", type_="check")
    op.create_check_constraint(
        op.f("ck_invoices_paid_plus_balance_is_total"),
        "invoices",
        "paid_amount + balance_amount = total_amount",
    )
    for name in ("settlements_not_negative", "debit_note_originals", "document_type"):
        op.drop_constraint(op.f(f"ck_invoices_{name}"), "invoices", type_="check")
    for column in (
        "posted",
        "tds_amount",
        "written_off_amount",
        "credited_amount",
        "note_reason",
        "original_invoice_ids",
        "document_type",
    ):
        op.drop_column("invoices", column)
    for name in ("tds_section", "tds_rate"):
        op.drop_constraint(op.f(f"ck_customers_{name}"), "customers", type_="check")
        op.drop_column("customers", name)
    for name in ("tds_sanity_percent", "auto_write_off_below"):
        op.drop_constraint(op.f(f"ck_companies_{name}"), "companies", type_="check")
    for column in (
        "tds_sanity_percent",
        "auto_write_off_below",
        "logo_content_type",
        "logo",
        "debit_note_prefix",
        "credit_note_prefix",
    ):
        op.drop_column("companies", column)
