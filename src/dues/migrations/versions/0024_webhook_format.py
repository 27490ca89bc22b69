"""webhook endpoints get a format: standard or enkash

``enkash`` endpoints receive the Bharat Connect events as EnKash's B2B webhooks (the message, at EnKash's path
under the endpoint's URL; api.md §6, §8). Existing endpoints are ``standard``, as before. With a constant
default the column is added without rewriting the table; the CHECK reads it once.

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "webhook_endpoints",
        sa.Column("format", sa.String(length=16), server_default="standard", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_webhook_endpoints_format"), "webhook_endpoints", "format IN ('standard','enkash')"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_webhook_endpoints_format"), "webhook_endpoints", type_="check")
    op.drop_column("webhook_endpoints", "format")
