"""Bharat Connect as pages (api.md §8): the company's registration on the network, the invoices presented
there with what the supplier may do to them, the payments the network reported that wait for the supplier's
answer, and the purchase orders buyers sent. Each action calls the service the API's endpoint calls, with
the same role: registration ADMIN; status changes, payment and order confirmations any role but VIEWER;
invoicing an order ADMIN or MAKER."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from dues.bharat_connect import onboarding, payment_flows, purchase_orders, service, wire
from dues.bharat_connect.flows_schemas import (
    PaymentConfirmationRequest,
    PurchaseOrderConfirm,
    PurchaseOrderInvoice,
    PurchaseOrderSearch,
    PurchaseOrderStatus,
    StatusChangeRequest,
)
from dues.bharat_connect.network import network_of
from dues.bharat_connect.schemas import RegistrationCreate, RegistrationRead
from dues.companies import service as companies
from dues.config import get_settings
from dues.db import DuesRoute, SessionDep
from dues.errors import DuesError, NotFound
from dues.kit.pagination import PageParams
from dues.web.bharat_connect import repository
from dues.web.common import (
    NO_PROBLEMS,
    Admin,
    Maker,
    PageNotFound,
    Problems,
    SignedIn,
    User,
    Writer,
    form_of,
    problems,
    redirect,
    render,
    text,
)

router = APIRouter(route_class=DuesRoute)

HOME = "/app/bharat-connect"
PER_PAGE = 25
NETWORK_STATUSES = [s.value for s in wire.InvoiceStatus if s is not wire.InvoiceStatus.CREATED]
# What the supplier may do to an invoice in each network status (service.ACTIONS, the API's rules), in the
# order the buttons show them.
ACTION_LABELS = {
    wire.SupplierAction.CANCEL: "Cancel on the network",
    wire.SupplierAction.WITHDRAW: "Withdraw (and from collection)",
    wire.SupplierAction.MARK_PAID_OFFLINE: "Mark paid offline",
    wire.SupplierAction.REOPEN: "Reopen (present again)",
}


def _offset(request: Request) -> int:
    raw = request.query_params.get("offset", "0")
    return max(0, min(int(raw), 10_000_000)) if raw.isdigit() else 0


def _actions(status: str) -> list[tuple[str, str]]:
    return [(a.value, label) for a, label in ACTION_LABELS.items() if status in service.ACTIONS[a][0]]


async def _registration(session: AsyncSession, company_id: str) -> RegistrationRead | None:
    try:
        return await onboarding.get(session, company_id)
    except NotFound:
        return None


async def _home(
    request: Request,
    session: AsyncSession,
    user: User,
    *,
    status: int = 200,
    typed: dict[str, str] | None = None,
    found: Problems = NO_PROBLEMS,
) -> Response:
    wanted = request.query_params.get("status", "")
    wanted = wanted if wanted in NETWORK_STATUSES else ""
    offset = _offset(request)
    rows, total = await repository.presented(session, user.company_id, wanted or None, PER_PAGE, offset)
    company = await companies.get(session, user.company_id)
    registration = await _registration(session, user.company_id)
    pan = company.gstin[2:12] if company.gstin else ""
    return render(
        request,
        "bharat_connect/index.html",
        status,
        user=user,
        network=network_of(get_settings()),
        registration=registration,
        typed=typed or {"pan": pan, "gstin": company.gstin or "", "registeredName": company.legal_name},
        problems=found,
        invoices=rows,
        total=total,
        offset=offset,
        per_page=PER_PAGE,
        wanted=wanted,
        statuses=NETWORK_STATUSES,
        held=await repository.held_payments(session, user.company_id),
    )


@router.get(HOME)
async def home(request: Request, user: SignedIn, session: SessionDep) -> Response:
    return await _home(request, session, user)


@router.post(f"{HOME}/registration")
async def register(request: Request, user: Admin, session: SessionDep) -> Response:
    form = await form_of(request)
    typed = {name: text(form, name, 200) for name in ("pan", "gstin", "registeredName")}
    try:
        body = RegistrationCreate.model_validate({k: v or None for k, v in typed.items()})
        asked = await onboarding.register(session, user.principal, user.company_id, body)
    except (DuesError, ValidationError) as exc:
        code = getattr(exc, "status_code", 422)
        return await _home(request, session, user, status=code, typed=typed, found=problems(exc))
    return redirect(
        request,
        f"{HOME}#registration",
        flash=f"Registration asked for ({asked.status}): {asked.detail or ''}",
    )


# ------------------------------------------------------------------------------------- one invoice


async def _invoice_page(
    request: Request,
    session: AsyncSession,
    user: User,
    invoice_id: str,
    *,
    status: int = 200,
    found: Problems = NO_PROBLEMS,
    failed: str | None = None,
) -> Response:
    shown = await service.status_of(session, user.company_id, invoice_id[:16])
    return render(
        request,
        "bharat_connect/invoice.html",
        status,
        user=user,
        bc=shown,
        actions=_actions(shown.status.value),
        problems=found,
        failed=failed,
    )


@router.get(f"{HOME}/invoices/{{invoice_id}}")
async def invoice_page(invoice_id: str, request: Request, user: SignedIn, session: SessionDep) -> Response:
    return await _invoice_page(request, session, user, invoice_id)


@router.post(f"{HOME}/invoices/{{invoice_id}}/status")
async def change_status(invoice_id: str, request: Request, user: Writer, session: SessionDep) -> Response:
    form = await form_of(request)
    action = text(form, "action", 32)
    try:
        body = StatusChangeRequest.model_validate(
            {"invoiceIds": [invoice_id[:16]], "action": action, "remarks": text(form, "remarks", 100) or None}
        )
        [changed] = await service.change_status(session, user.principal, user.company_id, body)
    except (DuesError, ValidationError) as exc:
        code = getattr(exc, "status_code", 422)
        return await _invoice_page(
            request, session, user, invoice_id, status=code, found=problems(exc), failed="status"
        )
    return redirect(
        request,
        f"{HOME}/invoices/{changed.invoice_id}",
        flash=f"{action.replace('_', ' ').capitalize()} sent to the network: now {changed.status.value}.",
    )


@router.post(f"{HOME}/invoices/{{invoice_id}}/payments/{{ref}}")
async def confirm_payment(
    invoice_id: str, ref: str, request: Request, user: Writer, session: SessionDep
) -> Response:
    """The supplier's answer to a payment the network reported: the payment's own invoices and type are
    taken from what the network said, so the person chooses only ACCEPT or REJECT and the remarks."""
    form = await form_of(request)
    shown = await service.status_of(session, user.company_id, invoice_id[:16])
    payment = next((p for p in shown.payments if ref in (p.object_id, p.payment_id)), None)
    if payment is None:
        raise PageNotFound(f"No payment {ref} of invoice {invoice_id} on the network.")
    data: dict[str, Any] = {
        "invoiceIds": payment.invoice_ids,
        "paymentId": payment.payment_id or payment.object_id,
        "remarks": text(form, "remarks", 100),
        "response": text(form, "response", 8),
        "type": payment.type.value,
    }
    try:
        confirmed = await payment_flows.confirm(
            session, user.principal, user.company_id, PaymentConfirmationRequest.model_validate(data)
        )
    except (DuesError, ValidationError) as exc:
        code = getattr(exc, "status_code", 422)
        return await _invoice_page(
            request, session, user, invoice_id, status=code, found=problems(exc), failed=payment.object_id
        )
    return redirect(
        request,
        f"{HOME}/invoices/{shown.invoice_id}",
        flash=f"Payment {confirmed.object_id} {data['response'].lower()}ed: it is {confirmed.status}.",
    )


# ----------------------------------------------------------------------------------- purchase orders


@router.get(f"{HOME}/purchase-orders")
async def purchase_orders_page(request: Request, user: SignedIn, session: SessionDep) -> Response:
    wanted = request.query_params.get("status", "")
    statuses = [s.value for s in PurchaseOrderStatus]
    wanted = wanted if wanted in statuses else ""
    query = PurchaseOrderSearch.model_validate({"statuses": [wanted]} if wanted else {})
    offset = _offset(request)
    page = await purchase_orders.search(
        session, user.company_id, query, PageParams(PER_PAGE, offset, None, True)
    )
    return render(
        request,
        "bharat_connect/purchase_orders.html",
        user=user,
        page=page,
        wanted=wanted,
        statuses=statuses,
        offset=offset,
        per_page=PER_PAGE,
    )


async def _order_page(
    request: Request,
    session: AsyncSession,
    user: User,
    po_id: str,
    *,
    status: int = 200,
    found: Problems = NO_PROBLEMS,
    failed: str | None = None,
) -> Response:
    order = await purchase_orders.get(session, user.company_id, po_id[:16])
    return render(
        request,
        "bharat_connect/purchase_order.html",
        status,
        user=user,
        order=order,
        problems=found,
        failed=failed,
    )


@router.get(f"{HOME}/purchase-orders/{{po_id}}")
async def purchase_order_page(po_id: str, request: Request, user: SignedIn, session: SessionDep) -> Response:
    return await _order_page(request, session, user, po_id)


@router.post(f"{HOME}/purchase-orders/{{po_id}}/confirm")
async def confirm_order(po_id: str, request: Request, user: Writer, session: SessionDep) -> Response:
    form = await form_of(request)
    answer = text(form, "response", 8)
    try:
        body = PurchaseOrderConfirm.model_validate(
            {"response": answer, "remarks": text(form, "remarks", 100) or None}
        )
        order = await purchase_orders.confirm(session, user.principal, user.company_id, po_id[:16], body)
    except (DuesError, ValidationError) as exc:
        code = getattr(exc, "status_code", 422)
        return await _order_page(
            request, session, user, po_id, status=code, found=problems(exc), failed="confirm"
        )
    return redirect(
        request,
        f"{HOME}/purchase-orders/{order.po_id}",
        flash=f"Order {order.buyer_po_number} {order.status.value.lower()}; the buyer is told.",
    )


@router.post(f"{HOME}/purchase-orders/{{po_id}}/invoice")
async def invoice_order(po_id: str, request: Request, user: Maker, session: SessionDep) -> Response:
    form = await form_of(request)
    data: dict[str, Any] = {"dispatchNow": text(form, "dispatchNow") == "true"}
    for name in ("invoiceDate", "dueDate"):
        if text(form, name):
            data[name] = text(form, name, 10)
    try:
        body = PurchaseOrderInvoice.model_validate(data)
        invoice = await purchase_orders.invoice(session, user.principal, user.company_id, po_id[:16], body)
    except (DuesError, ValidationError) as exc:
        code = getattr(exc, "status_code", 422)
        return await _order_page(
            request, session, user, po_id, status=code, found=problems(exc), failed="invoice"
        )
    return redirect(
        request,
        f"/app/invoices/{invoice.invoice_id}",
        flash=f"Invoice {invoice.invoice_number} made from the order.",
    )
