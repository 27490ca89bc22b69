"""dues's Bharat Connect API for the business flows (api.md §8): Change Invoice Status Request, Payment
Confirmation Request, an invoice's state on the network, purchase orders received."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from dues.auth.deps import CurrentPrincipal, MakerPrincipal, WriterPrincipal
from dues.bharat_connect import payment_flows, purchase_orders, service
from dues.bharat_connect.flows_schemas import (
    InvoiceNetworkRead,
    NetworkPaymentRead,
    PaymentConfirmationRequest,
    PurchaseOrderConfirm,
    PurchaseOrderInvoice,
    PurchaseOrderRead,
    PurchaseOrderSearch,
    StatusChangeRequest,
    StatusChangeResult,
)
from dues.companies.deps import SellerScope as Scope
from dues.db import DuesRoute, SessionDep
from dues.invoices.schemas import InvoiceRead
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.kit.openapi import errors
from dues.kit.pagination import Page, Paging
from dues.replica import ReadSessionDep

router = APIRouter(prefix="/api/v0", route_class=DuesRoute, tags=["bharat connect"])

InvoiceIdPath = Annotated[str, Path(max_length=16, description="INV + 13 characters")]
PoIdPath = Annotated[str, Path(max_length=16, description="PO + 14 characters")]


@router.post(
    "/invoice/status-change",
    response_model=Envelope[list[StatusChangeResult]],
    summary="Change Invoice Status Request",
    responses=errors({422: "UNPROCESSABLE_REQUEST: an invoice named cannot take the action (each is named)"}),
    description=(
        "Changes the status on the Bharat Connect network of invoices presented there, telling the buyer "
        "(req-status-change-invoice): CANCEL (from PRESENTED, ACCEPTED, REJECTED or RETURNED), WITHDRAW (the "
        "same or CANCELLED; also withdraws them from collection in dues, so none may have a payment), "
        "MARK_PAID_OFFLINE (paid outside the network; also from PARTIALLY_PAID) or REOPEN (a CANCELLED, "
        "REJECTED, RETURNED or PAID one, presented again). All or nothing: an invoice that was not "
        "presented or cannot take the action fails the call, and each such invoice is named. A cancelled "
        "invoice gets no more reminders. Any role but VIEWER."
    ),
)
async def change_invoice_status(
    body: StatusChangeRequest, principal: WriterPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.change_status(session, principal, company_id, body))


@router.post(
    "/invoice/payment-confirmation",
    response_model=Envelope[NetworkPaymentRead],
    summary="Payment Confirmation Request",
    responses=errors(
        {
            404: "RECORD_NOT_FOUND: the network reported no payment with this paymentId to the company",
            422: "UNPROCESSABLE_REQUEST: REJECT of an ONPLATFORM payment, or of one accepted already",
        }
    ),
    description=(
        "The supplier's answer to a payment the Bharat Connect network reported (req-pay-confirmation to "
        "the buyer). paymentId is dues's PAY... id of that payment; an OFFPLATFORM payment awaiting this "
        "answer has none yet, so its network PMT... objectId is taken too. invoiceIds are the invoices it "
        "pays, every one; type is the payment's. ACCEPT of a held OFFPLATFORM payment records it (its "
        "invoices PAID or PARTIALLY_PAID); REJECT (OFFPLATFORM only) puts its invoices back to awaiting "
        "payment; ACCEPT of a payment recorded already confirms it again. Any role but VIEWER."
    ),
)
async def confirm_payment(
    body: PaymentConfirmationRequest, principal: WriterPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await payment_flows.confirm(session, principal, company_id, body))


@router.get(
    "/invoice/{invoiceId}/bharat-connect",
    response_model=Envelope[InvoiceNetworkRead],
    summary="B2B status of an invoice",
    description=(
        "The invoice on the Bharat Connect network: its objectId and version there, its status (PRESENTED, "
        "ACCEPTED, REJECTED, RETURNED, PAYMENT_PENDING_CONFIRMATION, PARTIALLY_PAID, PAID, CANCELLED, "
        "WITHDRAWN), the buyer's response and remarks, and every message exchanged about it and the network "
        "payments that pay it, oldest first, each with its state (QUEUED, SENT, ACKED, FAILED; APPLIED or "
        "REFUSED for messages received). 404 for an invoice never presented."
    ),
)
async def invoice_on_network(
    invoiceId: InvoiceIdPath, principal: CurrentPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.status_of(session, company_id, invoiceId))


@router.post(
    "/purchase-order/search",
    response_model=Envelope[Page[PurchaseOrderRead]],
    summary="Search purchase orders received",
    description=(
        "Purchase orders buyers sent over Bharat Connect, matching every filter given (AND; a list matches "
        "any of its values). Paged by limit (1..5000, default 100) and offset, sorted by orderBy (createdOn "
        "by default; also orderDate, totalAmount, status, buyerPONumber) and direction. Any role may search."
    ),
)
async def search_purchase_orders(
    body: PurchaseOrderSearch,
    paging: Paging,
    principal: CurrentPrincipal,
    company_id: Scope,
    session: ReadSessionDep,
) -> JSONBody:
    return ok(await purchase_orders.search(session, company_id, body, paging))


@router.get(
    "/purchase-order/{poId}",
    response_model=Envelope[PurchaseOrderRead],
    summary="Get a purchase order received",
    description=(
        "One purchase order received over Bharat Connect: the buyer's number and B2B id, the customer that "
        "holds that id, its lines and value, its status (RECEIVED, ACCEPTED, REJECTED, INVOICED, "
        "CANCELLED) and the invoice made from it."
    ),
)
async def get_purchase_order(
    poId: PoIdPath, principal: CurrentPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await purchase_orders.get(session, company_id, poId))


@router.post(
    "/purchase-order/{poId}/confirm",
    response_model=Envelope[PurchaseOrderRead],
    summary="Accept or reject a purchase order",
    description=(
        "The supplier's answer to a RECEIVED purchase order, sent to the buyer (req-confirm): response "
        "ACCEPT or REJECT, remarks optional (1 to 100 characters). Any role but VIEWER."
    ),
)
async def confirm_purchase_order(
    poId: PoIdPath,
    body: PurchaseOrderConfirm,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await purchase_orders.confirm(session, principal, company_id, poId, body))


@router.post(
    "/purchase-order/{poId}/invoice",
    response_model=Envelope[InvoiceRead],
    summary="Invoice a purchase order",
    responses=errors(
        {
            422: "UNPROCESSABLE_REQUEST: no customer holds the buyer's B2B id, or a line lacks "
            "its HSN/SAC code or GST rate"
        }
    ),
    description=(
        "Makes an invoice from a RECEIVED or ACCEPTED purchase order's lines (createdVia BHARAT_CONNECT), to "
        "the customer whose bharatConnectB2BId is the buyer's; the order becomes INVOICED. invoiceDate "
        "defaults to today, dueDate to 30 days after it; dispatchNow also dispatches it, which presents it "
        "to the buyer on the network. The approval chain applies as to any invoice. ADMIN or MAKER."
    ),
)
async def invoice_purchase_order(
    poId: PoIdPath,
    principal: MakerPrincipal,
    company_id: Scope,
    session: SessionDep,
    body: PurchaseOrderInvoice | None = None,
) -> JSONBody:
    request = body if body is not None else PurchaseOrderInvoice.model_validate({})
    return ok(await purchase_orders.invoice(session, principal, company_id, poId, request))
