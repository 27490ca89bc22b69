"""A credit note as a document: its PDF, and dispatch by e-mail through the outbox (api.md §9.1)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.auth.service import Principal
from dues.collection import service as collection
from dues.companies import service as companies
from dues.credit_notes import printing, queries, repository
from dues.credit_notes.schemas import CreditNoteRead, CreditNoteStatus
from dues.customers import service as customers
from dues.errors import NotFound, Unprocessable
from dues.kit.timefmt import now
from dues.models import Customer
from dues.models.adjustment import CreditNote, CreditNoteInvoice, CreditNoteLine


async def pdfs(
    session: AsyncSession, company_id: str, credit_note_ids: Sequence[str]
) -> dict[str, tuple[str, bytes]]:
    """creditNoteId → (file name, PDF) for those of the ids that are this company's notes."""
    notes = await repository.get_many(session, company_id, list(dict.fromkeys(credit_note_ids)))
    if not notes:
        return {}
    company = await companies.get(session, company_id)
    buyers = await customers.get_models(session, company_id, [n.customer_id for n in notes])
    note_ids = [n.credit_note_id for n in notes]
    parts: dict[str, list[tuple[CreditNoteInvoice, str, date, str]]] = defaultdict(list)
    for row in await repository.parts_of(session, company_id, note_ids):
        parts[row[0].credit_note_id].append(row)
    lines: dict[str, list[CreditNoteLine]] = defaultdict(list)
    for line in await repository.lines_of(session, company_id, note_ids):
        lines[line.credit_note_id].append(line)
    logo = await companies.logo(session, company_id)
    documents = {
        n.credit_note_id: printing.document(
            n, company, buyers[n.customer_id], parts[n.credit_note_id], lines[n.credit_note_id], logo
        )
        for n in notes
    }
    # Drawn in a worker thread, as invoices are: the compiler lets go of the GIL meanwhile.
    return await asyncio.to_thread(lambda: {i: printing.render(d) for i, d in documents.items()})


async def pdf(session: AsyncSession, company_id: str, credit_note_id: str) -> tuple[str, bytes]:
    found = await pdfs(session, company_id, [credit_note_id])
    if credit_note_id not in found:
        raise NotFound(f"No credit note {credit_note_id}.")
    return found[credit_note_id]


def _mail(
    seller: str, note: CreditNote, customer: Customer, invoice_numbers: Sequence[str]
) -> tuple[str, str]:
    against = ", ".join(invoice_numbers)
    subject = f"Credit note {note.note_number} from {seller}: INR {note.total_amount:,.2f}"
    body = (
        f"Dear {customer.legal_name},\n\n"
        f"{seller} has issued you credit note {note.note_number} dated {note.note_date:%d %b %Y} for "
        f"INR {note.total_amount:,.2f}, against invoice{'s' if len(invoice_numbers) > 1 else ''} {against}.\n"
        f"Of it, INR {note.applied_amount:,.2f} lowered what you owe on those invoices and "
        f"INR {note.unapplied_amount + note.refunded_amount:,.2f} is credit in your favour.\n\n"
        "The credit note is attached as a PDF.\n"
    )
    return subject, body


async def dispatch(
    session: AsyncSession, principal: Principal, company_id: str, credit_note_id: str
) -> CreditNoteRead:
    """E-mail an issued note, with its PDF, to the customer's invoice recipients (through the outbox, as
    invoices go); again on every call."""
    note = await repository.get(session, company_id, credit_note_id, for_update=True)
    if note is None:
        raise NotFound(f"No credit note {credit_note_id}.")
    if note.status != CreditNoteStatus.ISSUED.value:
        raise Unprocessable(
            f"Credit note {note.note_number} is {note.status}: only an issued (approved) credit note is sent."
        )
    customer = await customers.get_model(session, company_id, note.customer_id)
    assert customer is not None  # a note's customer is kept (deleting one only marks it)
    company = await companies.get(session, company_id)
    numbers = [number for _, number, *_ in await repository.parts_of(session, company_id, [credit_note_id])]
    subject, body = _mail(company.legal_name, note, customer, numbers)
    attachment = {
        "name": printing.file_name(note.note_number),
        "contentType": "application/pdf",
        "size": None,
        "kind": printing.KIND,
        "documentId": credit_note_id,
    }
    sent_to = await collection.send_document(session, company_id, customer, subject, body, attachment)
    if not sent_to:
        raise Unprocessable(
            f"Customer {customer.customer_id} has no e-mail address and no active contact that takes "
            "invoices by e-mail: add one, then send the credit note again."
        )
    before = {"dispatched": note.dispatched}
    note.dispatched = True
    note.dispatched_on = now()
    await session.flush()
    await audit.record(
        session,
        company_id,
        principal.user_id,
        "credit_note",
        credit_note_id,
        "DISPATCH",
        before,
        {"dispatched": True, "recipients": [f"{r.channel}:{r.to}" for r in sent_to]},
    )
    return await queries.get(session, company_id, credit_note_id)
