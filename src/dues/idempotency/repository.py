from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from dues.models import IdempotencyKey


async def try_insert(session: AsyncSession, company_id: str, key: str, fingerprint: str) -> bool:
    """Claim the key; a concurrent claim of the same key waits here until the first commits or rolls back."""
    stmt = (
        insert(IdempotencyKey)
        .values(company_id=company_id, key=key, fingerprint=fingerprint)
        .on_conflict_do_nothing(index_elements=["company_id", "key"])
        .returning(IdempotencyKey.key)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def get(session: AsyncSession, company_id: str, key: str) -> IdempotencyKey | None:
    stmt = select(IdempotencyKey).where(IdempotencyKey.company_id == company_id, IdempotencyKey.key == key)
    return (await session.execute(stmt)).scalar_one_or_none()


async def delete_expired(session: AsyncSession, company_id: str, key: str, before: datetime) -> None:
    await session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.company_id == company_id,
            IdempotencyKey.key == key,
            IdempotencyKey.created_on < before,
        )
    )


async def save_response(
    session: AsyncSession, company_id: str, key: str, status_code: int, content_type: str, body: bytes
) -> None:
    await session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.company_id == company_id, IdempotencyKey.key == key)
        .values(status_code=status_code, content_type=content_type, body=body)
    )


async def purge_older_than(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_on < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
