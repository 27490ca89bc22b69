"""The Bharat Connect B2B wire format as EnKash publishes it (spec/bharat-connect.md), in one place.

Names are EnKash's, exactly (camelCase on the wire and here, so a body reads the same in the code as in their
portal). Where EnKash publishes no value list or shape, dues defines one here, marked ``ours``, so that it can
follow EnKash when they publish theirs; nothing else in dues spells these values.

Bodies from the network are read leniently (unknown fields kept, not refused: the network may add some);
bodies dues builds are complete. Amounts are Decimals, written as exact JSON numbers (dues.kit.envelope).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from dues.kit import ids

# --------------------------------------------------------------------------------------------- scalar facts

# ^([^\\"]){1,100}$: no backslash, no double quote.
B2BId = Annotated[str, StringConstraints(pattern=r'^[^\\"]{1,100}$')]
Remarks = Annotated[str, StringConstraints(pattern=r'^[^\\"]{1,100}$')]
InvoiceNumber = Annotated[str, StringConstraints(pattern=r'^[^\\"]{1,50}$')]
Utr = Annotated[str, StringConstraints(pattern=r'^[^\\"]{1,50}$')]
ObjectId = Annotated[str, StringConstraints(pattern=r"^(INV|PMT|ORG|CDN|POR)[A-Za-z0-9]{32}$")]
CURRENCY = "INR"


def new_object_id(prefix: str) -> str:
    """A network object id: INV (invoice), PMT (payment), ORG (organisation) + 32 letters and digits, as
    EnKash's; CDN (cd-note) and POR (purchase order) are ours, in the same form."""
    if prefix not in ("INV", "PMT", "ORG", "CDN", "POR"):
        raise ValueError(f"no object id prefix {prefix!r}")
    return ids.many(prefix, 1, 32)[0]


def req_msg_id() -> str:
    """A message's own id on the network (ours: EnKash publishes its place, resp.reqMsgId, not its form)."""
    return "DUES" + secrets.token_hex(16).upper()


# ------------------------------------------------------------------------------------------------- enums


class BuyerResponse(StrEnum):
    ACCEPT = "ACCEPT"
    REJECT = "REJECT"
    RETURN = "RETURN"


class SupplierResponse(StrEnum):
    """The supplier's answer to a payment (REJECT only for OFFPLATFORM) and, ours, to a purchase order."""

    ACCEPT = "ACCEPT"
    REJECT = "REJECT"


class PaymentType(StrEnum):
    ONPLATFORM = "ONPLATFORM"
    OFFPLATFORM = "OFFPLATFORM"


class PaymentMode(StrEnum):
    """EnKash's list, spaces and all."""

    INTERNET_BANKING = "INTERNET BANKING"
    DEBIT_CARD = "DEBIT CARD"
    CREDIT_CARD = "CREDIT CARD"
    IMPS = "IMPS"
    CASH = "CASH"
    UPI = "UPI"
    WALLET = "WALLET"
    NEFT = "NEFT"
    PREPAID_CARD = "PREPAID CARD"
    ACCOUNT_TRANSFER = "ACCOUNT TRANSFER"
    CHEQUE = "CHEQUE"


class InvoiceStatus(StrEnum):
    """statusTransition values. EnKash publishes CREATED only; the rest are ours (docs/bharat-connect.md)."""

    CREATED = "CREATED"
    PRESENTED = "PRESENTED"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    RETURNED = "RETURNED"
    PAYMENT_PENDING_CONFIRMATION = "PAYMENT_PENDING_CONFIRMATION"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    CANCELLED = "CANCELLED"
    WITHDRAWN = "WITHDRAWN"


class SupplierAction(StrEnum):
    """Change Invoice Status Request's actions: ours (api.md §8), EnKash publishes none."""

    CANCEL = "CANCEL"
    MARK_PAID_OFFLINE = "MARK_PAID_OFFLINE"
    WITHDRAW = "WITHDRAW"
    REOPEN = "REOPEN"


class NoteType(StrEnum):
    """cd-note noteType: ours."""

    CREDIT = "CREDIT"
    DEBIT = "DEBIT"


# ---------------------------------------------------------------------------------------- the messages' paths

