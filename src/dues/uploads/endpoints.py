from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Path, Query, Request, UploadFile
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from dues.auth.deps import CurrentPrincipal, MakerPrincipal, WriterPrincipal
from dues.auth.service import Principal
from dues.companies.deps import CompanyScope as Scope
from dues.companies.deps import SellerScope as Seller
from dues.config import Settings
from dues.db import DuesRoute, SessionDep
from dues.errors import ValidationFailed
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.uploads import service
from dues.uploads.schemas import UploadAccepted, UploadKind, UploadRead

router = APIRouter(prefix="/api/v0", route_class=DuesRoute, tags=["uploads"])

UploadIdPath = Annotated[str, Path(max_length=16, description="UP + 14 characters")]
FileParam = Annotated[
    UploadFile | None,
    File(description="CSV (UTF-8, header row) or XLSX; the columns are the customer's JSON field names"),
]
DryRun = Annotated[bool, Query(description="Validate and report every row without writing anything")]

FILE_HELP = (
    "Multipart field `file`: CSV (UTF-8, header row) or XLSX (first sheet), up to 50,000 rows and 20 MB. "
    "Answers at once with the upload id; follow it with `GET /api/v0/upload/{uploadId}`. Row numbers are "
    "those a spreadsheet shows (header = row 1). List columns (branchCodes, customerReminders) take values "
    "separated by `;` or `,`. Contacts are not part of bulk files. A column that is not one of this "
    "upload's is ignored and named in `ignoredColumns`."
)


async def _content(request: Request, file: UploadFile | None) -> tuple[str | None, bytes]:
    if file is None:
        raise ValidationFailed.field(
            "file", "is required: send the CSV or XLSX as the multipart/form-data field 'file'", None
        )
    settings: Settings = request.app.state.settings
    content = await file.read(settings.upload_max_bytes + 1)
    if len(content) > settings.upload_max_bytes:
        limit = settings.upload_max_bytes / (1024 * 1024)
        raise ValidationFailed.field("file", f"is larger than {limit:g} MB; split it", file.filename)
    return file.filename, content


async def _accept(
    request: Request,
    principal: Principal,
    company_id: str,
    session: AsyncSession,
    file: UploadFile | None,
    dry_run: bool,
    kind: UploadKind,
) -> JSONBody:
    name, content = await _content(request, file)
    max_rows = request.app.state.settings.upload_max_rows
    accepted = await service.start(
        session, principal, company_id, kind, name, content, dry_run=dry_run, max_rows=max_rows
    )
    return ok(accepted)


@router.post(
    "/customer/bulk",
    response_model=Envelope[UploadAccepted],
    summary="createBulkCustomer",
    description=FILE_HELP + " A row whose uniqueRefNo exists already is SKIPPED (reported, not created).",
)
async def create_customers_from_file(
    request: Request,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
    file: FileParam = None,
    dryRun: DryRun = False,
) -> JSONBody:
    return await _accept(request, principal, company_id, session, file, dryRun, UploadKind.CUSTOMER_CREATE)


@router.post(
    "/customer/bulk/update",
    response_model=Envelope[UploadAccepted],
    summary="bulkUpdate",
    description=FILE_HELP + " Each row names its customer by `customerId` or, without one, by `uniqueRefNo` "
    "(with a customerId, a uniqueRefNo cell is a new value). A non-empty cell sets the field (checked as in "
    "updateCustomer); an empty cell leaves it unchanged, so a bulk update cannot clear a field.",
)
async def update_customers_from_file(
    request: Request,
    principal: WriterPrincipal,
    company_id: Scope,
    session: SessionDep,
    file: FileParam = None,
    dryRun: DryRun = False,
) -> JSONBody:
    return await _accept(request, principal, company_id, session, file, dryRun, UploadKind.CUSTOMER_UPDATE)


@router.post(
    "/invoice/bulk/create",
    response_model=Envelope[UploadAccepted],
    summary="invoiceBulkUpload",
    description=(
        "Multipart field `file`: CSV (UTF-8, header row) or XLSX (first sheet), up to 50,000 rows and 20 MB, "
        "one invoice per row, the columns named as createInvoice's fields (not lineItems, dispatchNow); the "
        "customer is named by `customerId` or by its `customerUniqueRefNo`; `collectionMode` takes values "
        "separated by `;`. Each row is checked as createInvoice checks a body. A row whose externalId exists "
        "already is SKIPPED (reported with the invoice that holds it). Answers at once with the upload id."
    ),
)
async def create_invoices_from_file(
    request: Request,
    principal: MakerPrincipal,
    company_id: Seller,
    session: SessionDep,
    file: FileParam = None,
    dryRun: DryRun = False,
) -> JSONBody:
    return await _accept(request, principal, company_id, session, file, dryRun, UploadKind.INVOICE_CREATE)


@router.get(
    "/upload/{uploadId}",
    response_model=Envelope[UploadRead],
    summary="Upload progress and rows",
    description=(
        "How far an upload is (status, totalRows, rowsDone, succeeded, failed, skipped) and the result of"
        " each row (paged by limit and offset): the record it made or changed, or the errors that refused"
        " it."
    ),
)
async def get_upload(
    uploadId: UploadIdPath,
    principal: CurrentPrincipal,
    company_id: Scope,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=5000, description="rows per page, 1..5000")] = 5000,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> JSONBody:
    return ok(await service.read(session, company_id, uploadId, limit=limit, offset=offset))


@router.get(
    "/upload/{uploadId}/errors.csv",
    summary="Failed rows as CSV",
    description=(
        "The upload's failed rows as CSV, with the file's own columns plus an errors column: fix the "
        "cells and upload the file again."
    ),
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The failed rows plus an errors column"}},
)
async def get_upload_errors(
    uploadId: UploadIdPath, principal: CurrentPrincipal, company_id: Scope, session: SessionDep
) -> Response:
    body = await service.errors_csv(session, company_id, uploadId)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{uploadId}-errors.csv"'},
    )
