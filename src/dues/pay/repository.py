"""All SQL of the payment page. A payment token is the one way in that is not scoped by company (it is how a
payer, who has no login, names an invoice); every query after it is scoped by the company it found. The other
is reconciliation's sweep over every company's unsettled attempts; what it does to each is scoped by the
attempt's company again."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from dues.models import Company, Customer, Invoice
from dues.models.gateway import PaymentAttempt, PaymentAttemptInvoice, SandboxTransaction

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


async def invoices_of_customer(
    session: AsyncSession, company_id: str, customer_id: str, invoice_ids: list[str]
) -> list[Invoice]:
    """Those of ``invoice_ids`` that are this customer's, by due date."""
    stmt = (
        select(Invoice)
        .where(
            Invoice.company_id == company_id,
            Invoice.customer_id == customer_id,
            Invoice.invoice_id.in_(invoice_ids),
        )
        .order_by(Invoice.due_date, Invoice.invoice_id)
    )
    return list((await session.execute(stmt)).scalars())


async def customer_name(session: AsyncSession, company_id: str, customer_id: str) -> str:
    return (await customer_terms(session, company_id, customer_id))[0]


async def customer_terms(
    session: AsyncSession, company_id: str, customer_id: str
) -> tuple[str, str | None, Decimal | None]:
    """The customer's name and its TDS default (section and rate, or None)."""
    stmt = select(Customer.legal_name, Customer.tds_section, Customer.tds_rate).where(
        Customer.company_id == company_id, Customer.customer_id == customer_id
    )
    name, section, rate = (await session.execute(stmt)).one()
    return str(name), section, rate


async def add_attempt(session: AsyncSession, attempt: PaymentAttempt) -> None:
    session.add(attempt)
    await session.flush()


async def add_attempt_parts(
    session: AsyncSession, company_id: str, attempt_id: str, parts: dict[str, Decimal]
) -> None:
    session.add_all(
        PaymentAttemptInvoice(company_id=company_id, attempt_id=attempt_id, invoice_id=i, amount=a)
        for i, a in parts.items()
    )
    await session.flush()


async def attempt_parts(session: AsyncSession, company_id: str, attempt_id: str) -> dict[str, Decimal]:
    """What an attempt over several invoices pays of each (empty for an attempt over one)."""
    stmt = (
        select(PaymentAttemptInvoice.invoice_id, PaymentAttemptInvoice.amount)
        .where(PaymentAttemptInvoice.company_id == company_id, PaymentAttemptInvoice.attempt_id == attempt_id)
        .order_by(PaymentAttemptInvoice.invoice_id)
    )
    return {str(i): a for i, a in (await session.execute(stmt)).all()}


async def attempt_of_customer(
    session: AsyncSession, company_id: str, customer_id: str, attempt_id: str
) -> tuple[PaymentAttempt, list[tuple[Invoice, Decimal]]] | None:
    """An attempt over several invoices, all of them this customer's, with each invoice and its part; None
    for any other attempt (of one invoice, or touching another customer's)."""
    if not _ATTEMPT_ID.match(attempt_id):
        return None
    attempt = (
        await session.execute(
            select(PaymentAttempt).where(
                PaymentAttempt.company_id == company_id,
                PaymentAttempt.attempt_id == attempt_id,
                PaymentAttempt.invoice_id.is_(None),
            )
        )
    ).scalar_one_or_none()
    if attempt is None:
        return None
    stmt = (
        select(Invoice, PaymentAttemptInvoice.amount)
        .join(
            Invoice,
            (Invoice.company_id == PaymentAttemptInvoice.company_id)
            & (Invoice.invoice_id == PaymentAttemptInvoice.invoice_id),
        )
        .where(PaymentAttemptInvoice.company_id == company_id, PaymentAttemptInvoice.attempt_id == attempt_id)
        .order_by(Invoice.due_date, Invoice.invoice_id)
    )
    parts = [(inv, amount) for inv, amount in (await session.execute(stmt)).all()]
    if not parts or any(inv.customer_id != customer_id for inv, _ in parts):
        return None
    return attempt, parts


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


