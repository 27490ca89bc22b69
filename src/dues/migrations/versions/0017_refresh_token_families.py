"""auth: refresh token families

One row per sign-in: the id of the only refresh token of it that may still be used (rotation), when that one
expires, and when the family was revoked (an older refresh token was used again: OAuth 2.0 Security BCP).

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "refresh_token_families",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("family_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=16), nullable=False),
        sa.Column("current_jti", sa.String(length=32), nullable=False),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_on", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_on", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.company_id"],
            name=op.f("fk_refresh_token_families_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_refresh_token_families_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "family_id", name=op.f("pk_refresh_token_families")),
    )
    op.create_index(
        "ix_refresh_token_families_user", "refresh_token_families", ["company_id", "user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_refresh_token_families_user", table_name="refresh_token_families")
    op.drop_table("refresh_token_families")
