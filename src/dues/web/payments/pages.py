"""Payments as pages (api.md §5, §9.2, §9.3): the list, recording a payment with its allocation table and the
buyer's TDS, a payment's page with its reversal. Each post calls the service the API calls, with the same
roles: recording is for any role but VIEWER, reversing for ADMIN or APPROVER."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.responses import Response

from dues.adjustments import reversals
from dues.adjustments.schemas import ReversalCreate, ReversalReason
from dues.companies import service as companies
from dues.db import DuesRoute, SessionDep
from dues.errors import DuesError, NotFound
from dues.invoices import approvals
from dues.invoices.schemas import ApprovalStatus
from dues.kit.money import ZERO, rupees
from dues.kit.tds import TdsSection, describe
from dues.kit.timefmt import today_ist
from dues.payments import receipt, service
from dues.payments.schemas import PaymentCreate, PaymentMode
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
from dues.web.payments import allocation, repository, tds_pages
from dues.web.payments.repository import Filters

router = APIRouter(route_class=DuesRoute)

PAGE_SIZE = 50
MODES = [m.value for m in PaymentMode]
SECTIONS = [s.value for s in TdsSection]
STATUSES = ["RECORDED", "REVERSED"]
REASONS = [
    (ReversalReason.CHEQUE_BOUNCED.value, "Cheque bounced"),
    (ReversalReason.PAYMENT_RECALLED.value, "Payment recalled"),
    (ReversalReason.ENTERED_IN_ERROR.value, "Entered in error"),
]
# The fields of the record form other than the allocation table, as the API names them.
HEAD_FIELDS = ("amount", "mode", "reference", "paidOn", "tdsSection", "deductorTan", "tdsPaymentCode")
PaymentIdPath = Annotated[str, Path(max_length=16)]
_ALLOCATION = re.compile(r"allocations\[(\d+)\](?:\.(\w+))?")


def _fixed(value: Decimal) -> str:
    """Rupees as the scripts read them from data-* attributes: plain digits, two decimals, never 1E+2."""
    return f"{value:.2f}"


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# The list -------------------------------------------------------------------------------------------------


@router.get("/app/payments")
async def payments_list(
    request: Request,
    user: SignedIn,
    session: ReadSessionDep,
    customer_id: Annotated[str, Query(alias="customerId", max_length=16)] = "",
    mode: Annotated[str, Query(max_length=8)] = "",
    date_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    date_to: Annotated[str, Query(alias="to", max_length=10)] = "",
    status: Annotated[str, Query(max_length=12)] = "",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    notes = []
    start, end = _day(date_from), _day(date_to)
    if date_from and start is None:
        notes.append(f"“{date_from}” is not a date; the From filter was left out.")
    if date_to and end is None:
        notes.append(f"“{date_to}” is not a date; the To filter was left out.")
    filters = Filters(
        customer_id=customer_id or None,
        mode=mode if mode in MODES else None,
        date_from=start,
        date_to=end,
        status=status if status in STATUSES else None,
    )
    rows, total = await repository.search(session, user.company_id, filters, PAGE_SIZE, offset)
    shown = {
        "customerId": customer_id,
        "mode": filters.mode or "",
        "from": date_from if start else "",
        "to": date_to if end else "",
        "status": filters.status or "",
    }
    return render(
        request,
        "payments/list.html",
        user=user,
        rows=rows,
        total=total,
        offset=offset,
        limit=PAGE_SIZE,
        shown=shown,
        notes=notes,
        customers=await repository.customer_choices(session, user.company_id),
        modes=MODES,
        statuses=STATUSES,
    )


# Recording ------------------------------------------------------------------------------------------------


@dataclass
class RecordForm:
    """What the record form shows: the chosen customer, its open invoices and what the person typed."""

    customer_id: str = ""
    values: dict[str, str] = field(default_factory=dict)
    problems: Problems = NO_PROBLEMS
    preset_invoice: str = ""
    suggested: bool = False


async def _record_page(
    request: Request, user: User, session: AsyncSession, form: RecordForm, status: int = 200
) -> Response:
    customers = await repository.customer_choices(session, user.company_id)
    customer = (
        await repository.customer(session, user.company_id, form.customer_id) if form.customer_id else None
    )
    rows: list[allocation.Owed] = []
    more = False
    tds_default = ""
    if customer is not None:
        company = await companies.get(session, user.company_id)
        open_ = await repository.open_invoices(
            session, user.company_id, customer.customer_id, service.PAYABLE
        )
        approved = [
            i
            for i in open_
            if approvals.is_approved(ApprovalStatus(i.approval_status), company.approval_chain)
        ]
        more = len(approved) > repository.ALLOCATION_ROWS
        rows = allocation.owed(
            approved[: repository.ALLOCATION_ROWS], customer.tds_rate, company.tds_sanity_percent
        )
        if customer.tds_section and customer.tds_rate:
            tds_default = describe(customer.tds_section, customer.tds_rate)
            form.values.setdefault("tdsSection", customer.tds_section)
    form.values.setdefault("paidOn", today_ist().isoformat())
    form.values.setdefault("mode", "NEFT")
    unallocated = _unallocated(form.values, rows)
    return render(
        request,
        "payments/new.html",
        status,
        user=user,
        form=form,
        customer=customer,
        customer_missing=bool(form.customer_id) and customer is None,
        customers=customers,
        rows=rows,
        more=more,
        tds_default=tds_default,
        unallocated=unallocated,
        modes=MODES,
        sections=SECTIONS,
        problems=form.problems,
        values=form.values,
        fixed=_fixed,
    )


def _unallocated(values: dict[str, str], rows: list[allocation.Owed]) -> Decimal | None:
    """The amount received less the cash typed in the table (what would become credit); None while a figure
    in it is not an amount."""
    received = amount(values.get("amount", ""))
    if received is None:
        return None
    total = ZERO
    for row in rows:
        typed = values.get(f"amount-{row.invoice_id}", "")
        cash = amount(typed)
        if typed and cash is None:
            return None
        total += cash or ZERO
    return received - total


@router.get("/app/payments/new")
async def new_payment(
    request: Request,
    user: Writer,
    session: SessionDep,
    customer_id: Annotated[str, Query(alias="customerId", max_length=16)] = "",
    invoice_id: Annotated[str, Query(alias="invoiceId", max_length=16)] = "",
) -> Response:
    form = RecordForm(customer_id=customer_id, preset_invoice=invoice_id)
    if customer_id and invoice_id:
        # Paying one invoice (the invoice page's link): its balance after TDS is the likely amount.
        preset = await _preset(session, user, customer_id, invoice_id)
        if preset is not None:
            form.values.update(preset)
    return await _record_page(request, user, session, form)


async def _preset(
    session: AsyncSession, user: User, customer_id: str, invoice_id: str
) -> dict[str, str] | None:
    customer = await repository.customer(session, user.company_id, customer_id)
    if customer is None:
        return None
    company = await companies.get(session, user.company_id)
    open_ = await repository.open_invoices(session, user.company_id, customer_id, service.PAYABLE)
    rows = allocation.owed(
        [i for i in open_ if i.invoice_id == invoice_id], customer.tds_rate, company.tds_sanity_percent
    )
    if not rows:
        return None
    row = rows[0]
    values = {"amount": f"{row.to_pay:.2f}", f"amount-{row.invoice_id}": f"{row.to_pay:.2f}"}
    if row.tds > 0:
        values[f"tds-{row.invoice_id}"] = f"{row.tds:.2f}"
    return values


def _typed(form: FormData, invoice_ids: list[str]) -> dict[str, str]:
    values = {name: text(form, name, 100) for name in HEAD_FIELDS}
    for invoice_id in invoice_ids:
        values[f"amount-{invoice_id}"] = text(form, f"amount-{invoice_id}", 40)
        values[f"tds-{invoice_id}"] = text(form, f"tds-{invoice_id}", 40)
    return {k: v for k, v in values.items() if v}


def _posted_invoices(form: FormData) -> list[str]:
    ids = [v.strip() for v in form.getlist("invoiceId") if isinstance(v, str)]
    return list(dict.fromkeys(i for i in ids if re.fullmatch(r"INV[A-Z0-9]{13}", i)))[:1000]


def _allocations(
    values: dict[str, str], invoice_ids: list[str]
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The allocations typed in the table (a row left empty or 0 is none), and the cells that are not
    amounts."""
    made: list[dict[str, Any]] = []
    wrong: dict[str, str] = {}
    for invoice_id in invoice_ids:
        cash_text, tds_text = values.get(f"amount-{invoice_id}", ""), values.get(f"tds-{invoice_id}", "")
        cash, tds = amount(cash_text), amount(tds_text)
        if cash_text and cash is None:
            wrong[f"amount-{invoice_id}"] = "is not an amount in rupees, such as 11800 or 11,800.50"
        if tds_text and tds is None:
            wrong[f"tds-{invoice_id}"] = "is not an amount in rupees, such as 118 or 118.50"
        if (cash or ZERO) > 0 or (tds or ZERO) > 0:
            made.append({"invoiceId": invoice_id, "amount": cash or ZERO, "tdsAmount": tds or ZERO})
    return made, wrong


