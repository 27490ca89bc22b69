"""Statements of account (api.md §10): read as JSON or PDF, and sent by e-mail."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from dues.auth.deps import CurrentPrincipal, WriterPrincipal
from dues.companies.deps import SellerScope as Scope
from dues.db import DuesRoute, SessionDep
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.replica import ReadSessionDep
from dues.statements import sending, service
from dues.statements.schemas import StatementFormat, StatementRead, StatementSend, StatementSent

router = APIRouter(prefix="/api/v0", route_class=DuesRoute, tags=["statements"])

CustomerIdPath = Annotated[str, Path(max_length=16, description="KC + 14 characters")]


@router.get(
    "/customer/{customerId}/statement",
    response_model=Envelope[StatementRead],
    summary="A customer's statement of account",
    description=(
        "What the customer owed at the start of the period, every movement of it (invoices and debit notes "
        "as debits; payments, TDS, credit notes and write-offs as credits; reversals and refunds) with the "
        "running balance, what it owed at the end, and then, as of the last day: what was owed on invoices "
        "by days past due (current, 1-30, 31-60, 61-90, 90+), the credit not yet set against an invoice and "
        "each invoice still open. `to` defaults to today (IST), `from` to 1 April of to's financial year. "
        "`format=pdf` answers the same as a PDF (application/pdf) to print or send. A customer of another "
        "company answers 404."
    ),
    responses={200: {"content": {"application/pdf": {}}, "description": "the statement, as JSON or PDF"}},
)
async def customer_statement(
    customerId: CustomerIdPath,
    principal: CurrentPrincipal,
    company_id: Scope,
    session: ReadSessionDep,
    date_from: Annotated[
        date | None,
        Query(
            alias="from", description="first day covered (yyyy-MM-dd); default 1 April of to's financial year"
        ),
    ] = None,
    date_to: Annotated[
        date | None, Query(alias="to", description="last day covered (yyyy-MM-dd); default today (IST)")
    ] = None,
    format: Annotated[
        StatementFormat, Query(description="json (default): the envelope; pdf: the statement as a PDF")
    ] = StatementFormat.JSON,
) -> Response:
    if format is StatementFormat.PDF:
        name, content = await sending.pdf(session, company_id, customerId, date_from, date_to)
        return Response(
            content,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}"'},
        )
    return ok((await service.statement(session, company_id, customerId, date_from, date_to)).wire())


@router.post(
    "/customer/{customerId}/statement/send",
    response_model=Envelope[StatementSent],
    summary="E-mail a customer's statement of account",
    description=(
        "E-mails the customer's statement of the period (from and to as for reading one) with its PDF "
        "attached, to emailAddresses when given, else to the customer's contacts that take invoices by "
        "e-mail (or the customer's own e-mail), through the outbox as invoices go: sent by the job worker "
        "after the request commits. Answers each message's id and address. A customer with nowhere to send "
        "it answers 422 (VALIDATION_ERROR on emailAddresses). Any role but VIEWER."
    ),
)
async def send_statement(
    customerId: CustomerIdPath,
    body: StatementSend,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
) -> JSONBody:
    return ok(await sending.send(session, principal, company_id, customerId, body))
