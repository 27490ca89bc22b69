"""reminders: payment reminder schedules and the record of reminders sent

``reminder_sends`` holds one row per reminder sent; its unique key (company, invoice, reminder, occurrence)
is what keeps a scheduled occurrence to one send whatever workers race. Messages may now be WHATSAPP (kept
in the outbox: there is no provider).

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("reminder_id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.String(length=16), nullable=True),
        sa.Column("steps", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("offsets", sa.ARRAY(sa.Integer()), nullable=False),
        sa.Column("send_at", sa.Time(), nullable=False),
        sa.Column("repeat_every_days", sa.SmallInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("cardinality(offsets) BETWEEN 1 AND 10", name=op.f("ck_reminders_steps_count")),
        sa.CheckConstraint(
            "repeat_every_days IS NULL OR repeat_every_days >= 1", name=op.f("ck_reminders_repeat_positive")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.company_id"],
            name=op.f("fk_reminders_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "customer_id"],
            ["customers.company_id", "customers.customer_id"],
            name=op.f("fk_reminders_company_id_customers"),
        ),
        sa.PrimaryKeyConstraint("company_id", "reminder_id", name=op.f("pk_reminders")),
    )
    op.create_index("ix_reminders_customer", "reminders", ["company_id", "customer_id"], unique=False)
    op.create_table(
        "reminder_sends",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("send_id", sa.String(length=16), nullable=False),
        sa.Column("invoice_id", sa.String(length=16), nullable=False),
        sa.Column("reminder_id", sa.String(length=16), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("occurrence", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channels", sa.ARRAY(sa.String(length=8)), nullable=False),
        sa.Column("message_ids", sa.ARRAY(sa.String(length=16)), nullable=False),
        sa.Column("balance_amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("sent_by", sa.String(length=64), nullable=False),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('STEP', 'REPEAT', 'MANUAL')", name=op.f("ck_reminder_sends_kind")),
        sa.CheckConstraint(
            "(kind = 'MANUAL') = (occurrence IS NULL)",
            name=op.f("ck_reminder_sends_manual_has_no_occurrence"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "invoice_id"],
            ["invoices.company_id", "invoices.invoice_id"],
            name=op.f("fk_reminder_sends_company_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "send_id", name=op.f("pk_reminder_sends")),
    )
    op.create_index(
        "uq_reminder_sends_occurrence",
        "reminder_sends",
        ["company_id", "invoice_id", "reminder_id", "occurrence"],
        unique=True,
    )
    op.drop_constraint(op.f("ck_messages_channel"), "messages", type_="check")
    op.create_check_constraint(
        op.f("ck_messages_channel"), "messages", "channel IN ('EMAIL', 'SMS', 'WHATSAPP')"
    )


def downgrade() -> None:
    op.execute("DELETE FROM messages WHERE channel = 'WHATSAPP'")
    op.drop_constraint(op.f("ck_messages_channel"), "messages", type_="check")
    op.create_check_constraint(op.f("ck_messages_channel"), "messages", "channel IN ('EMAIL', 'SMS')")
    op.drop_index("uq_reminder_sends_occurrence", table_name="reminder_sends")
    op.drop_table("reminder_sends")
    op.drop_index("ix_reminders_customer", table_name="reminders")
    op.drop_table("reminders")
