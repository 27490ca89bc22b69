"""All SQL of disputes and promises to pay; every statement is scoped by company, but the promise job's
look-up of which companies have promises due."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from dues.models import Invoice
from dues.models.dispute import Dispute, Promise

_INVOICE_ID = re.compile(r"^INV[A-Z0-9]{13}\Z", re.ASCII)


async def lock_invoice(session: AsyncSession, company_id: str, invoice_id: str) -> Invoice | None:
    """The company's invoice, locked: disputes and promises of one invoice queue on it."""
    if not _INVOICE_ID.match(invoice_id):
        return None
    stmt = (
        select(Invoice)
        .where(Invoice.company_id == company_id, Invoice.invoice_id == invoice_id)
        .with_for_update()
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def invoice_exists(session: AsyncSession, company_id: str, invoice_id: str) -> bool:
    if not _INVOICE_ID.match(invoice_id):
        return False
    stmt = select(Invoice.invoice_id).where(
        Invoice.company_id == company_id, Invoice.invoice_id == invoice_id
    )
    return (await session.execute(stmt)).first() is not None


async def open_dispute(session: AsyncSession, company_id: str, invoice_id: str) -> Dispute | None:
    stmt = select(Dispute).where(
        Dispute.company_id == company_id, Dispute.invoice_id == invoice_id, Dispute.status == "OPEN"
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def open_promise(session: AsyncSession, company_id: str, invoice_id: str) -> Promise | None:
    stmt = select(Promise).where(
        Promise.company_id == company_id, Promise.invoice_id == invoice_id, Promise.status == "OPEN"
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def disputes_of(session: AsyncSession, company_id: str, invoice_id: str) -> list[Dispute]:
    stmt = (
        select(Dispute)
        .where(Dispute.company_id == company_id, Dispute.invoice_id == invoice_id)
        .order_by(Dispute.created_on, Dispute.dispute_id)
    )
    return list((await session.execute(stmt)).scalars())


async def promises_of(session: AsyncSession, company_id: str, invoice_id: str) -> list[Promise]:
    stmt = (
        select(Promise)
        .where(Promise.company_id == company_id, Promise.invoice_id == invoice_id)
        .order_by(Promise.created_on, Promise.promise_id)
    )
    return list((await session.execute(stmt)).scalars())


def add(session: AsyncSession, row: Dispute | Promise) -> None:
    session.add(row)


_COMPANIES_DUE = text(
    "SELECT DISTINCT company_id FROM promises WHERE status = 'OPEN' AND promised_date < :today ORDER BY 1"
)


async def companies_with_promises_due(session: AsyncSession, today: date) -> list[str]:
    return list((await session.execute(_COMPANIES_DUE, {"today": today})).scalars())


async def promises_due(session: AsyncSession, company_id: str, today: date) -> list[tuple[Promise, Invoice]]:
    """The company's open promises whose date has passed, each with its invoice, both locked."""
    stmt = (
        select(Promise, Invoice)
        .join(
            Invoice,
            (Invoice.company_id == Promise.company_id) & (Invoice.invoice_id == Promise.invoice_id),
        )
        .where(Promise.company_id == company_id, Promise.status == "OPEN", Promise.promised_date < today)
        .order_by(Promise.invoice_id)
        .with_for_update()
    )
    return [(p, i) for p, i in (await session.execute(stmt)).all()]


_COUNTS = text(
    """
    SELECT k.customer_id,
           (SELECT count(*) FROM promises p
             WHERE p.company_id = :c AND p.customer_id = k.customer_id AND p.status = 'KEPT'),
           (SELECT count(*) FROM promises p
             WHERE p.company_id = :c AND p.customer_id = k.customer_id AND p.status = 'BROKEN'),
           (SELECT count(*) FROM disputes d
             WHERE d.company_id = :c AND d.customer_id = k.customer_id AND d.status = 'OPEN')
      FROM unnest(CAST(:k AS varchar[])) AS k(customer_id)
    """
)


async def customer_counts(
    session: AsyncSession, company_id: str, customer_ids: list[str]
) -> dict[str, tuple[int, int, int]]:
    """customerId → (promises kept, promises broken, disputes open), for the company's customers given."""
    if not customer_ids:
        return {}
    rows = await session.execute(_COUNTS, {"c": company_id, "k": customer_ids})
    return {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in rows.all()}
