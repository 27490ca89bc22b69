"""All SQL for invoices, their lines, number series and events; every statement is scoped by company here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, literal_column, not_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from dues.models import Customer, Event, Invoice, InvoiceLine

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


async def delete_lines(session: AsyncSession, company_id: str, invoice_id: str) -> None:
    await session.execute(
        delete(InvoiceLine).where(InvoiceLine.company_id == company_id, InvoiceLine.invoice_id == invoice_id)
    )


def add(session: AsyncSession, *objs: Invoice | InvoiceLine | Event) -> None:
    session.add_all(objs)


async def add_event(
    session: AsyncSession, company_id: str, event_type: str, entity_id: str, payload: dict[str, Any]
) -> None:
    session.add(Event(company_id=company_id, event_type=event_type, entity_id=entity_id, payload=payload))


def _filters(company_id: str, f: dict[str, Any], today: date) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Invoice.company_id == company_id]
    ranges: tuple[tuple[str, Any], ...] = (
        ("balance_amount", Invoice.balance_amount),
        ("base_amount", Invoice.base_amount),
        ("due_date", Invoice.due_date),
        ("created_on", Invoice.created_on),
        ("dispatched_on", Invoice.dispatched_on),
    )
    for name, column in ranges:
        if f.get(f"{name}_from") is not None:
            conds.append(column >= f[f"{name}_from"])
        if f.get(f"{name}_to") is not None:
            conds.append(column <= f[f"{name}_to"])
    lists: tuple[tuple[str, Any], ...] = (
        ("approval_statuses", Invoice.approval_status),
        ("statuses", Invoice.status),
        ("invoice_ids", Invoice.invoice_id),
        ("customer_ids", Invoice.customer_id),
        ("external_ids", Invoice.external_id),
    )
    for name, column in lists:
        if f.get(name):
            conds.append(column.in_([str(v) for v in f[name]]))
    if f.get("collection_mode"):
        conds.append(Invoice.collection_mode.overlap([str(m) for m in f["collection_mode"]]))
    if f.get("created_via") is not None:
        conds.append(Invoice.created_via == str(f["created_via"]))
    if f.get("dispatched") is not None:
        conds.append(Invoice.dispatched.is_(f["dispatched"]))
    if f.get("invoice_number"):
        conds.append(Invoice.invoice_number == f["invoice_number"])
    if f.get("overdue") is not None:
        # Literals, not parameters: a prepared generic plan cannot match a parameter to a partial index.
        overdue = and_(
            Invoice.balance_amount > literal_column("0"),
            Invoice.due_date < today,
            Invoice.status != literal_column("'COLLECTION_DELETED'"),
        )
        conds.append(overdue if f["overdue"] else not_(overdue))
    if f.get("customer_deleted") is not None:
        conds.append(Customer.deleted.is_(f["customer_deleted"]))
    if f.get("customer_status") is not None:
        conds.append(Customer.status == f["customer_status"])
    if f.get("customer_legal_name"):
        escaped = (
            f["customer_legal_name"].lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        )
        conds.append(func.lower(Customer.legal_name).like(f"%{escaped}%", escape="\\"))
    return conds


# Filters that usually leave few invoices: their matches are collected first (up to _FENCE) and sorted, rather
# than walking the whole ordering index in the hope of meeting them (measured: 332 ms against 12 ms).
_SELECTIVE = (
    "customer_ids",
    "invoice_ids",
    "external_ids",
    "invoice_number",
    "customer_legal_name",
    "due_date_from",
    "due_date_to",
    "created_on_from",
    "created_on_to",
    "dispatched_on_from",
    "dispatched_on_to",
    "balance_amount_from",
    "balance_amount_to",
    "base_amount_from",
    "base_amount_to",
)
_FENCE = 50_000
_CUSTOMER_FILTERS = ("customer_deleted", "customer_status", "customer_legal_name")


async def search(
    session: AsyncSession,
    company_id: str,
    filters: dict[str, Any],
    order_column: str,
    descending: bool,
    limit: int,
    offset: int,
    today: date,
) -> tuple[list[tuple[Invoice, str]], int]:
    """A page of the seller's invoices matching every filter, each with its customer's legal name; and the
    number of matches. The page is found as keys first (from the indexes), then those rows are loaded."""
    conds = _filters(company_id, filters, today)
    joined = and_(Customer.company_id == Invoice.company_id, Customer.customer_id == Invoice.customer_id)
    column = getattr(Invoice, order_column)
    keys = select(Invoice.company_id.label("c"), Invoice.invoice_id.label("i"), column.label("k")).where(
        *conds
    )
    matched = select(func.count()).select_from(Invoice).where(*conds)
    if any(filters.get(name) not in (None, "") for name in _CUSTOMER_FILTERS):
        keys = keys.join(Customer, joined)
        matched = matched.join(Customer, joined)

    def ordered(source: Any) -> list[Any]:
        # NULLS LAST only where a column can be null: elsewhere it keeps every index from giving the order.
        key = source.c.k.desc() if descending else source.c.k.asc()
        if column.nullable:
            key = key.nulls_last()
        return [key, source.c.i.desc() if descending else source.c.i.asc()]

    async def page_of(source: Any, extra: Any = None) -> list[Any]:
        page = (
            select(source.c.c, source.c.i, source.c.k).order_by(*ordered(source)).limit(limit).offset(offset)
        )
        chosen = page.subquery("page")
        columns: list[Any] = [Invoice, Customer.legal_name] + ([extra] if extra is not None else [])
        stmt = (
            select(*columns)
            .join(chosen, and_(Invoice.company_id == chosen.c.c, Invoice.invoice_id == chosen.c.i))
            .join(Customer, joined)
            .order_by(*ordered(chosen))
        )
        return list((await session.execute(stmt)).all())

    if any(filters.get(name) not in (None, "", []) for name in _SELECTIVE):
        # One statement: the matches (fenced, so the planner collects them before sorting), their count and
        # the page. Past the fence, or on a page past the end, the general path below answers.
        matches = keys.limit(_FENCE + 1).cte("matches").prefix_with("MATERIALIZED")
        counted = select(func.count()).select_from(matches).scalar_subquery()
        rows = await page_of(matches, counted.label("total"))
        if rows and int(rows[0].total) <= _FENCE:
            return [(row[0], row[1]) for row in rows], int(rows[0].total)
    total = int((await session.execute(matched)).scalar_one())
    if total == 0 or offset >= total:
        return [], total
    rows = await page_of(keys.subquery("matches"))
    return [(row[0], row[1]) for row in rows], total


async def external_ids_held(
    session: AsyncSession, company_id: str, external_ids: Sequence[str]
) -> dict[str, str]:
    """externalId → invoiceId for the externalIds that exist."""
    if not external_ids:
        return {}
    stmt = select(Invoice.external_id, Invoice.invoice_id).where(
        Invoice.company_id == company_id, Invoice.external_id.in_(list(dict.fromkeys(external_ids)))
    )
    return {ext: iid for ext, iid in (await session.execute(stmt)).all() if ext is not None}


async def numbers_taken(
    session: AsyncSession, company_id: str, wanted: Sequence[tuple[int, str]]
) -> set[tuple[int, str]]:
    """Which of these (financial year, invoice number) pairs exist."""
    if not wanted:
        return set()
    numbers = list({number for _, number in wanted})
    stmt = select(Invoice.financial_year, Invoice.invoice_number).where(
        Invoice.company_id == company_id, Invoice.invoice_number.in_(numbers)
    )
    found = {(int(fy), str(number)) for fy, number in (await session.execute(stmt)).all()}
    return found & set(wanted)


_RESERVE = text(
    "INSERT INTO invoice_series (company_id, financial_year, last_number) VALUES (:company_id, :fy, :n) "
    "ON CONFLICT (company_id, financial_year) "
    "DO UPDATE SET last_number = invoice_series.last_number + :n RETURNING last_number"
)


async def reserve_numbers(session: AsyncSession, company_id: str, financial_year: int, count: int) -> range:
    """``count`` consecutive sequence numbers of the series, held (like next_number) until the commit."""
    last = int(
        (
            await session.execute(_RESERVE, {"company_id": company_id, "fy": financial_year, "n": count})
        ).scalar_one()
    )
    return range(last - count + 1, last + 1)


async def insert_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert invoices; one whose number or externalId was taken meanwhile is skipped. The ids inserted."""
    if not rows:
        return set()
    stmt = pg_insert(Invoice).on_conflict_do_nothing().returning(Invoice.invoice_id)
    result = await session.execute(stmt, list(rows))
    return set(result.scalars())


async def add_events(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(Event), list(rows))
