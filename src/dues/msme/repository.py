"""All SQL of MSME interest. An invoice's movements are read scoped by company; the bank-rate table is the
install's own (the RBI's rate is the same for every company), read and edited as a whole."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from dues.models import MsmeBankRate


class Movement(NamedTuple):
    """An invoice with one day's sum of its ledger entries (``day`` None: none dated up to the day asked)."""

    invoice_id: str
    invoice_date: date
    due_date: date
    day: date | None
    amount: Decimal | None


# The seller's category, and the bank rates only when its buyers owe interest: one round trip, and none
# more for a seller they do not concern.
_CATEGORY_AND_RATES = text(
    """
    SELECT c.msme_category, r.effective_from, r.bank_rate
      FROM companies c
      LEFT JOIN msme_bank_rates r ON c.msme_category IN ('MICRO', 'SMALL')
     WHERE c.company_id = :company_id
     ORDER BY r.effective_from
    """
)

# The posted documents among the ids (every kind dues issues: tax invoices, bills of supply, debit notes),
# each with its ledger entries summed by day, up to the day asked. An invoice with no entry by then (the
# day is before its date) still comes back, with a null day.
_MOVEMENTS = text(
    """
    SELECT i.invoice_id, i.invoice_date, i.due_date, e.effective_date, sum(e.amount)
      FROM invoices i
      LEFT JOIN ledger_entries e
             ON e.company_id = i.company_id AND e.invoice_id = i.invoice_id AND e.effective_date <= :as_of
     WHERE i.company_id = :company_id AND i.invoice_id = ANY(:invoice_ids) AND i.posted
       AND i.document_type IN ('TAX_INVOICE', 'BILL_OF_SUPPLY', 'DEBIT_NOTE')
     GROUP BY i.invoice_id, i.invoice_date, i.due_date, e.effective_date
     ORDER BY i.invoice_id, e.effective_date
    """
)


async def category_and_rates(
    session: AsyncSession, company_id: str
) -> tuple[str | None, list[tuple[date, Decimal]]]:
    """The company's MSME category and, when it is micro or small, the bank rates by effective date."""
    rows = (await session.execute(_CATEGORY_AND_RATES, {"company_id": company_id})).all()
    if not rows:
        return None, []
    return rows[0][0], [(row[1], row[2]) for row in rows if row[1] is not None]


async def movements(
    session: AsyncSession, company_id: str, invoice_ids: Sequence[str], as_of: date
) -> list[Movement]:
    params = {"company_id": company_id, "invoice_ids": list(invoice_ids), "as_of": as_of}
    return [Movement(*row) for row in (await session.execute(_MOVEMENTS, params)).all()]


async def bank_rates(session: AsyncSession) -> list[MsmeBankRate]:
    """The table, newest first."""
    stmt = select(MsmeBankRate).order_by(MsmeBankRate.effective_from.desc())
    return list((await session.execute(stmt)).scalars())


async def set_bank_rate(
    session: AsyncSession, effective_from: date, bank_rate: Decimal, note: str | None
) -> None:
    """The rate from that day, replacing any the table had for it."""
    stmt = insert(MsmeBankRate).values(effective_from=effective_from, bank_rate=bank_rate, note=note)
    stmt = stmt.on_conflict_do_update(
        index_elements=[MsmeBankRate.effective_from],
        set_={"bank_rate": stmt.excluded.bank_rate, "note": stmt.excluded.note},
    )
    await session.execute(stmt)


async def remove_bank_rate(session: AsyncSession, effective_from: date) -> bool:
    """False when the table had no rate from that day."""
    stmt = delete(MsmeBankRate).where(MsmeBankRate.effective_from == effective_from)
    result = await session.execute(stmt.returning(MsmeBankRate.effective_from))
    return result.first() is not None
