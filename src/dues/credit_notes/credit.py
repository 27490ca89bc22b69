"""Credit notes' unapplied credit, applied to other invoices by dues.payments.credit (after payments')."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.credit_notes import repository
from dues.models.adjustment import CreditNote


async def credit_sources(session: AsyncSession, company_id: str, customer_id: str) -> list[CreditNote]:
    """The customer's issued notes with credit left, oldest first, locked: used after its payments'."""
    return await repository.lock_credit_sources(session, company_id, customer_id)


async def use_credit(
    session: AsyncSession,
    company_id: str,
    actor: str,
    notes: Sequence[CreditNote],
    parts: Sequence[tuple[str, str, Decimal]],
) -> None:
    """Move (note, invoice, amount) parts of the notes' unapplied credit to those invoices (their balances
    are the caller's to settle, as credited), with an audit row per part."""
    await repository.take_unapplied(session, company_id, parts)
    left = {n.credit_note_id: n.unapplied_amount for n in notes}
    trail = []
    for note_id, invoice_id, amount in parts:
        trail.append(
            audit.entry(
                company_id,
                actor,
                "credit_note",
                note_id,
                "APPLY_CREDIT",
                {"unapplied_amount": f"{left[note_id]:.2f}"},
                {"unapplied_amount": f"{left[note_id] - amount:.2f}", "invoice_id": invoice_id},
            )
        )
        left[note_id] -= amount
    await audit.record_many(session, trail)
