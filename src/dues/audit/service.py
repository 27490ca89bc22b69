"""The audit trail: every change to a setting, customer or contact records who, when, before and after."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import repository
from dues.kit.logging import current_request_id
from dues.kit.timefmt import format_ist
from dues.models import AuditLog

_SKIP = {"content", "password_hash", "secret_hash", "updated_on"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return format_ist(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return f"{len(value)} bytes"
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    """The column values of an ORM object, JSON-ready, secrets left out."""
    state = inspect(obj)
    # Deferred columns not loaded (a company's logo) stay out: reading them here would be I/O in a sync call.
    unloaded = state.unloaded
    return {
        attr.key: _jsonable(getattr(obj, attr.key))
        for attr in state.mapper.column_attrs
        if attr.key not in _SKIP and attr.key not in unloaded
    }


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def entry(
    company_id: str,
    actor: str,
    entity_type: str,
    entity_id: str,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    return {
        "company_id": company_id,
        "actor": actor,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "action": action,
        "before": before,
        "after": after,
        "reason": reason,
        "request_id": current_request_id(),
    }


async def add_entries(session: AsyncSession, entries: list[dict[str, Any]]) -> None:
    """Many ``entry`` rows with one statement (bulk work)."""
    await repository.add_many(session, entries)


async def record(
    session: AsyncSession,
    company_id: str,
    actor: str,
    entity_type: str,
    entity_id: str,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    await repository.add_many(
        session, [entry(company_id, actor, entity_type, entity_id, action, before, after, reason)]
    )


async def record_many(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await repository.add_many(session, rows)


async def history(
    session: AsyncSession,
    company_id: str,
    entity_type: str | None,
    entity_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[AuditLog], int]:
    """One page of a company's audit rows, newest first, and how many there are in all."""
    rows = await repository.list_for_entity(session, company_id, entity_type, entity_id, limit, offset)
    total = await repository.count_for_entity(session, company_id, entity_type, entity_id)
    return rows, total
