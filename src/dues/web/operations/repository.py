"""Page-only SQL for the reminders page: the company's recent reminder sends, with the invoice, customer and
rule each was for and what became of its messages. Every statement is scoped by company_id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class SendLine:
    send_id: str
    created_on: datetime
    kind: str
    occurrence: int | None
    invoice_id: str
    invoice_number: str
    customer_name: str
    reminder_id: str | None
    reminder_name: str | None
    channels: list[str]
    balance_amount: Decimal
    outcomes: str | None


_SENDS = text(
    """
    SELECT s.send_id, s.created_on, s.kind, s.occurrence, s.invoice_id, i.invoice_number,
           c.legal_name AS customer_name, s.reminder_id, r.name AS reminder_name, s.channels,
           s.balance_amount,
           (SELECT string_agg(DISTINCT m.status, ', ' ORDER BY m.status) FROM messages m
             WHERE m.company_id = s.company_id AND m.message_id = ANY(s.message_ids)) AS outcomes
      FROM reminder_sends s
      JOIN invoices i ON i.company_id = s.company_id AND i.invoice_id = s.invoice_id
      JOIN customers c ON c.company_id = i.company_id AND c.customer_id = i.customer_id
      LEFT JOIN reminders r ON r.company_id = s.company_id AND r.reminder_id = s.reminder_id
     WHERE s.company_id = :company_id
     ORDER BY s.created_on DESC, s.send_id DESC
     LIMIT :limit OFFSET :offset
    """
)
_COUNT = text("SELECT count(*) FROM reminder_sends WHERE company_id = :company_id")


async def recent_sends(
    session: AsyncSession, company_id: str, limit: int, offset: int
) -> tuple[list[SendLine], int]:
    """Newest first, a page of them, and how many there are in all."""
    total = (await session.execute(_COUNT, {"company_id": company_id})).scalar_one()
    rows = await session.execute(_SENDS, {"company_id": company_id, "limit": limit, "offset": offset})
    return [SendLine(**row) for row in rows.mappings()], int(total)