# EnKash's paths, relative to the network's base URL (it writes some without the leading slash; dues sends
# and serves them with one).
SEND_INVOICE = "/api/v0/invoice/req-send-invoice"
EDIT_INVOICE = "/api/v0/invoice/req-edit-invoice"
STATUS_CHANGE_INVOICE = "/api/v0/invoice/req-status-change-invoice"
PAY_CONFIRMATION = "/api/v0/payment/req-pay-confirmation"
SEND_CD_NOTE = "/api/v0/cd-note/req-send"
CONFIRM_PURCHASE_ORDER = "/api/v0/purchase-order/req-confirm"
CHECK_ENTITY = "/api/v0/business-onboarding/reg-check-entity"
REGISTER_ENTITY = "/api/v0/business-onboarding/reg-entity"
REGISTER_ID = "/api/v0/business-onboarding/reg-id"
SEARCH_ENTITY = "/api/v0/business-onboarding/search-entity"  # path inferred

# What the network sends dues (its webhooks), under dues's /bharat-connect prefix.
CONFIRM_INVOICE = "/api/v0/invoice/req-confirm-invoice"
PAY = "/api/v0/payment/req-pay"
CONFIRM_CD_NOTE = "/api/v0/cd-note/req-confirm"
SEND_PURCHASE_ORDER = "/api/v0/purchase-order/req-send"
STATUS_CHANGE_PURCHASE_ORDER = "/api/v0/purchase-order/req-status-change"
# The resp-* of each request dues sends: the request's path with req- made resp- (EnKash's onboarding ones are
# written respCheckEntity, respRegEntity, respSearchEntity, respRegId).
RESPONSES = {
    SEND_INVOICE: "/api/v0/invoice/resp-send-invoice",
    EDIT_INVOICE: "/api/v0/invoice/resp-edit-invoice",
    STATUS_CHANGE_INVOICE: "/api/v0/invoice/resp-status-change-invoice",
    PAY_CONFIRMATION: "/api/v0/payment/resp-pay-confirmation",
    SEND_CD_NOTE: "/api/v0/cd-note/resp-send",
    CONFIRM_PURCHASE_ORDER: "/api/v0/purchase-order/resp-confirm",
    CHECK_ENTITY: "/api/v0/business-onboarding/respCheckEntity",
    REGISTER_ENTITY: "/api/v0/business-onboarding/respRegEntity",
    REGISTER_ID: "/api/v0/business-onboarding/respRegId",
    SEARCH_ENTITY: "/api/v0/business-onboarding/respSearchEntity",
}


# ---------------------------------------------------------------------------------------------- the parts


