from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
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
    stmt = select(AuditLog).where(AuditLog.company_id == company_id)
    if entity_type:
        stmt = stmt.where(AuditLog.entity_type == entity_type)
    if entity_id:
        stmt = stmt.where(AuditLog.entity_id == entity_id)
    stmt = stmt.order_by(AuditLog.id.desc()).limit(limit).offset(offset)
    return list((await session.execute(stmt)).scalars())
