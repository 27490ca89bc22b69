"""Purchase orders received over Bharat Connect (api.md §8, ours): a buyer's req-send stores the order
(RECEIVED, matched to the customer whose bharatConnectB2BId is the buyer's), its req-status-change cancels
it; the supplier lists and reads them, accepts or rejects one (req-confirm to the buyer), and makes an
invoice from its lines (INVOICED).

A purchase order sent again under the same objectId with a higher version replaces the one kept (back to
RECEIVED) unless it was invoiced or cancelled; with the same or a lower version it is a repeat, and changes
nothing. The buyer's status change knows one action (ours, EnKash publishes none): CANCEL.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.auth.service import Principal
from dues.bharat_connect import bodies, inbound, messages, wire
from dues.bharat_connect import flows_repository as repository
from dues.bharat_connect.common import NETWORK_ACTOR, emit, parse
from dues.bharat_connect.flows_schemas import (
    ORDERABLE,
    PurchaseOrderConfirm,
    PurchaseOrderInvoice,
    PurchaseOrderLine,
    PurchaseOrderRead,
    PurchaseOrderSearch,
    PurchaseOrderStatus,
)
from dues.errors import (
    NotFound,
    SubError,
    Unprocessable,
    ValidationFailed,
    sub_errors_from_pydantic,
)
from dues.invoices import service as invoices
from dues.invoices.schemas import CreatedVia, InvoiceCreate, InvoiceRead
from dues.kit import envelope, ids
from dues.kit.money import to_paise
from dues.kit.pagination import Page, PageParams
from dues.kit.timefmt import today_ist
from dues.models.bharat_connect import BcPurchaseOrder

P = PurchaseOrderStatus
RECEIVED_EVENT = "bharat_connect.purchase_order.received"
CANCEL_ACTIONS = frozenset({"CANCEL", "CANCELLED"})
# An invoice from a purchase order is due this many days after its date, unless the seller says otherwise.
DEFAULT_TERMS_DAYS = 30


def _jsonable(value: Any) -> Any:
    return orjson.loads(envelope.dumps(value))


def _audited(row: BcPurchaseOrder) -> dict[str, Any]:
    return {"object_id": row.object_id, "version": row.version, "status": row.status}


# ------------------------------------------------------------------------------------ from the network


@inbound.handler(wire.SEND_PURCHASE_ORDER)
async def received(session: AsyncSession, company_id: str, body: dict[str, Any]) -> None:
    """req-send (purchase order): a buyer's order to this supplier."""
    message = parse(wire.SendPurchaseOrder, body)
    order = message.purchaseOrder
    buyer_b2b_id = (message.b2bIds.buyerB2BId if message.b2bIds else None) or order.buyerDetails.b2bId
    if not buyer_b2b_id:
        raise ValidationFailed.field("b2bIds.buyerB2BId", "is required: it says whose order this is", None)
    row = await repository.purchase_order_by_object(session, company_id, order.objectId, for_update=True)
    before = None if row is None else _audited(row)
    if row is not None and order.objectVersion.newVersion <= row.version:
        await repository.tag_inbound(session, company_id, message.reqMsgId, row.po_id, row.object_id)
        return  # a repeat of a version kept already
    if row is not None and row.status in (P.INVOICED, P.CANCELLED):
        raise Unprocessable(
            f"Purchase order {order.buyerPONumber} is {row.status} at the supplier; it can no longer change."
        )
    customer_id = await repository.customer_of_b2b_id(session, company_id, buyer_b2b_id)
    fields = {
        "version": order.objectVersion.newVersion,
        "buyer_po_number": order.buyerPONumber,
        "buyer_b2b_id": buyer_b2b_id,
        "customer_id": customer_id,
        "order_date": order.orderDate,
        "delivery_date": order.deliveryDate,
        "subject": order.subject[:200] if order.subject else None,
        "total": order.poValueDetails.totalAmount,
        "body": _jsonable(body["purchaseOrder"]),
        "status": P.RECEIVED.value,
        "supplier_remarks": None,
    }
    if row is None:
        row = BcPurchaseOrder(
            company_id=company_id, po_id=ids.many("PO", 1, 14)[0], object_id=order.objectId, **fields
        )
        repository.add(session, row)
    else:
        for name, value in fields.items():
            setattr(row, name, value)
    await session.flush()
    await repository.tag_inbound(session, company_id, message.reqMsgId, row.po_id, row.object_id)
    await audit.record(
        session, company_id, NETWORK_ACTOR, "purchase_order", row.po_id, "RECEIVE", before, _audited(row)
    )
    await emit(
        session,
        company_id,
        RECEIVED_EVENT,
        row.po_id,
        wire.SEND_PURCHASE_ORDER,
        body,
        poId=row.po_id,
        objectId=row.object_id,
        customerId=row.customer_id,
        status=row.status,
    )