class Part(BaseModel):
    """A part of a body: EnKash's names; extra fields from the network kept, not refused."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Tag(Part):
    name: str = "GEOCODE"
    value: str


class Device(Part):
    tag: Tag


class B2BIds(Part):
    buyerB2BId: B2BId
    supplierB2BId: B2BId


class ObjectVersion(Part):
    currentVersion: int = Field(ge=0)
    newVersion: int = Field(ge=1)


class StatusTransition(Part):
    currentStatus: str | None = None
    newStatus: str


class AdditionalInfo(Part):
    name: str
    value: str


class InvoiceAmount(Part):
    dueAmount: Decimal
    totalAmount: Decimal
    currency: str = CURRENCY


class Split(Part):
    name: str
    value: Decimal
    refNo: str | None = None


class PaymentAmount(Part):
    netPaidAmount: Decimal
    netAdjustmentAmount: Decimal = Decimal("0")
    totalAmount: Decimal
    currency: str = CURRENCY


class InvoicePaymentAmount(PaymentAmount):
    splits: list[Split] = Field(default_factory=list)


class SupplierBankAccountDetails(Part):
    maskedAccountNumber: str | None = None
    ifsc: str | None = None
    beneficiaryName: str | None = None
    businessVPA: str | None = None


class Resp(Part):
    """The outcome of a request, in its resp-*: no errorCd is success."""

    reqMsgId: str
    result: str | None = None
    errorCd: str | None = None
    errorDtl: str | None = None
    errorField: str | None = None


# Ours: what the invoice object holds beyond EnKash's published names.
class Party(Part):
    b2bId: B2BId | None = None
    legalName: str
    gstin: str | None = None
    pan: str | None = None
    address: str | None = None
    state: str | None = None
    pinCode: str | None = None
    email: str | None = None


class TransactionDetails(Part):
    invoiceType: str = "INVOICE"  # INVOICE or DEBIT_NOTE (ours)
    invoiceDate: date
    dueDate: date
    placeOfSupply: str | None = None
    supplyType: str | None = None  # INTRA_STATE or INTER_STATE (ours)
    currency: str = CURRENCY


class Item(Part):
    slNo: int
    description: str
    hsnSac: str | None = None
    quantity: Decimal
    unit: str | None = None
    unitPrice: Decimal
    taxableValue: Decimal
    gstRate: Decimal | None = None
    cgst: Decimal = Decimal("0")
    sgst: Decimal = Decimal("0")
    igst: Decimal = Decimal("0")
    cess: Decimal = Decimal("0")
    total: Decimal


class ValueDetails(Part):
    taxableValue: Decimal
    cgst: Decimal = Decimal("0")
    sgst: Decimal = Decimal("0")
    igst: Decimal = Decimal("0")
    cess: Decimal = Decimal("0")
    totalAmount: Decimal
    dueAmount: Decimal
    currency: str = CURRENCY


class EInvoiceInfo(Part):
    irn: str | None = None
    ackNo: str | None = None
    ackDate: str | None = None


class Invoice(Part):
    """The B2B invoice object of req-send-invoice and req-edit-invoice."""

    objectId: ObjectId
    supplierInvoiceNumber: InvoiceNumber
    objectVersion: ObjectVersion
    ts: datetime
    statusTransition: StatusTransition
    transactionDetails: TransactionDetails
    supplierDetails: Party
    buyerDetails: Party
    itemLists: list[Item]
    valueDetails: ValueDetails
    supplierBankAccountDetails: SupplierBankAccountDetails | None = None
    eInvoiceInfo: EInvoiceInfo | None = None


class InvoiceRef(Part):
    """An invoice as a confirmation names it."""

    objectId: ObjectId
    supplierInvoiceNumber: InvoiceNumber
    objectVersion: ObjectVersion
    statusTransition: StatusTransition


class InvoiceStatusChange(Part):
    objectId: ObjectId
    supplierInvoiceNumber: InvoiceNumber
    objectVersion: ObjectVersion
    supplierAction: SupplierAction
    supplierRemarks: Remarks | None = None
    statusTransition: StatusTransition


class InvoiceConfirmation(Part):
    objectId: ObjectId
    supplierInvoiceNumber: InvoiceNumber
    objectVersion: ObjectVersion
    buyerResponse: BuyerResponse
    buyerRemarks: Remarks | None = None
    statusTransition: StatusTransition


class InvoicePayInfo(Part):
    objectId: ObjectId
    supplierInvoiceNumber: InvoiceNumber
    objectVersion: ObjectVersion
    statusTransition: StatusTransition
    invoiceAmount: InvoiceAmount
    invoicePaymentAmount: InvoicePaymentAmount
    supplierBankAccountDetails: SupplierBankAccountDetails | None = None


class Payment(Part):
    objectId: ObjectId
    ts: datetime
    type: PaymentType
    mode: PaymentMode
    utr: Utr | None = None
    currency: str = CURRENCY
    paymentAmount: PaymentAmount
    invoicesPayInfos: list[InvoicePayInfo] = Field(min_length=1)


class PaymentConfirmation(Part):
    objectId: ObjectId
    ts: datetime
    type: PaymentType
    supplierResponse: SupplierResponse
    supplierRemarks: Remarks | None = None
    invoiceInfos: list[InvoiceRef]


class PrecedingInvoice(Part):
    objectId: ObjectId
    supplierInvoiceNumber: InvoiceNumber
    invoiceDate: date | None = None
    amount: Decimal


class CdNoteValueDetails(Part):
    taxableValue: Decimal
    cgst: Decimal = Decimal("0")
    sgst: Decimal = Decimal("0")
    igst: Decimal = Decimal("0")
    cess: Decimal = Decimal("0")
    totalAmount: Decimal
    currency: str = CURRENCY


class CdNote(Part):
    objectId: ObjectId
    noteType: NoteType
    supplierCDNoteNumber: InvoiceNumber
    objectVersion: ObjectVersion
    ts: datetime
    cdNoteStatusTransition: StatusTransition
    noteDate: date | None = None
    reason: str | None = None
    cdNoteValueDetails: CdNoteValueDetails
    precedingInvoiceDetails: list[PrecedingInvoice] = Field(min_length=1)


class CdNoteConfirmation(Part):
    objectId: ObjectId
    noteType: NoteType
    supplierCDNoteNumber: InvoiceNumber
    objectVersion: ObjectVersion
    buyerResponse: BuyerResponse
    buyerRemarks: Remarks | None = None
    cdNoteStatusTransition: StatusTransition


class PoValueDetails(Part):
    taxableValue: Decimal
    totalTax: Decimal = Decimal("0")
    totalAmount: Decimal
    currency: str = CURRENCY


class PurchaseOrder(Part):
    objectId: ObjectId
    buyerPONumber: InvoiceNumber
    ts: datetime
    orderDate: date
    deliveryDate: date | None = None
    subject: str | None = None
    objectVersion: ObjectVersion
    poStatusTransition: StatusTransition
    supplierDetails: Party
    buyerDetails: Party
    itemLists: list[Item] = Field(min_length=1)
    poValueDetails: PoValueDetails


class PoStatus(Part):
    objectId: ObjectId
    buyerPONumber: InvoiceNumber
    objectVersion: ObjectVersion
    buyerAction: str
    buyerRemarks: Remarks | None = None
    poStatusTransition: StatusTransition


class PoConfirmation(Part):
    objectId: ObjectId
    buyerPONumber: InvoiceNumber
    supplierResponse: SupplierResponse
    supplierRemarks: Remarks | None = None
    objectVersion: ObjectVersion
    poStatusTransition: StatusTransition


class CheckInstitute(Part):
    """Onboarding: the business checked by its PAN (EnKash's research facts)."""

    docName: str = "PAN"
    type: str = "BUSINESS"
    value: str
    registeredName: str


class Entity(Part):
    """An entity the network knows (ours: the search's answer shape)."""

    b2bId: B2BId
    legalName: str
    gstin: str | None = None
    pan: str | None = None


class EntityRegistration(Part):
    """Onboarding, reg-entity's object (ours: EnKash publishes the call, not its body): the business as it
    registers, by PAN and, where it has one, the GSTIN its B2B id will belong to."""

    legalName: str
    pan: str
    gstin: str | None = None
    registeredName: str | None = None


class EntityQuery(Part):
    """search-entity's object (ours): one of gstin, pan or name."""

    gstin: str | None = None
    pan: str | None = None
    name: str | None = None


# --------------------------------------------------------------------------------------------- envelopes


class Request(Part):
    """Every req-* body: ``reqMsgId`` (ours: where the network's resp names it back), the device, the parties'
    ids, one object under its EnKash name, and additionalInfos."""

    reqMsgId: str
    device: Device | None = None
    b2bIds: B2BIds | None = None
    additionalInfos: list[AdditionalInfo] = Field(default_factory=list)


class SendInvoice(Request):
    invoice: Invoice


class StatusChangeInvoice(Request):
    invoiceStatus: InvoiceStatusChange


class ConfirmInvoice(Request):
    invoiceConfirmation: InvoiceConfirmation


class Pay(Request):
    payment: Payment


class PayConfirmation(Request):
    paymentConfirmation: PaymentConfirmation


class SendCdNote(Request):
    cdNote: CdNote


class ConfirmCdNote(Request):
    cdNoteConfirmation: CdNoteConfirmation


class SendPurchaseOrder(Request):
    purchaseOrder: PurchaseOrder


class StatusChangePurchaseOrder(Request):
    poStatus: PoStatus


class ConfirmPurchaseOrder(Request):
    poConfirmation: PoConfirmation


class CheckEntity(Request):
    """reg-check-entity: is this PAN's business known to the network (EnKash's research facts)."""

    checkInstitute: CheckInstitute


class RegisterEntity(Request):
    """reg-entity: register the business (ours: the body); answered by respRegEntity with its orgId."""

    entity: EntityRegistration


class RegisterId(Request):
    """reg-id: ask the B2B id of a registered organisation (ours: the body); respRegId carries it."""

    orgId: ObjectId
    pan: str
    gstin: str | None = None


class SearchEntity(Request):
    """search-entity (path inferred): the entities matching a GSTIN, a PAN or a name, answered in the sync
    payload as ``{"entities": [Entity, …]}`` (ours)."""

    searchEntity: EntityQuery


class Response(Part):
    """A resp-*: the outcome of one of the sender's requests (and the object it concerned, if any)."""

    resp: Resp
    b2bIds: B2BIds | None = None


class RegisteredEntity(Response):
    """respRegEntity (ours beyond resp): the organisation id the network gave the business."""

    orgId: ObjectId


class RegisteredId(Response):
    """respRegId (ours beyond resp): the business's B2B id."""

    orgId: ObjectId
    b2bId: B2BId


def ok(payload: Any = None) -> dict[str, Any]:
    """The network's synchronous answer to a message it takes."""
    return {"response_code": 0, "response_message": "SUCCESS", "payload": payload}


def device(geocode: str = "0.0,0.0") -> dict[str, Any]:
    return {"tag": {"name": "GEOCODE", "value": geocode}}


def version(current: int, new: int) -> dict[str, int]:
    return {"currentVersion": current, "newVersion": new}


def transition(current: str | None, new: str) -> dict[str, str | None]:
    return {"currentStatus": current, "newStatus": new}
