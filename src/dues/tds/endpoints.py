from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Path, Request, UploadFile

from dues.auth.deps import CurrentPrincipal, WriterPrincipal
from dues.companies.deps import SellerScope as Scope
from dues.config import Settings
from dues.db import DuesRoute, SessionDep
from dues.errors import ValidationFailed
from dues.kit import files
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.kit.pagination import Page, Paging
from dues.replica import ReadSessionDep
from dues.tds import service
from dues.tds.schemas import CertificateIn, StatementResult, TdsEntryRead, TdsSearch

router = APIRouter(prefix="/api/v0/tds", route_class=DuesRoute, tags=["tds"])

TdsIdPath = Annotated[str, Path(max_length=16, description="TD + 14 characters")]
StatementFile = Annotated[
    UploadFile | None,
    File(description="The TDS part of Form 26AS or AIS, as CSV (UTF-8, header row) or XLSX (first sheet)"),
]


@router.post(
    "/search",
    response_model=Envelope[Page[TdsEntryRead]],
    summary="Search the TDS register",
    description=(
        "The TDS buyers deducted from payments (one entry per payment with TDS), matching every filter "
        "given: quarter (like 2026-27-Q3; April-June is Q1), status, customerIds, deductorTan. Paged by "
        "limit (1..5000, default 100) and offset, sorted by orderBy (deductedOn by default) and direction. "
        "Any role."
    ),
)
async def search_tds(
    body: TdsSearch, paging: Paging, principal: CurrentPrincipal, company_id: Scope, session: ReadSessionDep
) -> JSONBody:
    return ok(await service.search(session, company_id, body, paging))


@router.get(
    "/{tdsId}",
    response_model=Envelope[TdsEntryRead],
    summary="Get a TDS register entry",
    description="One entry of the TDS register. An entry of another company answers 404. Any role.",
)
async def get_tds(
    tdsId: TdsIdPath, principal: CurrentPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.get(session, company_id, tdsId))


@router.patch(
    "/{tdsId}",
    response_model=Envelope[TdsEntryRead],
    summary="Record a Form 16A certificate",
    description=(
        "Records the Form 16A TDS certificate the buyer issued for this deduction: certificateNumber, "
        "certificateDate and the amount it states (all three). The entry becomes CERTIFICATE_RECEIVED when "
        "the amount agrees with the register within 1.00 (an entry already MATCHED stays MATCHED), "
        "MISMATCHED otherwise. Sending it again replaces the certificate. A CANCELLED entry (its payment "
        "reversed) → 422. Any role but VIEWER."
    ),
)
async def record_certificate(
    tdsId: TdsIdPath, body: CertificateIn, principal: WriterPrincipal, company_id: Scope, session: SessionDep
) -> JSONBody:
    return ok(await service.record_certificate(session, principal, company_id, tdsId, body))


@router.post(
    "/statement",
    response_model=Envelope[StatementResult],
    summary="Import a Form 26AS / AIS TDS statement",
    description=(
        "Multipart field `file`: the TDS part of Form 26AS or AIS as CSV (UTF-8) or XLSX, with a header "
        "row naming the columns deductor TAN, deductor name, section, transaction date, amount paid or "
        "credited, tax deducted, tax deposited (usual spellings accepted: docs/tds.md; TAN, section, "
        "transaction date and tax deducted are required). Each row is matched to one register entry of the "
        "same TAN, section and quarter whose amount is within 1.00 of the tax deducted, which becomes "
        "MATCHED (a tds.matched event). The answer gives every row's outcome (MATCHED, UNMATCHED, "
        "AMBIGUOUS) and the register's entries of the statement's quarters still unmatched. Same size and "
        "row limits as bulk uploads. Any role but VIEWER."
    ),
)
async def import_statement(
    request: Request,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
    file: StatementFile = None,
) -> JSONBody:
    if file is None:
        raise ValidationFailed.field(
            "file", "is required: send the statement as the multipart/form-data field 'file'", None
        )
    settings: Settings = request.app.state.settings
    content = await file.read(settings.upload_max_bytes + 1)
    name = (file.filename or "statement").replace("\\", "/").rsplit("/", 1)[-1][-255:] or "statement"
    if len(content) > settings.upload_max_bytes:
        limit = settings.upload_max_bytes / (1024 * 1024)
        raise ValidationFailed.field("file", f"is larger than {limit:g} MB; split it", name)
    result = await service.import_statement(
        session,
        principal,
        company_id,
        name,
        content,
        max_rows=settings.upload_max_rows,
        limits=files.Limits(
            max_unpacked_bytes=settings.upload_max_unpacked_mb * 1024 * 1024,
            max_seconds=settings.upload_parse_seconds,
        ),
    )
    return ok(result)
