"""The migrations build exactly the schema the models describe, so a hand-written migration cannot drift."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from dues.db import sqlalchemy_url
from dues.models import Base

# Made by migrations outside the models on purpose: procrastinate's own schema, alembic's bookkeeping, and the
# trigram index that exists only where the server has pg_trgm.
_NOT_MODELLED_TABLES = ("procrastinate_", "alembic_version")
_NOT_MODELLED_INDEXES = {"ix_customers_name_trgm"}


def _modelled(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
    if kind == "table" and name and name.startswith(_NOT_MODELLED_TABLES):
        return False
    if kind == "index" and name in _NOT_MODELLED_INDEXES:
        return False
    table = getattr(obj, "table", None)
    return not (table is not None and table.name.startswith(_NOT_MODELLED_TABLES))


def test_the_migrated_database_matches_the_models(database_url: str) -> None:
    engine = create_engine(sqlalchemy_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": _modelled, "compare_type": True}
            )
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()

    assert differences == []
