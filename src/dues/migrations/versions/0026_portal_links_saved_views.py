"""the customers' portal links and the invoice list's saved views (api.md §12)

Revision ID: 0026
Revises: 0025
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "portal_links",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("link_id", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.Column("revoked_by", sa.String(length=64), nullable=True),
        sa.Column("revoked_on", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_on", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(revoked_on IS NULL) = (revoked_by IS NULL)", name=op.f("ck_portal_links_revoked_by_whom")
        ),
        sa.ForeignKeyConstraint(
            ["company_id", "customer_id"],
            ["customers.company_id", "customers.customer_id"],
            name=op.f("fk_portal_links_company_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "link_id", name=op.f("pk_portal_links")),
    )
    op.create_index(
        "uq_portal_links_live",
        "portal_links",
        ["company_id", "customer_id"],
        unique=True,
        postgresql_where=sa.text("revoked_on IS NULL"),
    )
    op.create_table(
        "saved_views",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("view_id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=16), nullable=False),
        sa.Column("page", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("created_on", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.CheckConstraint("length(btrim(name)) > 0", name=op.f("ck_saved_views_name_not_blank")),
        sa.PrimaryKeyConstraint("company_id", "view_id", name=op.f("pk_saved_views")),
    )
    op.create_index(
        "uq_saved_views_name", "saved_views", ["company_id", "user_id", "page", "name"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_saved_views_name", table_name="saved_views")
    op.drop_table("saved_views")
    op.drop_index("uq_portal_links_live", table_name="portal_links")
    op.drop_table("portal_links")
