"""uploads: a skipped count, the file's header, and a note per row

Rows whose uniqueRefNo already exists are neither created nor failed: they are skipped, with a note saying
which customer already holds the ref, and succeeded + failed + skipped always equals rows_done.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("uploads", sa.Column("skipped", sa.Integer(), server_default="0", nullable=False))
    op.add_column("uploads", sa.Column("columns", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.create_check_constraint(
        op.f("ck_uploads_counts"), "uploads", "succeeded + failed + skipped = rows_done"
    )
    op.add_column("upload_rows", sa.Column("message", sa.String(length=500), nullable=True))


def downgrade() -> None:
    op.drop_column("upload_rows", "message")
    op.drop_constraint(op.f("ck_uploads_counts"), "uploads", type_="check")
    op.drop_column("uploads", "columns")
    op.drop_column("uploads", "skipped")