@inbound.handler(wire.STATUS_CHANGE_PURCHASE_ORDER)
async def status_changed(session: AsyncSession, company_id: str, body: dict[str, Any]) -> None:
    """req-status-change (purchase order): the buyer cancels an order it sent."""
    message = parse(wire.StatusChangePurchaseOrder, body)
    change = message.poStatus
    row = await repository.purchase_order_by_object(session, company_id, change.objectId, for_update=True)
    if row is None:
        raise NotFound(f"No purchase order was received as {change.objectId}.")
    action = change.buyerAction.strip().upper()
    if action not in CANCEL_ACTIONS and change.poStatusTransition.newStatus.strip().upper() != P.CANCELLED:
        raise ValidationFailed.field(
            "poStatus.buyerAction",
            "is not an action dues knows on a purchase order: CANCEL",
            change.buyerAction,
        )
    if row.status == P.INVOICED:
        raise Unprocessable(
            f"Purchase order {row.buyer_po_number} was invoiced already ({row.invoice_id}); it cannot be "
            "cancelled: the supplier issues a credit note instead."
        )
    before = _audited(row)
    row.status = P.CANCELLED.value
    row.version = max(row.version, change.objectVersion.newVersion)
    await session.flush()
    await repository.tag_inbound(session, company_id, message.reqMsgId, row.po_id, row.object_id)
    await audit.record(
        session,
        company_id,
        NETWORK_ACTOR,
        "purchase_order",
        row.po_id,
        "CANCEL",
        before,
        _audited(row),
        reason=change.buyerRemarks,
    )


# ----------------------------------------------------------------------------------------------- reading


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _money(value: Any) -> Decimal | None:
    found = _decimal(value)
    return None if found is None else to_paise(found)


def _lines(row: BcPurchaseOrder) -> list[PurchaseOrderLine]:
    return [
        PurchaseOrderLine(
            sl_no=item.get("slNo", n),
            description=item.get("description", ""),
            hsn_sac=item.get("hsnSac"),
            quantity=_decimal(item.get("quantity")),
            unit=item.get("unit"),
            unit_price=_money(item.get("unitPrice")),
            taxable_value=_money(item.get("taxableValue")),
            gst_rate=_decimal(item.get("gstRate")),
            total=_money(item.get("total")),
        )
        for n, item in enumerate(row.body.get("itemLists", []), start=1)
    ]


def to_read(row: BcPurchaseOrder) -> PurchaseOrderRead:
    return PurchaseOrderRead(
        po_id=row.po_id,
        object_id=row.object_id,
        version=row.version,
        buyer_po_number=row.buyer_po_number,
        buyer_b2b_id=row.buyer_b2b_id,
        buyer_legal_name=(row.body.get("buyerDetails") or {}).get("legalName"),
        customer_id=row.customer_id,
        order_date=row.order_date,
        delivery_date=row.delivery_date,
        subject=row.subject,
        total_amount=row.total,
        status=P(row.status),
        supplier_remarks=row.supplier_remarks,
        invoice_id=row.invoice_id,
        line_items=_lines(row),
        created_on=row.created_on,
        updated_on=row.updated_on,
    )


async def search(
    session: AsyncSession, company_id: str, query: PurchaseOrderSearch, page: PageParams
) -> Page[PurchaseOrderRead]:
    column = page.column(ORDERABLE, "createdOn")
    rows, total = await repository.search_purchase_orders(
        session, company_id, query.model_dump(), column, page.descending, page.limit, page.offset
    )
    return Page[PurchaseOrderRead](
        items=[to_read(r) for r in rows], total=total, offset=page.offset, limit=page.limit
    )


async def _get(session: AsyncSession, company_id: str, po_id: str, *, lock: bool = False) -> BcPurchaseOrder:
    row = await repository.purchase_order(session, company_id, po_id, for_update=lock)
    if row is None:
        raise NotFound(f"No purchase order {po_id}.")
    return row


async def get(session: AsyncSession, company_id: str, po_id: str) -> PurchaseOrderRead:
    return to_read(await _get(session, company_id, po_id))


# ---------------------------------------------------------------------------------------- the supplier


