from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from dues.adjustments import refunds, reversals, write_offs
from dues.adjustments.schemas import (
    RefundCreate,
    RefundMade,
    RefundRead,
    ReversalCreate,
    ReversalRead,
    WriteOffCreate,
    WriteOffRead,
)
from dues.auth.deps import ApproverPrincipal, CurrentPrincipal
from dues.companies.deps import CompanyScope, SellerScope
from dues.db import DuesRoute, SessionDep
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.kit.pagination import Page, Paging

router = APIRouter(prefix="/api/v0", route_class=DuesRoute, tags=["adjustments"])

InvoiceIdPath = Annotated[str, Path(max_length=16, description="INV + 13 characters")]
PaymentIdPath = Annotated[str, Path(max_length=16, description="PAY + 13 characters")]
CustomerIdPath = Annotated[str, Path(max_length=16, description="KC + 14 characters")]


@router.post(
    "/invoice/{invoiceId}/write-off",
    response_model=Envelope[WriteOffRead],
    summary="Write off part or all of an invoice's balance",
    description=(
        "Settles `amount` (above 0, at most the balance: 422 naming amount) of an issued invoice without "
        "money. At balance 0 the invoice is WRITTEN_OFF and its reminders stop. ADMIN or APPROVER only, and "
        "never the user who created the invoice (403). A withdrawn or unapproved invoice → 422. Emits "
        "invoice.written_off."
    ),
)
async def write_off(
    invoiceId: InvoiceIdPath,
    body: WriteOffCreate,
    principal: ApproverPrincipal,
    company_id: SellerScope,
    session: SessionDep,
) -> JSONBody:
    return ok(await write_offs.write_off(session, principal, company_id, invoiceId, body))


@router.post(
    "/payment/{paymentId}/reverse",
    response_model=Envelope[ReversalRead],
    summary="Reverse a payment (a bounced cheque, a recalled or mistaken payment)",
    description=(
        "Undoes every allocation of the payment, cash and TDS, including those made later from its credit, "
        "and takes what is left of its credit off the customer's credit: the invoices owe again, with their "
        "statuses and reminders. The payment becomes REVERSED (once: a second reversal → 422); its TDS entry "
        "is CANCELLED. A payment whose credit was partly refunded → 422. `chargeAmount` raises a debit note "
        "for that amount (no GST), approved at once and due in 7 days. ADMIN or APPROVER only. Emits "
        "payment.reversed."
    ),
)
async def reverse_payment(
    paymentId: PaymentIdPath,
    body: ReversalCreate,
    principal: ApproverPrincipal,
    company_id: SellerScope,
    session: SessionDep,
) -> JSONBody:
    return ok(await reversals.reverse(session, principal, company_id, paymentId, body))


@router.post(
    "/customer/{customerId}/refund",
    response_model=Envelope[RefundMade],
    summary="Refund a customer's credit",
    description=(
        "Records money paid back to the customer out of its credit (`amount` at most `creditBalance`: 422 "
        "naming amount), taken oldest first from its payments' unallocated parts and its credit notes' "
        "unapplied parts. ADMIN or APPROVER only. Emits customer.refunded."
    ),
)
async def refund(
    customerId: CustomerIdPath,
    body: RefundCreate,
    principal: ApproverPrincipal,
    company_id: CompanyScope,
    session: SessionDep,
) -> JSONBody:
    return ok(await refunds.refund(session, principal, company_id, customerId, body))


@router.get(
    "/customer/{customerId}/refunds",
    response_model=Envelope[Page[RefundRead]],
    summary="A customer's refunds",
    description="The refunds of a customer's credit, newest first (direction=ASC: oldest first), each with "
    "the payments and credit notes whose credit it paid back. Any role.",
)
async def list_refunds(
    customerId: CustomerIdPath,
    principal: CurrentPrincipal,
    company_id: CompanyScope,
    paging: Paging,
    session: SessionDep,
) -> JSONBody:
    return ok(await refunds.of_customer(session, company_id, customerId, paging))
