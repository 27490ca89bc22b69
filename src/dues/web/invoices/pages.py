"""The invoice list (every filter of searchCollectionInvoices, saved views) and the invoice page with its
timeline and actions (api.md §4, §4.2, §5, §9.3, §11). Each action calls the service its API endpoint
calls, with the signed-in person, and comes back to the invoice page with what happened."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import ValidationError
from starlette.datastructures import QueryParams
from starlette.responses import Response

from dues.adjustments import write_offs
from dues.adjustments.schemas import WriteOffCreate
from dues.collection import service as collection
from dues.collection.schemas import DeleteRequest, DispatchRequest
from dues.db import DuesRoute, SessionDep
from dues.disputes import service as disputes
from dues.disputes.schemas import DisputeCreate, DisputeReason, DisputeResolve, PromiseCreate
from dues.errors import DuesError, NotFound, Unprocessable, ValidationFailed
from dues.invoices import repository as invoice_rows
from dues.invoices import service as invoices
from dues.invoices.schemas import ApprovalAction, ApprovalRequest
from dues.kit.money import rupees
from dues.kit.pagination import PageParams
from dues.replica import ReadSessionDep
from dues.web.common import (
    NO_PROBLEMS,
    Approver,
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
from dues.web.invoices import repository, views

router = APIRouter(route_class=DuesRoute)

InvoiceId = Annotated[str, Path(max_length=16)]
ViewId = Annotated[str, Path(max_length=16)]
LIST = "/app/invoices"
DONE = {
    ApprovalAction.APPROVE: "approved",
    ApprovalAction.REJECT: "rejected",
    ApprovalAction.SUBMIT: "submitted again for approval",
}


def _list_url(query: str) -> str:
    return f"{LIST}?{query}" if query else LIST


# The list ------------------------------------------------------------------------------------------------


async def _render_list(
    request: Request,
    user: User,
    read: ReadSessionDep,
    session: SessionDep,
    *,
    status: int = 200,
    view_problems: Problems = NO_PROBLEMS,
    view_name: str = "",
    params: QueryParams | None = None,
) -> Response:
    query = views.read_query(params if params is not None else request.query_params)
    page = None
    if query.search is not None:
        paging = PageParams(views.PAGE_SIZE, query.offset, query.order_by, query.descending)
        page = await invoices.search(read, user.company_id, query.search, paging, count_cap=views.COUNT_CAP)
    saved = await repository.views_of(session, user.company_id, user.principal.user_id)
    code = 422 if query.problems else status
    return render(
        request,
        "invoices/list.html",
        code,
        user=user,
        q=query,
        page=page,
        saved=saved,
        choices=views.CHOICES,
        sorts=views.SORT_CHOICES,
        created_via=[(v, v.replace("_", " ").capitalize()) for v in views.CHOICES["createdVia"]],
        view_problems=view_problems,
        view_name=view_name,
        size=views.PAGE_SIZE,
        count_cap=views.COUNT_CAP,
    )


@router.get(LIST)
async def invoice_list(
    request: Request, user: SignedIn, read: ReadSessionDep, session: SessionDep
) -> Response:
    return await _render_list(request, user, read, session)


@router.post(f"{LIST}/views")
async def save_view(request: Request, user: SignedIn, read: ReadSessionDep, session: SessionDep) -> Response:
    """Saves the list's current filters under a name, for this person only (a personal bookmark, so any
    role may keep them: it changes nothing anyone else sees)."""
    form = await form_of(request)
    name = " ".join(text(form, "name", 200).split())
    query = views.saved_query(text(form, "query", 2000))
    problem = None
    if not name:
        problem = "Give the view a name."
    elif len(name) > 80:
        problem = "A view's name is at most 80 characters."
    else:
        mine = await repository.views_of(session, user.company_id, user.principal.user_id)
        if len(mine) >= repository.MAX_VIEWS and all(v.name != name for v in mine):
            problem = f"You have {repository.MAX_VIEWS} saved views; delete one first."
    if problem:
        refused = Problems(problem, {"name": problem})
        return await _render_list(
            request,
            user,
            read,
            session,
            status=422,
            view_problems=refused,
            view_name=name,
            params=QueryParams(query),
        )
    await repository.save_view(session, user.company_id, user.principal.user_id, name, query)
    return redirect(request, _list_url(query), flash=f"View “{name}” saved.")


@router.post(f"{LIST}/views/{{view_id}}/delete")
async def delete_view(request: Request, view_id: ViewId, user: SignedIn, session: SessionDep) -> Response:
    name = await repository.delete_view(session, user.company_id, user.principal.user_id, view_id)
    if name is None:
        raise NotFound("You have no such saved view.")
    return redirect(request, LIST, flash=f"View “{name}” deleted.")


# The invoice page ----------------------------------------------------------------------------------------


async def _page(
    request: Request,
    user: User,
    session: Any,
    invoice_id: str,
    *,
    status: int = 200,
    refused: dict[str, Problems] | None = None,
    kept: dict[str, str] | None = None,
) -> Response:
    data = await views.invoice_page(session, user, invoice_id)
    return render(
        request,
        "invoices/page.html",
        status,
        user=user,
        p=data,
        inv=data.invoice,
        can=data.allowed,
        refused=refused or {},
        kept=kept or {},
        dispute_reasons=[r.value for r in DisputeReason],
        outcomes=["REJECTED", "WITHDRAWN", "CREDIT_NOTE"],
    )


@router.get("/app/invoices/{invoice_id}")
async def invoice_page(
    request: Request, invoice_id: InvoiceId, user: SignedIn, session: ReadSessionDep
) -> Response:
    return await _page(request, user, session, invoice_id)


@router.get("/app/invoices/{invoice_id}/pdf")
async def invoice_pdf(invoice_id: InvoiceId, user: SignedIn, session: SessionDep) -> Response:
    name, content = await invoices.pdf(session, user.company_id, invoice_id)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"},
    )


async def _act(
    request: Request,
    user: User,
    session: SessionDep,
    invoice_id: str,
    form_name: str,
    kept: dict[str, str],
    call: Callable[[], Awaitable[str]],
) -> Response:
    """Runs one service call; on success back to the invoice page with its message, on a refusal the page
    again with the message at the form and what was typed kept. A 403 or 404 is the error page (it says
    why), as the API answers it."""
    try:
        flash = await call()
    except (DuesError, ValidationError) as exc:
        if isinstance(exc, DuesError) and exc.status_code in (401, 403, 404):
            raise
        # Nothing of a refused action stays: the page is read from what was there before.
        await session.rollback()
        code = refusal_status(exc)
        return await _page(
            request, user, session, invoice_id, status=code, refused={form_name: problems(exc)}, kept=kept
        )
    return redirect(request, f"/app/invoices/{invoice_id}", flash=flash)


async def _number(session: SessionDep, user: User, invoice_id: str) -> str:
    """The invoice's number for a message (its id when there is none to read)."""
    found = await invoice_rows.get(session, user.company_id, invoice_id)
    return found.invoice_number if found else invoice_id


