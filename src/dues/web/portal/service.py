"""The customer portal's rules (api.md §12): what one customer, holding its link, sees and may do.

The token decides everything: ``open_link`` turns it into (company, customer) or a plain "not found", and
every read and write after it is scoped by that pair, so an invoice, TDS entry or receipt of another
customer answers the same "not found" as one that does not exist. Writes go through the domains' own
services (disputes, TDS register, payments through the payment page's gateway), as the API's do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.auth.service import Principal
from dues.config import get_settings
from dues.disputes import service as disputes
from dues.disputes.schemas import DisputeCreate, DisputeRead
from dues.errors import Conflict, DuesError, NotFound, ValidationFailed
from dues.invoices import service as invoices
from dues.kit.timefmt import today_ist
from dues.models import Invoice, TdsEntry
from dues.models.dispute import Dispute
from dues.models.web import CERTIFICATE_MAX_BYTES, PortalLink
from dues.msme import service as msme
from dues.pay import service as pay
from dues.portal_links import service as links
from dues.portal_links.service import Holder
from dues.statements import sending as statements
from dues.tds import service as tds_register
from dues.tds.schemas import CertificateIn, TdsEntryRead
from dues.web.portal import repository

NOT_FOUND = "There is no such page here."


class PortalNotFound(DuesError):
    """A bad, unknown or revoked link, or anything not this customer's: 404, and nothing more said."""

    status_code = 404

    def __init__(self) -> None:
        super().__init__(NOT_FOUND)


async def open_link(session: AsyncSession, token: str) -> Holder:
    holder = await links.open_token(session, token)
    if holder is None:
        raise PortalNotFound
    return holder


@dataclass(frozen=True)
class OpenInvoice:
    invoice_id: str
    invoice_number: str
    invoice_date: date
    due_date: date
    total: Decimal
    balance: Decimal
    overdue_days: int
    msme_interest: Decimal | None
    disputed: bool


@dataclass(frozen=True)
class Portal:
    seller: str
    customer: str
    invoices: list[OpenInvoice]
    total_open: int
    offset: int
    limit: int
    balance: Decimal
    disputes: list[tuple[Dispute, str]]
    certificates_due: list[tuple[TdsEntry, list[str]]]
    online: bool


async def portal(session: AsyncSession, holder: Holder, offset: int = 0, *, online: bool) -> Portal:
    """The portal's page: the customer's open invoices (a page of them), open disputes, TDS awaiting a
    certificate. ``online``: a gateway is offered, so invoices can be paid here."""
    named = await repository.names(session, holder.company_id, holder.customer_id)
    if named is None:
        raise PortalNotFound
    seller, customer = named
    rows, total, owed_in_all = await repository.open_invoices(
        session, holder.company_id, holder.customer_id, max(0, offset), repository.PAGE
    )
    today = today_ist()
    owed = await msme.interest_for(session, holder.company_id, [i.invoice_id for i in rows], today)
    open_disputes = await repository.open_disputes(session, holder.company_id, holder.customer_id)
    disputed = {d.invoice_id for d, _ in open_disputes}
    entries = await repository.awaiting_certificates(session, holder.company_id, holder.customer_id)
    numbers = await repository.invoice_numbers(
        session, holder.company_id, sorted({i for e in entries for i in e.invoice_ids})
    )
    return Portal(
        seller=seller,
        customer=customer,
        invoices=[
            OpenInvoice(
                i.invoice_id,
                i.invoice_number,
                i.invoice_date,
                i.due_date,
                i.total_amount,
                i.balance_amount,
                repository.overdue_days(i.due_date, today),
                owed[i.invoice_id].interest if i.invoice_id in owed and owed[i.invoice_id].interest else None,
                i.invoice_id in disputed,
            )
            for i in rows
        ],
        total_open=total,
        offset=max(0, offset),
        limit=repository.PAGE,
        balance=owed_in_all,
        disputes=open_disputes,
        certificates_due=[(e, [numbers.get(i, i) for i in e.invoice_ids]) for e in entries],
        online=online,
    )


async def names(session: AsyncSession, holder: Holder) -> tuple[str, str]:
    named = await repository.names(session, holder.company_id, holder.customer_id)
    if named is None:
        raise PortalNotFound
    return named


async def invoice_of(session: AsyncSession, holder: Holder, invoice_id: str) -> Invoice:
    found = await repository.invoice(session, holder.company_id, holder.customer_id, invoice_id[:16])
    if found is None:
        raise PortalNotFound
    return found


async def invoice_pdf(session: AsyncSession, holder: Holder, invoice_id: str) -> tuple[str, bytes]:
    found = await invoice_of(session, holder, invoice_id)
    return await invoices.pdf(session, holder.company_id, found.invoice_id)


async def statement_pdf(
    session: AsyncSession, holder: Holder, date_from: date | None, date_to: date | None
) -> tuple[str, bytes]:
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ValidationFailed.field("from", "must not be after to", date_from.isoformat())
    try:
        return await statements.pdf(session, holder.company_id, holder.customer_id, date_from, date_to)
    except NotFound:
        raise PortalNotFound from None


def portal_url(token: str, path: str = "") -> str:
    return f"{get_settings().public_url.rstrip('/')}/portal/{token}{path}"


