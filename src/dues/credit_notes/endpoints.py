from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from dues.auth.deps import CurrentPrincipal, MakerPrincipal, WriterPrincipal
from dues.companies.deps import SellerScope as Scope
from dues.credit_notes import queries, sending, service
from dues.credit_notes.schemas import CreditNoteCreate, CreditNoteRead, CreditNoteSearch
from dues.db import DuesRoute, SessionDep
from dues.invoices.schemas import ApprovalRequest
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.kit.pagination import Page, Paging
from dues.replica import ReadSessionDep

router = APIRouter(prefix="/api/v0/credit-note", route_class=DuesRoute, tags=["credit notes"])

CreditNoteIdPath = Annotated[str, Path(max_length=16, description="CN + 14 characters")]


@router.post(
    "",
    response_model=Envelope[CreditNoteRead],
    summary="Create a credit note",
    description=(
        "A GST credit note (CGST Act s.34) to a customer against one or more of its issued invoices: per "
        "invoice, lineItems or baseAmount with taxes that follow that invoice's place of supply (cgst = sgst"
        " within the seller's state, igst across states; none on a bill of supply). Over an invoice's life "
        "its credit notes never credit more than its total. noteDate (default today) is not before any "
        "invoice named, not in the future, and by 30 November after the end of their financial year. "
        "noteNumber comes from the seller's credit note series (creditNotePrefix, default CN) when left out."
        " The approval chain applies as to invoices; once approved, each invoice's balance falls by its part"
        " and what a balance cannot take becomes the customer's credit. ADMIN or MAKER."
    ),
)
async def create_credit_note(
    body: CreditNoteCreate, principal: MakerPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.create(session, principal, company_id, body))


@router.post(
    "/search",
    response_model=Envelope[Page[CreditNoteRead]],
    summary="Search credit notes",
    description=(
        "The seller's credit notes matching every filter given (AND; a list matches any of its values). "
        "Paged by limit (1..5000, default 100) and offset, sorted by orderBy (createdOn by default; also "
        "noteDate, noteNumber, totalAmount, status) and direction. Any role may search."
    ),
)
async def search_credit_notes(
    body: CreditNoteSearch,
    paging: Paging,
    principal: CurrentPrincipal,
    company_id: Scope,
    session: ReadSessionDep,
) -> JSONBody:
    return ok(await queries.search(session, company_id, body, paging))


@router.get(
    "/{creditNoteId}",
    response_model=Envelope[CreditNoteRead],
    summary="Get a credit note",
    description=(
        "One credit note with its part against each invoice, its lines, its approval state and where its "
        "money went. A note of another company answers 404."
    ),
)
async def get_credit_note(
    creditNoteId: CreditNoteIdPath, principal: CurrentPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await queries.get(session, company_id, creditNoteId))


@router.get(
    "/{creditNoteId}/pdf",
    summary="Credit note PDF",
    description="The credit note as a PDF document, ready to print or send. Another company's answers 404.",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the GST credit note"}},
)
async def credit_note_pdf(
    creditNoteId: CreditNoteIdPath, principal: CurrentPrincipal, company_id: Scope, session: SessionDep
) -> Response:
    name, content = await sending.pdf(session, company_id, creditNoteId)
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


@router.post(
    "/{creditNoteId}/approval",
    response_model=Envelope[CreditNoteRead],
    summary="Approve, reject or submit a credit note",
    description=(
        "Moves a credit note along the company's approval chain, as invoices move (api.md §4.2): a CHECKER,"
        " then an APPROVER, approves or rejects at its step; nobody approves a note it made (403). The final"
        " approval issues the note: the invoices' balances fall and any excess becomes customer credit. A "
        "rejected note moves nothing; its maker may SUBMIT it again while it still fits the invoices."
    ),
)
async def credit_note_approval(
    creditNoteId: CreditNoteIdPath,
    body: ApprovalRequest,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await service.act(session, principal, company_id, creditNoteId, body))


@router.post(
    "/{creditNoteId}/dispatch",
    response_model=Envelope[CreditNoteRead],
    summary="E-mail a credit note to the customer",
    description=(
        "Sends an issued credit note, with its PDF, by e-mail to the customer's contacts that take "
        "invoices (or the customer's own e-mail), through the outbox as invoices go; again on every call. "
        "A note not yet approved, or a customer with no e-mail address, answers 422. Any role but VIEWER."
    ),
)
async def dispatch_credit_note(
    creditNoteId: CreditNoteIdPath, principal: WriterPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await sending.dispatch(session, principal, company_id, creditNoteId))