def _for_rows(found: Problems, allocated: list[dict[str, Any]], numbers: dict[str, str]) -> Problems:
    """The service names an allocation by its place in the list (``allocations[1].tdsAmount``); the page shows
    it beside that invoice's row and names the invoice by its number in the headline."""
    fields: dict[str, str] = {}
    for name, message in found.fields.items():
        hit = _ALLOCATION.fullmatch(name)
        if hit and int(hit.group(1)) < len(allocated):
            invoice_id = allocated[int(hit.group(1))]["invoiceId"]
            fields[f"{'tds' if hit.group(2) == 'tdsAmount' else 'amount'}-{invoice_id}"] = message
        else:
            fields[name] = message

    def named(hit: re.Match[str]) -> str:
        n = int(hit.group(1))
        if n >= len(allocated):
            return hit.group(0)
        invoice_id = allocated[n]["invoiceId"]
        what = "TDS for" if hit.group(2) == "tdsAmount" else "Amount for"
        return f"{what} {numbers.get(invoice_id, invoice_id)}"

    return Problems(_ALLOCATION.sub(named, found.message), fields)


@router.post("/app/payments")
async def record_payment(request: Request, user: Writer, session: SessionDep) -> Response:
    posted = await form_of(request)
    customer_id = text(posted, "customerId", 16)
    invoice_ids = _posted_invoices(posted)
    values = _typed(posted, invoice_ids)
    form = RecordForm(customer_id=customer_id, values=values)
    if text(posted, "action", 20) == "suggest":
        return await _suggest(request, user, session, form)
    allocated, wrong = _allocations(values, invoice_ids)
    received = amount(values.get("amount", ""))
    if received is None:
        wrong["amount"] = "Enter the amount received, in rupees (0 only to record TDS on its own)."
    if wrong:
        form.problems = Problems("Some fields need a change: " + "; ".join(wrong.values()), wrong)
        return await _record_page(request, user, session, form, 422)
    body = {
        "customerId": customer_id,
        "amount": received,
        "mode": values.get("mode", ""),
        "reference": values.get("reference", ""),
        "paidOn": values.get("paidOn") or None,
        "tdsSection": values.get("tdsSection") or None,
        "deductorTan": values.get("deductorTan") or None,
        "tdsPaymentCode": values.get("tdsPaymentCode") or None,
        "allocations": allocated or None,
    }
    try:
        made = await service.record(
            session, user.principal, user.company_id, PaymentCreate.model_validate(body)
        )
    except (DuesError, ValidationError) as exc:
        # A refusal leaves nothing behind (the request's transaction is rolled back); rolled back now so the
        # form can be drawn again from this session.
        await session.rollback()
        numbers = await repository.invoice_numbers(
            session, user.company_id, [a["invoiceId"] for a in allocated]
        )
        form.problems = _for_rows(problems(exc), allocated, numbers)
        status = refusal_status(exc)
        return await _record_page(request, user, session, form, status)
    credit = (
        f"; {rupees(made.unallocated_amount)} went to the customer's credit"
        if made.unallocated_amount
        else ""
    )
    return redirect(
        request,
        f"/app/payments/{made.payment_id}",
        flash=f"Payment {made.payment_id} of {rupees(made.amount)} recorded{credit}.",
    )


