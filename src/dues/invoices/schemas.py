"""Invoice bodies and answers (api.md §4): EnKash's field names, amounts as exact decimals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, field_validator

from dues.companies.schemas import CamelInput, CamelModel
from dues.kit.fields import STORABLE, Email, FilterDate, IstDateTime, LongText, Money, SearchText, StateName
from dues.kit.money import is_money


class ApprovalStatus(StrEnum):
    MAKER_APPROVAL_PENDING = "MAKER_APPROVAL_PENDING"
    MAKER_APPROVED = "MAKER_APPROVED"
    MAKER_REJECTED = "MAKER_REJECTED"
    CHECKER_APPROVAL_PENDING = "CHECKER_APPROVAL_PENDING"
    CHECKER_APPROVED = "CHECKER_APPROVED"
    CHECKER_REJECTED = "CHECKER_REJECTED"
    APPROVER_APPROVAL_PENDING = "APPROVER_APPROVAL_PENDING"
    APPROVER_APPROVED = "APPROVER_APPROVED"
    APPROVER_REJECTED = "APPROVER_REJECTED"
    BANK_APPROVED = "BANK_APPROVED"


class InvoiceStatus(StrEnum):
    CREATED = "CREATED"
    DISPATCHED = "DISPATCHED"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    WRITTEN_OFF = "WRITTEN_OFF"
    COLLECTION_DELETED = "COLLECTION_DELETED"


class DocumentType(StrEnum):
    TAX_INVOICE = "TAX_INVOICE"
    BILL_OF_SUPPLY = "BILL_OF_SUPPLY"
    DEBIT_NOTE = "DEBIT_NOTE"


class DebitNoteReason(StrEnum):
    """Why a debit note raises what the buyer owes (GSTR-1's reasons, api.md §9.1)."""

    PRICE_REVISION = "PRICE_REVISION"
    ADDITIONAL_CHARGES = "ADDITIONAL_CHARGES"
    CORRECTION_IN_INVOICE = "CORRECTION_IN_INVOICE"
    OTHERS = "OTHERS"


class CollectionMode(StrEnum):
    UPI = "UPI"
    CARD = "CARD"
    NETBANKING = "NETBANKING"
    BANK_TRANSFER = "BANK_TRANSFER"
    CHEQUE = "CHEQUE"
    CASH = "CASH"
    BHARAT_CONNECT = "BHARAT_CONNECT"


class CreatedVia(StrEnum):
    API = "API"
    BULK_UPLOAD = "BULK_UPLOAD"
    DASHBOARD = "DASHBOARD"
    BHARAT_CONNECT = "BHARAT_CONNECT"


InvoiceNumber = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9/-]{1,16}$")]
HsnSac = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{4,8}$")]
# GST's Unique Quantity Codes (the GSTN's list): the unit a line's quantity is counted in.
UQC_CODES = frozenset(
    "BAG BAL BDL BKL BOU BOX BTL BUN CAN CBM CCM CMS CTN DOZ DRM GGK GMS GRS GYD KGS KLR KME LTR MLT MTR "
    "MTS NOS OTH PAC PCS PRS QTL ROL SET SQF SQM SQY TBS TGM THD TON TUB UGS UNT YDS".split()
)


def _uqc(value: str) -> str:
    if value not in UQC_CODES:
        raise ValueError("must be a GST unit quantity code such as NOS, PCS, KGS, LTR, MTR, BOX or OTH")
    return value


Uqc = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, max_length=8), AfterValidator(_uqc)
]
CustomerId = Annotated[str, StringConstraints(strip_whitespace=True, max_length=16, pattern=STORABLE)]
# Checked for shape here, so a malformed id is named as the field it came in, not looked up.
InvoiceRef = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^INV[A-Z0-9]{13}$")]
ExternalId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=STORABLE)
]


# What NUMERIC(16, 2) holds: a larger amount is refused here, not by the database as a failed statement.
MAX_AMOUNT = Decimal("99999999999999.99")


def _money(value: Decimal | None, *, places_message: str = "must have at most 2 decimal places") -> Any:
    if value is not None and not is_money(value):
        raise ValueError(places_message)
    if value is not None and abs(value) > MAX_AMOUNT:
        raise ValueError("must be at most 99,999,999,999,999.99")
    return value


