"""The SQL only the payments pages need: the list with its filters, the customer's open invoices in the order
a payment settles them, the names and numbers a page shows beside ids, and a payment's ledger and TDS rows.
Every statement is scoped by company here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dues.models import Invoice, User
from dues.models.adjustment import TdsEntry
from dues.models.customer import Customer
from dues.models.ledger import LedgerEntry
from dues.models.payment import Payment
from dues.models.web import TdsCertificateFile

_CUSTOMER_ID = re.compile(r"^KC[A-Z0-9]{14}\Z", re.ASCII)
_PAYMENT_ID = re.compile(r"^PAY[A-Z0-9]{13}\Z", re.ASCII)
# A select of customers stays usable up to a few hundred names; past that the list page's filter is the way.
CUSTOMER_CHOICES = 500
# The allocation table posts three fields a row and a form holds at most common.MAX_FORM_FIELDS: the oldest
# 300 open invoices are shown (a payment beyond them is left to the service's oldest-first spreading).
ALLOCATION_ROWS = 300


@dataclass(frozen=True)
class Filters:
    customer_id: str | None = None
    mode: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    status: str | None = None


@dataclass(frozen=True)
class Row:
    payment: Payment
    customer_name: str


def _conditions(company_id: str, filters: Filters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Payment.company_id == company_id]
    if filters.customer_id:
        conds.append(Payment.customer_id == filters.customer_id)
    if filters.mode:
        conds.append(Payment.mode == filters.mode)
    if filters.date_from:
        conds.append(Payment.paid_on >= filters.date_from)
    if filters.date_to:
        conds.append(Payment.paid_on <= filters.date_to)
    if filters.status:
        conds.append(Payment.status == filters.status)
    return conds


async def search(
    session: AsyncSession, company_id: str, filters: Filters, limit: int, offset: int
) -> tuple[list[Row], int]:
    """A page of payments, newest first, with each one's customer name; and how many match in all."""
    conds = _conditions(company_id, filters)
    stmt = (
        select(Payment, Customer.legal_name)
        .join(
            Customer,
            and_(Customer.company_id == Payment.company_id, Customer.customer_id == Payment.customer_id),
        )
        .where(*conds)
        .order_by(Payment.paid_on.desc(), Payment.created_on.desc(), Payment.payment_id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = [Row(p, name) for p, name in (await session.execute(stmt)).all()]
    total = (await session.execute(select(func.count()).select_from(Payment).where(*conds))).scalar_one()
    return rows, int(total)


async def customer_choices(session: AsyncSession, company_id: str) -> list[tuple[str, str]]:
    """(customerId, legal name) of the company's customers not deleted, by name."""
    stmt = (
        select(Customer.customer_id, Customer.legal_name)
        .where(Customer.company_id == company_id, Customer.deleted.is_(False))
        .order_by(Customer.legal_name, Customer.customer_id)
        .limit(CUSTOMER_CHOICES)
    )
    return [(cid, name) for cid, name in (await session.execute(stmt)).all()]


async def customer(session: AsyncSession, company_id: str, customer_id: str) -> Customer | None:
    if not _CUSTOMER_ID.match(customer_id):
        return None
    stmt = select(Customer).where(
        Customer.company_id == company_id, Customer.customer_id == customer_id, Customer.deleted.is_(False)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def open_invoices(
    session: AsyncSession, company_id: str, customer_id: str, statuses: Sequence[str]
) -> list[Invoice]:
    """The customer's invoices in ``statuses`` with something owed, oldest due date first (the order the
    payments service settles them in when no allocation is given)."""
    stmt = (
        select(Invoice)
        .where(
            Invoice.company_id == company_id,
            Invoice.customer_id == customer_id,
            Invoice.status.in_(list(statuses)),
            Invoice.balance_amount > 0,
        )
        .order_by(Invoice.due_date, Invoice.invoice_date, Invoice.invoice_id)
        .limit(ALLOCATION_ROWS + 1)
    )
    return list((await session.execute(stmt)).scalars())


async def invoice_numbers(
    session: AsyncSession, company_id: str, invoice_ids: Sequence[str]
) -> dict[str, str]:
    if not invoice_ids:
        return {}
    stmt = select(Invoice.invoice_id, Invoice.invoice_number).where(
        Invoice.company_id == company_id, Invoice.invoice_id.in_(list(invoice_ids))
    )
    return {iid: number for iid, number in (await session.execute(stmt)).all()}


async def ledger_entries(session: AsyncSession, company_id: str, payment_id: str) -> list[LedgerEntry]:
    """The entries the payment wrote, and those its reversal wrote, in the order they were posted."""
    if not _PAYMENT_ID.match(payment_id):
        return []
    stmt = (
        select(LedgerEntry)
        .where(LedgerEntry.company_id == company_id, LedgerEntry.document_id == payment_id)
        .order_by(LedgerEntry.entry_id)
    )
    return list((await session.execute(stmt)).scalars())


async def tds_entry(session: AsyncSession, company_id: str, payment_id: str) -> TdsEntry | None:
    stmt = select(TdsEntry).where(TdsEntry.company_id == company_id, TdsEntry.payment_id == payment_id)
    return (await session.execute(stmt)).scalars().first()


async def credit_balance(session: AsyncSession, company_id: str, customer_id: str) -> Decimal:
    stmt = select(Customer.credit_balance).where(
        Customer.company_id == company_id, Customer.customer_id == customer_id
    )
    return Decimal((await session.execute(stmt)).scalar_one_or_none() or 0)


async def customer_names(
    session: AsyncSession, company_id: str, customer_ids: Sequence[str]
) -> dict[str, str]:
    if not customer_ids:
        return {}
    stmt = select(Customer.customer_id, Customer.legal_name).where(
        Customer.company_id == company_id, Customer.customer_id.in_(list(set(customer_ids)))
    )
    return {cid: name for cid, name in (await session.execute(stmt)).all()}


async def user_emails(session: AsyncSession, company_id: str, user_ids: Sequence[str]) -> dict[str, str]:
    """The e-mail of each of the company's users named, to show who recorded or reversed a payment; a user
    since removed is simply missing, and the page falls back to the id."""
    wanted = sorted({u for u in user_ids if u})
    if not wanted:
        return {}
    stmt = select(User.user_id, User.email).where(User.company_id == company_id, User.user_id.in_(wanted))
    return {row[0]: row[1] for row in (await session.execute(stmt)).all()}


@dataclass(frozen=True)
class CertificateFileInfo:
    file_name: str
    size: int
    uploaded_on: datetime


async def certificate_file_info(
    session: AsyncSession, company_id: str, tds_id: str
) -> CertificateFileInfo | None:
    """What the customer uploaded for this entry through the portal (not the file itself)."""
    stmt = select(
        TdsCertificateFile.file_name, TdsCertificateFile.size, TdsCertificateFile.uploaded_on
    ).where(TdsCertificateFile.company_id == company_id, TdsCertificateFile.tds_id == tds_id)
    row = (await session.execute(stmt)).first()
    return CertificateFileInfo(row[0], row[1], row[2]) if row else None


async def certificate_file(session: AsyncSession, company_id: str, tds_id: str) -> tuple[str, bytes] | None:
    """The uploaded Form 16A's name and bytes."""
    stmt = select(TdsCertificateFile.file_name, TdsCertificateFile.content).where(
        TdsCertificateFile.company_id == company_id, TdsCertificateFile.tds_id == tds_id
    )
    row = (await session.execute(stmt)).first()
    return (row[0], bytes(row[1])) if row else None
