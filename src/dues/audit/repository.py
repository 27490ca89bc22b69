from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from dues.models import AuditLog


async def add_many(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(AuditLog), rows)


async def list_for_entity(
    session: AsyncSession,
    company_id: str,
    entity_type: str | None,
    entity_id: str | None,
    limit: int,
    offset: int,
) -> list[AuditLog]:
    stmt = select(AuditLog).where(*_filters(company_id, entity_type, entity_id))
    stmt = stmt.order_by(AuditLog.id.desc()).limit(limit).offset(offset)
    return list((await session.execute(stmt)).scalars())


async def count_for_entity(
    session: AsyncSession, company_id: str, entity_type: str | None, entity_id: str | None
) -> int:
    stmt = select(func.count()).select_from(AuditLog).where(*_filters(company_id, entity_type, entity_id))
    return int((await session.execute(stmt)).scalar_one())


def _filters(company_id: str, entity_type: str | None, entity_id: str | None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [AuditLog.company_id == company_id]
    if entity_type:
        conds.append(AuditLog.entity_type == entity_type)
    if entity_id:
        conds.append(AuditLog.entity_id == entity_id)
    return conds
