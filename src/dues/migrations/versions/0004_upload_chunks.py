"""uploads: chunks done, so that several chunks of one file can be written at once

Each chunk commits in its own transaction with an upload_chunks row that claims it; the upload keeps its
chunk size and base so that every job cuts the file the same way. An upload left half-done by the previous
version (rows_done > 0, no chunk size yet) gets its base at rows_done when a job takes it up again.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("uploads", sa.Column("chunk_rows", sa.Integer(), nullable=True))
    op.add_column("uploads", sa.Column("chunk_base", sa.Integer(), nullable=True))
    op.create_table(
        "upload_chunks",
        sa.Column("company_id", sa.String(length=10), nullable=False),
        sa.Column("upload_id", sa.String(length=16), nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column("first_row", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("done_on", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("chunk >= 0 AND first_row >= 0 AND rows > 0", name=op.f("ck_upload_chunks_range")),
        sa.ForeignKeyConstraint(
            ["company_id", "upload_id"],
            ["uploads.company_id", "uploads.upload_id"],
            name=op.f("fk_upload_chunks_company_id_uploads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "upload_id", "chunk", name=op.f("pk_upload_chunks")),
    )


def downgrade() -> None:
    op.drop_table("upload_chunks")
    op.drop_column("uploads", "chunk_base")
    op.drop_column("uploads", "chunk_rows")
