"""Credit notes as pages (api.md §9.1): the list, a new note against one invoice or several of a customer's,
a note's page with its approval, PDF and e-mail. Each page calls what the credit note API calls, as the
signed-in user, so the same roles and the same approval chain hold."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.responses import Response

from dues.companies import service as companies
from dues.credit_notes import queries, sending
from dues.credit_notes import service as notes
from dues.credit_notes.schemas import CreditNoteCreate, CreditNoteRead, CreditNoteReason, CreditNoteSearch
from dues.customers import service as customers
from dues.db import DuesRoute, SessionDep
from dues.errors import DuesError, ValidationFailed
from dues.invoices import service as invoices
from dues.invoices.schemas import ApprovalRequest, ApprovalStatus, InvoiceRead, InvoiceSearch, InvoiceStatus
from dues.kit import gst
from dues.kit.money import ZERO, rupees
from dues.kit.pagination import PageParams
from dues.kit.timefmt import today_ist
from dues.models import Company
from dues.replica import ReadSessionDep
from dues.web.common import (
    NO_PROBLEMS,
    Maker,
    Problems,
    SignedIn,
    User,
    Writer,
    form_of,
    problems,
    redirect,
    render,
)
from dues.web.common import text as field_text

router = APIRouter(route_class=DuesRoute)

NoteId = Annotated[str, Path(max_length=16)]
PAGE_SIZE = 50
INVOICE_CHOICES = 100
ISSUED_APPROVALS = ["APPROVER_APPROVED", "CHECKER_APPROVED", "BANK_APPROVED"]
REASON_LABELS = {
    CreditNoteReason.SALES_RETURN: "Sales return",
    CreditNoteReason.POST_SALE_DISCOUNT: "Post-sale discount",
    CreditNoteReason.DEFICIENCY_IN_SERVICES: "Deficiency in services",
    CreditNoteReason.CORRECTION_IN_INVOICE: "Correction in invoice",
    CreditNoteReason.CHANGE_IN_POS: "Change in place of supply",
    CreditNoteReason.FINALIZATION_OF_PROVISIONAL_ASSESSMENT: "Finalisation of provisional assessment",
    CreditNoteReason.OTHERS: "Others",
}
REASONS = [(r.value, REASON_LABELS[r]) for r in CreditNoteReason]
STATUSES = ["PENDING", "ISSUED", "REJECTED"]
# Which role takes a note at each step of the chain (invoices.approvals, as the service applies it).
STEP_ROLE = {
    ApprovalStatus.CHECKER_APPROVAL_PENDING: "CHECKER",
    ApprovalStatus.APPROVER_APPROVAL_PENDING: "APPROVER",
}


@dataclass(frozen=True)
class Candidate:
    """An invoice the note may credit, with how the service will tax its part."""

    invoice: InvoiceRead
    intra_state: bool
    no_gst: bool
    rate: str

    @property
    def key(self) -> str:
        return self.invoice.invoice_id


def _candidate(invoice: InvoiceRead, company: Company) -> Candidate:
    """Taxed as the invoice was (credit_notes.service: the taxes it charged decide; a nil-rated one, its place
    of supply); the rate its lines share, else its effective rate, for the person to change if needed."""
    charged = invoice.cgst + invoice.sgst + invoice.igst
    intra = invoice.igst == 0 and (charged > 0 or invoice.place_of_supply == company.state)
    no_gst = invoice.document_type == "BILL_OF_SUPPLY" or (not company.gstin and charged + invoice.cess == 0)
    rates = {line.gst_rate for line in invoice.line_items}
    if no_gst:
        rate = Decimal(0)
    elif len(rates) == 1:
        rate = rates.pop()
    else:
        taxable = sum((line.base_amount for line in invoice.line_items), ZERO) or invoice.base_amount
        rate = (charged * 100 / taxable).quantize(Decimal("0.01")) if taxable else Decimal(0)
    return Candidate(invoice, intra, no_gst, _plain(rate))


def _plain(value: Decimal) -> str:
    return str(value.quantize(Decimal(1))) if value == value.to_integral_value() else str(value)


async def _candidates(
    session: AsyncSession, user: User, invoice_id: str, customer_id: str
) -> tuple[str, list[Candidate]]:
    """The customer and the invoices the form offers: the one named, or the customer's issued ones."""
    company = await companies.get(session, user.company_id)
    if invoice_id:
        invoice = await invoices.get(session, user.company_id, invoice_id)
        return invoice.customer_id, [_candidate(invoice, company)]
    if not customer_id:
        return "", []
    await customers.get(session, user.company_id, customer_id)  # 404 page for another company's
    query = InvoiceSearch.model_validate({"customerIds": [customer_id], "approvalStatuses": ISSUED_APPROVALS})
    page = await invoices.search(
        session, user.company_id, query, PageParams(INVOICE_CHOICES, 0, "invoiceDate", True)
    )
    found = [i for i in page.items if i.status != InvoiceStatus.COLLECTION_DELETED]
    return customer_id, [_candidate(i, company) for i in found]


