"""The one statement readiness needs: the schema revision the database is at."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.errors import UndefinedTable


async def schema_revision(connection: AsyncConnection[Any]) -> str | None:
    """Alembic's record of the revision the schema is at; None in a database never migrated. The connection
    is in autocommit mode, so a missing table costs nothing more than the error."""
    try:
        cursor = await connection.execute("SELECT version_num FROM alembic_version")
    except UndefinedTable:
        return None
    row = await cursor.fetchone()
    return str(row[0]) if row else None
