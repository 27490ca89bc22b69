"""All SQL of the TDS register and its statement imports; every statement is scoped by company here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from dues.models.adjustment import TdsEntry, TdsStatement

_TDS_ID = re.compile(r"^TD[A-Z0-9]{14}\Z", re.ASCII)
# Entries a statement may (still) confirm: anything but the TDS of a reversed payment.
_LIVE = ("AWAITING_CERTIFICATE", "CERTIFICATE_RECEIVED", "MATCHED", "MISMATCHED")


async def insert(session: AsyncSession, entry: TdsEntry) -> None:
    session.add(entry)
    await session.flush()


async def get(
    session: AsyncSession, company_id: str, tds_id: str, *, for_update: bool = False
) -> TdsEntry | None:
    if not _TDS_ID.match(tds_id):
        return None
    stmt = select(TdsEntry).where(TdsEntry.company_id == company_id, TdsEntry.tds_id == tds_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


def _filters(company_id: str, filters: dict[str, Any]) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [TdsEntry.company_id == company_id]
    if filters.get("quarter"):
        conds.append(TdsEntry.quarter == filters["quarter"])
    if filters.get("status"):
        conds.append(TdsEntry.status == str(filters["status"]))
    if filters.get("customer_ids") is not None:
        conds.append(TdsEntry.customer_id.in_(list(filters["customer_ids"])))
    if filters.get("deductor_tan"):
        conds.append(TdsEntry.deductor_tan == filters["deductor_tan"])
    return conds


async def search(
    session: AsyncSession,
    company_id: str,
    filters: dict[str, Any],
    order_column: str,
    descending: bool,
    limit: int,
    offset: int,
) -> tuple[list[TdsEntry], int]:
    conds = _filters(company_id, filters)
    column = getattr(TdsEntry, order_column)
    order = [
        column.desc().nulls_last() if descending else column.asc().nulls_last(),
        TdsEntry.tds_id.desc() if descending else TdsEntry.tds_id.asc(),
    ]
    stmt = select(TdsEntry).where(and_(*conds)).order_by(*order).limit(limit).offset(offset)
    rows = list((await session.execute(stmt)).scalars())
    total = (
        await session.execute(select(func.count()).select_from(TdsEntry).where(and_(*conds)))
    ).scalar_one()
    return rows, int(total)


async def lock_of_quarters(session: AsyncSession, company_id: str, quarters: Sequence[str]) -> list[TdsEntry]:
    """The live entries of the quarters, locked in tds_id order: a statement import and a certificate being
    recorded for one of them queue on its row."""
    if not quarters:
        return []
    stmt = (
        select(TdsEntry)
        .where(
            TdsEntry.company_id == company_id,
            TdsEntry.quarter.in_(list(quarters)),
            TdsEntry.status.in_(_LIVE),
        )
        .order_by(TdsEntry.tds_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(stmt)).scalars())


async def unmatched_of_quarters(
    session: AsyncSession, company_id: str, quarters: Sequence[str]
) -> list[TdsEntry]:
    if not quarters:
        return []
    stmt = (
        select(TdsEntry)
        .where(
            TdsEntry.company_id == company_id,
            TdsEntry.quarter.in_(list(quarters)),
            TdsEntry.status.in_([s for s in _LIVE if s != "MATCHED"]),
        )
        .order_by(TdsEntry.quarter, TdsEntry.deducted_on, TdsEntry.tds_id)
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(stmt)).scalars())


async def by_ids(session: AsyncSession, company_id: str, tds_ids: Sequence[str]) -> list[TdsEntry]:
    """The entries as they are now (after a set-based UPDATE: the session's copies are refreshed)."""
    if not tds_ids:
        return []
    stmt = (
        select(TdsEntry)
        .where(TdsEntry.company_id == company_id, TdsEntry.tds_id.in_(list(tds_ids)))
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(stmt)).scalars())


_MATCH = text(
    """
    UPDATE tds_entries t
       SET status = 'MATCHED', matched_amount = m.amount, statement_id = :statement_id, updated_on = now()
      FROM unnest(CAST(:ids AS text[]), CAST(:amounts AS numeric[])) AS m(tds_id, amount)
     WHERE t.company_id = :company_id AND t.tds_id = m.tds_id
    """
)


async def mark_matched(
    session: AsyncSession, company_id: str, statement_id: str, matched: Sequence[tuple[str, Decimal]]
) -> None:
    """Mark (locked) entries MATCHED with the statement's tax deducted, in one statement."""
    if matched:
        ids, amounts = zip(*matched, strict=True)
        await session.execute(
            _MATCH,
            {
                "company_id": company_id,
                "statement_id": statement_id,
                "ids": list(ids),
                "amounts": list(amounts),
            },
        )


async def insert_statement(session: AsyncSession, statement: TdsStatement) -> None:
    session.add(statement)
    await session.flush()


async def flush(session: AsyncSession) -> None:
    await session.flush()
