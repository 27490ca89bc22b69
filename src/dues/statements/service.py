"""Statements of account (api.md §10): a customer's movements over a period, from the receivables ledger.

A statement is the ledger read for a person: the opening balance (every entry dated before the period), one
line per document and day (a payment that paid three invoices and left some credit is one line, not four;
entries that cancel out, as credit applied to an invoice does, make no line), the running balance after each,
and the closing balance; then what was owed at the end of the period, invoice by invoice and by age, and the
credit not yet set against an invoice. ``closing = aging.total - unappliedCredit``, to the paisa, as the
ledger's invariant (§9.4) holds on every day.

Statements are built for several customers of one period at once (the monthly run draws them in batches), in
a fixed number of statements whatever the number of customers or lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from dues.companies import service as companies
from dues.customers import service as customers
from dues.errors import NotFound, ValidationFailed
from dues.kit.gst import financial_year_start
from dues.kit.money import ZERO
from dues.kit.timefmt import today_ist
from dues.ledger.service import EntryType
from dues.models import Company, Customer
from dues.msme import interest as msme_rules
from dues.msme import service as msme
from dues.reports import buckets
from dues.statements import repository
from dues.statements.repository import OwedInvoice
from dues.statements.schemas import (
    Line,
    OpenInvoice,
    Statement,
    StatementAging,
    StatementCompany,
    StatementCustomer,
)

EDGES = buckets.DEFAULT_EDGES


def period(date_from: date | None, date_to: date | None, today: date | None = None) -> tuple[date, date]:
    """The period a statement covers: ``to`` defaults to today (IST), ``from`` to 1 April of ``to``'s
    financial year (a statement for the year so far); ``from`` after ``to`` is refused."""
    end = date_to or today or today_ist()
    start = date_from or financial_year_start(end)
    if start > end:
        raise ValidationFailed.field("from", f"is after to ({end.isoformat()})", start.isoformat())
    return start, end


# How a payment's reference is named, by its mode: a bank transfer's is its UTR.
_REFERENCE = {"NEFT": "UTR", "RTGS": "UTR", "IMPS": "UTR", "UPI": "UTR", "CHEQUE": "cheque"}


@dataclass(slots=True)
class _Movement:
    """The entries of one document on one day, summed: the first of them, and the invoices they moved with the
    number the line gives each (None: not named)."""

    on: date
    kind: EntryType
    document_id: str
    number: str | None
    first_entry: int
    amount: Decimal = ZERO
    invoices: dict[str, str | None] = field(default_factory=dict)


# EntryType by value: a dict lookup, where calling the enum costs a microsecond a line.
_TYPES = {kind.value: kind for kind in EntryType}


def movements(entries: Sequence[repository.EntryRow]) -> list[_Movement]:
    """Entries (in date and posting order) gathered per day, type and document, in the order each first
    appears; those that sum to zero (credit applied: the invoice falls as the credit does) are left out."""
    found: dict[tuple[date, str, str], _Movement] = {}
    for e in entries:
        key = (e.effective_date, e.entry_type, e.document_id)
        move = found.get(key)
        if move is None:
            move = found[key] = _Movement(
                e.effective_date, _TYPES[e.entry_type], e.document_id, e.document_number, e.entry_id
            )
        move.amount += e.amount
        move.number = move.number or e.document_number
        if e.invoice_id is not None and e.invoice_id not in move.invoices:
            move.invoices[e.invoice_id] = e.invoice_number
    return [m for m in found.values() if m.amount != 0]


def _reference(mode: str | None, reference: str | None) -> str:
    if not reference:
        return ""
    return f" — {_REFERENCE.get(mode or '', 'ref')} {reference}"


def describe(move: _Movement, payments: dict[str, tuple[str, str | None]], charged_first: int | None) -> str:
    """What happened, in a finance person's words, from the entries and the documents they name.
    charged_first: for an invoice or debit note, the first entry that ever charged it to this customer."""
    number = move.number or move.document_id
    mode, section = payments.get(move.document_id, (None, None))
    named = [n for n in move.invoices.values() if n is not None]
    match move.kind:
        case EntryType.INVOICE | EntryType.DEBIT_NOTE:
            label = "Invoice" if move.kind is EntryType.INVOICE else "Debit note"
            # The first entry charges the invoice; a later one is a correction (§9.4: a new entry, dated the
            # day it is made).
            amended = " amended" if charged_first is not None and charged_first != move.first_entry else ""
            return f"{label} {number}{amended}"
        case EntryType.PAYMENT:
            return f"Payment received{_reference(mode, move.number)}"
        case EntryType.TDS:
            deducted = f"TDS {section}" if section and section != "OTHER" else "TDS"
            return f"{deducted} deducted{_reference(mode, move.number)}"
        case EntryType.CREDIT_NOTE:
            return f"Credit note {number}" + (f" against {', '.join(named)}" if named else "")
        case EntryType.WRITE_OFF:
            return f"Written off — {', '.join(named) or number}"
        case EntryType.REVERSAL:
            if move.document_id in payments:
                return f"Payment reversed{_reference(mode, move.number)}"
            return f"Invoice {number} reversed"
        case EntryType.REFUND:
            return f"Refund paid{_reference(None, move.number)}"
        case EntryType.CREDIT_APPLIED:
            return "Credit applied" + (f" to {', '.join(named)}" if named else "")
    return str(move.kind)


# The entries whose document may be a payment, whose line then names its mode (and TDS section).
_PAID = frozenset({EntryType.PAYMENT, EntryType.TDS, EntryType.REVERSAL})


def company_of(company: Company) -> StatementCompany:
    return StatementCompany(
        company_id=company.company_id,
        legal_name=company.legal_name,
        gstin=company.gstin,
        address=company.address,
        state=company.state,
        pin_code=company.pin_code,
        email=company.email,
        phone=company.phone,
    )


def customer_of(customer: Customer) -> StatementCustomer:
    tax_id = customer.pan_or_gstin
    return StatementCustomer(
        customer_id=customer.customer_id,
        legal_name=customer.legal_name,
        gstin=tax_id if tax_id and len(tax_id) == 15 else None,
        pan=tax_id if tax_id and len(tax_id) == 10 else None,
        address=customer.address,
        state=customer.state,
        pin_code=customer.pin_code,
        email=customer.email,
    )


def aging_of(owed: Sequence[OwedInvoice], as_of: date) -> StatementAging:
    split = buckets.split(((o.due_date, o.balance) for o in owed), as_of, EDGES)
    return StatementAging(
        current=split["current"],
        days_1_30=split["1-30"],
        days_31_60=split["31-60"],
        days_61_90=split["61-90"],
        days_over_90=split["90+"],
        total=sum(split.values(), ZERO),
    )


async def build(
    session: AsyncSession,
    company: Company,
    buyers: Sequence[Customer],
    date_from: date,
    date_to: date,
) -> dict[str, Statement]:
    """customerId → the statement of each customer over the period, in a fixed number of statements whatever
    the number of customers."""
    ids = [c.customer_id for c in buyers]
    if not ids:
        return {}
    company_id = company.company_id
    entries: dict[str, list[repository.EntryRow]] = defaultdict(list)
    may_be_paid: set[str] = set()
    for entry in await repository.entries_of(session, company_id, ids, date_from, date_to):
        entries[entry.customer_id].append(entry)
        # An invoice's own reversal (withdrawn, or moved to another customer) names it, not a payment.
        if entry.entry_type in _PAID and entry.document_id != entry.invoice_id:
            may_be_paid.add(entry.document_id)
    payments = await repository.payments_named(session, company_id, ids, date_from, date_to, may_be_paid)
    books = await repository.balances(session, company_id, ids, date_from, date_to)
    openings, owed, credit, first = books.openings, books.owed, books.credit, books.first_entries
    # MSMED Act interest on what is still owed, to the period's last day: one batch for every customer.
    interest = (
        await msme.interest_for(
            session, company_id, [o.invoice_id for found in owed.values() for o in found], date_to
        )
        if msme_rules.applies(company.msme_category)
        else {}
    )
    seller = company_of(company)
    made: dict[str, Statement] = {}
    for customer in buyers:
        customer_id = customer.customer_id
        opening = openings.get(customer_id, ZERO)
        running = opening
        debits = credits = ZERO
        lines: list[Line] = []
        for move in movements(entries.get(customer_id, ())):
            running += move.amount
            charged = first.get((customer_id, move.document_id)) if move.kind in _CHARGES else None
            debit, paid = (move.amount, ZERO) if move.amount > 0 else (ZERO, -move.amount)
            debits += debit
            credits += paid
            lines.append(
                Line(
                    move.on,
                    move.kind,
                    move.document_id,
                    move.number,
                    describe(move, payments, charged),
                    debit,
                    paid,
                    running,
                )
            )
        mine = owed.get(customer_id, [])
        made[customer_id] = Statement(
            customer=customer_of(customer),
            company=seller,
            date_from=date_from,
            date_to=date_to,
            opening_balance=opening,
            lines=lines,
            closing_balance=running,
            total_debits=debits,
            total_credits=credits,
            unapplied_credit=credit.get(customer_id, ZERO),
            aging=aging_of(mine, date_to),
            open_invoices=[
                OpenInvoice(
                    invoice_id=o.invoice_id,
                    invoice_number=o.invoice_number,
                    invoice_date=o.invoice_date,
                    due_date=o.due_date,
                    total=o.total,
                    balance=o.balance,
                    days_past_due=max(0, (date_to - o.due_date).days),
                    msme_due_date=due.statutory_due_date if (due := interest.get(o.invoice_id)) else None,
                    msme_interest=due.interest if due else None,
                )
                for o in mine
            ],
            msme_interest=(
                sum((d.interest for o in mine if (d := interest.get(o.invoice_id))), ZERO)
                if msme_rules.applies(company.msme_category)
                else None
            ),
        )
    return made


_CHARGES = frozenset({EntryType.INVOICE, EntryType.DEBIT_NOTE})


async def statement(
    session: AsyncSession, company_id: str, customer_id: str, date_from: date | None, date_to: date | None
) -> Statement:
    """The customer's statement over the period (defaults: see ``period``); another company's customer is
    not found."""
    start, end = period(date_from, date_to)
    customer = await customers.get_model(session, company_id, customer_id)
    if customer is None:
        raise NotFound(f"No customer {customer_id}.")
    company = await companies.get(session, company_id)
    return (await build(session, company, [customer], start, end))[customer_id]
