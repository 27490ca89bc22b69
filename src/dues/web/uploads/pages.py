"""Bulk files as pages (api.md §4.1 and §3): the company's uploads, a form to send a CSV or XLSX of
customers or invoices, and one upload's progress and per-row results. The same service as the API's
endpoints does the work (the file is surveyed off the event loop there, and processed by a job)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.datastructures import UploadFile
from starlette.responses import JSONResponse, Response

from dues.config import Settings
from dues.db import DuesRoute, SessionDep
from dues.errors import DuesError, ValidationFailed
from dues.uploads import service
from dues.uploads.schemas import UploadKind, UploadStatus
from dues.web.common import (
    HEADERS,
    NO_PROBLEMS,
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
from dues.web.uploads import repository

router = APIRouter(route_class=DuesRoute)

PAGE_SIZE = 25
ROWS_PAGE_SIZE = 50
KIND_NAMES = {
    UploadKind.CUSTOMER_CREATE: "New customers",
    UploadKind.CUSTOMER_UPDATE: "Customer updates",
    UploadKind.INVOICE_CREATE: "New invoices",
}
UploadIdPath = Annotated[str, Path(max_length=16)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def kinds_for(user: User) -> list[tuple[str, str]]:
    """What this person may upload: invoices only by a role that creates them (api.md §4.2)."""
    return [
        (kind.value, name)
        for kind, name in KIND_NAMES.items()
        if kind is not UploadKind.INVOICE_CREATE or user.can_make
    ]


async def _list_page(
    request: Request,
    session: SessionDep,
    user: User,
    kind: str,
    status: str,
    offset: int,
    *,
    form: dict[str, str] | None = None,
    refused: Problems = NO_PROBLEMS,
    code: int = 200,
) -> Response:
    kind = kind if kind in KIND_NAMES else ""
    status = status if status in UploadStatus.__members__ else ""
    lines, total = await repository.page(session, user.company_id, kind, status, PAGE_SIZE, offset)
    return render(
        request,
        "uploads/index.html",
        code,
        user=user,
        uploads=lines,
        total=total,
        offset=offset,
        page_size=PAGE_SIZE,
        kind=kind,
        status_filter=status,
        kind_names={k.value: v for k, v in KIND_NAMES.items()},
        statuses=[s.value for s in UploadStatus],
        kinds=kinds_for(user),
        form=form or {"kind": UploadKind.CUSTOMER_CREATE.value},
        problems=refused,
    )


@router.get("/app/uploads")
async def uploads(
    request: Request,
    user: SignedIn,
    session: SessionDep,
    kind: Annotated[str, Query(max_length=32)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
    offset: Offset = 0,
) -> Response:
    return await _list_page(request, session, user, kind, status, offset)


async def _file(request: Request, value: object) -> tuple[str | None, bytes]:
    if not isinstance(value, UploadFile) or not value.filename:
        raise ValidationFailed.field("file", "is required: choose a CSV or XLSX file", None)
    settings: Settings = request.app.state.settings
    content = await value.read(settings.upload_max_bytes + 1)
    if len(content) > settings.upload_max_bytes:
        limit = settings.upload_max_bytes / (1024 * 1024)
        raise ValidationFailed.field("file", f"is larger than {limit:g} MB; split it", value.filename)
    return value.filename, content


@router.post("/app/uploads")
async def upload(request: Request, user: Writer, session: SessionDep) -> Response:
    form = await form_of(request)
    kept = {"kind": text(form, "kind", 32), "dryRun": "on" if text(form, "dryRun") else ""}
    try:
        try:
            kind = UploadKind(kept["kind"])
        except ValueError:
            raise ValidationFailed.field("kind", "choose what the file holds", kept["kind"]) from None
        name, content = await _file(request, form.get("file"))
        accepted = await service.start(
            session,
            user.principal,
            user.company_id,
            kind,
            name,
            content,
            dry_run=bool(kept["dryRun"]),
            max_rows=request.app.state.settings.upload_max_rows,
        )
    except DuesError as exc:
        # A refused file has changed nothing: the list comes back with the choice kept and the reason shown.
        if exc.status_code == 403:
            raise
        return await _list_page(
            request, session, user, "", "", 0, form=kept, refused=problems(exc), code=exc.status_code
        )
    flash = f"{name} was accepted as upload {accepted.upload_id}; its rows are being processed."
    if accepted.ignored_columns:
        flash += " Ignored columns: " + ", ".join(accepted.ignored_columns)[:150] + "."
    return redirect(request, f"/app/uploads/{accepted.upload_id}", flash=flash)


@router.get("/app/uploads/{upload_id}")
async def upload_page(
    request: Request, upload_id: UploadIdPath, user: SignedIn, session: SessionDep, offset: Offset = 0
) -> Response:
    read = await service.read(session, user.company_id, upload_id, limit=ROWS_PAGE_SIZE, offset=offset)
    return render(
        request,
        "uploads/upload.html",
        user=user,
        upload=read,
        kind_name=KIND_NAMES[read.kind],
        offset=offset,
        page_size=ROWS_PAGE_SIZE,
    )


@router.get("/app/uploads/{upload_id}/progress")
async def progress(upload_id: UploadIdPath, user: SignedIn, session: SessionDep) -> Response:
    """What the page's progress bar polls (uploads.js): counts only, no rows."""
    read = await service.read(session, user.company_id, upload_id, limit=1, offset=0)
    body = {
        "status": read.status.value,
        "done": read.status is not UploadStatus.PROCESSING,
        "totalRows": read.total_rows,
        "rowsDone": read.rows_done,
        "succeeded": read.succeeded,
        "failed": read.failed,
        "skipped": read.skipped,
    }
    return JSONResponse(body, headers=HEADERS)


@router.get("/app/uploads/{upload_id}/errors.csv")
async def errors_csv(upload_id: UploadIdPath, user: SignedIn, session: SessionDep) -> Response:
    body = await service.errors_csv(session, user.company_id, upload_id)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            **HEADERS,
            "Content-Disposition": f'attachment; filename="{upload_id}-errors.csv"',
        },
    )
