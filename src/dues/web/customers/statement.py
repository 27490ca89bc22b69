"""A customer's statement of account (api.md §10) as a page, its PDF as a download, and sending it by e-mail:
the statements service's JSON, PDF and send, as GET/POST .../statement answer them."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from dues.db import DuesRoute, SessionDep
from dues.errors import DuesError, ValidationFailed
from dues.replica import ReadSessionDep
from dues.statements import sending
from dues.statements import service as statements
from dues.statements.schemas import StatementSend
from dues.web.common import (
    NO_PROBLEMS,
    Problems,
    SignedIn,
    Writer,
    form_of,
    problems,
    redirect,
    refusal_status,
    render,
    text,
)

router = APIRouter(route_class=DuesRoute)


def _day(raw: str, name: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed.field(name, "must be a date (yyyy-MM-dd)", raw[:40]) from exc


def _period(request: Request) -> tuple[str, str]:
    return request.query_params.get("from", "").strip()[:40], request.query_params.get("to", "").strip()[:40]


def _back(customer_id: str, start: date, end: date) -> str:
    return f"/app/customers/{customer_id}/statement?from={start.isoformat()}&to={end.isoformat()}"


@router.get("/app/customers/{customer_id}/statement")
async def statement_page(
    request: Request, customer_id: str, user: SignedIn, session: ReadSessionDep
) -> Response:
    raw_from, raw_to = _period(request)
    found: Problems = NO_PROBLEMS
    try:
        start, end = _day(raw_from, "from"), _day(raw_to, "to")
        made = await statements.statement(session, user.company_id, customer_id, start, end)
    except ValidationFailed as exc:
        # A period that cannot be read: the default one, with the complaint beside the fields.
        found = problems(exc)
        made = await statements.statement(session, user.company_id, customer_id, None, None)
    return render(
        request,
        "customers/statement.html",
        422 if found else 200,
        user=user,
        statement=made,
        customer_id=customer_id,
        raw_from=raw_from if found else made.date_from.isoformat(),
        raw_to=raw_to if found else made.date_to.isoformat(),
        problems=found,
    )


@router.get("/app/customers/{customer_id}/statement.pdf")
async def statement_pdf(
    request: Request, customer_id: str, user: SignedIn, session: ReadSessionDep
) -> Response:
    raw_from, raw_to = _period(request)
    start, end = _day(raw_from, "from"), _day(raw_to, "to")
    name, content = await sending.pdf(session, user.company_id, customer_id, start, end)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.post("/app/customers/{customer_id}/statement/send")
async def send_statement(request: Request, customer_id: str, user: Writer, session: SessionDep) -> Response:
    form = await form_of(request)
    period = {"from": text(form, "from", 40) or None, "to": text(form, "to", 40) or None}
    try:
        sent = await sending.send(
            session, user.principal, user.company_id, customer_id, StatementSend.model_validate(period)
        )
    except (ValidationError, DuesError) as exc:
        if isinstance(exc, DuesError) and exc.status_code == 404:
            raise
        made = await statements.statement(session, user.company_id, customer_id, None, None)
        return render(
            request,
            "customers/statement.html",
            refusal_status(exc),
            user=user,
            statement=made,
            customer_id=customer_id,
            raw_from=period["from"] or "",
            raw_to=period["to"] or "",
            problems=problems(exc),
        )
    to = ", ".join(m.to for m in sent.messages)
    return redirect(
        request, _back(customer_id, sent.date_from, sent.date_to), flash=f"Statement sent by e-mail to {to}."
    )
