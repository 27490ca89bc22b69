"""Bodies and answers of dues's Bharat Connect API (api.md §8): status changes, payment confirmations, an
invoice's state on the network, purchase orders received. The network's own names where EnKash has them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from dues.bharat_connect import wire
from dues.companies.schemas import CamelInput, CamelModel
from dues.invoices.schemas import InvoiceRef, SearchId
from dues.kit.fields import FilterDate, IstDateTime, Money, SearchText

# EnKash's remarks: 1 to 100 characters, no backslash or double quote (^([^\\"]){1,100}$).
Remarks = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r'^[^\\"\x00-\x1f]+$'),
]
# dues's PAY… id of a payment the network reported, or, for one held for confirmation, its network PMT… id.
NetworkPaymentRef = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^(PAY[A-Z0-9]{13}|PMT[A-Za-z0-9]{32})$"),
]


class StatusChangeRequest(CamelInput):
    """Change Invoice Status Request: one action on invoices presented on the network."""

    invoice_ids: list[InvoiceRef] = Field(min_length=1, max_length=1000, description="INV... ids, presented")
    action: wire.SupplierAction = Field(
        description="CANCEL, WITHDRAW (also withdraws them from collection), MARK_PAID_OFFLINE or REOPEN"
    )
    remarks: Remarks | None = Field(None, description='Told to the buyer: 1 to 100 characters, no \\ or "')


class StatusChangeResult(CamelModel):
    invoice_id: str
    object_id: str = Field(description="the invoice's objectId on the network (INV + 32)")
    version: int = Field(description="its objectVersion on the network (a status change does not bump it)")
    status: wire.InvoiceStatus = Field(description="its status on the network after the change")
    message_id: str = Field(description="the req-status-change-invoice queued for the network")


class PaymentConfirmationRequest(CamelInput):
    """Payment Confirmation Request (EnKash; every field required)."""

    invoice_ids: list[InvoiceRef] = Field(
        min_length=1, max_length=1000, description="the invoices the payment pays, every one of them"
    )
    payment_id: NetworkPaymentRef = Field(
        description="dues's PAY... id of the payment the network reported; for an OFFPLATFORM payment "
        "still held for this confirmation (no PAY... id yet), its network PMT... objectId"
    )
    remarks: Remarks = Field(description='Told to the buyer: 1 to 100 characters, no \\ or "')
    response: wire.SupplierResponse = Field(description="ACCEPT, or REJECT (OFFPLATFORM payments only)")
    type: wire.PaymentType = Field(description="ONPLATFORM or OFFPLATFORM, as the network reported it")


class NetworkPaymentRead(CamelModel):
    """A payment the network reported (req-pay) and what dues did with it."""

    object_id: str = Field(description="the network's PMT... id")
    payment_id: str | None = Field(description="dues's PAY... id once recorded; null while held or rejected")
    type: wire.PaymentType = Field(description="ONPLATFORM (the money moved on the network) or OFFPLATFORM")
    mode: str = Field(description="EnKash's mode, as the network sent it (NEFT, INTERNET BANKING ...)")
    utr: str | None = Field(description="the transfer's UTR, when the network gave one")
    net_paid_amount: Money = Field(description="the money paid (paymentAmount.netPaidAmount)")
    net_adjustment_amount: Money = Field(
        description="what the buyer settled other than in cash, its TDS among it (netAdjustmentAmount)"
    )
    total_amount: Money
    status: str = Field(description="HELD (awaiting the supplier's confirmation), RECORDED or REJECTED")
    invoice_ids: list[str]
    supplier_remarks: str | None = Field(description="what the supplier told the buyer with its answer")
    received_on: IstDateTime
    confirmed_on: IstDateTime | None = Field(description="when it was accepted or rejected; null while held")
    message_id: str | None = Field(None, description="the req-pay-confirmation queued for the network")


class NetworkMessageRead(CamelModel):
    message_id: str
    direction: str = Field(description="OUT (dues to the network) or IN")
    type: str = Field(description="the message's kind: its EnKash path's last part, e.g. req-send-invoice")
    path: str = Field(description="EnKash's path of the message, e.g. /api/v0/invoice/req-send-invoice")
    req_msg_id: str = Field(description="the message's own id on the network (reqMsgId)")
    at: IstDateTime
    state: str = Field(description="OUT: QUEUED, SENT, ACKED or FAILED; IN: APPLIED or REFUSED")
    result: str | None = Field(description="the network's result in its resp-* (OUT), or null")
    error_cd: str | None = Field(
        description="the network's error code in its resp-*, or why dues refused it (IN)"
    )
    error_dtl: str | None = Field(description="the error's detail, for a person")


class InvoiceNetworkRead(CamelModel):
    """An invoice on the Bharat Connect network."""

    invoice_id: str
    object_id: str = Field(description="the invoice's id on the network (INV + 32 letters and digits)")
    version: int = Field(description="its objectVersion on the network: 1 when presented, + 1 per edit")
    status: wire.InvoiceStatus
    buyer_b2b_id: str = Field(alias="buyerB2BId", description="the buyer's B2B id it was presented to")
    buyer_response: str | None = Field(description="ACCEPT, REJECT or RETURN; null until the buyer answers")
    buyer_remarks: str | None = Field(description="what the buyer said with its answer")
    responded_on: IstDateTime | None = Field(description="when the buyer answered")
    payments: list[NetworkPaymentRead] = Field(
        description="the payments the network reported for it, oldest first: a HELD one (OFFPLATFORM) awaits "
        "the Payment Confirmation Request, which names it by its objectId"
    )
    messages: list[NetworkMessageRead]


# --------------------------------------------------------------------------------------- purchase orders


class PurchaseOrderStatus(StrEnum):
    """A purchase order received: RECEIVED, ACCEPTED or REJECTED by the supplier, INVOICED, or CANCELLED by
    the buyer."""

    RECEIVED = "RECEIVED"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    INVOICED = "INVOICED"
    CANCELLED = "CANCELLED"


class PurchaseOrderSearch(CamelInput):
    """Purchase order filters: every one given must hold (AND); a list matches any of its values."""

    statuses: list[PurchaseOrderStatus] | None = Field(None, max_length=5)
    customer_ids: list[SearchId] | None = Field(None, max_length=5000)
    buyer_b2b_ids: list[SearchId] | None = Field(
        None, max_length=5000, alias="buyerB2BIds", description="Only orders of these buyers (B2B ids)"
    )
    po_ids: list[SearchId] | None = Field(None, max_length=5000, description="Only these orders (PO...)")
    buyer_po_number: Annotated[SearchText, StringConstraints(max_length=50)] | None = Field(
        None, alias="buyerPONumber", description="the buyer's own number of the order"
    )
    order_date_from: FilterDate | None = Field(None, description="Only orders dated on or after this")
    order_date_to: FilterDate | None = Field(None, description="Only orders dated on or before this")


ORDERABLE = {
    "createdOn": "created_on",
    "orderDate": "order_date",
    "totalAmount": "total",
    "status": "status",
    "buyerPONumber": "buyer_po_number",
}


class PurchaseOrderLine(CamelModel):
    sl_no: int = Field(description="the line's number in the order")
    description: str
    hsn_sac: str | None
    quantity: Decimal | None
    unit: str | None
    unit_price: Money | None
    taxable_value: Money | None = Field(description="the line's value before GST")
    gst_rate: Decimal | None
    total: Money | None


class PurchaseOrderRead(CamelModel):
    po_id: str = Field(description="dues's id of the order received: PO + 14 characters")
    object_id: str = Field(description="the network's id of the order")
    version: int = Field(description="the order's objectVersion: a buyer's revision raises it")
    buyer_po_number: str = Field(alias="buyerPONumber", description="the buyer's own number of the order")
    buyer_b2b_id: str = Field(alias="buyerB2BId", description="the buyer's Bharat Connect B2B id")
    buyer_legal_name: str | None = Field(description="the buyer's name, as its order gives it")
    customer_id: str | None = Field(description="the customer whose bharatConnectB2BId is the buyer's")
    order_date: date = Field(description="the order's date (yyyy-MM-dd)")
    delivery_date: date | None = Field(description="when the buyer wants it delivered (yyyy-MM-dd)")
    subject: str | None
    total_amount: Money
    status: PurchaseOrderStatus
    supplier_remarks: str | None = Field(description="what the supplier told the buyer with its answer")
    invoice_id: str | None = Field(description="the invoice made from it (status INVOICED)")
    line_items: list[PurchaseOrderLine]
    created_on: IstDateTime
    updated_on: IstDateTime


class PurchaseOrderConfirm(CamelInput):
    response: wire.SupplierResponse = Field(description="ACCEPT or REJECT")
    remarks: Remarks | None = Field(None, description='Told to the buyer: 1 to 100 characters, no \\ or "')


class PurchaseOrderInvoice(CamelInput):
    """An invoice from a purchase order's lines, to the customer that holds the buyer's B2B id."""

    invoice_date: date | None = Field(None, description="default today")
    due_date: date | None = Field(None, description="default 30 days after the invoice date")
    dispatch_now: bool = Field(False, description="dispatch it at once (and so present it on the network)")
