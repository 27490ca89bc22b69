"""The credit note as a printed document (CGST Rules r.53: the note's number and date, the supplier and the
recipient, the invoices it is against with their dates, the taxable value and the tax credited, signed).

``document`` gathers what the note prints into a ``dues.documents`` credit note; ``render`` draws it with the
credit note's Typst template.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from dues.documents.content import render_credit_note
from dues.documents.model import CreditNoteDocument, InvoiceReference, Logo
from dues.documents.parties import party, printed_lines, seller_party
from dues.models import Company, Customer
from dues.models.adjustment import CreditNote, CreditNoteInvoice, CreditNoteLine

# The kind an outbox attachment names, so the sender draws this document for it.
KIND = "CREDIT_NOTE"


def file_name(note_number: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in note_number)
    return f"credit-note-{safe}.pdf"


def document(
    note: CreditNote,
    company: Company,
    customer: Customer,
    parts: Sequence[tuple[CreditNoteInvoice, str, date, str]],
    lines: Sequence[CreditNoteLine],
    logo: Logo | None = None,
) -> CreditNoteDocument:
    """What the note prints: only what holds from its issue on (what later became of its credit is not)."""
    places = sorted({place for *_, place in parts})
    return CreditNoteDocument(
        note_number=note.note_number,
        note_date=note.note_date,
        seller=seller_party(company, logo),
        buyer=party(
            customer.legal_name, customer.address, customer.pin_code, customer.state, customer.pan_or_gstin
        ),
        reason=note.reason,
        against=tuple(InvoiceReference(number, day, part.total_amount) for part, number, day, _ in parts),
        taxable_value=note.base_amount,
        total=note.total_amount,
        cgst=note.cgst,
        sgst=note.sgst,
        igst=note.igst,
        cess=note.cess,
        lines=printed_lines(lines),
        # Taxes follow each invoice's place of supply: one place, or each invoice's own.
        place_of_supply=places[0] if len(places) == 1 else "Several (those of the invoices)",
        # Decided from the taxes credited (or, with none, from the place of supply), as for an invoice.
        intra_state=None,
        description=note.description,
        buyer_reference=note.external_id,
    )


def render(note_document: CreditNoteDocument) -> tuple[str, bytes]:
    """The note's file name and PDF."""
    return file_name(note_document.note_number), render_credit_note(note_document)
