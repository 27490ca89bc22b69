"""SQL over the summaries migration 0020 keeps (``receivable_deltas``, ``receivable_open``,
``ledger_day_totals``): what a company was owed on any day, by due or invoice date, and its movements by day,
without reading the history. Every statement is scoped by company."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


class Basis(StrEnum):
    DUE_DATE = "DUE_DATE"
    INVOICE_DATE = "INVOICE_DATE"


_CODE = {Basis.DUE_DATE: "D", Basis.INVOICE_DATE: "I"}

# What is owed now, less what entries dated after the day moved: the rows dated after a recent day are few,
# those dated before it are nearly all of them.
_OWED_AS_OF = text(
    """
    SELECT age_date, sum(amount) AS amount FROM (
        SELECT age_date, amount FROM receivable_open WHERE company_id = :company_id AND basis = :basis
        UNION ALL
        SELECT age_date, -amount FROM receivable_deltas
         WHERE company_id = :company_id AND basis = :basis AND effective_date > :as_of
    ) AS m
    GROUP BY age_date HAVING sum(amount) <> 0 ORDER BY age_date
    """
)
# The same from the other side: the entries dated on or before the day, for a day far back.
_OWED_AS_OF_EARLY = text(
    """
    SELECT age_date, sum(amount) AS amount FROM receivable_deltas
     WHERE company_id = :company_id AND basis = :basis AND effective_date <= :as_of
     GROUP BY age_date HAVING sum(amount) <> 0 ORDER BY age_date
    """
)
# Which side is smaller, judged by the entries of each day (a few thousand rows of day totals), not by
# counting the delta rows themselves (hundreds of thousands: as long as reading them).
_SPLIT = text(
    "SELECT COALESCE(sum(entries) FILTER (WHERE effective_date > :as_of), 0), COALESCE(sum(entries), 0) "
    "FROM ledger_day_totals WHERE company_id = :company_id"
)


async def owed_by_date(
    session: AsyncSession, company_id: str, basis: Basis, as_of: date, *, early: bool | None = None
) -> list[tuple[date, Decimal]]:
    """What the company's customers owed on invoices at the end of ``as_of`` (documents and movements dated
    on or before it), by the invoices' due date or invoice date; only dates with something owed (a negative
    amount is an invoice overpaid that day, which the ledger allows for a moment only within a movement).

    ``early`` picks the side to read; None reads both counts first and takes the smaller side."""
    params = {"company_id": company_id, "basis": _CODE[basis], "as_of": as_of}
    if early is None:
        after, total = (await session.execute(_SPLIT, params)).one()
        early = after * 2 > total
    rows = await session.execute(_OWED_AS_OF_EARLY if early else _OWED_AS_OF, params)
    return [(r.age_date, Decimal(r.amount)) for r in rows]


_CREDIT_AS_OF = text(
    "SELECT COALESCE(-sum(amount), 0) FROM receivable_deltas "
    "WHERE company_id = :company_id AND basis = 'C' AND effective_date <= :as_of"
)


async def credit_as_of(session: AsyncSession, company_id: str, as_of: date) -> Decimal:
    """The customers' unapplied credit (payments and notes not yet on an invoice) at the end of the day."""
    params = {"company_id": company_id, "as_of": as_of}
    return Decimal((await session.execute(_CREDIT_AS_OF, params)).scalar_one())


class DayTotal(NamedTuple):
    effective_date: date
    entry_type: str
    on_invoices: Decimal
    on_credit: Decimal
    entries: int
    days_weighted: Decimal
    late_weighted: Decimal


_DAY_TOTALS = text(
    "SELECT effective_date, entry_type, on_invoices, on_credit, entries, days_weighted, late_weighted "
    "FROM ledger_day_totals WHERE company_id = :company_id "
    "AND effective_date BETWEEN :date_from AND :date_to ORDER BY effective_date, entry_type"
)


async def day_totals(
    session: AsyncSession, company_id: str, date_from: date, date_to: date
) -> list[DayTotal]:
    """Per day and entry type within the period: the entries on invoices and on credit (signed as in the
    ledger: positive raised what is owed), their count, and for PAYMENT and TDS on invoices the sums of
    amount x days since the invoice date and amount x days past due."""
    params = {"company_id": company_id, "date_from": date_from, "date_to": date_to}
    return [DayTotal(*r) for r in (await session.execute(_DAY_TOTALS, params)).all()]


_OWED_ON_INVOICES_BEFORE = text(
    "SELECT COALESCE(sum(on_invoices), 0), COALESCE(sum(on_credit), 0) FROM ledger_day_totals "
    "WHERE company_id = :company_id AND effective_date < :before"
)


async def owed_before(session: AsyncSession, company_id: str, before: date) -> tuple[Decimal, Decimal]:
    """(owed on invoices, minus the unapplied credit) at the end of the day before ``before``."""
    params = {"company_id": company_id, "before": before}
    on_invoices, on_credit = (await session.execute(_OWED_ON_INVOICES_BEFORE, params)).one()
    return Decimal(on_invoices), Decimal(on_credit)
