from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from dues.auth.deps import AdminPrincipal, CurrentPrincipal
from dues.companies import service
from dues.companies.schemas import CompanyLogoRead, CompanyPatch, CompanyRead
from dues.db import DuesRoute, SessionDep
from dues.documents.logo import MAX_LOGO_BYTES
from dues.errors import NotFound, ValidationFailed
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.kit.openapi import errors

router = APIRouter(prefix="/api/v0/company", route_class=DuesRoute, tags=["company"])


@router.get(
    "",
    response_model=Envelope[CompanyRead],
    summary="The token's company and its settings",
    description=(
        "The token's company: its legal name, GSTIN and state (which decide the GST on its invoices), "
        "address, UPI id and payee name for the payment page, approval chain, invoice number prefix and "
        "default reminder. Any role."
    ),
)
async def get_company(principal: CurrentPrincipal, session: SessionDep) -> JSONBody:
    company = await service.get(session, principal.company_id)
    return ok(CompanyRead.model_validate(company))


@router.patch(
    "",
    response_model=Envelope[CompanyRead],
    summary="Change company settings (ADMIN)",
    description=(
        "Changes the token's company (PATCH rules: left out unchanged, null clears, a value sets). "
        "legalName and state cannot be cleared; a GSTIN must belong to the company's state; "
        "defaultReminderId must be a company-wide reminder of the company. parentCompanyId cannot be "
        "changed. ADMIN only."
    ),
)
async def patch_company(body: CompanyPatch, principal: AdminPrincipal, session: SessionDep) -> JSONBody:
    company = await service.update(session, principal, body)
    return ok(CompanyRead.model_validate(company))


_LOGO_BODY = {
    "required": True,
    "description": "The logo: a PNG or SVG image of at most 512 KB, as the body itself or as the multipart "
    "field `file`",
    "content": {
        "image/png": {"schema": {"type": "string", "format": "binary"}},
        "image/svg+xml": {"schema": {"type": "string", "format": "binary"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "The PNG or SVG image"}
                },
            }
        },
    },
}


async def _logo_content(request: Request) -> bytes:
    """The uploaded image: the body itself, or the multipart field ``file``; at most one byte past the limit
    is read, so the service can say it is too large."""
    if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=8)
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise ValidationFailed.field(
                "file", "is required: send the image as the multipart field 'file'", None
            )
        return await file.read(MAX_LOGO_BYTES + 1)
    content = bytearray()
    async for chunk in request.stream():
        content += chunk
        if len(content) > MAX_LOGO_BYTES:
            break
    return bytes(content[: MAX_LOGO_BYTES + 1])


@router.put(
    "/logo",
    response_model=Envelope[CompanyLogoRead],
    summary="Set the company logo (ADMIN)",
    description=(
        "Keeps a PNG or SVG image (at most 512 KB) as the logo printed at the top of each of the company's "
        "documents: invoices, notes, receipts and statements. The body is the image itself (Content-Type "
        "image/png or image/svg+xml) or a multipart form with the field `file`. What the bytes are is read "
        "from them, not from the Content-Type. An SVG must be self-contained drawing: no script, event "
        "handler, DOCTYPE or reference outside itself. Anything else, or an image that cannot be drawn, "
        "answers 422. Replaces any earlier logo. ADMIN only."
    ),
    openapi_extra={"requestBody": _LOGO_BODY},
    responses=errors(
        {
            400: "CLIENT_REQUEST_ERROR: a multipart body that is not a well-formed form",
            422: "VALIDATION_ERROR: not a PNG or SVG, larger than 512 KB, or not drawable (why)",
        }
    ),
)
async def put_logo(request: Request, principal: AdminPrincipal, session: SessionDep) -> JSONBody:
    content = await _logo_content(request)
    return ok(await service.set_logo(session, principal, content))


@router.get(
    "/logo",
    summary="The company logo",
    description="The logo as it was uploaded, with its content type (image/png or image/svg+xml); 404 when "
    "the company has none. Any role.",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}, "image/svg+xml": {}}, "description": "the logo"},
        **errors({404: "RECORD_NOT_FOUND: the company has no logo"}),
    },
)
async def get_logo(principal: CurrentPrincipal, session: SessionDep) -> Response:
    logo = await service.logo(session, principal.company_id)
    if logo is None:
        raise NotFound("The company has no logo.")
    return Response(
        logo.content,
        media_type=logo.content_type,
        headers={
            "Cache-Control": "private, no-cache",
            # Opened on its own, an SVG is a document: it may show itself and nothing more.
            "Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
        },
    )


@router.delete(
    "/logo",
    response_model=Envelope[None],
    summary="Remove the company logo (ADMIN)",
    description="Documents print without a logo from now on. Removing a logo the company does not have is "
    "not an error. ADMIN only.",
)
async def delete_logo(principal: AdminPrincipal, session: SessionDep) -> JSONBody:
    await service.delete_logo(session, principal)
    return ok(None)