async def confirm(
    session: AsyncSession, principal: Principal, company_id: str, po_id: str, request: PurchaseOrderConfirm
) -> PurchaseOrderRead:
    """The supplier accepts or rejects a purchase order received: req-confirm to the buyer."""
    row = await _get(session, company_id, po_id, lock=True)
    if row.status != P.RECEIVED:
        raise Unprocessable(
            f"Purchase order {po_id} is {row.status}; only a RECEIVED one is accepted or rejected."
        )
    supplier_b2b_id = await messages.supplier_b2b_id(session, company_id)
    if supplier_b2b_id is None:
        raise Unprocessable("The company is not registered on Bharat Connect: register it first.")
    new = P.ACCEPTED if request.response is wire.SupplierResponse.ACCEPT else P.REJECTED
    confirmation = {
        "objectId": row.object_id,
        "buyerPONumber": row.buyer_po_number,
        "supplierResponse": request.response.value,
        "supplierRemarks": request.remarks,
        "objectVersion": wire.version(row.version, row.version),
        "poStatusTransition": wire.transition(row.status, new.value),
    }
    body = bodies.request(
        wire.ConfirmPurchaseOrder, row.buyer_b2b_id, supplier_b2b_id, poConfirmation=confirmation
    )
    await messages.queue(
        session, company_id, wire.CONFIRM_PURCHASE_ORDER, body, dues_id=po_id, object_id=row.object_id
    )
    before = _audited(row)
    row.status = new.value
    row.supplier_remarks = request.remarks
    await session.flush()
    await audit.record(
        session,
        company_id,
        principal.user_id,
        "purchase_order",
        po_id,
        request.response.value,
        before,
        _audited(row),
        reason=request.remarks,
    )
    return to_read(row)


def _line_items(row: BcPurchaseOrder) -> list[dict[str, Any]]:
    """The order's lines as an invoice's lineItems; 422 naming each line dues cannot invoice as it is."""
    items, problems = [], []
    for n, item in enumerate(row.body.get("itemLists", [])):
        for name, what in (("hsnSac", "an HSN/SAC code"), ("gstRate", "a GST rate")):
            if item.get(name) is None:
                problems.append(
                    SubError(f"itemLists[{n}].{name}", f"is missing: an invoice line needs {what}", None)
                )
        items.append(
            {
                "description": item.get("description") or f"Item {n + 1}",
                "hsnSac": item.get("hsnSac"),
                "quantity": _decimal(item.get("quantity")),
                "unit": item.get("unit") or "NOS",
                "unitPrice": _money(item.get("unitPrice")),
                "gstRate": _decimal(item.get("gstRate")),
            }
        )
    if problems:
        raise Unprocessable(
            f"Purchase order {row.po_id} cannot be invoiced from its lines as they are: "
            + "; ".join(f"{p.field} {p.message}" for p in problems),
            problems,
        )
    return items


async def invoice(
    session: AsyncSession, principal: Principal, company_id: str, po_id: str, request: PurchaseOrderInvoice
) -> InvoiceRead:
    """An invoice from the order's lines to the customer that holds the buyer's B2B id (createdVia
    BHARAT_CONNECT); the order becomes INVOICED. With dispatchNow it goes out, and is presented, at once."""
    row = await _get(session, company_id, po_id, lock=True)
    if row.status not in (P.RECEIVED, P.ACCEPTED):
        raise Unprocessable(
            f"Purchase order {po_id} is {row.status}; only a RECEIVED or ACCEPTED one is invoiced."
        )
    customer_id = row.customer_id or await repository.customer_of_b2b_id(
        session, company_id, row.buyer_b2b_id
    )
    if customer_id is None:
        raise Unprocessable(
            f"No customer has the buyer's Bharat Connect B2B id {row.buyer_b2b_id}: set it as a customer's "
            "bharatConnectB2BId, then invoice the order."
        )
    invoice_date = request.invoice_date or today_ist()
    data = {
        "customerId": customer_id,
        "invoiceDate": invoice_date,
        "dueDate": request.due_date or invoice_date + timedelta(days=DEFAULT_TERMS_DAYS),
        "lineItems": _line_items(row),
        "description": f"Purchase order {row.buyer_po_number} of {row.order_date.isoformat()}",
        "dispatchNow": request.dispatch_now,
    }
    try:
        create = InvoiceCreate.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed.of(sub_errors_from_pydantic(exc.errors())) from None
    made = await invoices.create(session, principal, company_id, create, via=CreatedVia.BHARAT_CONNECT)
    before = _audited(row)
    row.status = P.INVOICED.value
    row.invoice_id = made.invoice_id
    row.customer_id = customer_id
    await session.flush()
    await audit.record(
        session,
        company_id,
        principal.user_id,
        "purchase_order",
        po_id,
        "INVOICE",
        before,
        {**_audited(row), "invoice_id": made.invoice_id},
    )
    return made