class LineItem(CamelInput):
    # What an answer's line adds (LineItemRead): computed from the line, dropped when a client echoes it.
    DROPPED = frozenset({"lineNo", "baseAmount", "cgst", "sgst", "igst"})

    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    hsn_sac: HsnSac
    quantity: Decimal = Field(gt=0, max_digits=14, decimal_places=3)
    unit: Uqc = Field("NOS", description="the quantity's GST unit quantity code (UQC): NOS, PCS, KGS ...")
    unit_price: Money = Field(ge=0)
    gst_rate: Decimal = Field(ge=0, le=40, decimal_places=2)

    @field_validator("unit_price")
    @classmethod
    def _paise(cls, value: Decimal) -> Decimal:
        return _money(value)  # type: ignore[no-any-return]


class _InvoiceAmounts(CamelInput):
    base_amount: Money | None = None
    cgst: Money | None = Field(None, ge=0)
    sgst: Money | None = Field(None, ge=0)
    igst: Money | None = Field(None, ge=0)
    cess: Money | None = Field(None, ge=0)
    minimum_partial_amount: Money | None = Field(None, gt=0)

    @field_validator("base_amount", "cgst", "sgst", "igst", "cess", "minimum_partial_amount")
    @classmethod
    def _paise(cls, value: Decimal | None) -> Decimal | None:
        return _money(value)  # type: ignore[no-any-return]


# EnKash's invoice fields that dues computes or decides (api.md §1.1a, docs/enkash-fields.md): accepted and
# dropped. approvalStatus is the approval chain's (§4.2); dispatching is dispatchNow's or Dispatch's.
_COMPUTED = frozenset(
    {
        "approvalStatus",
        "status",
        "overdue",
        "createdVia",
        "dispatched",
        "dispatchedOn",
        "paymentLink",
        "customerLegalName",
        "createdBy",
        "createdOn",
        "updatedOn",
    }
)


class InvoiceCreate(_InvoiceAmounts):
    DROPPED = _COMPUTED | {"invoiceId"}

    seller_id: str | None = Field(None, description="ignored when it names the token's company")
    customer_id: CustomerId
    invoice_number: InvoiceNumber | None = None
    invoice_date: date | None = None
    due_date: date
    gst_exclusive: bool = True
    charge_customer: bool = False
    description: LongText | None = None
    email_address: Email | None = None
    external_id: ExternalId | None = None
    dispatch_now: bool = False
    partial_payment_allowed: bool = False
    collection_mode: list[CollectionMode] | None = Field(None, max_length=7)
    line_items: list[LineItem] | None = Field(None, min_length=1, max_length=500)
    place_of_supply: StateName | None = None
    document_type: DocumentType | None = Field(
        None,
        description="TAX_INVOICE (default for a GST-registered seller), BILL_OF_SUPPLY (no GST; the default "
        "for a seller without GSTIN) or DEBIT_NOTE (with originalInvoiceIds)",
    )
    original_invoice_ids: list[InvoiceRef] | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="a debit note's original invoices (required for DEBIT_NOTE): the same customer's, issued",
    )
    note_reason: DebitNoteReason | None = Field(
        None,
        description="a debit note's reason: PRICE_REVISION, ADDITIONAL_CHARGES, CORRECTION_IN_INVOICE or "
        "OTHERS (the default)",
    )
    # Computed by dues; a value given must be what dues computes for a new invoice (else 422 naming it), so a
    # client never believes in an amount the invoice does not have. exclude: never in model_dump.
    total_amount: Money | None = Field(None, exclude=True, description="when given, the computed total")
    balance_amount: Money | None = Field(
        None, exclude=True, description="when given, the computed total (a new invoice owes all of it)"
    )
    paid_amount: Money | None = Field(
        None, exclude=True, description="when given, 0: payments are recorded with POST /api/v0/payment"
    )

    @field_validator("total_amount", "balance_amount", "paid_amount")
    @classmethod
    def _computed_paise(cls, value: Decimal | None) -> Decimal | None:
        return _money(value)  # type: ignore[no-any-return]