@router.post("/app/invoices/{invoice_id}/approval")
async def approval(request: Request, invoice_id: InvoiceId, user: Writer, session: SessionDep) -> Response:
    form = await form_of(request)
    kept = {"remarks": text(form, "remarks", 1000)}

    async def call() -> str:
        body = ApprovalRequest.model_validate(
            {"action": text(form, "action", 16), "remarks": kept["remarks"] or None}
        )
        read = await invoices.act(session, user.principal, user.company_id, invoice_id, body)
        return f"Invoice {read.invoice_number} {DONE[body.action]}."

    return await _act(request, user, session, invoice_id, "approval", kept, call)


def _bulk_outcome(answer: Any, verb: str) -> None:
    """The one id's result of a bulk call: its refusal as the page's error."""
    result = answer["results"][0]
    if not result["success"]:
        raise Unprocessable(f"Not {verb}: {result.get('errorMessage')}")


@router.post("/app/invoices/{invoice_id}/dispatch")
async def dispatch(request: Request, invoice_id: InvoiceId, user: Writer, session: SessionDep) -> Response:
    async def call() -> str:
        body = DispatchRequest.model_validate({"invoiceIds": [invoice_id]})
        _bulk_outcome(await collection.dispatch(session, user.principal, user.company_id, body), "dispatched")
        number = await _number(session, user, invoice_id)
        return f"Invoice {number} dispatched: the invoice and its payment link are on their way."

    return await _act(request, user, session, invoice_id, "dispatch", {}, call)


