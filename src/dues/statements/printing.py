"""A statement of account as a printed document: what the JSON answer says, laid out by the statement's Typst
template (dues.documents)."""

from __future__ import annotations

from datetime import date

from dues.documents.content import render_statement
from dues.documents.model import Logo, StatementDocument, StatementInvoice, StatementRow
from dues.documents.parties import party, seller_party
from dues.models import Company
from dues.statements.schemas import Statement

# The kind an outbox attachment names, so the sender draws this document for it.
KIND = "STATEMENT"

# The aging buckets in the order they print, by their names on the wire.
_BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "days_over_90")
_LABELS = ("current", "1-30", "31-60", "61-90", "90+")


def file_name(customer_id: str, date_from: date, date_to: date) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in customer_id)
    return f"statement-{safe}-{date_from.isoformat()}-{date_to.isoformat()}.pdf"


def document(statement: Statement, company: Company, logo: Logo | None = None) -> StatementDocument:
    customer = statement.customer
    return StatementDocument(
        seller=seller_party(company, logo),
        customer=party(
            customer.legal_name,
            customer.address,
            customer.pin_code,
            customer.state,
            customer.gstin or customer.pan,
        ),
        period_from=statement.date_from,
        period_to=statement.date_to,
        opening_balance=statement.opening_balance,
        closing_balance=statement.closing_balance,
        rows=tuple(
            StatementRow(
                entry_date=line.line_date,
                kind=line.type.value,
                document_number=line.document_number or line.document_id,
                debit=line.debit,
                credit=line.credit,
                balance=line.running_balance,
                description=line.description,
            )
            for line in statement.lines
        ),
        unapplied_credit=statement.unapplied_credit,
        aging=tuple(
            (label, getattr(statement.aging, name)) for label, name in zip(_LABELS, _BUCKETS, strict=True)
        ),
        open_invoices=tuple(
            StatementInvoice(
                number=i.invoice_number,
                invoice_date=i.invoice_date,
                due_date=i.due_date,
                total=i.total,
                balance=i.balance,
                days_past_due=i.days_past_due,
                msme_interest=i.msme_interest,
            )
            for i in statement.open_invoices
        ),
    )


def render(statement: Statement, company: Company, logo: Logo | None = None) -> tuple[str, bytes]:
    """The statement's file name and PDF."""
    name = file_name(statement.customer.customer_id, statement.date_from, statement.date_to)
    return name, render_statement(document(statement, company, logo))
