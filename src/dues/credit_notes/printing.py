"""The credit note as a printed document (CGST Rules r.53: the note's number and date, the supplier and the
recipient, the invoices it is against with their dates, the taxable value and the tax credited, signed).

``_document`` gathers what the note prints; ``render`` draws it with the renderer invoices use today. When
every document moves to the Typst templates (``dues.documents``), only ``render`` changes: it hands the same
data to the credit note's template.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from dues.invoices.pdf import Party, PdfLine, TaxInvoiceDocument, render_invoice_pdf
from dues.models import Company, Customer
from dues.models.adjustment import CreditNote, CreditNoteInvoice, CreditNoteLine

# The kind an outbox attachment names, so the sender draws this document for it.
KIND = "CREDIT_NOTE"

_REASONS = {
    "SALES_RETURN": "Sales return",
    "POST_SALE_DISCOUNT": "Post-sale discount",
    "DEFICIENCY_IN_SERVICES": "Deficiency in services",
    "CORRECTION_IN_INVOICE": "Correction in invoice",
    "CHANGE_IN_POS": "Change in place of supply",
    "FINALIZATION_OF_PROVISIONAL_ASSESSMENT": "Finalisation of provisional assessment",
    "OTHERS": "Other",
}


def file_name(note_number: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in note_number)
    return f"credit-note-{safe}.pdf"


def _party(
    legal_name: str,
    address: str | None,
    pin_code: str | None,
    state: str | None,
    tax_id: str | None,
    phone: str | None = None,
    email: str | None = None,
) -> Party:
    gstin = tax_id if tax_id and len(tax_id) == 15 else None
    pan = tax_id if tax_id and len(tax_id) == 10 else None
    address_lines = "\n".join(part for part in (address, pin_code) if part)
    return Party(
        legal_name=legal_name,
        address=address_lines,
        state=state,
        gstin=gstin,
        pan=pan,
        phone=phone,
        email=email,
    )


def _document(
    note: CreditNote,
    company: Company,
    customer: Customer,
    parts: Sequence[tuple[CreditNoteInvoice, str, date, str]],
    lines: Sequence[CreditNoteLine],
) -> TaxInvoiceDocument:
    """What the note prints: only what holds from its issue on (what later became of its credit is not)."""
    places = sorted({place for *_, place in parts})
    against = [f"{number} dt. {day:%d-%m-%Y}" for _, number, day, _ in parts]
    summary = note.description or f"Credit against invoice {', '.join(number for _, number, *_ in parts)}"
    return TaxInvoiceDocument(
        invoice_number=note.note_number,
        invoice_date=note.note_date,
        due_date=None,
        seller=_party(
            company.legal_name,
            company.address,
            company.pin_code,
            company.state,
            company.gstin,
            company.phone,
            company.email,
        ),
        buyer=_party(
            customer.legal_name, customer.address, customer.pin_code, customer.state, customer.pan_or_gstin
        ),
        place_of_supply=places[0] if len(places) == 1 else "Several (see the invoices)",
        taxable_value=note.base_amount,
        total=note.total_amount,
        cgst=note.cgst,
        sgst=note.sgst,
        igst=note.igst,
        cess=note.cess,
        lines=tuple(
            PdfLine(
                description=line.description,
                hsn_sac=line.hsn_sac,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                gst_rate=line.gst_rate,
                taxable_value=line.base_amount,
                cgst=line.cgst,
                sgst=line.sgst,
                igst=line.igst,
            )
            for line in lines
        ),
        description=summary,
        # Decided from the taxes credited (or, with none, from the place of supply), as for an invoice.
        intra_state=None,
        buyer_reference=note.external_id,
        kind="Credit Note",
        references=(
            *(("Against Invoice", text) for text in against),
            ("Reason", _REASONS.get(note.reason, note.reason)),
        ),
    )


def render(
    note: CreditNote,
    company: Company,
    customer: Customer,
    parts: Sequence[tuple[CreditNoteInvoice, str, date, str]],
    lines: Sequence[CreditNoteLine],
) -> tuple[str, bytes]:
    """The note's file name and PDF."""
    return file_name(note.note_number), render_invoice_pdf(_document(note, company, customer, parts, lines))
