"""Credit note bodies and answers (api.md §9.1): EnKash's cd-note names, amounts as exact decimals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from dues.companies.schemas import CamelInput, CamelModel
from dues.invoices.schemas import (
    MAX_AMOUNT,
    ApprovalStatus,
    ExternalId,
    InvoiceNumber,
    InvoiceRef,
    LineItem,
)
from dues.kit.fields import FilterDate, IstDateTime, LongText, Money, SearchText
from dues.kit.money import is_money, to_paise


class CreditNoteReason(StrEnum):
    """Why a credit note lowers what the buyer owes: GSTR-1's list of reasons."""

    SALES_RETURN = "SALES_RETURN"
    POST_SALE_DISCOUNT = "POST_SALE_DISCOUNT"
    DEFICIENCY_IN_SERVICES = "DEFICIENCY_IN_SERVICES"
    CORRECTION_IN_INVOICE = "CORRECTION_IN_INVOICE"
    CHANGE_IN_POS = "CHANGE_IN_POS"
    FINALIZATION_OF_PROVISIONAL_ASSESSMENT = "FINALIZATION_OF_PROVISIONAL_ASSESSMENT"
    OTHERS = "OTHERS"


class CreditNoteStatus(StrEnum):
    PENDING = "PENDING"
    ISSUED = "ISSUED"
    REJECTED = "REJECTED"


CustomerRef = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^KC[A-Z0-9]{14}$")]


