"""All SQL of the payment page. A payment token is the one way in that is not scoped by company (it is how a
payer, who has no login, names an invoice); every query after it is scoped by the company it found."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dues.models import Company, Customer, Invoice
from dues.models.gateway import PaymentAttempt

# A token that dispatch cannot have made is not looked up (secrets.token_urlsafe, at most 64 characters).
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}\Z", re.ASCII)
_ATTEMPT_ID = re.compile(r"^PA[A-Z0-9]{14}\Z", re.ASCII)


async def invoice_by_token(session: AsyncSession, token: str) -> Invoice | None:
    if not _TOKEN.match(token):
        return None
    stmt = select(Invoice).where(Invoice.payment_token == token)
    return (await session.execute(stmt)).scalar_one_or_none()


async def company(session: AsyncSession, company_id: str) -> Company | None:
    return await session.get(Company, company_id)


async def customer_name(session: AsyncSession, company_id: str, customer_id: str) -> str:
    stmt = select(Customer.legal_name).where(
        Customer.company_id == company_id, Customer.customer_id == customer_id
    )
    return str((await session.execute(stmt)).scalar_one())


async def add_attempt(session: AsyncSession, attempt: PaymentAttempt) -> None:
    session.add(attempt)
    await session.flush()


async def attempt_of_invoice(
    session: AsyncSession, company_id: str, invoice_id: str, attempt_id: str
) -> PaymentAttempt | None:
    if not _ATTEMPT_ID.match(attempt_id):
        return None
    stmt = select(PaymentAttempt).where(
        PaymentAttempt.company_id == company_id,
        PaymentAttempt.invoice_id == invoice_id,
        PaymentAttempt.attempt_id == attempt_id,
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def lock_attempt(session: AsyncSession, company_id: str, attempt_id: str) -> PaymentAttempt | None:
    """The attempt, locked to the end of the transaction: concurrent callbacks for it queue here, and each
    after the first sees it settled."""
    if not _ATTEMPT_ID.match(attempt_id):
        return None
    stmt = (
        select(PaymentAttempt)
        .where(PaymentAttempt.company_id == company_id, PaymentAttempt.attempt_id == attempt_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def flush(session: AsyncSession) -> None:
    await session.flush()
