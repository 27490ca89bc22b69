"""Statements by e-mail: one on request, and last month's to every customer with a balance on the company's
statement day. Both go through the outbox as invoices do (dues.collection): messages written in the caller's
transaction, each attaching its statement by customer and period, drawn by the send job when it goes out."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.auth.service import Principal
from dues.collection import service as collection
from dues.collection.service import DocumentMail
from dues.companies import service as companies
from dues.customers import service as customers
from dues.errors import NotFound, ValidationFailed
from dues.kit.money import ZERO
from dues.ledger import repository as ledger
from dues.portal_links import service as links
from dues.statements import printing, repository, service
from dues.statements.printing import KIND
from dues.statements.schemas import StatementMessage, StatementSend, StatementSent

log = structlog.get_logger("dues.statements")

# Messages written per statement in the monthly run: a company of 100,000 customers is not one insert.
MAIL_BATCH = 1000


def _key(customer_id: str, date_from: date, date_to: date) -> str:
    return f"{KIND}:{customer_id}:{date_from.isoformat()}:{date_to.isoformat()}"


def key_of(attachments: Sequence[dict[str, Any]]) -> str | None:
    """The statement a message attaches, as the key ``pdfs`` takes; None when it attaches none."""
    for a in attachments:
        if a.get("kind") == KIND and a.get("documentId") and a.get("from") and a.get("to"):
            return _key(str(a["documentId"]), date.fromisoformat(a["from"]), date.fromisoformat(a["to"]))
    return None


def _attachment(customer_id: str, date_from: date, date_to: date) -> dict[str, Any]:
    return {
        "name": printing.file_name(customer_id, date_from, date_to),
        "contentType": "application/pdf",
        "size": None,
        "kind": KIND,
        "documentId": customer_id,
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
    }


async def pdfs(session: AsyncSession, company_id: str, keys: Sequence[str]) -> dict[str, tuple[str, bytes]]:
    """key → (file name, PDF) of the statements the keys name (key_of), those of this company's customers:
    the statements of one period built together, drawn in a worker thread."""
    periods: dict[tuple[date, date], list[str]] = defaultdict(list)
    for key in dict.fromkeys(keys):
        _, customer_id, first, last = key.split(":")
        periods[(date.fromisoformat(first), date.fromisoformat(last))].append(customer_id)
    if not periods:
        return {}
    company = await companies.get(session, company_id)
    logo = await companies.logo(session, company_id)
    made = {}
    for (start, end), customer_ids in periods.items():
        buyers = await customers.get_models(session, company_id, customer_ids)
        for customer_id, statement in (
            await service.build(session, company, list(buyers.values()), start, end)
        ).items():
            made[_key(customer_id, start, end)] = statement
    # Drawn in a worker thread, as invoices are: the compiler lets go of the GIL meanwhile.
    return await asyncio.to_thread(lambda: {k: printing.render(s, company, logo) for k, s in made.items()})


async def pdf(
    session: AsyncSession, company_id: str, customer_id: str, date_from: date | None, date_to: date | None
) -> tuple[str, bytes]:
    """The statement's file name and PDF, as the JSON answer says it."""
    statement = await service.statement(session, company_id, customer_id, date_from, date_to)
    company = await companies.get(session, company_id)
    logo = await companies.logo(session, company_id)
    return await asyncio.to_thread(printing.render, statement, company, logo)


def _inr(amount: Decimal) -> str:
    return f"INR {abs(amount):,.2f}"


def _mail(
    seller: str, customer: str, date_from: date, date_to: date, closing: Decimal, portal: str | None = None
) -> tuple[str, str]:
    period = f"{date_from:%d %b %Y} to {date_to:%d %b %Y}"
    subject = f"Statement of account from {seller}: {period}"
    if closing > 0:
        standing = f"The balance due on {date_to:%d %b %Y} was {_inr(closing)}."
    elif closing < 0:
        standing = f"On {date_to:%d %b %Y} you were in credit by {_inr(closing)}."
    else:
        standing = f"Nothing was due on {date_to:%d %b %Y}."
    body = (
        f"Dear {customer},\n\n"
        f"Please find attached your statement of account with {seller} for {period}: every invoice, payment "
        f"and adjustment of the period with the running balance, and the invoices still open.\n"
        f"{standing}\n\n"
        "If anything in it differs from your books, please reply to this e-mail.\n"
    )
    if portal:
        body += (
            f"\nYour account online (open invoices, pay several at once, statements, TDS certificates, "
            f"disputes): {portal}\n"
        )
    return subject, body


