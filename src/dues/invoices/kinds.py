"""Which document an invoice row is (api.md §9.1), and the rules that hang on it.

- A **tax invoice** is a GST-registered seller's (CGST Rules r.46); a seller without a GSTIN cannot issue one.
- A **bill of supply** charges no GST (r.49): what a seller without a GSTIN issues, and what a registered one
  issues for an exempt supply.
- A **debit note** raises what the buyer owes on invoices already issued (CGST Act s.34(3), r.53): it names
  those originals, which must be the same customer's and issued, and says why. It is owed, dispatched,
  reminded and paid like any invoice, and counts in a series of its own.

Pure functions: the service loads what they need (the company, the originals) and calls them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from dues.errors import SubError, ValidationFailed
from dues.invoices.schemas import DebitNoteReason, DocumentType, InvoiceCreate
from dues.models import Company, Invoice

TAX_INVOICE = DocumentType.TAX_INVOICE.value
BILL_OF_SUPPLY = DocumentType.BILL_OF_SUPPLY.value
DEBIT_NOTE = DocumentType.DEBIT_NOTE.value

# The series a debit note counts in when the company names no prefix: visibly apart from its invoices.
DEBIT_NOTE_PREFIX = "DN"
INVOICE_PREFIX = "INV"


def default_document_type(company: Company) -> str:
    """A GST-registered seller issues tax invoices; one without a GSTIN, bills of supply (§9.1)."""
    return TAX_INVOICE if company.gstin else BILL_OF_SUPPLY


def series_prefix(company: Company, document_type: str | None) -> str:
    """The prefix of the number series a document counts in (debitNotePrefix or invoiceNumberPrefix)."""
    if document_type == DEBIT_NOTE:
        return company.debit_note_prefix or DEBIT_NOTE_PREFIX
    return company.invoice_number_prefix or INVOICE_PREFIX


def series_head(prefix: str, financial_year: int) -> tuple[str, int]:
    """A series number's fixed part (prefix, the financial year as 2627, a dash) and the digits left of the
    16 characters GST allows a document number."""
    head = f"{prefix}{financial_year % 100:02d}{(financial_year + 1) % 100:02d}-"
    return head, 16 - len(head)


def document_type(data: InvoiceCreate, company: Company) -> str:
    """The document a create body makes, or 422 naming the field that does not fit it."""
    kind = data.document_type.value if data.document_type is not None else default_document_type(company)
    problems: list[SubError] = []
    if kind == TAX_INVOICE and not company.gstin:
        problems.append(
            SubError(
                "documentType",
                "the seller has no GSTIN: it cannot issue a tax invoice (issue a BILL_OF_SUPPLY)",
                kind,
            )
        )
    if kind == DEBIT_NOTE:
        if not data.original_invoice_ids:
            problems.append(
                SubError("originalInvoiceIds", "is required for a debit note: the invoices it adds to", None)
            )
    else:
        if data.original_invoice_ids:
            problems.append(
                SubError(
                    "originalInvoiceIds",
                    f"only a debit note names original invoices (documentType is {kind})",
                    data.original_invoice_ids,
                )
            )
        if data.note_reason is not None:
            problems.append(
                SubError(
                    "noteReason", f"only a debit note has a reason (documentType is {kind})", data.note_reason
                )
            )
    if problems:
        raise ValidationFailed.of(problems)
    return kind


def note_reason(data: InvoiceCreate, kind: str) -> str | None:
    """A debit note's reason (OTHERS when not given); None for other documents."""
    if kind != DEBIT_NOTE:
        return None
    return (data.note_reason or DebitNoteReason.OTHERS).value


def check_originals(
    ids: Sequence[str], customer_id: str, invoice_date: date, found: Mapping[str, Invoice]
) -> list[Invoice]:
    """A debit note's originals, each an issued invoice of the same customer (``found``: this company's
    invoices among ``ids``), none dated after the note; 422 naming every one that is not."""
    problems: list[SubError] = []
    seen: set[str] = set()
    originals: list[Invoice] = []
    for n, invoice_id in enumerate(ids):
        field = f"originalInvoiceIds[{n}]"
        invoice = found.get(invoice_id)
        if invoice_id in seen:
            problems.append(SubError(field, "appears twice", invoice_id))
        elif invoice is None:
            problems.append(SubError(field, "is not an invoice of this company", invoice_id))
        elif invoice.customer_id != customer_id:
            problems.append(
                SubError(field, f"is an invoice of another customer ({invoice.customer_id})", invoice_id)
            )
        elif invoice.status == "COLLECTION_DELETED":
            problems.append(SubError(field, "was withdrawn from collection", invoice_id))
        elif not invoice.posted:
            problems.append(
                SubError(
                    field,
                    f"is not issued yet (approvalStatus {invoice.approval_status}): change it instead",
                    invoice_id,
                )
            )
        elif invoice.invoice_date > invoice_date:
            problems.append(
                SubError(
                    "invoiceDate",
                    f"must not be before the date of original invoice {invoice.invoice_number} "
                    f"({invoice.invoice_date.isoformat()})",
                    invoice_date.isoformat(),
                )
            )
        else:
            originals.append(invoice)
        seen.add(invoice_id)
    if problems:
        raise ValidationFailed.of(problems)
    return originals


def common_place(originals: Sequence[Invoice]) -> str | None:
    """The originals' place of supply when they share one: a debit note is taxed where its supply was."""
    places = {invoice.place_of_supply for invoice in originals}
    return places.pop() if len(places) == 1 else None


BILL_OF_SUPPLY_UNREGISTERED = "the seller has no GSTIN: it issues a bill of supply and cannot charge GST"
BILL_OF_SUPPLY_NO_GST = "a bill of supply charges no GST"


def check_no_gst(data: InvoiceCreate, company: Company, kind: str | None) -> None:
    """A seller without a GSTIN is not registered for GST, and a bill of supply charges none (api.md §1.7,
    §9.1): any tax or rate above zero on such a document is 422 naming the field."""
    if company.gstin and kind != BILL_OF_SUPPLY:
        return
    why = BILL_OF_SUPPLY_NO_GST if company.gstin else BILL_OF_SUPPLY_UNREGISTERED
    given = (("cgst", data.cgst), ("sgst", data.sgst), ("igst", data.igst), ("cess", data.cess))
    problems = [SubError(field, why, str(value)) for field, value in given if value]
    problems += [
        SubError(f"lineItems[{n}].gstRate", why, str(item.gst_rate))
        for n, item in enumerate(data.line_items or [])
        if item.gst_rate
    ]
    if problems:
        raise ValidationFailed.of(problems)


# One document type of each series, to name the series' prefixes.
SERIES_KINDS = (TAX_INVOICE, DEBIT_NOTE)