async def checkout(
    session: AsyncSession, holder: Holder, token: str, invoice_ids: Sequence[str], gateway: str
) -> pay.Started:
    """ONE checkout of the whole balance of the chosen invoices; pay.NothingToPay says why not."""
    return await pay.start_checkout_of_invoices(
        session,
        holder.company_id,
        holder.customer_id,
        [i[:16] for i in invoice_ids[:200]],
        gateway=gateway,
        return_url=lambda attempt_id: portal_url(token, f"/receipt/{attempt_id}"),
        actor=holder.actor,
    )


async def receipt(session: AsyncSession, holder: Holder, attempt_id: str) -> pay.ReceiptOfInvoices:
    try:
        return await pay.receipt_of_invoices(session, holder.company_id, holder.customer_id, attempt_id)
    except pay.PageNotFound:
        raise PortalNotFound from None


async def dispute(
    session: AsyncSession, holder: Holder, invoice_id: str, body: DisputeCreate
) -> tuple[DisputeRead, str]:
    """Raise a dispute (source PORTAL: its reminders pause); answers it and the invoice's number."""
    found = await invoice_of(session, holder, invoice_id)
    made = await disputes.open_from_portal(
        session, holder.company_id, holder.customer_id, found.invoice_id, body, holder.actor
    )
    return made, found.invoice_number


async def tds_entry(session: AsyncSession, holder: Holder, tds_id: str) -> TdsEntry:
    entry = await repository.tds_entry(session, holder.company_id, holder.customer_id, tds_id[:16])
    if entry is None:
        raise PortalNotFound
    return entry


PDF_MAGIC = b"%PDF-"


def certificate_problem(content: bytes) -> str | None:
    """Why the file is not taken as a Form 16A (None: it is)."""
    if not content:
        return "Choose the certificate's PDF file."
    if len(content) > CERTIFICATE_MAX_BYTES:
        return (
            f"The file is larger than {CERTIFICATE_MAX_BYTES // (1024 * 1024)} MB: a Form 16A is far smaller."
        )
    if not content.startswith(PDF_MAGIC):
        return "The file is not a PDF: upload the Form 16A as downloaded from TRACES (a .pdf file)."
    return None


async def upload_certificate(
    session: AsyncSession, holder: Holder, tds_id: str, data: CertificateIn, file_name: str, content: bytes
) -> TdsEntryRead:
    """Record the customer's Form 16A on the register entry (as PATCH /api/v0/tds/{id} does) and keep its
    PDF beside it."""
    problem = certificate_problem(content)
    if problem:
        raise ValidationFailed.field("file", problem, None)
    entry = await tds_entry(session, holder, tds_id)
    principal = Principal(user_id=holder.actor, company_id=holder.company_id, role="PORTAL", email="")
    recorded = await tds_register.record_certificate(
        session, principal, holder.company_id, entry.tds_id, data
    )
    name = file_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200] or f"{entry.tds_id}.pdf"
    await repository.keep_certificate(session, holder.company_id, entry.tds_id, name, content, holder.actor)
    return recorded


# The finance team's side: a customer's link, made and revoked from the app.


@dataclass(frozen=True)
class LinkState:
    customer_id: str
    customer: str
    live: PortalLink | None
    url: str | None
    history: list[PortalLink]
    # user_id -> e-mail of whoever made or revoked a link; an id missing here is shown as it is.
    who: dict[str, str]


async def link_state(session: AsyncSession, company_id: str, customer_id: str) -> LinkState:
    named = await repository.names(session, company_id, customer_id)
    if named is None:
        raise NotFound(f"No customer {customer_id}.")
    live = await links.live(session, company_id, customer_id)
    history = await links.history(session, company_id, customer_id)
    actors = [link.created_by for link in history] + [link.revoked_by or "" for link in history]
    if live is not None:
        actors.append(live.created_by)
    return LinkState(
        customer_id,
        named[1],
        live,
        links.url_of(company_id, live.link_id) if live else None,
        history,
        await repository.user_emails(session, company_id, actors),
    )


async def create_link(session: AsyncSession, principal: Principal, customer_id: str) -> PortalLink:
    company_id = principal.company_id
    if await repository.names(session, company_id, customer_id) is None:
        raise NotFound(f"No customer {customer_id}.")
    if await links.live(session, company_id, customer_id) is not None:
        raise Conflict("This customer has a live portal link already: revoke it first to make a new one.")
    link = await links.create(session, company_id, customer_id, principal.user_id)
    await audit.record(
        session, company_id, principal.user_id, "customer", customer_id, "PORTAL_LINK_CREATED",
        None, {"linkId": link.link_id},
    )  # fmt: skip
    return link


async def revoke_link(session: AsyncSession, principal: Principal, customer_id: str) -> PortalLink:
    company_id = principal.company_id
    if await repository.names(session, company_id, customer_id) is None:
        raise NotFound(f"No customer {customer_id}.")
    live = await links.live(session, company_id, customer_id)
    if live is None:
        raise Conflict("This customer has no live portal link to revoke.")
    await links.revoke(session, live, principal.user_id)
    await audit.record(
        session, company_id, principal.user_id, "customer", customer_id, "PORTAL_LINK_REVOKED",
        {"linkId": live.link_id}, None,
    )  # fmt: skip
    return live