async def _closing(session: AsyncSession, company_id: str, customer_id: str, date_to: date) -> Decimal:
    owed = await ledger.balances_before(session, company_id, [customer_id], date_to + timedelta(days=1))
    return owed.get(customer_id, ZERO)


async def send(
    session: AsyncSession, principal: Principal, company_id: str, customer_id: str, body: StatementSend
) -> StatementSent:
    """E-mail the customer's statement of the period (defaults as for reading one) with its PDF attached, to
    the addresses given or else to the customer's invoice recipients; 422 when there is nowhere to send it."""
    start, end = service.period(body.date_from, body.date_to)
    customer = await customers.get_model(session, company_id, customer_id)
    if customer is None:
        raise NotFound(f"No customer {customer_id}.")
    company = await companies.get(session, company_id)
    closing = await _closing(session, company_id, customer_id, end)
    portal = (await links.live_urls(session, company_id, [customer_id])).get(customer_id)
    subject, text = _mail(company.legal_name, customer.legal_name, start, end, closing, portal)
    mail = DocumentMail(
        customer_id,
        customer.email,
        customer.contact_number,
        subject,
        text,
        _attachment(customer_id, start, end),
        addresses=tuple(body.email_addresses or ()),
    )
    [sent] = await collection.send_documents(session, company_id, [mail])
    if not sent:
        raise ValidationFailed.field(
            "emailAddresses",
            f"customer {customer_id} has no e-mail address and no active contact that takes invoices by "
            "e-mail: give the addresses to send the statement to, or add one to the customer",
            None,
        )
    await audit.record(
        session,
        company_id,
        principal.user_id,
        "customer",
        customer_id,
        "STATEMENT_SENT",
        None,
        {"from": start.isoformat(), "to": end.isoformat(), "recipients": [r.to for _, r in sent]},
    )
    return StatementSent(
        customer_id=customer_id,
        date_from=start,
        date_to=end,
        closing_balance=closing,
        messages=[StatementMessage(message_id=m, to=r.to) for m, r in sent],
    )


@dataclass(frozen=True)
class MonthSent:
    """What a company's monthly run did: customers with a balance, those sent to, those with no address."""

    owing: int
    sent: int
    skipped: int
    messages: int


async def send_month(session: AsyncSession, company_id: str, start: date, end: date) -> MonthSent:
    """The statement of ``start`` to ``end`` to each of the company's customers whose balance at the end was
    not zero, to its invoice recipients: one statement for the customers, their contacts and messages written
    in batches, the send jobs queued once. A customer with no e-mail address is skipped (and counted)."""
    company = await companies.get(session, company_id)
    owing = await repository.owing_at(session, company_id, end)
    sent = skipped = messages = 0
    for k in range(0, len(owing), MAIL_BATCH):
        mails = []
        batch = owing[k : k + MAIL_BATCH]
        portals = await links.live_urls(session, company_id, [o.customer_id for o in batch])
        for o in batch:
            portal = portals.get(o.customer_id)
            subject, text = _mail(company.legal_name, o.legal_name, start, end, o.balance, portal)
            attachment = _attachment(o.customer_id, start, end)
            mails.append(DocumentMail(o.customer_id, o.email, o.contact_number, subject, text, attachment))
        for made in await collection.send_documents(session, company_id, mails, enqueue=False):
            sent += bool(made)
            skipped += not made
            messages += len(made)
    await collection.enqueue_sending(session, company_id, messages)
    return MonthSent(owing=len(owing), sent=sent, skipped=skipped, messages=messages)