@router.post("/app/invoices/{invoice_id}/withdraw")
async def withdraw(request: Request, invoice_id: InvoiceId, user: Writer, session: SessionDep) -> Response:
    form = await form_of(request)
    kept = {"reason": text(form, "reason", 1000)}

    async def call() -> str:
        body = DeleteRequest.model_validate({"invoiceIds": [invoice_id], "reason": kept["reason"]})
        _bulk_outcome(await collection.delete(session, user.principal, user.company_id, body), "withdrawn")
        return f"Invoice {await _number(session, user, invoice_id)} withdrawn from collection."

    return await _act(request, user, session, invoice_id, "withdraw", kept, call)


@router.post("/app/invoices/{invoice_id}/write-off")
async def write_off(request: Request, invoice_id: InvoiceId, user: Approver, session: SessionDep) -> Response:
    form = await form_of(request)
    kept = {"amount": text(form, "amount", 40), "reason": text(form, "reason", 1000)}

    async def call() -> str:
        body = WriteOffCreate.model_validate(
            {"amount": _money(kept["amount"], "amount"), "reason": kept["reason"]}
        )
        done = await write_offs.write_off(session, user.principal, user.company_id, invoice_id, body)
        number = await _number(session, user, invoice_id)
        return (
            f"Wrote off {rupees(done.amount)} of invoice {number}; balance now {rupees(done.balance_amount)}."
        )

    return await _act(request, user, session, invoice_id, "writeOff", kept, call)


def _money(typed: str, name: str, *, required: bool = True) -> Any:
    """A typed amount for a service body: the Decimal, or a refusal naming the field."""
    if not typed and not required:
        return None
    parsed = amount(typed)
    if parsed is None:
        raise ValidationFailed.field(name, "must be an amount in rupees, like 1,500.00", typed)
    return parsed


@router.post("/app/invoices/{invoice_id}/dispute")
async def open_dispute(
    request: Request, invoice_id: InvoiceId, user: Writer, session: SessionDep
) -> Response:
    form = await form_of(request)
    kept = {k: text(form, k, 1000) for k in ("reason", "remarks", "amount")}

    async def call() -> str:
        body = DisputeCreate.model_validate(
            {
                "reason": kept["reason"],
                "remarks": kept["remarks"] or None,
                "amount": _money(kept["amount"], "amount", required=False),
            }
        )
        await disputes.open_dispute(session, user.principal, user.company_id, invoice_id, body)
        number = await _number(session, user, invoice_id)
        return f"Dispute raised on invoice {number}; its reminders pause while it is open."

    return await _act(request, user, session, invoice_id, "dispute", kept, call)


@router.post("/app/invoices/{invoice_id}/dispute/resolve")
async def resolve_dispute(
    request: Request, invoice_id: InvoiceId, user: Writer, session: SessionDep
) -> Response:
    form = await form_of(request)
    kept = {k: text(form, k, 1000) for k in ("outcome", "remarks")}

    async def call() -> str:
        body = DisputeResolve.model_validate({"outcome": kept["outcome"], "remarks": kept["remarks"] or None})
        await disputes.resolve(session, user.principal, user.company_id, invoice_id, body)
        return f"Dispute on invoice {await _number(session, user, invoice_id)} resolved; reminders resume."

    return await _act(request, user, session, invoice_id, "resolve", kept, call)


@router.post("/app/invoices/{invoice_id}/promise")
async def promise(request: Request, invoice_id: InvoiceId, user: Writer, session: SessionDep) -> Response:
    form = await form_of(request)
    kept = {k: text(form, k, 40) for k in ("promisedDate", "amount")}

    async def call() -> str:
        body = PromiseCreate.model_validate(
            {"promisedDate": kept["promisedDate"], "amount": _money(kept["amount"], "amount")}
        )
        made = await disputes.promise(session, user.principal, user.company_id, invoice_id, body)
        return f"Promise to pay recorded: reminders pause until {made.promised_date:%d %b %Y}."

    return await _act(request, user, session, invoice_id, "promise", kept, call)
