"""All SQL for invoices, their lines, number series and events; every statement is scoped by company here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from dues.models import Event, Invoice, InvoiceLine

# An id that cannot have been issued is not looked up (a NUL in it would make PostgreSQL refuse the query).
_INVOICE_ID = re.compile(r"^INV[A-Z0-9]{13}\Z", re.ASCII)


async def get(
    session: AsyncSession, company_id: str, invoice_id: str, *, for_update: bool = False
) -> Invoice | None:
    if not _INVOICE_ID.match(invoice_id):
        return None
    stmt = select(Invoice).where(Invoice.company_id == company_id, Invoice.invoice_id == invoice_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def lines_of(session: AsyncSession, company_id: str, invoice_ids: Sequence[str]) -> list[InvoiceLine]:
    if not invoice_ids:
        return []
    stmt = (
        select(InvoiceLine)
        .where(InvoiceLine.company_id == company_id, InvoiceLine.invoice_id.in_(invoice_ids))
        .order_by(InvoiceLine.invoice_id, InvoiceLine.line_no)
    )
    return list((await session.execute(stmt)).scalars())


async def number_taken(session: AsyncSession, company_id: str, financial_year: int, number: str) -> bool:
    stmt = select(
        exists().where(
            Invoice.company_id == company_id,
            Invoice.financial_year == financial_year,
            Invoice.invoice_number == number,
        )
    )
    return bool((await session.execute(stmt)).scalar_one())


async def by_external_id(session: AsyncSession, company_id: str, external_id: str) -> Invoice | None:
    stmt = select(Invoice).where(Invoice.company_id == company_id, Invoice.external_id == external_id)
    return (await session.execute(stmt)).scalar_one_or_none()


# The series row is locked from here to the commit: concurrent creates of one seller take numbers one after
# the other, and a create that rolls back gives its number back, so the series has no gaps.
_NEXT_NUMBER = text(
    "INSERT INTO invoice_series (company_id, financial_year, last_number) VALUES (:company_id, :fy, 1) "
    "ON CONFLICT (company_id, financial_year) "
    "DO UPDATE SET last_number = invoice_series.last_number + 1 RETURNING last_number"
)


async def next_number(session: AsyncSession, company_id: str, financial_year: int) -> int:
    result = await session.execute(_NEXT_NUMBER, {"company_id": company_id, "fy": financial_year})
    return int(result.scalar_one())


def add(session: AsyncSession, *objs: Invoice | InvoiceLine | Event) -> None:
    session.add_all(objs)


async def add_event(
    session: AsyncSession, company_id: str, event_type: str, entity_id: str, payload: dict[str, Any]
) -> None:
    session.add(Event(company_id=company_id, event_type=event_type, entity_id=entity_id, payload=payload))
