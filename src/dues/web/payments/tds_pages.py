"""The TDS register as pages (api.md §9.2): what buyers deducted, by quarter and status, and recording the
Form 16A certificate of an entry. The same services as /api/v0/tds; recording is for any role but VIEWER."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from dues.db import DuesRoute, SessionDep
from dues.errors import DuesError, NotFound
from dues.kit.pagination import PageParams
from dues.kit.tds import quarter_of
from dues.kit.timefmt import today_ist
from dues.replica import ReadSessionDep
from dues.tds import service
from dues.tds.schemas import CertificateIn, TdsSearch, TdsStatus
from dues.web.common import (
    NO_PROBLEMS,
    Problems,
    SignedIn,
    User,
    Writer,
    amount,
    form_of,
    problems,
    redirect,
    refusal_status,
    render,
    text,
)
from dues.web.payments import repository

router = APIRouter(route_class=DuesRoute)

PAGE_SIZE = 50
STATUSES = [s.value for s in TdsStatus]
TdsIdPath = Annotated[str, Path(max_length=16)]


@router.get("/app/tds")
async def register(
    request: Request,
    user: SignedIn,
    session: ReadSessionDep,
    quarter: Annotated[str, Query(max_length=10)] = "",
    status: Annotated[str, Query(max_length=24)] = "",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    notes: list[str] = []
    try:
        search = TdsSearch.model_validate({"quarter": quarter or None, "status": status or None})
    except ValidationError:
        notes.append(f"“{quarter}” is not a quarter like {quarter_of(today_ist())}; showing every quarter.")
        search = TdsSearch.model_validate({"status": status or None} if status in STATUSES else {})
    page = await service.search(session, user.company_id, search, PageParams(PAGE_SIZE, offset, None, True))
    names = await repository.customer_names(session, user.company_id, [e.customer_id for e in page.items])
    shown = {"quarter": search.quarter or "", "status": search.status.value if search.status else ""}
    return render(
        request,
        "payments/tds.html",
        user=user,
        page=page,
        names=names,
        shown=shown,
        notes=notes,
        statuses=STATUSES,
        this_quarter=quarter_of(today_ist()),
    )


async def _entry_page(
    request: Request,
    user: User,
    session: AsyncSession,
    tds_id: str,
    status: int = 200,
    found: Problems = NO_PROBLEMS,
    values: dict[str, str] | None = None,
) -> Response:
    entry = await service.get(session, user.company_id, tds_id)
    names = await repository.customer_names(session, user.company_id, [entry.customer_id])
    numbers = await repository.invoice_numbers(session, user.company_id, entry.invoice_ids)
    return render(
        request,
        "payments/tds_entry.html",
        status,
        user=user,
        entry=entry,
        customer_name=names.get(entry.customer_id, entry.customer_id),
        numbers=numbers,
        certificate_file=await repository.certificate_file_info(session, user.company_id, tds_id),
        problems=found,
        values=values or {},
    )


@router.get("/app/tds/{tds_id}")
async def entry(request: Request, tds_id: TdsIdPath, user: SignedIn, session: SessionDep) -> Response:
    return await _entry_page(request, user, session, tds_id)


@router.get("/app/tds/{tds_id}/certificate.pdf")
async def certificate_pdf(tds_id: TdsIdPath, user: SignedIn, session: SessionDep) -> Response:
    """The Form 16A the customer uploaded through the portal, as a download (never shown inline: it is a
    file from outside)."""
    found = await repository.certificate_file(session, user.company_id, tds_id)
    if found is None:
        raise NotFound(f"No certificate file was uploaded for TDS entry {tds_id}.")
    _, content = found
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="form16a-{tds_id}.pdf"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/app/tds/{tds_id}/certificate")
async def record_certificate(
    request: Request, tds_id: TdsIdPath, user: Writer, session: SessionDep
) -> Response:
    posted = await form_of(request)
    values = {name: text(posted, name, 40) for name in ("certificateNumber", "certificateDate", "amount")}
    stated = amount(values["amount"])
    if stated is None:
        found = Problems(
            "Certificate amount (₹) must be the TDS the certificate states, in rupees.",
            {"amount": "is not an amount in rupees, such as 300 or 300.50"},
        )
        return await _entry_page(request, user, session, tds_id, 422, found, values)
    body = {
        "certificateNumber": values["certificateNumber"],
        "certificateDate": values["certificateDate"] or None,
        "amount": stated,
    }
    try:
        done = await service.record_certificate(
            session, user.principal, user.company_id, tds_id, CertificateIn.model_validate(body)
        )
    except NotFound:
        raise
    except (DuesError, ValidationError) as exc:
        await session.rollback()
        status = refusal_status(exc)
        return await _entry_page(request, user, session, tds_id, status, problems(exc), values)
    outcome = "it agrees with the register" if done.status != TdsStatus.MISMATCHED else "its amount differs"
    return redirect(
        request,
        f"/app/tds/{tds_id}",
        flash=f"Certificate {done.certificate_number} recorded for {tds_id}: {outcome}.",
    )
