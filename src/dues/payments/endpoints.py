from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from dues.auth.deps import CurrentPrincipal, WriterPrincipal
from dues.companies.deps import SellerScope as Scope
from dues.db import DuesRoute, SessionDep
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.kit.openapi import errors
from dues.payments import credit, receipt, service
from dues.payments.schemas import CreditApplied, CreditApply, PaymentCreate, PaymentRead

router = APIRouter(prefix="/api/v0", route_class=DuesRoute, tags=["payments"])

PaymentIdPath = Annotated[str, Path(max_length=16, description="PAY + 13 characters")]
InvoiceIdPath = Annotated[str, Path(max_length=16, description="INV + 13 characters")]
CustomerIdPath = Annotated[str, Path(max_length=16, description="KC + 14 characters")]


@router.post(
    "/payment",
    response_model=Envelope[PaymentRead],
    summary="Record a payment",
    responses=errors(
        {
            409: "UNPROCESSABLE_REQUEST: a transfer with this mode and reference is recorded already, or "
            "the Idempotency-Key was used with another body"
        }
    ),
    description=(
        "Records money received outside the payment page (UPI, NEFT, RTGS, IMPS, CHEQUE, CASH, CARD). "
        "With allocations, each goes to its invoice (at most its balance, 422 otherwise, nothing "
        "recorded); without, the amount pays the customer's open invoices oldest due date first. What is "
        "left becomes the customer's credit. A transfer (UPI, NEFT, RTGS, IMPS) is recorded once per "
        "reference (409). Any role but VIEWER."
    ),
)
async def record_payment(
    body: PaymentCreate, principal: WriterPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.record(session, principal, company_id, body))


@router.get(
    "/payment/{paymentId}",
    response_model=Envelope[PaymentRead],
    summary="Get a payment",
    description="One payment with its allocations. A payment of another company answers 404.",
)
async def get_payment(
    paymentId: PaymentIdPath, principal: CurrentPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.get(session, company_id, paymentId))


@router.get(
    "/payment/{paymentId}/receipt",
    summary="A payment's receipt (PDF)",
    description=(
        "The receipt for a payment as a PDF: the seller, the payer, the date, mode and reference, each "
        "invoice it settled with the cash and the TDS the buyer deducted (section and TAN), and what went to "
        "the customer's credit. A reversed payment has no receipt (422); another company's payment "
        "answers 404."
    ),
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the payment receipt"}},
)
async def payment_receipt(
    paymentId: PaymentIdPath, principal: CurrentPrincipal, company_id: Scope, session: SessionDep
) -> Response:
    name, content = await receipt.receipt_pdf(session, company_id, paymentId)
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


@router.get(
    "/invoice/{invoiceId}/payments",
    response_model=Envelope[list[PaymentRead]],
    summary="An invoice's payments",
    description="The payments allocated to an invoice, oldest first, each with all its allocations.",
)
async def invoice_payments(
    invoiceId: InvoiceIdPath, principal: CurrentPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.of_invoice(session, company_id, invoiceId))


@router.post(
    "/customer/{customerId}/credit/apply",
    response_model=Envelope[CreditApplied],
    summary="Apply a customer's credit to its invoices",
    responses=errors(
        {
            409: "UNPROCESSABLE_REQUEST: another request used the customer's credit meanwhile (send it "
            "again), or the Idempotency-Key was used with another body"
        }
    ),
    description="Allocates the unallocated parts of the customer's payments (oldest first) to the invoices "
    "given, or to its open invoices oldest due date first; the same checks as a payment's allocations.",
)
async def apply_credit(
    customerId: CustomerIdPath,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
    body: CreditApply | None = None,
) -> JSONBody:
    return ok(await credit.apply(session, principal, company_id, customerId, body or CreditApply()))