async def _suggest(request: Request, user: User, session: AsyncSession, form: RecordForm) -> Response:
    """Without scripts the "Suggest oldest first" button posts the form: it comes back with the amounts filled
    in, nothing recorded."""
    customer = await repository.customer(session, user.company_id, form.customer_id)
    received = amount(form.values.get("amount", ""))
    if customer is None or received is None:
        form.problems = Problems(
            "Enter the amount received first; the suggestion spreads it over the open invoices.",
            {} if received is not None else {"amount": "Enter the amount received, in rupees."},
        )
        return await _record_page(request, user, session, form, 422)
    company = await companies.get(session, user.company_id)
    open_ = await repository.open_invoices(session, user.company_id, customer.customer_id, service.PAYABLE)
    approved = [
        i for i in open_ if approvals.is_approved(ApprovalStatus(i.approval_status), company.approval_chain)
    ]
    rows = allocation.owed(approved, customer.tds_rate, company.tds_sanity_percent)
    plan = allocation.oldest_first(received, rows)
    for row in rows:
        cash, tds = plan.get(row.invoice_id, (ZERO, ZERO))
        form.values[f"amount-{row.invoice_id}"] = f"{cash:.2f}" if cash else ""
        form.values[f"tds-{row.invoice_id}"] = f"{tds:.2f}" if tds else ""
    form.suggested = True
    return await _record_page(request, user, session, form)


