"""procrastinate's job tables, so jobs are rows written in the same transaction as the change that needs them

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence
from importlib import resources

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The schema of the pinned procrastinate release (pyproject pins the minor version). A later upgrade of
    # procrastinate brings its own SQL migrations, applied by a new revision here.
    schema = resources.files("procrastinate.sql").joinpath("schema.sql").read_text()
    op.execute(schema)


def downgrade() -> None:
    op.execute(
        """
        DROP TABLE IF EXISTS procrastinate_periodic_defers, procrastinate_events, procrastinate_jobs,
            procrastinate_workers CASCADE;
        """
    )
