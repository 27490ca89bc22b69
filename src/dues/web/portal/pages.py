"""The customer portal's pages (/portal/{token}, no sign-in: the link is the authority) and, for the finance
team, a customer's link made and revoked under /app (``app_router``, wired into the app's pages).

Thin, as every page: parse the form, call the portal service, render or redirect. A bad, unknown or revoked
token, and anything not this customer's, is the one plain 404 page (service.PortalNotFound)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from dues.db import DuesRoute, SessionDep
from dues.disputes.schemas import DisputeCreate, DisputeReason
from dues.errors import DuesError
from dues.models.web import CERTIFICATE_MAX_BYTES
from dues.pay import service as pay
from dues.pay.gateway import offered
from dues.portal_links.service import Holder
from dues.tds.schemas import CertificateIn
from dues.web import common
from dues.web.common import (
    NO_PROBLEMS,
    Problems,
    Writer,
    form_of,
    problems,
    redirect,
    refusal_status,
    render,
    text,
)
from dues.web.portal import service

router = APIRouter(prefix="/portal", route_class=DuesRoute)
app_router = APIRouter(prefix="/app/customers", route_class=DuesRoute)

REASONS = [
    (DisputeReason.PRICING.value, "Pricing is wrong"),
    (DisputeReason.QUANTITY.value, "Quantity is wrong"),
    (DisputeReason.QUALITY.value, "Quality problem"),
    (DisputeReason.NOT_RECEIVED.value, "Goods or services not received"),
    (DisputeReason.DUPLICATE.value, "Duplicate invoice"),
    (DisputeReason.OTHER.value, "Something else"),
]


def _page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    # The portal's own layout: no app menu, no signed-in user. The app's Referrer-Policy (same-origin) keeps
    # the link's token from other sites; no-referrer would make form posts send "Origin: null" (refused).
    return render(request, template, status, **context)


def _gateway(request: Request) -> str | None:
    gateways = offered(request.app.state.settings)
    return next(iter(gateways), None)


def _parse_day(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


async def _home(
    request: Request, session: SessionDep, token: str, holder: Holder, offset: int, **extra: Any
) -> Response:
    view = await service.portal(session, holder, offset, online=_gateway(request) is not None)
    status = extra.pop("status", 200)
    return _page(
        request,
        "portal/index.html",
        status,
        token=token,
        p=view,
        seller=view.seller,
        customer=view.customer,
        **extra,
    )


@router.get("/{token}")
async def home(
    token: str, request: Request, session: SessionDep, offset: Annotated[int, Query(ge=0, le=100000)] = 0
) -> Response:
    holder = await service.open_link(session, token)
    return await _home(request, session, token, holder, offset, pay_error=None, chosen=[])


@router.post("/{token}/checkout")
async def checkout(token: str, request: Request, session: SessionDep) -> Response:
    holder = await service.open_link(session, token)
    form = await form_of(request)
    chosen = [v for v in form.getlist("invoiceId") if isinstance(v, str)]
    gateway = _gateway(request)
    if gateway is None:
        raise service.PortalNotFound  # no gateway on this server: the page offers no checkout
    try:
        started = await service.checkout(session, holder, token, chosen, gateway)
    except pay.NothingToPay as refused:
        return await _home(
            request, session, token, holder, 0, pay_error=refused.message, chosen=chosen, status=422
        )
    return RedirectResponse(started.redirect_url, status_code=303, headers={"Cache-Control": "no-store"})


@router.get("/{token}/receipt/{attempt_id}")
async def receipt(token: str, attempt_id: str, request: Request, session: SessionDep) -> Response:
    holder = await service.open_link(session, token)
    seller, customer = await service.names(session, holder)
    shown = await service.receipt(session, holder, attempt_id)
    return _page(request, "portal/receipt.html", token=token, r=shown, seller=seller, customer=customer)


def _pdf(name: str, content: bytes, disposition: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'{disposition}; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/{token}/invoices/{invoice_id}/pdf")
async def invoice_pdf(token: str, invoice_id: str, session: SessionDep) -> Response:
    holder = await service.open_link(session, token)
    name, content = await service.invoice_pdf(session, holder, invoice_id)
    return _pdf(name, content, "inline")


@router.get("/{token}/statement")
async def statement(
    token: str,
    session: SessionDep,
    date_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> Response:
    holder = await service.open_link(session, token)
    name, content = await service.statement_pdf(session, holder, _parse_day(date_from), _parse_day(date_to))
    return _pdf(name, content, "attachment")


def _dispute_form(
    request: Request,
    token: str,
    names: tuple[str, str],
    invoice: Any,
    values: dict[str, str],
    found: Problems = NO_PROBLEMS,
    status: int = 200,
) -> Response:
    seller, customer = names
    return _page(
        request,
        "portal/dispute.html",
        status,
        token=token,
        seller=seller,
        customer=customer,
        invoice=invoice,
        reasons=REASONS,
        values=values,
        problems=found,
    )


@router.get("/{token}/dispute")
async def dispute_form(
    token: str,
    request: Request,
    session: SessionDep,
    invoice_id: Annotated[str, Query(alias="invoiceId", max_length=16)] = "",
) -> Response:
    holder = await service.open_link(session, token)
    invoice = await service.invoice_of(session, holder, invoice_id)
    names = await service.names(session, holder)
    return _dispute_form(request, token, names, invoice, {"reason": "", "remarks": "", "amount": ""})


@router.post("/{token}/dispute")
async def raise_dispute(token: str, request: Request, session: SessionDep) -> Response:
    holder = await service.open_link(session, token)
    form = await form_of(request)
    invoice = await service.invoice_of(session, holder, text(form, "invoiceId", 16))
    values = {
        "reason": text(form, "reason", 20),
        "remarks": text(form, "remarks"),
        "amount": text(form, "amount", 32),
    }
    try:
        raw_amount = common.amount(values["amount"]) if values["amount"] else None
        if values["amount"] and raw_amount is None:
            found = Problems(
                "Some fields need a change.", {"amount": "Enter the amount as a number, like 1500.00."}
            )
            raise _Refused(found)
        body = DisputeCreate.model_validate(
            {"reason": values["reason"] or None, "remarks": values["remarks"] or None, "amount": raw_amount}
        )
        _, number = await service.dispute(session, holder, invoice.invoice_id, body)
    except _Refused as refused:
        names = await service.names(session, holder)
        return _dispute_form(request, token, names, invoice, values, refused.problems, 422)
    except (DuesError, ValidationError) as exc:
        if isinstance(exc, service.PortalNotFound):
            raise
        names = await service.names(session, holder)
        status = refusal_status(exc)
        found = _customer_words(problems(exc))
        # The disputes service names the invoice by its id; the customer knows it by its number.
        found = Problems(found.message.replace(invoice.invoice_id, invoice.invoice_number), found.fields)
        return _dispute_form(request, token, names, invoice, values, found, status)
    return redirect(
        request,
        f"/portal/{token}",
        flash=f"Your dispute on invoice {number} was raised. The seller will look into it; reminders for "
        "that invoice stop meanwhile.",
    )


class _Refused(Exception):
    def __init__(self, found: Problems) -> None:
        super().__init__(found.message)
        self.problems = found


def _customer_words(found: Problems) -> Problems:
    """The services speak of fields by their API names; the customer sees the form's labels."""
    labels = {"reason": "Reason", "remarks": "Remarks", "amount": "Amount disputed (₹)",
              "certificateNumber": "Certificate number", "certificateDate": "Certificate date"}  # fmt: skip
    message = found.message
    if message.startswith("Some fields need a change"):
        message = "Some fields need a change: " + "; ".join(
            f"{labels.get(k, k)}: {v}" for k, v in found.fields.items()
        )
    return Problems(message, found.fields)


