"""MSME interest (api.md §10, MSMED Act 2006 s.15-16) for the invoices of a micro or small seller, and the
RBI bank-rate table it is reckoned from (docs/msme.md). The arithmetic is dues.msme.interest's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from dues.errors import NotFound, ValidationFailed
from dues.kit.money import is_money
from dues.models import MsmeBankRate
from dues.msme import repository
from dues.msme.interest import MsmeInterest, accrue, applies, statutory_due_date

__all__ = [
    "MsmeInterest",
    "bank_rates",
    "interest_for",
    "remove_bank_rate",
    "set_bank_rate",
]

log = structlog.get_logger("dues.msme")

# What NUMERIC(5, 2) and the table's CHECK hold.
_MAX_BANK_RATE = Decimal("99.99")


async def interest_for(
    session: AsyncSession, company_id: str, invoice_ids: Sequence[str], as_of: date
) -> dict[str, MsmeInterest]:
    """invoiceId → its s.16 interest at the end of ``as_of``, for those of the ids that owe it: posted
    documents of the company when it is a micro or small enterprise. The others (another company's, not
    posted, a medium or unregistered seller's) are absent. Two queries however many ids: the seller's
    category with the rates, then every invoice's ledger entries at once (one query when the seller is
    not micro or small)."""
    if not invoice_ids:
        return {}
    category, rates = await repository.category_and_rates(session, company_id)
    if not applies(category):
        return {}
    by_invoice: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    dates: dict[str, tuple[date, date]] = {}
    for row in await repository.movements(session, company_id, list(dict.fromkeys(invoice_ids)), as_of):
        dates[row.invoice_id] = (row.invoice_date, row.due_date)
        if row.day is not None and row.amount is not None:
            by_invoice[row.invoice_id].append((row.day, row.amount))
    return {
        invoice_id: accrue(
            statutory_due_date(invoice_date, due_date), by_invoice.get(invoice_id, []), rates, as_of
        )
        for invoice_id, (invoice_date, due_date) in dates.items()
    }


async def bank_rates(session: AsyncSession) -> list[MsmeBankRate]:
    """The RBI bank rates dues knows, newest first."""
    return await repository.bank_rates(session)


def check_bank_rate(bank_rate: Decimal) -> None:
    """A bank rate in percent a year: above 0, below 100, at most 2 decimals (422 naming it otherwise)."""
    if not (is_money(bank_rate) and Decimal(0) < bank_rate <= _MAX_BANK_RATE):
        raise ValidationFailed.field(
            "bankRate", "must be a percentage above 0 and below 100, with at most 2 decimals", str(bank_rate)
        )


async def set_bank_rate(
    session: AsyncSession, effective_from: date, bank_rate: Decimal, note: str | None = None
) -> None:
    """The bank rate in force from ``effective_from`` (replacing the one the table had for that day). The
    operator's: the table is shared by every company of the install."""
    check_bank_rate(bank_rate)
    if note is not None and (len(note) > 200 or not note.isprintable()):
        raise ValidationFailed.field("note", "must be one line of at most 200 characters", note)
    await repository.set_bank_rate(session, effective_from, bank_rate, note)
    log.info("msme bank rate set", effective_from=effective_from.isoformat(), bank_rate=str(bank_rate))


async def remove_bank_rate(session: AsyncSession, effective_from: date) -> None:
    """Forget the rate that took effect that day: the one before it stays in force until the next."""
    if not await repository.remove_bank_rate(session, effective_from):
        raise NotFound(f"No bank rate takes effect on {effective_from.isoformat()}.")
    log.info("msme bank rate removed", effective_from=effective_from.isoformat())
