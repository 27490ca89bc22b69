"""Reading a customer's ledger (api.md §10 "Ledger")."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from dues.customers import service as customers
from dues.errors import NotFound, ValidationFailed
from dues.kit.money import ZERO
from dues.ledger import repository
from dues.ledger.schemas import LedgerLine, LedgerRead


async def ledger_of(
    session: AsyncSession, company_id: str, customer_id: str, date_from: date | None, date_to: date | None
) -> LedgerRead:
    """Every entry of the customer dated within the period, with the balance before and after each."""
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed.field("from", f"is after to ({date_to.isoformat()})", date_from.isoformat())
    if await customers.get_model(session, company_id, customer_id) is None:
        raise NotFound(f"No customer {customer_id}.")
    opening = (
        await repository.balance_before(session, company_id, customer_id, date_from) if date_from else ZERO
    )
    running = opening
    lines: list[LedgerLine] = []
    for entry in await repository.entries_of(session, company_id, customer_id, date_from, date_to):
        running += entry.amount
        lines.append(
            LedgerLine(
                entry_id=entry.entry_id,
                entry_date=entry.effective_date,
                type=entry.entry_type,
                document_id=entry.document_id,
                document_number=entry.document_number,
                invoice_id=entry.invoice_id,
                debit=entry.amount if entry.amount > 0 else ZERO,
                credit=-entry.amount if entry.amount < 0 else ZERO,
                running_balance=running,
                posted_on=entry.posted_on,
            )
        )
    return LedgerRead(
        customer_id=customer_id,
        date_from=date_from,
        date_to=date_to,
        opening_balance=opening,
        entries=lines,
        closing_balance=running,
    )