def _money(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if not is_money(value):
        raise ValueError("must have at most 2 decimal places")
    if value > MAX_AMOUNT:
        raise ValueError("must be at most 99,999,999,999,999.99")
    return to_paise(value)


class AgainstInvoice(CamelInput):
    """The note's part against one invoice: its lines, or its taxable value and taxes. Taxes follow the
    invoice's place of supply (CGST = SGST within the seller's state, IGST across states)."""

    invoice_id: InvoiceRef = Field(description="An invoice of the customer, issued (approved), INV...")
    line_items: list[LineItem] | None = Field(
        None,
        min_length=1,
        max_length=500,
        description="What is credited, line by line (taxed per line as invoices are); or give baseAmount",
    )
    base_amount: Money | None = Field(
        None, description="The taxable value credited (at least 0.10); required without lineItems"
    )
    cgst: Money | None = Field(None, ge=0, description="CGST credited (within the seller's state: = sgst)")
    sgst: Money | None = Field(None, ge=0, description="SGST credited (within the seller's state: = cgst)")
    igst: Money | None = Field(None, ge=0, description="IGST credited (supply to another state)")
    cess: Money | None = Field(None, ge=0, description="Cess credited")

    @field_validator("base_amount", "cgst", "sgst", "igst", "cess")
    @classmethod
    def _paise(cls, value: Decimal | None) -> Decimal | None:
        return _money(value)


class CreditNoteCreate(CamelInput):
    customer_id: CustomerRef = Field(description="The customer credited (KC...)")
    note_date: date | None = Field(
        None,
        description="The note's date (default today, IST): not before any invoice it names, not in the "
        "future, and by 30 November after the end of those invoices' financial year (CGST Act s.34(2))",
    )
    reason: CreditNoteReason = Field(
        description="SALES_RETURN, POST_SALE_DISCOUNT, DEFICIENCY_IN_SERVICES, CORRECTION_IN_INVOICE, "
        "CHANGE_IN_POS, FINALIZATION_OF_PROVISIONAL_ASSESSMENT or OTHERS"
    )
    against_invoices: list[AgainstInvoice] = Field(
        min_length=1, max_length=100, description="The invoices credited and the part against each"
    )
    description: LongText | None = Field(None, description="Free text, printed on the note")
    external_id: ExternalId | None = Field(None, description="Your own key for the note, unique per seller")
    note_number: InvoiceNumber | None = Field(
        None,
        description="The note's number (1 to 16 of A-Z a-z 0-9 / -), unique per financial year; left out: "
        "the next of the seller's credit note series (creditNotePrefix, default CN)",
    )


class CreditNoteInvoiceRead(CamelModel):
    """The note's part against one invoice."""

    invoice_id: str = Field(description="The invoice credited")
    invoice_number: str = Field(description="Its number")
    invoice_date: date = Field(description="Its date")
    place_of_supply: str = Field(description="Its place of supply, which decided the taxes")
    base_amount: Money = Field(description="Taxable value credited")
    cgst: Money = Field(description="CGST credited")
    sgst: Money = Field(description="SGST credited")
    igst: Money = Field(description="IGST credited")
    cess: Money = Field(description="Cess credited")
    total_amount: Money = Field(description="The part's total")


class CreditNoteLineRead(CamelModel):
    line_no: int = Field(description="Position of the line on the note, from 1")
    invoice_id: str = Field(description="The invoice the line credits")
    description: str
    hsn_sac: str
    quantity: Decimal
    unit: str = Field(description="the quantity's GST unit quantity code (UQC), e.g. NOS")
    unit_price: Money
    gst_rate: Decimal
    base_amount: Money = Field(description="The line's taxable value")
    cgst: Money = Field(description="The line's CGST")
    sgst: Money = Field(description="The line's SGST")
    igst: Money = Field(description="The line's IGST")


class CreditNoteAllocationRead(CamelModel):
    invoice_id: str = Field(description="The invoice whose balance the note's money lowered")
    amount: Money = Field(description="How much (at approval, or when its credit was applied later)")


class CreditNoteRead(CamelModel):
    credit_note_id: str = Field(description="The credit note: CN + 14 letters or digits")
    seller_id: str = Field(description="The seller company (CEK...)")
    customer_id: str = Field(description="The customer credited")
    customer_legal_name: str | None = Field(None, description="The customer's legal name")
    note_number: str = Field(description="The note's number in the seller's credit note series")
    note_date: date = Field(description="The note's date, yyyy-MM-dd")
    reason: CreditNoteReason = Field(description="Why the note was issued (GSTR-1's reasons)")
    description: str | None = Field(description="Free text, printed on the note")
    external_id: str | None = Field(description="Your own key for the note")
    base_amount: Money = Field(description="Taxable value credited, all invoices")
    cgst: Money = Field(description="CGST credited")
    sgst: Money = Field(description="SGST credited")
    igst: Money = Field(description="IGST credited")
    cess: Money = Field(description="Cess credited")
    total_amount: Money = Field(description="The note's total")
    applied_amount: Money = Field(description="What lowered invoice balances (at approval or applied later)")
    unapplied_amount: Money = Field(description="What is still the customer's credit")
    refunded_amount: Money = Field(description="What was paid back to the customer")
    approval_status: ApprovalStatus = Field(description="Where the note is in the approval chain (§4.2)")
    status: CreditNoteStatus = Field(
        description="PENDING (awaiting approval), ISSUED (approved: balances lowered) or REJECTED"
    )
    dispatched: bool = Field(description="true once the note was e-mailed to the customer")
    dispatched_on: IstDateTime | None = Field(description="When it was last e-mailed, IST")
    against_invoices: list[CreditNoteInvoiceRead] = Field(description="The part against each invoice")
    line_items: list[CreditNoteLineRead] = Field(description="The note's lines, when it was made with lines")
    allocations: list[CreditNoteAllocationRead] = Field(
        description="Where the note's money went: invoice balances it lowered"
    )
    created_by: str = Field(description="The user who made the note")
    created_on: IstDateTime = Field(description="When it was made, IST")
    updated_on: IstDateTime = Field(description="When it last changed, IST")


SearchId = Annotated[SearchText, StringConstraints(max_length=100)]


class CreditNoteSearch(CamelInput):
    """Credit note filters: every one given must hold (AND); a list matches any of its values."""

    customer_ids: list[SearchId] | None = Field(
        None, max_length=5000, description="Only these customers' notes"
    )
    invoice_ids: list[SearchId] | None = Field(
        None, max_length=5000, description="Only notes against any of these invoices"
    )
    statuses: list[CreditNoteStatus] | None = Field(
        None, max_length=3, description="Only notes in these statuses: PENDING, ISSUED, REJECTED"
    )
    note_date_from: FilterDate | None = Field(None, description="Only notes dated on or after this")
    note_date_to: FilterDate | None = Field(None, description="Only notes dated on or before this")
    reason: CreditNoteReason | None = Field(None, description="Only notes with this reason")
    note_number: Annotated[SearchText, StringConstraints(max_length=16)] | None = Field(
        None, description="Only the note with this number"
    )
    external_ids: list[SearchId] | None = Field(
        None, max_length=5000, description="Only notes with these keys"
    )


ORDERABLE = {
    "createdOn": "created_on",
    "noteDate": "note_date",
    "noteNumber": "note_number",
    "totalAmount": "total_amount",
    "status": "status",
}
