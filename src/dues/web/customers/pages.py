"""Customers (api.md §3, §3.1): the list with its search, the new and edit forms, and the customer page with
its contacts, balances, latest documents, ledger and credit refund. The statement lives in ``statement``.

Every write calls the service its API endpoint calls, under the same role rule (Writer as WriterPrincipal,
Approver as ApproverPrincipal), so a page can do no more than the API would let the same person do."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from dues.adjustments import refunds
from dues.adjustments.schemas import RefundCreate
from dues.customers import service as customers
from dues.customers.schemas import ContactCreate, CustomerCreate, CustomerPatch, CustomerSearch
from dues.db import DuesRoute, SessionDep
from dues.errors import DuesError
from dues.kit import india
from dues.kit.money import rupees
from dues.kit.pagination import PageParams
from dues.kit.tds import TdsSection
from dues.kit.timefmt import today_ist
from dues.models.payment import MODES
from dues.reminders import service as reminders
from dues.reminders.schemas import ReminderRead
from dues.replica import ReadSessionDep
from dues.web.common import (
    NO_PROBLEMS,
    Approver,
    Problems,
    SignedIn,
    User,
    Writer,
    form_of,
    problems,
    redirect,
    refusal_status,
    render,
)
from dues.web.customers import forms, repository
from dues.web.customers.statement import router as statement_router

router = APIRouter(route_class=DuesRoute)
router.include_router(statement_router)

PAGE_SIZE = 25
STATES = india.STATES
TDS_SECTIONS = tuple(s.value for s in TdsSection)
_ID_SPLIT = re.compile(r"[\s,;]+")
SORTS = {"newest": ("createdOn", True), "name": ("legalName", False)}


def _options() -> dict[str, Any]:
    return {"states": STATES, "tds_sections": TDS_SECTIONS, "modes": MODES}


def _bounded(raw: str | None, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(int(raw or default), high))
    except ValueError:
        return default


@router.get("/app/customers")
async def customer_list(request: Request, user: SignedIn, session: ReadSessionDep) -> Response:
    args = request.query_params
    shown = {
        name: args.get(name, "").strip()[:200] for name in ("q", "status", "state", "overdue", "ids", "sort")
    }
    ids = [i.upper() for i in _ID_SPLIT.split(shown["ids"]) if i][:200]
    offset = _bounded(args.get("offset"), 0, 0, 10_000_000)
    limit = _bounded(args.get("limit"), PAGE_SIZE, 1, 100)
    order_by, descending = SORTS.get(shown["sort"], SORTS["newest"])
    found: Problems = NO_PROBLEMS
    page = None
    try:
        query = CustomerSearch.model_validate(
            {
                "legalName": shown["q"] or None,
                "status": shown["status"] or None,
                "customerIds": ids or None,
                "deleted": False,
            }
        )
        page = await customers.search(
            session,
            user.company_id,
            query,
            PageParams(limit, offset, order_by, descending),
            state=india.normalize_state(shown["state"]) if shown["state"] else None,
            overdue_on=today_ist() if shown["overdue"] else None,
        )
    except (ValidationError, DuesError) as exc:
        found = problems(exc)
    figures = (
        await repository.figures(session, user.company_id, [c.customer_id for c in page.items], today_ist())
        if page
        else {}
    )
    return render(
        request,
        "customers/list.html",
        422 if found else 200,
        user=user,
        page=page,
        figures=figures,
        no_figures=repository.NO_FIGURES,
        shown=shown,
        problems=found,
        limit=limit if limit != PAGE_SIZE else None,
        **_options(),
    )


@router.get("/app/customers/new")
async def new_customer(request: Request, user: Writer) -> Response:
    return render(
        request,
        "customers/form.html",
        user=user,
        values={},
        problems=NO_PROBLEMS,
        customer=None,
        **_options(),
    )


@router.post("/app/customers")
async def create_customer(request: Request, user: Writer, session: SessionDep) -> Response:
    form = await form_of(request)
    values = forms.kept(form, (*forms.CUSTOMER_FIELDS, *forms.CONTACT_FIELDS))
    try:
        body = CustomerCreate.model_validate(forms.create_body(values))
        made = await customers.create(session, user.principal, user.company_id, body)
    except (ValidationError, DuesError) as exc:
        found = forms.on_create_form(problems(exc))
        status = refusal_status(exc)
        return render(
            request,
            "customers/form.html",
            status,
            user=user,
            values=values,
            problems=found,
            customer=None,
            **_options(),
        )
    return redirect(
        request, f"/app/customers/{made.customer_id}", flash=f"Customer {made.legal_name} created."
    )


# The edit form offers the company's reminder schedules to choose from; a company keeps a handful.
_SCHEDULES = PageParams(200, 0, None, False)


async def _schedules(session: AsyncSession, company_id: str) -> list[ReminderRead]:
    return (await reminders.list_(session, company_id, None, _SCHEDULES)).items


@router.get("/app/customers/{customer_id}/edit")
async def edit_customer(request: Request, customer_id: str, user: Writer, session: SessionDep) -> Response:
    customer = await customers.get(session, user.company_id, customer_id)
    values = customer.model_dump(mode="json", by_alias=True)
    values = {k: "" if v is None else str(v) for k, v in values.items() if not isinstance(v, list)}
    return render(
        request,
        "customers/form.html",
        user=user,
        values=values,
        problems=NO_PROBLEMS,
        customer=customer,
        reminders=await _schedules(session, user.company_id),
        chosen_reminders=set(customer.customer_reminders or []),
        **_options(),
    )


@router.post("/app/customers/{customer_id}/edit")
async def update_customer(request: Request, customer_id: str, user: Writer, session: SessionDep) -> Response:
    customer = await customers.get(session, user.company_id, customer_id)
    form = await form_of(request)
    values = forms.kept(form, (*forms.CUSTOMER_FIELDS, *forms.EDIT_ONLY))
    chosen = [v for v in form.getlist("customerReminders") if isinstance(v, str)]
    try:
        patch = CustomerPatch.model_validate({**forms.patch_body(values), "customerReminders": chosen})
        changed = await customers.update(session, user.principal, user.company_id, customer_id, patch)
    except (ValidationError, DuesError) as exc:
        status = refusal_status(exc)
        return render(
            request,
            "customers/form.html",
            status,
            user=user,
            values=values,
            problems=problems(exc),
            customer=customer,
            reminders=await _schedules(session, user.company_id),
            chosen_reminders=set(chosen),
            **_options(),
        )
    return redirect(request, f"/app/customers/{customer_id}", flash=f"Customer {changed.legal_name} saved.")


async def _customer_page(
    request: Request,
    user: User,
    session: AsyncSession,
    customer_id: str,
    status: int = 200,
    **forms_state: Any,
) -> Response:
    """The customer page; ``forms_state`` carries a refused contact or refund form back to it."""
    company_id, today = user.company_id, today_ist()
    customer = await customers.get(session, company_id, customer_id)
    figures = (await repository.figures(session, company_id, [customer_id], today)).get(
        customer_id, repository.NO_FIGURES
    )
    invoices, invoice_count = await repository.latest_invoices(session, company_id, customer_id, today)
    ledger, closing = await repository.ledger_tail(session, company_id, customer_id)
    context: dict[str, Any] = {
        "customer": customer,
        "figures": figures,
        "invoices": invoices,
        "invoice_count": invoice_count,
        "payments": await repository.latest_payments(session, company_id, customer_id),
        "disputes": await repository.latest_disputes(session, company_id, customer_id),
        "promises": await repository.latest_promises(session, company_id, customer_id),
        "ledger": ledger,
        "closing": closing,
        "today": today,
        "contact_values": {"channels": []},
        "contact_problems": NO_PROBLEMS,
        "refund_values": {"paidOn": today.isoformat()},
        "refund_problems": NO_PROBLEMS,
        "channels": (("EMAIL", "E-mail"), ("SMS", "SMS"), ("WHATSAPP", "WhatsApp")),
        **_options(),
    }
    context.update(forms_state)
    return render(request, "customers/show.html", status, user=user, **context)


@router.get("/app/customers/{customer_id}")
async def show_customer(request: Request, customer_id: str, user: SignedIn, session: SessionDep) -> Response:
    return await _customer_page(request, user, session, customer_id)


@router.post("/app/customers/{customer_id}/contacts")
async def add_contact(request: Request, customer_id: str, user: Writer, session: SessionDep) -> Response:
    body, values = forms.contact_body(await form_of(request))
    try:
        contact = ContactCreate.model_validate(body)
        made = await customers.add_contact(session, user.principal, user.company_id, customer_id, contact)
    except (ValidationError, DuesError) as exc:
        if isinstance(exc, DuesError) and exc.status_code == 404:
            raise
        status = refusal_status(exc)
        return await _customer_page(
            request,
            user,
            session,
            customer_id,
            status,
            contact_values=values,
            contact_problems=problems(exc),
        )
    return redirect(request, f"/app/customers/{customer_id}#contacts", flash=f"Contact {made.name} added.")


@router.post("/app/customers/{customer_id}/refund")
async def refund_credit(request: Request, customer_id: str, user: Approver, session: SessionDep) -> Response:
    body, values = forms.refund_body(await form_of(request))
    try:
        refund = RefundCreate.model_validate(body)
        made = await refunds.refund(session, user.principal, user.company_id, customer_id, refund)
    except (ValidationError, DuesError) as exc:
        if isinstance(exc, DuesError) and exc.status_code == 404:
            raise
        status = refusal_status(exc)
        return await _customer_page(
            request,
            user,
            session,
            customer_id,
            status,
            refund_values=values,
            refund_problems=problems(exc),
        )
    return redirect(
        request,
        f"/app/customers/{customer_id}#credit",
        flash=f"Refund {made.refund_id} of {rupees(made.amount)} recorded; "
        f"credit left {rupees(made.credit_balance)}.",
    )