@dataclass(frozen=True)
class Unsettled:
    """A STARTED attempt due for a status query; overdue when the gateway has had its whole time."""

    company_id: str
    attempt_id: str
    gateway: str
    gateway_reference: str | None
    amount: Decimal
    overdue: bool


# Waits between questions about one attempt double with its age (2, 4, 8 … minutes with the default grace),
# up to an hour, so an abandoned checkout costs the gateway some 30 questions in a day rather than 1,440.
# Overdue attempts are always due: the next question is the last. Least recently asked first, so attempts the
# gateway keeps not knowing cannot hold the newer ones back from a run's LIMIT.
_UNSETTLED = text(
    """
    SELECT company_id, attempt_id, gateway, gateway_reference, amount,
           created_on <= now() - :give_up * interval '1 second' AS overdue
      FROM payment_attempts
     WHERE status = 'STARTED'
       AND created_on <= now() - :after * interval '1 second'
       AND (checked_on IS NULL
            OR created_on <= now() - :give_up * interval '1 second'
            OR checked_on <= now() - LEAST(GREATEST(checked_on - created_on, :after * interval '1 second'),
                                           interval '1 hour'))
     ORDER BY checked_on NULLS FIRST, created_on
     LIMIT :limit
    """
)


async def unsettled_attempts(
    session: AsyncSession, after_seconds: int, give_up_seconds: int, limit: int
) -> list[Unsettled]:
    """Every company's STARTED attempts due for a status query (over the partial index of unsettled
    attempts): the sweep of the reconciliation job, which then treats each under its own company."""
    rows = await session.execute(
        _UNSETTLED, {"after": after_seconds, "give_up": give_up_seconds, "limit": limit}
    )
    return [Unsettled(*row) for row in rows]


_MARK_CHECKED = text(
    """
    UPDATE payment_attempts AS a SET checked_on = now()
      FROM (SELECT company_id, attempt_id FROM payment_attempts
             WHERE company_id = :company_id AND attempt_id = ANY(:attempt_ids) AND status = 'STARTED'
             ORDER BY attempt_id
               FOR UPDATE SKIP LOCKED) AS due
     WHERE a.company_id = due.company_id AND a.attempt_id = due.attempt_id
    """
)


async def mark_checked(session: AsyncSession, company_id: str, attempt_ids: list[str]) -> None:
    """Note that the gateway was asked about these attempts. Bookkeeping only: an attempt being settled
    right now (its row locked) is skipped rather than waited for, and a settled one is left alone."""
    await session.execute(_MARK_CHECKED, {"company_id": company_id, "attempt_ids": attempt_ids})


async def record_sandbox_transaction(
    session: AsyncSession,
    company_id: str,
    gateway_reference: str,
    attempt_id: str,
    amount: Decimal,
    status: str,
    reason: str | None,
) -> SandboxTransaction:
    """The sandbox's record of a completed checkout: this outcome, or the one recorded first."""
    await session.execute(
        insert(SandboxTransaction)
        .values(
            company_id=company_id,
            gateway_reference=gateway_reference,
            attempt_id=attempt_id,
            amount=amount,
            status=status,
            reason=reason,
        )
        .on_conflict_do_nothing(index_elements=["company_id", "gateway_reference"])
    )
    stored = await sandbox_transaction(session, company_id, gateway_reference)
    assert stored is not None  # inserted just now, or there already
    return stored


async def sandbox_transaction(
    session: AsyncSession, company_id: str, gateway_reference: str
) -> SandboxTransaction | None:
    stmt = select(SandboxTransaction).where(
        SandboxTransaction.company_id == company_id,
        SandboxTransaction.gateway_reference == gateway_reference,
    )
    return (await session.execute(stmt)).scalar_one_or_none()
