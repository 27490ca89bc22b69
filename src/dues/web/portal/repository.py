"""The portal's own SQL. Every query is scoped by the (company_id, customer_id) the link's token names, so
nothing of another customer (or another company) can be reached through it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from dues.models import Company, Customer, Invoice, TdsEntry, User
from dues.models.dispute import Dispute
from dues.models.web import TdsCertificateFile

# What the portal lists: issued invoices with something still owed on them.
OPEN = ("DISPATCHED", "PARTIALLY_PAID")
PAGE = 50


async def names(session: AsyncSession, company_id: str, customer_id: str) -> tuple[str, str] | None:
    """The seller's and the customer's legal names."""
    stmt = (
        select(Company.legal_name, Customer.legal_name)
        .join(Customer, Customer.company_id == Company.company_id)
        .where(Company.company_id == company_id, Customer.customer_id == customer_id)
    )
    row = (await session.execute(stmt)).one_or_none()
    return None if row is None else (str(row[0]), str(row[1]))


async def user_emails(session: AsyncSession, company_id: str, user_ids: Sequence[str]) -> dict[str, str]:
    """The e-mail of each of the company's users named, to show who made or revoked a portal link; a user
    since removed is simply missing, and the page falls back to the id."""
    wanted = sorted({u for u in user_ids if u})
    if not wanted:
        return {}
    stmt = select(User.user_id, User.email).where(User.company_id == company_id, User.user_id.in_(wanted))
    return {row[0]: row[1] for row in (await session.execute(stmt)).all()}


async def open_invoices(
    session: AsyncSession, company_id: str, customer_id: str, offset: int = 0, limit: int = PAGE
) -> tuple[list[Invoice], int, Decimal]:
    """The customer's open (issued, owing) invoices, oldest due first, one page; how many there are in all,
    and what they owe in all."""
    where = (
        Invoice.company_id == company_id,
        Invoice.customer_id == customer_id,
        Invoice.dispatched.is_(True),
        Invoice.status.in_(OPEN),
        Invoice.balance_amount > 0,
    )
    rows = await session.execute(
        select(Invoice)
        .where(*where)
        .order_by(Invoice.due_date, Invoice.invoice_id)
        .offset(offset)
        .limit(limit)
    )
    stmt = select(func.count(), func.coalesce(func.sum(Invoice.balance_amount), 0)).where(*where)
    total, owed = (await session.execute(stmt)).one()
    return list(rows.scalars()), int(total), Decimal(owed)


async def invoice(
    session: AsyncSession, company_id: str, customer_id: str, invoice_id: str
) -> Invoice | None:
    stmt = select(Invoice).where(
        Invoice.company_id == company_id, Invoice.customer_id == customer_id, Invoice.invoice_id == invoice_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def open_disputes(
    session: AsyncSession, company_id: str, customer_id: str
) -> list[tuple[Dispute, str]]:
    """The customer's open disputes with their invoices' numbers, newest first."""
    stmt = (
        select(Dispute, Invoice.invoice_number)
        .join(
            Invoice,
            (Invoice.company_id == Dispute.company_id) & (Invoice.invoice_id == Dispute.invoice_id),
        )
        .where(Dispute.company_id == company_id, Dispute.customer_id == customer_id, Dispute.status == "OPEN")
        .order_by(Dispute.created_on.desc())
        .limit(PAGE)
    )
    return [(d, str(n)) for d, n in (await session.execute(stmt)).all()]


async def awaiting_certificates(session: AsyncSession, company_id: str, customer_id: str) -> list[TdsEntry]:
    """The customer's TDS register entries the seller still waits for a Form 16A for (or whose certificate
    disagreed), oldest first."""
    stmt = (
        select(TdsEntry)
        .where(
            TdsEntry.company_id == company_id,
            TdsEntry.customer_id == customer_id,
            TdsEntry.status.in_(("AWAITING_CERTIFICATE", "MISMATCHED")),
        )
        .order_by(TdsEntry.deducted_on, TdsEntry.tds_id)
        .limit(PAGE)
    )
    return list((await session.execute(stmt)).scalars())


async def tds_entry(session: AsyncSession, company_id: str, customer_id: str, tds_id: str) -> TdsEntry | None:
    stmt = select(TdsEntry).where(
        TdsEntry.company_id == company_id, TdsEntry.customer_id == customer_id, TdsEntry.tds_id == tds_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def invoice_numbers(
    session: AsyncSession, company_id: str, invoice_ids: Sequence[str]
) -> dict[str, str]:
    if not invoice_ids:
        return {}
    stmt = select(Invoice.invoice_id, Invoice.invoice_number).where(
        Invoice.company_id == company_id, Invoice.invoice_id.in_(list(invoice_ids))
    )
    return {str(i): str(n) for i, n in (await session.execute(stmt)).all()}


async def keep_certificate(
    session: AsyncSession, company_id: str, tds_id: str, file_name: str, content: bytes, by: str
) -> None:
    """Keep the uploaded Form 16A for the entry, in place of any earlier one."""
    values = {"file_name": file_name, "size": len(content), "content": content, "uploaded_by": by}
    await session.execute(
        insert(TdsCertificateFile)
        .values(company_id=company_id, tds_id=tds_id, **values)
        .on_conflict_do_update(
            index_elements=["company_id", "tds_id"], set_={**values, "uploaded_on": func.now()}
        )
    )


async def certificate_size(session: AsyncSession, company_id: str, tds_id: str) -> int | None:
    stmt = select(TdsCertificateFile.size).where(
        TdsCertificateFile.company_id == company_id, TdsCertificateFile.tds_id == tds_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def overdue_days(due: date, today: date) -> int:
    return max(0, (today - due).days)