class LineItemRead(CamelModel):
    line_no: int
    description: str
    hsn_sac: str
    quantity: Decimal
    unit: str = Field(description="the quantity's GST unit quantity code (UQC), e.g. NOS")
    unit_price: Money
    gst_rate: Decimal
    base_amount: Money
    cgst: Money
    sgst: Money
    igst: Money


class InvoiceRead(CamelModel):
    invoice_id: str
    seller_id: str
    customer_id: str
    customer_legal_name: str | None = None
    invoice_number: str
    invoice_date: date
    due_date: date
    place_of_supply: str
    gst_exclusive: bool
    base_amount: Money
    cgst: Money
    sgst: Money
    igst: Money
    cess: Money
    total_amount: Money
    paid_amount: Money
    credited_amount: Money = Field(description="settled by credit notes (§9.1)")
    written_off_amount: Money = Field(description="written off (§9.3)")
    tds_amount: Money = Field(description="TDS the buyer deducted and pays to the tax department (§9.2)")
    balance_amount: Money
    document_type: DocumentType = Field(description="TAX_INVOICE, BILL_OF_SUPPLY or DEBIT_NOTE (§9.1)")
    original_invoice_ids: list[str] | None = Field(None, description="a debit note's original invoices")
    note_reason: DebitNoteReason | None = Field(
        None, description="a debit note's reason (null for other documents)"
    )
    charge_customer: bool
    description: str | None
    email_address: str | None
    external_id: str | None
    partial_payment_allowed: bool
    minimum_partial_amount: Money | None
    approval_status: ApprovalStatus
    status: InvoiceStatus
    overdue: bool
    collection_mode: list[str]
    created_via: CreatedVia
    dispatched: bool
    dispatched_on: IstDateTime | None
    payment_link: str | None = None
    line_items: list[LineItemRead] = Field(default_factory=list)
    created_by: str
    created_on: IstDateTime
    updated_on: IstDateTime
    msme_due_date: date | None = Field(
        None,
        description="MSMED Act s.15: the day payment is due by law (dueDate, at most 45 days after "
        "invoiceDate), when the seller is a micro or small enterprise and the invoice is issued; else null",
    )
    msme_interest: Money | None = Field(
        None,
        description="MSMED Act s.16: interest accrued to today (IST) since msmeDueDate, compound with "
        "monthly rests at three times the RBI bank rate, on what was owed each day; null when msmeDueDate is",
    )


SearchId = Annotated[SearchText, StringConstraints(max_length=100)]
DateTimeBound = Annotated[
    str | None, Field(None, max_length=32, description="yyyy-MM-dd or yyyy-MM-dd HH:mm:ss (IST)")
]


class InvoiceSearch(CamelInput):
    """searchCollectionInvoices filters: every one given must hold (AND); a list matches any of its values."""

    approval_statuses: list[ApprovalStatus] | None = Field(None, max_length=10)
    balance_amount_from: Money | None = None
    balance_amount_to: Money | None = None
    base_amount_from: Money | None = None
    base_amount_to: Money | None = None
    collection_mode: list[CollectionMode] | None = Field(None, max_length=7)
    created_on_from: DateTimeBound = None
    created_on_to: DateTimeBound = None
    created_via: CreatedVia | None = None
    customer_deleted: bool | None = None
    customer_ids: list[SearchId] | None = Field(None, max_length=5000)
    customer_legal_name: Annotated[SearchText, StringConstraints(max_length=200)] | None = None
    customer_status: Literal["ACTIVE", "INACTIVE"] | None = None
    dispatched: bool | None = None
    dispatched_on_from: DateTimeBound = None
    dispatched_on_to: DateTimeBound = None
    due_date_from: FilterDate | None = None
    due_date_to: FilterDate | None = None
    invoice_ids: list[SearchId] | None = Field(None, max_length=5000)
    invoice_number: Annotated[SearchText, StringConstraints(max_length=16)] | None = None
    external_ids: list[SearchId] | None = Field(None, max_length=5000)
    statuses: list[InvoiceStatus] | None = Field(None, max_length=6)
    overdue: bool | None = None
    document_types: list[DocumentType] | None = Field(
        None, max_length=3, description="Only these documents: TAX_INVOICE, BILL_OF_SUPPLY, DEBIT_NOTE"
    )

    @field_validator("balance_amount_from", "balance_amount_to", "base_amount_from", "base_amount_to")
    @classmethod
    def _paise(cls, value: Decimal | None) -> Decimal | None:
        return _money(value)  # type: ignore[no-any-return]


