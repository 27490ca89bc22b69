"""collection: which worker holds a message it is sending

A message marked SENDING names the job worker (procrastinate's worker id) that claimed it, so a worker that
died is noticed by its missing heartbeat within seconds, not by a fixed wait of many minutes.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("claimed_by", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("messages", "claimed_by")
