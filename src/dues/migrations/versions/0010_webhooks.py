"""webhooks: endpoints and deliveries

Deliveries are made by a statement-level trigger on ``events``: whatever writes an event (createInvoice, a bulk
upload inserting thousands in one statement) also writes, in the same transaction, one delivery per subscribed
endpoint of its company, and queues the job that sends them. See docs/webhooks.md.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One join of the statement's new events with the endpoints: with no endpoint for the company it inserts
# nothing and queues nothing. The job is queued once per statement, not per row; the sender takes whatever is
# due, so a spare job costs one empty query.
_FAN_OUT = """
CREATE FUNCTION webhooks_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries
        (company_id, delivery_id, webhook_id, event_id, event_type, status, next_attempt_at)
    SELECT e.company_id, 'msg_' || replace(gen_random_uuid()::text, '-', ''), w.webhook_id, e.id,
           e.event_type, 'PENDING', now()
    FROM new_events e
    JOIN webhook_endpoints w ON w.company_id = e.company_id AND e.event_type = ANY (w.events);
    IF FOUND THEN
        PERFORM procrastinate_defer_jobs_v1(ARRAY[ROW(
            'webhooks', 'dues.webhooks.send_due', 0, NULL, NULL, '{}'::jsonb, NULL
        )::procrastinate_job_to_defer_v1]);
    END IF;
    RETURN NULL;
END
$$
"""

_TRIGGER = """
CREATE TRIGGER events_webhooks_fan_out AFTER INSERT ON events
REFERENCING NEW TABLE AS new_events
FOR EACH STATEMENT EXECUTE FUNCTION webhooks_fan_out()
"""


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("webhook_id", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("events", sa.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("cardinality(events) > 0", name=op.f("ck_webhook_endpoints_events_not_empty")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.company_id"],
            name=op.f("fk_webhook_endpoints_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "webhook_id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("delivery_id", sa.String(length=36), nullable=False),
        sa.Column("webhook_id", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="PENDING", nullable=False),
        sa.Column("attempt_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_attempt_on", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_on", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('PENDING','DELIVERED','FAILED')", name=op.f("ck_webhook_deliveries_status")
        ),
        sa.CheckConstraint(
            "status <> 'PENDING' OR next_attempt_at IS NOT NULL",
            name=op.f("ck_webhook_deliveries_pending_is_scheduled"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "webhook_id"],
            ["webhook_endpoints.company_id", "webhook_endpoints.webhook_id"],
            name=op.f("fk_webhook_deliveries_company_id_webhook_endpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "delivery_id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        "ix_webhook_deliveries_log", "webhook_deliveries", ["company_id", "webhook_id", "created_on"]
    )
    op.create_index(
        "ix_webhook_deliveries_due",
        "webhook_deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'PENDING'"),
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("delivery_id", sa.String(length=36), nullable=False),
        sa.Column(
            "attempted_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id", "delivery_id"],
            ["webhook_deliveries.company_id", "webhook_deliveries.delivery_id"],
            name=op.f("fk_webhook_attempts_company_id_webhook_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "id", name=op.f("pk_webhook_attempts")),
    )
    op.create_index("ix_webhook_attempts_delivery", "webhook_attempts", ["company_id", "delivery_id"])
    op.execute(_FAN_OUT)
    op.execute(_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS events_webhooks_fan_out ON events")
    op.execute("DROP FUNCTION IF EXISTS webhooks_fan_out()")
    op.drop_index("ix_webhook_attempts_delivery", table_name="webhook_attempts")
    op.drop_table("webhook_attempts")
    op.drop_index("ix_webhook_deliveries_due", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_log", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")