ORDERABLE = {
    "createdOn": "created_on",
    "updatedOn": "updated_on",
    "invoiceDate": "invoice_date",
    "dueDate": "due_date",
    "invoiceNumber": "invoice_number",
    "baseAmount": "base_amount",
    "totalAmount": "total_amount",
    "balanceAmount": "balance_amount",
    "status": "status",
    "dispatchedOn": "dispatched_on",
}


class InvoicePatch(_InvoiceAmounts):
    """PATCH (JsonNullable): a field left out is unchanged, null clears it (where it can be empty), a value
    sets it. The result is checked as a whole, exactly as a create would be. A null on gstExclusive,
    chargeCustomer, partialPaymentAllowed or dispatchNow is that field's default (true, false, false,
    false); on a tax, what a create without it has (none, or what lineItems give)."""

    DROPPED = _COMPUTED | {"totalAmount", "balanceAmount", "paidAmount"}

    invoice_id: str | None = Field(None, max_length=16, exclude=True, description="when given, the path's")
    seller_id: str | None = Field(
        None, exclude=True, description="the seller: the token's company or a child of it (as ?sellerId=)"
    )
    customer_id: CustomerId | None = None
    invoice_number: InvoiceNumber | None = None
    invoice_date: date | None = None
    due_date: date | None = None
    gst_exclusive: bool | None = None
    charge_customer: bool | None = None
    description: LongText | None = None
    email_address: Email | None = None
    external_id: ExternalId | None = None
    partial_payment_allowed: bool | None = None
    collection_mode: list[CollectionMode] | None = Field(None, max_length=7)
    line_items: list[LineItem] | None = Field(None, min_length=1, max_length=500)
    place_of_supply: StateName | None = None
    dispatch_now: bool | None = Field(
        None, description="true: dispatch the invoice as changed, in the same request (api.md §5)"
    )
    # Fixed when the document is made: a value given must be the document's own (a client may send back
    # what it read), any other is 422 naming it.
    document_type: DocumentType | None = Field(
        None, exclude=True, description="when given, the invoice's own: a document's type never changes"
    )
    original_invoice_ids: list[str] | None = Field(
        None, exclude=True, description="when given, the debit note's own originals: they never change"
    )
    note_reason: DebitNoteReason | None = Field(
        None, exclude=True, description="when given, the debit note's own reason: it never changes"
    )


# What a payment freezes (api.md §4): the amounts, the customer and the dates.
FROZEN_ONCE_PAID = frozenset(
    {
        "customer_id",
        "invoice_date",
        "due_date",
        "base_amount",
        "cgst",
        "sgst",
        "igst",
        "cess",
        "gst_exclusive",
        "line_items",
        "place_of_supply",
    }
)
# A tax cleared is what a create without it has: none, or what lineItems give.
CLEARABLE = frozenset(
    {
        "description",
        "email_address",
        "external_id",
        "minimum_partial_amount",
        "collection_mode",
        "line_items",
        "cgst",
        "sgst",
        "igst",
        "cess",
    }
)
# Fields of a PATCH body that say which invoice and seller, not what changes.
NOT_CHANGES = frozenset({"invoice_id", "seller_id", "document_type", "original_invoice_ids", "note_reason"})
# A PATCH's null on these is the create's default (api.md §1.4: EnKash's clients send every field).
DEFAULT_WHEN_CLEARED = {
    "gst_exclusive": True,
    "charge_customer": False,
    "partial_payment_allowed": False,
    "dispatch_now": False,
}


class ApprovalAction(StrEnum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    SUBMIT = "SUBMIT"


class ApprovalRequest(CamelInput):
    action: ApprovalAction
    remarks: LongText | None = None