@dataclass
class NoteForm:
    reason: str = ""
    note_date: str = ""
    description: str = ""
    amounts: dict[str, str] | None = None
    rates: dict[str, str] | None = None

    def amount(self, key: str) -> str:
        return (self.amounts or {}).get(key, "")

    def rate(self, key: str, default: str) -> str:
        return (self.rates or {}).get(key, default)


def _note_form(posted: FormData, candidates: list[Candidate]) -> NoteForm:
    return NoteForm(
        reason=field_text(posted, "reason", 64),
        note_date=field_text(posted, "noteDate", 10),
        description=field_text(posted, "description", 2000),
        amounts={c.key: field_text(posted, f"baseAmount.{c.key}", 30) for c in candidates},
        rates={c.key: field_text(posted, f"gstRate.{c.key}", 10) for c in candidates},
    )


def _number(value: str, name: str) -> Decimal:
    try:
        parsed = Decimal(value.replace(",", "").replace("₹", "").strip())
    except InvalidOperation:
        raise ValidationFailed.field(name, "must be a number, such as 1180.50", value) from None
    if not parsed.is_finite() or parsed < 0:
        raise ValidationFailed.field(name, "must be a number of at least 0", value)
    return parsed


def _body(
    customer_id: str, form: NoteForm, candidates: list[Candidate]
) -> tuple[dict[str, object], list[str]]:
    """The createCreditNote body, and the invoice behind each of its parts in order. Each part's taxes are
    the GST rules' (kit.gst, the invoices' arithmetic) on the amount and rate typed; the service checks the
    split against the invoice's place of supply as it checks any client's."""
    parts: list[dict[str, object]] = []
    keys: list[str] = []
    for c in candidates:
        typed = form.amount(c.key)
        if not typed:
            continue
        base = _number(typed, f"baseAmount.{c.key}")
        rate = ZERO if c.no_gst else _number(form.rate(c.key, c.rate) or "0", f"gstRate.{c.key}")
        tax = gst.line_tax(Decimal(1), base, rate, intra_state=c.intra_state)
        part: dict[str, object] = {"invoiceId": c.key, "baseAmount": str(base)}
        if not c.no_gst:
            part.update(cgst=str(tax.cgst), sgst=str(tax.sgst), igst=str(tax.igst))
        parts.append(part)
        keys.append(c.key)
    if not parts:
        field = f"baseAmount.{candidates[0].key}" if candidates else "againstInvoices"
        raise ValidationFailed.field(field, "is required: type the amount before tax to credit", None)
    body: dict[str, object] = {"customerId": customer_id, "againstInvoices": parts}
    for name, value in (
        ("reason", form.reason),
        ("noteDate", form.note_date),
        ("description", form.description),
    ):
        if value:
            body[name] = value
    return body, keys


def _on_form(found: Problems, keys: list[str]) -> Problems:
    """The service names againstInvoices[k]: the form names each invoice's amount by the invoice."""
    fields: dict[str, str] = {}
    for name, message in found.fields.items():
        if name.startswith("againstInvoices[") and "]" in name:
            k = name[len("againstInvoices[") : name.index("]")]
            if k.isdigit() and int(k) < len(keys):
                fields[f"baseAmount.{keys[int(k)]}"] = message
                continue
        fields[name] = message
    return Problems(found.message, fields)


async def _form_page(
    request: Request,
    session: AsyncSession,
    user: User,
    customer_id: str,
    candidates: list[Candidate],
    form: NoteForm,
    *,
    found: Problems = NO_PROBLEMS,
    status: int = 200,
    invoice_id: str = "",
) -> Response:
    customer = await customers.get(session, user.company_id, customer_id) if customer_id else None
    return render(
        request,
        "credit_notes/new.html",
        status,
        user=user,
        customer=customer,
        candidates=candidates,
        form=form,
        problems=found,
        reasons=REASONS,
        invoice_id=invoice_id,
        today=today_ist().isoformat(),
    )


@router.get("/app/credit-notes/new")
async def new_note(request: Request, user: Maker, session: SessionDep) -> Response:
    invoice_id = request.query_params.get("invoiceId", "")[:16]
    customer_id, candidates = await _candidates(
        session, user, invoice_id, request.query_params.get("customerId", "")[:16]
    )
    form = NoteForm(reason="", note_date=today_ist().isoformat())
    return await _form_page(request, session, user, customer_id, candidates, form, invoice_id=invoice_id)


@router.post("/app/credit-notes/new")
async def create_note(request: Request, user: Maker, session: SessionDep) -> Response:
    posted = await form_of(request)
    invoice_id = field_text(posted, "invoiceId", 16)
    customer_id, candidates = await _candidates(
        session, user, invoice_id, field_text(posted, "customerId", 16)
    )
    form = _note_form(posted, candidates)
    keys: list[str] = []
    try:
        body, keys = _body(customer_id, form, candidates)
        note = await notes.create(
            session, user.principal, user.company_id, CreditNoteCreate.model_validate(body)
        )
    except (DuesError, ValidationError) as exc:
        await session.rollback()
        status = 422 if isinstance(exc, ValidationError) else exc.status_code
        found = _on_form(problems(exc), keys)
        return await _form_page(
            request,
            session,
            user,
            customer_id,
            candidates,
            form,
            found=found,
            status=status,
            invoice_id=invoice_id,
        )
    waiting = " and issued" if note.status == "ISSUED" else ", awaiting approval"
    return redirect(
        request,
        f"/app/credit-notes/{note.credit_note_id}",
        flash=f"Credit note {note.note_number} created for {rupees(note.total_amount)}{waiting}.",
    )