# One payment ----------------------------------------------------------------------------------------------


async def _payment_page(
    request: Request,
    user: User,
    session: AsyncSession,
    payment_id: str,
    status: int = 200,
    problems_: Problems = NO_PROBLEMS,
    values: dict[str, str] | None = None,
) -> Response:
    payment = await service.get(session, user.company_id, payment_id)
    customer = await repository.customer(session, user.company_id, payment.customer_id)
    numbers = await repository.invoice_numbers(
        session, user.company_id, [a.invoice_id for a in payment.allocations]
    )
    entries = await repository.ledger_entries(session, user.company_id, payment_id)
    entry_numbers = await repository.invoice_numbers(
        session, user.company_id, [e.invoice_id for e in entries if e.invoice_id]
    )
    return render(
        request,
        "payments/show.html",
        status,
        user=user,
        payment=payment,
        customer=customer,
        numbers={**numbers, **entry_numbers},
        entries=entries,
        tds=await repository.tds_entry(session, user.company_id, payment_id),
        who=await repository.user_emails(
            session, user.company_id, [payment.created_by, payment.reversed_by or ""]
        ),
        reasons=REASONS,
        problems=problems_,
        values=values or {},
    )


@router.get("/app/payments/{payment_id}")
async def show_payment(
    request: Request, payment_id: PaymentIdPath, user: SignedIn, session: SessionDep
) -> Response:
    return await _payment_page(request, user, session, payment_id)


@router.get("/app/payments/{payment_id}/receipt")
async def payment_receipt(payment_id: PaymentIdPath, user: SignedIn, session: SessionDep) -> Response:
    name, content = await receipt.receipt_pdf(session, user.company_id, payment_id)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.post("/app/payments/{payment_id}/reverse")
async def reverse_payment(
    request: Request, payment_id: PaymentIdPath, user: Approver, session: SessionDep
) -> Response:
    posted = await form_of(request)
    values = {name: text(posted, name) for name in ("reason", "chargeAmount", "remarks")}
    charge = amount(values["chargeAmount"])
    if values["chargeAmount"] and (charge is None or charge <= 0):
        found = Problems(
            "Bank charge (₹) must be an amount above 0, or left empty.",
            {"chargeAmount": "must be an amount above 0, such as 590, or left empty"},
        )
        return await _payment_page(request, user, session, payment_id, 422, found, values)
    body = {"reason": values["reason"], "remarks": values["remarks"] or None, "chargeAmount": charge}
    try:
        done = await reversals.reverse(
            session, user.principal, user.company_id, payment_id, ReversalCreate.model_validate(body)
        )
    except NotFound:
        raise
    except (DuesError, ValidationError) as exc:
        await session.rollback()
        status = refusal_status(exc)
        return await _payment_page(request, user, session, payment_id, status, problems(exc), values)
    owed_again = len(done.invoices)
    owing = "1 invoice owes" if owed_again == 1 else f"{owed_again} invoices owe"
    charged = (
        f"; a debit note {done.payment.reversal_charge_invoice_id} charges the bank charge"
        if done.payment.reversal_charge_invoice_id
        else ""
    )
    return redirect(
        request,
        f"/app/payments/{payment_id}",
        flash=f"Payment {payment_id} reversed: {owing} again{charged}.",
    )


# The TDS register's pages are this area's too (a payment's TDS lands there); served by the same router.
router.include_router(tds_pages.router)
