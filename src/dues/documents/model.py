"""What each document prints, as plain typed values: the domain services map their rows into these, and
:mod:`dues.documents.content` turns them into the JSON its Typst template reads.

Money in rupees, exact to the paisa, printed as given and never recomputed (see dues.kit.gst.line_tax).
A document states only what holds from its issue on: no amount paid, balance or payment link on an invoice,
which change as it is paid, so a document prints the same however often, and whenever, it is fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from dues.kit.money import ZERO

__all__ = [
    "BankAccount",
    "CreditNoteDocument",
    "DocumentType",
    "InvoiceReference",
    "Logo",
    "Party",
    "PdfLine",
    "ReceiptAllocation",
    "ReceiptDocument",
    "StatementDocument",
    "StatementInvoice",
    "StatementRow",
    "TaxInvoiceDocument",
]


class DocumentType(StrEnum):
    """What an invoice is under GST (api.md §9.1)."""

    TAX_INVOICE = "TAX_INVOICE"
    # A seller without a GSTIN charges no GST and issues a bill of supply.
    BILL_OF_SUPPLY = "BILL_OF_SUPPLY"
    DEBIT_NOTE = "DEBIT_NOTE"


@dataclass(frozen=True)
class Logo:
    """The seller's logo as uploaded: a PNG or an SVG (checked on upload by dues.documents.logo)."""

    content: bytes
    content_type: str


@dataclass(frozen=True)
class Party:
    """Seller or buyer as the document prints them."""

    legal_name: str
    address: str = ""
    state: str | None = None
    # Two-digit GST state code ("29"); when missing it is taken from the GSTIN or the state's name.
    state_code: str | None = None
    gstin: str | None = None
    pan: str | None = None
    phone: str | None = None
    email: str | None = None
    # A seller's logo, printed at the top of each of its documents.
    logo: Logo | None = None
    # A seller's Udyam registration (MSMED Act 2006), printed with its GSTIN.
    udyam_number: str | None = None


@dataclass(frozen=True)
class BankAccount:
    """The account the seller takes transfers into, printed for the payer."""

    account_name: str
    account_number: str
    ifsc: str
    bank_name: str


@dataclass(frozen=True)
class PdfLine:
    """One printed line of goods or services."""

    description: str
    hsn_sac: str
    quantity: Decimal
    unit_price: Decimal
    gst_rate: Decimal
    taxable_value: Decimal
    cgst: Decimal = ZERO
    sgst: Decimal = ZERO
    igst: Decimal = ZERO
    # The GST unit quantity code the quantity is counted in.
    unit: str = "NOS"


@dataclass(frozen=True)
class InvoiceReference:
    """An invoice another document names: the originals of a debit note, those a credit note is against."""

    number: str
    invoice_date: date
    # A credit note's part against this invoice, tax included; None where the document does not split.
    amount: Decimal | None = None


@dataclass(frozen=True)
class TaxInvoiceDocument:
    """A tax invoice, a bill of supply (a seller without a GSTIN) or a debit note."""

    invoice_number: str
    invoice_date: date
    due_date: date
    seller: Party
    buyer: Party
    place_of_supply: str
    taxable_value: Decimal
    total: Decimal
    cgst: Decimal = ZERO
    sgst: Decimal = ZERO
    igst: Decimal = ZERO
    cess: Decimal = ZERO
    lines: tuple[PdfLine, ...] = ()
    # Printed as the single summary line when there are no lines.
    description: str | None = None
    place_of_supply_code: str | None = None
    # None: decided from the taxes charged, or for a nil-rated invoice from the states.
    intra_state: bool | None = None
    # CGST Rules r.46(p): whether the recipient pays the tax (reverse charge). dues's invoices charge it.
    reverse_charge: bool = False
    # The buyer's own reference for the supply (its PO number): the invoice's externalId.
    buyer_reference: str | None = None
    bank: BankAccount | None = None
    upi_vpa: str | None = None
    # None: a tax invoice, or a bill of supply when the seller has no GSTIN and charged no tax.
    document_type: DocumentType | None = None
    # A debit note's original invoices and why it was raised.
    original_invoices: tuple[InvoiceReference, ...] = ()
    reason: str | None = None
    # A micro or small seller's: the MSMED Act s.15 due date, after which s.16 interest runs (a notice).
    msme_due_date: date | None = None


@dataclass(frozen=True)
class CreditNoteDocument:
    """A credit note (CGST Act s.34) against one or more of the buyer's invoices."""

    note_number: str
    note_date: date
    seller: Party
    buyer: Party
    reason: str
    against: tuple[InvoiceReference, ...]
    taxable_value: Decimal
    total: Decimal
    cgst: Decimal = ZERO
    sgst: Decimal = ZERO
    igst: Decimal = ZERO
    cess: Decimal = ZERO
    # The goods returned or services credited, line by line; without lines the table lists the invoices
    # with the part of the note against each.
    lines: tuple[PdfLine, ...] = ()
    place_of_supply: str | None = None
    place_of_supply_code: str | None = None
    intra_state: bool | None = None
    description: str | None = None
    # The buyer's own reference for the note (its externalId).
    buyer_reference: str | None = None


@dataclass(frozen=True)
class ReceiptAllocation:
    """The part of a payment that settled one invoice: cash, and the TDS the buyer deducted from it."""

    invoice_number: str
    invoice_date: date
    amount: Decimal
    tds_amount: Decimal = ZERO


@dataclass(frozen=True)
class ReceiptDocument:
    """A receipt for a payment received from a customer."""

    receipt_number: str
    received_on: date
    seller: Party
    payer: Party
    mode: str
    # Cash received: what the allocations' amounts and the unallocated credit add up to.
    amount: Decimal
    reference: str | None = None
    payment_id: str | None = None
    allocations: tuple[ReceiptAllocation, ...] = ()
    # Left over after the allocations: credit on the customer's account.
    unallocated: Decimal = ZERO
    # Income-tax section the buyer deducted TDS under (194C ...) and its TAN.
    tds_section: str | None = None
    deductor_tan: str | None = None


@dataclass(frozen=True)
class StatementRow:
    """One movement of a statement of account; debit raises what the customer owes."""

    entry_date: date
    kind: str
    document_number: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    # What the customer owes after this movement (negative: in credit).
    balance: Decimal = ZERO
    # What happened, in words ("Payment received — UTR ..."); None: the kind and the document number.
    description: str | None = None


@dataclass(frozen=True)
class StatementInvoice:
    """An invoice with something still owed on it at the end of a statement's period."""

    number: str
    invoice_date: date
    due_date: date
    total: Decimal
    balance: Decimal
    days_past_due: int = 0
    # MSMED Act s.16 interest accrued on it, when the seller is micro or small.
    msme_interest: Decimal | None = None


@dataclass(frozen=True)
class StatementDocument:
    """A customer's statement of account over a period."""

    seller: Party
    customer: Party
    period_from: date
    period_to: date
    opening_balance: Decimal
    closing_balance: Decimal
    rows: tuple[StatementRow, ...] = ()
    # Payments and credit notes not yet set against an invoice at the end of the period.
    unapplied_credit: Decimal = ZERO
    # What was owed on invoices at the end of the period by days past due: (bucket, amount), in order.
    aging: tuple[tuple[str, Decimal], ...] = ()
    open_invoices: tuple[StatementInvoice, ...] = ()
