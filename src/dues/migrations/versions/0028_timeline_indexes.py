"""an entity's events and an event's webhook deliveries by index, for the invoice page's timeline

Without them the timeline's webhook part read every delivery of the company made since the invoice was.

Revision ID: 0028
Revises: 0027
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_events_entity", "events", ["company_id", "entity_id", "id"])
    op.create_index("ix_webhook_deliveries_event", "webhook_deliveries", ["company_id", "event_id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_event", table_name="webhook_deliveries")
    op.drop_index("ix_events_entity", table_name="events")
