"""collection: dispatch and the outbox of messages

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("message_id", sa.String(length=16), nullable=False),
        sa.Column("invoice_id", sa.String(length=16), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "attachments",
            postgresql.JSONB(astext_type=Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=10), server_default="PENDING", nullable=False),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column(
            "next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("sent_on", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("channel IN ('EMAIL', 'SMS')", name=op.f("ck_messages_channel")),
        sa.CheckConstraint(
            "status IN ('PENDING', 'SENDING', 'SENT', 'OUTBOX', 'FAILED', 'CANCELLED')",
            name=op.f("ck_messages_status"),
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_messages_attempts_not_negative")),
        sa.ForeignKeyConstraint(
            ["company_id", "invoice_id"],
            ["invoices.company_id", "invoices.invoice_id"],
            name=op.f("fk_messages_company_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "message_id", name=op.f("pk_messages")),
    )
    op.create_index("ix_messages_company_created", "messages", ["company_id", "created_on"], unique=False)
    op.create_index(
        "ix_messages_invoice", "messages", ["company_id", "invoice_id", "created_on"], unique=False
    )
    op.create_index(
        "ix_messages_queue",
        "messages",
        ["company_id", "next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('PENDING', 'SENDING')"),
    )


def downgrade() -> None:
    op.drop_index("ix_messages_queue", table_name="messages")
    op.drop_index("ix_messages_invoice", table_name="messages")
    op.drop_index("ix_messages_company_created", table_name="messages")
    op.drop_table("messages")