def _certificate_form(
    request: Request,
    token: str,
    names: tuple[str, str],
    entry: Any,
    values: dict[str, str],
    found: Problems = NO_PROBLEMS,
    status: int = 200,
) -> Response:
    seller, customer = names
    return _page(
        request,
        "portal/certificate.html",
        status,
        token=token,
        seller=seller,
        customer=customer,
        entry=entry,
        values=values,
        problems=found,
        max_mb=CERTIFICATE_MAX_BYTES // (1024 * 1024),
    )


@router.get("/{token}/tds/{tds_id}")
async def certificate_form(token: str, tds_id: str, request: Request, session: SessionDep) -> Response:
    holder = await service.open_link(session, token)
    entry = await service.tds_entry(session, holder, tds_id)
    names = await service.names(session, holder)
    values = {"certificateNumber": "", "certificateDate": "", "amount": f"{entry.amount:.2f}"}
    return _certificate_form(request, token, names, entry, values)


@router.post("/{token}/tds/{tds_id}")
async def upload_certificate(token: str, tds_id: str, request: Request, session: SessionDep) -> Response:
    holder = await service.open_link(session, token)
    entry = await service.tds_entry(session, holder, tds_id)
    form = await form_of(request)
    values = {
        "certificateNumber": text(form, "certificateNumber", 40),
        "certificateDate": text(form, "certificateDate", 10),
        "amount": text(form, "amount", 32),
    }
    upload = form.get("file")
    content, file_name = b"", ""
    if isinstance(upload, UploadFile):
        # One byte over the limit is enough to know it is too large; the rest is never read.
        content = await upload.read(CERTIFICATE_MAX_BYTES + 1)
        file_name = upload.filename or ""
    try:
        data = CertificateIn.model_validate(
            {
                "certificateNumber": values["certificateNumber"] or None,
                "certificateDate": values["certificateDate"] or None,
                "amount": common.amount(values["amount"]) if values["amount"] else None,
            }
        )
        problem = service.certificate_problem(content)
        if problem:
            raise _Refused(Problems(problem, {"file": problem}))
        recorded = await service.upload_certificate(session, holder, entry.tds_id, data, file_name, content)
    except _Refused as refused:
        names = await service.names(session, holder)
        return _certificate_form(request, token, names, entry, values, refused.problems, 422)
    except (DuesError, ValidationError) as exc:
        if isinstance(exc, service.PortalNotFound):
            raise
        names = await service.names(session, holder)
        status = refusal_status(exc)
        return _certificate_form(request, token, names, entry, values, _customer_words(problems(exc)), status)
    flash = f"Thank you: certificate {recorded.certificate_number} was received."
    if recorded.status == "MISMATCHED":
        flash += " Its amount differs from the TDS the seller recorded; the seller will get in touch."
    return redirect(request, f"/portal/{token}", flash=flash)


# The finance team's side, under /app.


@app_router.get("/{customer_id}/portal")
async def manage(customer_id: str, request: Request, session: SessionDep, user: common.SignedIn) -> Response:
    state = await service.link_state(session, user.company_id, customer_id[:16])
    return render(request, "portal/manage.html", user=user, s=state)


@app_router.post("/{customer_id}/portal/create")
async def create_link(customer_id: str, request: Request, session: SessionDep, user: Writer) -> Response:
    await service.create_link(session, user.principal, customer_id[:16])
    return redirect(request, f"/app/customers/{customer_id}/portal", flash="Portal link created.")


@app_router.post("/{customer_id}/portal/revoke")
async def revoke_link(customer_id: str, request: Request, session: SessionDep, user: Writer) -> Response:
    await service.revoke_link(session, user.principal, customer_id[:16])
    return redirect(
        request, f"/app/customers/{customer_id}/portal", flash="Portal link revoked: it no longer opens."
    )