def _can_act(note: CreditNoteRead, user: User) -> bool:
    """Whether the page offers Approve and Reject: the step is this user's role, and not the note's maker."""
    return STEP_ROLE.get(note.approval_status) == user.role and note.created_by != user.principal.user_id


async def _note_page(
    request: Request, user: User, note: CreditNoteRead, *, found: Problems = NO_PROBLEMS, status: int = 200
) -> Response:
    return render(
        request,
        "credit_notes/show.html",
        status,
        user=user,
        note=note,
        problems=found,
        can_act=_can_act(note, user),
        can_submit=user.can_make and note.status == "REJECTED",
        can_send=user.can_write and note.status == "ISSUED",
        reasons=dict(REASONS),
    )


@router.get("/app/credit-notes")
async def list_notes(request: Request, user: SignedIn, session: ReadSessionDep) -> Response:
    params = request.query_params
    status, number = params.get("status", "")[:16], params.get("number", "")[:16]
    date_from, date_to = params.get("from", "")[:10], params.get("to", "")[:10]
    customer_id = params.get("customerId", "")[:16]
    try:
        offset = max(0, min(int(params.get("offset", "0")), 10_000_000))
    except ValueError:
        offset = 0
    filters = {
        "statuses": [status] if status else None,
        "noteNumber": number or None,
        "noteDateFrom": date_from or None,
        "noteDateTo": date_to or None,
        "customerIds": [customer_id] if customer_id else None,
    }
    found = NO_PROBLEMS
    try:
        query = CreditNoteSearch.model_validate({k: v for k, v in filters.items() if v})
        page = await queries.search(
            session, user.company_id, query, PageParams(PAGE_SIZE, offset, "createdOn", True)
        )
        items, total = page.items, page.total
    except (DuesError, ValidationError) as exc:
        found, items, total = problems(exc), [], 0
    return render(
        request,
        "credit_notes/list.html",
        422 if found else 200,
        user=user,
        notes=items,
        total=total,
        offset=offset,
        limit=PAGE_SIZE,
        problems=found,
        statuses=STATUSES,
        chosen=status,
        number=number,
        date_from=date_from,
        date_to=date_to,
        customer_id=customer_id,
        filters={
            "status": status,
            "number": number,
            "from": date_from,
            "to": date_to,
            "customerId": customer_id,
        },
    )


@router.get("/app/credit-notes/{note_id}")
async def show_note(note_id: NoteId, request: Request, user: SignedIn, session: SessionDep) -> Response:
    return await _note_page(request, user, await queries.get(session, user.company_id, note_id))


@router.post("/app/credit-notes/{note_id}/approval")
async def act_on_note(note_id: NoteId, request: Request, user: Writer, session: SessionDep) -> Response:
    posted = await form_of(request)
    try:
        body = ApprovalRequest.model_validate(
            {
                "action": field_text(posted, "action", 16),
                "remarks": field_text(posted, "remarks", 2000) or None,
            }
        )
        note = await notes.act(session, user.principal, user.company_id, note_id, body)
    except (DuesError, ValidationError) as exc:
        await session.rollback()
        status = 422 if isinstance(exc, ValidationError) else exc.status_code
        current = await queries.get(session, user.company_id, note_id)
        return await _note_page(request, user, current, found=problems(exc), status=status)
    done = {"APPROVE": "approved", "REJECT": "rejected", "SUBMIT": "submitted for approval again"}[
        body.action
    ]
    issued = (
        " It is issued: the invoices' balances fell by it."
        if note.status == "ISSUED" and body.action == "APPROVE"
        else ""
    )
    return redirect(
        request, f"/app/credit-notes/{note_id}", flash=f"Credit note {note.note_number} {done}.{issued}"
    )


@router.post("/app/credit-notes/{note_id}/dispatch")
async def send_note(note_id: NoteId, request: Request, user: Writer, session: SessionDep) -> Response:
    try:
        note = await sending.dispatch(session, user.principal, user.company_id, note_id)
    except DuesError as exc:
        await session.rollback()
        current = await queries.get(session, user.company_id, note_id)
        return await _note_page(request, user, current, found=problems(exc), status=exc.status_code)
    return redirect(
        request, f"/app/credit-notes/{note_id}", flash=f"Credit note {note.note_number} sent by e-mail."
    )


@router.get("/app/credit-notes/{note_id}/pdf")
async def note_pdf(note_id: NoteId, user: SignedIn, session: SessionDep) -> Response:
    name, content = await sending.pdf(session, user.company_id, note_id)
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )
