"""Credit notes (api.md §9.1; CGST Act s.34, CGST Rules r.53): the rules, approval, and what a note moves.

A note credits a customer against one or more of its issued invoices, a part against each, taxed at that
invoice's place of supply. It follows the company's approval chain as invoices do. Until it is approved it
moves nothing; approved (ISSUED), each named invoice's balance falls by the note's part, or by what is left
of it, and what the balances could not take (the invoice was paid already) is the customer's credit, to be
applied to other invoices (dues.payments.credit) or refunded.

Over an invoice's life its notes never credit more than its total: the invoices are locked while a note is
made, submitted again or approved, and the notes against them that are not rejected are summed then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.auth.service import Principal
from dues.companies import service as companies
from dues.credit_notes import queries, repository
from dues.credit_notes.schemas import (
    AgainstInvoice,
    CreditNoteCreate,
    CreditNoteRead,
    CreditNoteStatus,
)
from dues.customers import service as customers
from dues.errors import Forbidden, NotFound, SubError, Unprocessable, ValidationFailed
from dues.events.bus import CreditNoteApproved, publish
from dues.invoices import approvals, kinds
from dues.invoices import repository as invoice_series
from dues.invoices import service as invoices
from dues.invoices.schemas import ApprovalAction, ApprovalRequest, ApprovalStatus, InvoiceCreate
from dues.invoices.settlement import Change, settle
from dues.kit import gst, ids
from dues.kit.money import ZERO
from dues.kit.timefmt import today_ist
from dues.ledger import service as ledger
from dues.ledger.service import Entry, EntryType
from dues.models import Company, Invoice
from dues.models.adjustment import CreditNote, CreditNoteInvoice, CreditNoteLine
from dues.payments import repository as money
from dues.webhooks import payloads
from dues.webhooks import service as webhooks

MAKERS = frozenset({"ADMIN", "MAKER"})
# The series a credit note counts in when the company names no prefix: never mistaken for an invoice's.
DEFAULT_PREFIX = "CN"
SERIES = "CREDIT_NOTE"


def ensure_maker(principal: Principal) -> None:
    if principal.role not in MAKERS:
        raise Forbidden("Only an ADMIN or a MAKER makes credit notes.")


def s34_deadline(invoice_financial_year: int) -> date:
    """CGST Act s.34(2): a credit note for a supply is declared by 30 November after the end of the
    financial year of that supply (the year April 2026 to March 2027 → 30 November 2027)."""
    return date(invoice_financial_year + 1, 11, 30)


@dataclass(frozen=True)
class _Part:
    """The note's part against one invoice, checked and computed."""

    invoice: Invoice
    field: str
    money: invoices.Amounts
    item: AgainstInvoice


def _intra_state(invoice: Invoice, company: Company) -> bool:
    """Whether the invoice was taxed within the seller's state: the taxes it charged say so; a nil-rated one
    is decided by its place of supply."""
    if invoice.igst > 0:
        return False
    if invoice.cgst > 0 or invoice.sgst > 0:
        return True
    return invoice.place_of_supply == company.state


def _no_gst(invoice: Invoice, company: Company) -> bool:
    """A bill of supply charged no GST, so a note against it returns none; nor does a seller without a
    GSTIN charge any on an invoice that had none."""
    if invoice.document_type == kinds.BILL_OF_SUPPLY:
        return True
    charged = invoice.cgst + invoice.sgst + invoice.igst + invoice.cess
    return not company.gstin and charged == 0


def _part_amounts(item: AgainstInvoice, invoice: Invoice, company: Company, field: str) -> invoices.Amounts:
    """The part's amounts by the invoices' own GST rules, at the invoice's place of supply; 422 naming
    ``againstInvoices[i].<field>`` for every figure that breaks them."""
    body = InvoiceCreate.model_construct(
        customer_id=invoice.customer_id,
        due_date=invoice.due_date,
        base_amount=item.base_amount,
        cgst=item.cgst,
        sgst=item.sgst,
        igst=item.igst,
        cess=item.cess,
        line_items=item.line_items,
        gst_exclusive=True,
    )
    if _no_gst(invoice, company):
        why = f"invoice {invoice.invoice_number} is a bill of supply: its credit note returns no GST"
        given = (("cgst", item.cgst), ("sgst", item.sgst), ("igst", item.igst), ("cess", item.cess))
        problems = [SubError(f"{field}.{name}", why, str(value)) for name, value in given if value]
        problems += [
            SubError(f"{field}.lineItems[{n}].gstRate", why, str(line.gst_rate))
            for n, line in enumerate(item.line_items or [])
            if line.gst_rate
        ]
        if problems:
            raise ValidationFailed.of(problems)
    try:
        return invoices.amounts(body, _intra_state(invoice, company), invoice.place_of_supply)
    except ValidationFailed as exc:
        raise ValidationFailed.of(
            [SubError(f"{field}.{sub.field}", sub.message, sub.rejected_value) for sub in exc.sub_errors]
        ) from exc


def _parts(
    data: CreditNoteCreate, locked: dict[str, Invoice], company: Company, note_date: date
) -> list[_Part]:
    """Each part against its locked invoice: the customer's, issued, dated on or before the note and within
    s.34(2)'s limit; its amounts by the GST rules. 422 naming every field that fails."""
    problems: list[SubError] = []
    date_problem: SubError | None = None
    parts: list[_Part] = []
    for n, item in enumerate(data.against_invoices):
        field = f"againstInvoices[{n}]"
        invoice = locked.get(item.invoice_id)
        if invoice is None:
            problems.append(
                SubError(f"{field}.invoiceId", "is not an invoice of this company", item.invoice_id)
            )
            continue
        if invoice.customer_id != data.customer_id:
            problems.append(
                SubError(
                    f"{field}.invoiceId",
                    f"is an invoice of another customer ({invoice.customer_id})",
                    item.invoice_id,
                )
            )
            continue
        if invoice.status == "COLLECTION_DELETED":
            problems.append(SubError(f"{field}.invoiceId", "was withdrawn from collection", item.invoice_id))
            continue
        if not invoice.posted:
            problems.append(
                SubError(
                    f"{field}.invoiceId",
                    f"is not approved yet (approvalStatus {invoice.approval_status}): change the invoice "
                    "instead of crediting it",
                    item.invoice_id,
                )
            )
            continue
        deadline = s34_deadline(invoice.financial_year)
        if date_problem is None and note_date < invoice.invoice_date:
            date_problem = SubError(
                "noteDate",
                f"must not be before the date of invoice {invoice.invoice_number} "
                f"({invoice.invoice_date.isoformat()})",
                note_date.isoformat(),
            )
        elif date_problem is None and note_date > deadline:
            label = gst.financial_year_label(invoice.financial_year)
            date_problem = SubError(
                "noteDate",
                f"is after {deadline.isoformat()}: a credit note for invoice {invoice.invoice_number} of "
                f"financial year {label} is issued by 30 November after that year ends (CGST Act s.34(2))",
                note_date.isoformat(),
            )
        try:
            parts.append(_Part(invoice, field, _part_amounts(item, invoice, company, field), item))
        except ValidationFailed as exc:
            problems.extend(exc.sub_errors)
    if date_problem is not None:
        problems.insert(0, date_problem)
    if problems:
        raise ValidationFailed.of(problems)
    return parts


def _over_life(parts: Sequence[tuple[str, Invoice, Decimal]], earlier: dict[str, Decimal]) -> list[SubError]:
    """An invoice is never credited beyond its total over its life: this note's part and every note against
    it that is not rejected. ``parts``: (field, locked invoice, part total); a problem for each that would."""
    problems: list[SubError] = []
    for field, invoice, total in parts:
        before = earlier.get(invoice.invoice_id, ZERO)
        left = invoice.total_amount - before
        if total > left:
            problems.append(
                SubError(
                    field,
                    f"credits {total:.2f}, more than is left to credit on invoice {invoice.invoice_number}: "
                    f"its total is {invoice.total_amount:.2f} and its other credit notes come to "
                    f"{before:.2f}, so at most {max(left, ZERO):.2f}",
                    str(total),
                )
            )
    return problems


def _first_approval(company: Company) -> ApprovalStatus:
    if company.approval_chain == "NONE":
        return ApprovalStatus.APPROVER_APPROVED
    return ApprovalStatus.CHECKER_APPROVAL_PENDING


async def _number(session: AsyncSession, company: Company, fy: int) -> str:
    """The next number of the seller's credit note series for the year, stepping over numbers typed by hand.
    The series row stays locked to the commit (no gaps), so this is taken late in the request."""
    label = gst.financial_year_label(fy)
    head, width = kinds.series_head(company.credit_note_prefix or DEFAULT_PREFIX, fy)
    exhausted = ValidationFailed.field(
        "noteNumber", f"the credit note series of {label} is exhausted; give note numbers by hand", None
    )
    if width < 1:
        raise exhausted
    while True:
        sequence = await invoice_series.next_number(session, company.company_id, fy, SERIES)
        number = f"{head}{sequence:0{width}d}"
        if len(number) > 16:
            raise exhausted
        if not await repository.number_taken(session, company.company_id, fy, number):
            return number


async def create(
    session: AsyncSession, principal: Principal, company_id: str, data: CreditNoteCreate
) -> CreditNoteRead:
    ensure_maker(principal)
    company = await companies.get(session, company_id)
    customer = await customers.get_model(session, company_id, data.customer_id)
    if customer is None:
        raise ValidationFailed.field("customerId", "is not a customer of this company", data.customer_id)
    today = today_ist()
    note_date = data.note_date or today
    if note_date > today:
        raise ValidationFailed.field(
            "noteDate",
            f"must not be in the future (today is {today.isoformat()}, IST)",
            note_date.isoformat(),
        )
    if data.external_id:
        holder = await repository.by_external_id(session, company_id, data.external_id)
        if holder is not None:
            raise ValidationFailed.field(
                "externalId", f"is already used by credit note {holder.credit_note_id}", data.external_id
            )
    wanted = [item.invoice_id for item in data.against_invoices]
    twice = [
        SubError(f"againstInvoices[{n}].invoiceId", "appears twice: one part per invoice", invoice_id)
        for n, invoice_id in enumerate(wanted)
        if invoice_id in wanted[:n]
    ]
    if twice:
        raise ValidationFailed.of(twice)
    locked = {i.invoice_id: i for i in await money.lock_invoices(session, company_id, wanted)}
    parts = _parts(data, locked, company, note_date)
    earlier = await repository.credited(session, company_id, wanted)
    over = _over_life(
        [
            (f"{p.field}.{'lineItems' if p.item.line_items else 'baseAmount'}", p.invoice, p.money.total)
            for p in parts
        ],
        earlier,
    )
    if over:
        raise ValidationFailed.of(over)
    fy = gst.financial_year(note_date)
    if data.note_number is not None and await repository.number_taken(
        session, company_id, fy, data.note_number
    ):
        label = gst.financial_year_label(fy)
        raise ValidationFailed.field(
            "noteNumber", f"is already used in financial year {label}", data.note_number
        )

    note_id = ids.credit_note_id()
    approval = _first_approval(company)

    def total(name: str) -> Decimal:
        return sum((getattr(p.money, name) for p in parts), ZERO)

    note = CreditNote(
        company_id=company_id,
        credit_note_id=note_id,
        customer_id=data.customer_id,
        financial_year=fy,
        note_date=note_date,
        reason=data.reason.value,
        description=data.description,
        external_id=data.external_id,
        base_amount=total("base"),
        cgst=total("cgst"),
        sgst=total("sgst"),
        igst=total("igst"),
        cess=total("cess"),
        total_amount=total("total"),
        applied_amount=ZERO,
        unapplied_amount=ZERO,
        refunded_amount=ZERO,
        approval_status=approval.value,
        status=CreditNoteStatus.PENDING.value,
        posted=False,
        dispatched=False,
        created_by=principal.user_id,
    )
    part_rows = [
        CreditNoteInvoice(
            company_id=company_id,
            credit_note_id=note_id,
            invoice_id=p.invoice.invoice_id,
            base_amount=p.money.base,
            cgst=p.money.cgst,
            sgst=p.money.sgst,
            igst=p.money.igst,
            cess=p.money.cess,
            total_amount=p.money.total,
        )
        for p in parts
    ]
    line_rows = [
        CreditNoteLine(
            company_id=company_id,
            credit_note_id=note_id,
            line_no=n,
            invoice_id=p.invoice.invoice_id,
            description=item.description,
            hsn_sac=item.hsn_sac,
            unit=item.unit,
            quantity=item.quantity,
            unit_price=item.unit_price,
            gst_rate=item.gst_rate,
            base_amount=tax.base,
            cgst=tax.cgst,
            sgst=tax.sgst,
            igst=tax.igst,
        )
        for n, (p, item, tax) in enumerate(
            (
                (p, item, tax)
                for p in parts
                for item, tax in zip(p.item.line_items or [], p.money.lines, strict=True)
            ),
            start=1,
        )
    ]
    # Last among the checks: the series row is locked from here to the commit.
    note.note_number = data.note_number or await _number(session, company, fy)
    if not await repository.insert(session, note, part_rows, line_rows):
        message = "was taken by a concurrent create; send the request again"
        if data.note_number is None and data.external_id is not None:
            raise ValidationFailed.field("externalId", message, data.external_id)
        raise ValidationFailed.field("noteNumber", message, note.note_number)
    await audit.record(
        session,
        company_id,
        principal.user_id,
        "credit_note",
        note_id,
        "CREATE",
        after={
            **audit.snapshot(note),
            "against_invoices": {r.invoice_id: str(r.total_amount) for r in part_rows},
        },
    )
    if approvals.is_approved(approval, company.approval_chain):
        await _issue(session, company_id, principal.user_id, note, part_rows, locked, created=True)
    else:
        await webhooks.emit_many(
            session, company_id, [_event("credit_note.created", note, part_rows, locked)]
        )
    return await queries.get(session, company_id, note_id)


async def _issue(
    session: AsyncSession,
    company_id: str,
    actor: str,
    note: CreditNote,
    parts: Sequence[CreditNoteInvoice],
    locked: dict[str, Invoice],
    *,
    created: bool = False,
) -> None:
    """Approved: the note is issued and moves the money. Each invoice's balance falls by the note's part, or
    by what is left of it; the rest is the customer's credit. Ledger entries last. ``created``: issued as it
    is made (no approval chain), so credit_note.created goes out too, showing the note issued."""
    applied: dict[str, Decimal] = {}
    for part in parts:
        invoice = locked[part.invoice_id]
        if not invoice.posted:
            raise Unprocessable(
                f"Invoice {invoice.invoice_id} was withdrawn from collection after this credit note was "
                "made: reject the note."
            )
        take = min(part.total_amount, invoice.balance_amount)
        if take > 0:
            applied[part.invoice_id] = take
    before = {i: _state(locked[i].paid_amount, locked[i].balance_amount, locked[i].status) for i in applied}
    settled = await settle(
        session,
        company_id,
        {invoice_id: Change(credited=amount) for invoice_id, amount in applied.items()},
        cause="CREDIT_NOTE",
        actor=actor,
    )
    applied_total = sum(applied.values(), ZERO)
    unapplied = note.total_amount - applied_total
    trail = []
    if unapplied > 0:
        balance = await money.add_credit(session, company_id, note.customer_id, unapplied)
        trail.append(
            audit.entry(
                company_id,
                actor,
                "customer",
                note.customer_id,
                "CREDIT",
                {"credit_balance": f"{balance - unapplied:.2f}"},
                {"credit_balance": f"{balance:.2f}"},
                reason=f"credit note {note.note_number}: what the invoices' balances could not take",
            )
        )
    note.posted = True
    note.status = CreditNoteStatus.ISSUED.value
    note.applied_amount = applied_total
    note.unapplied_amount = unapplied
    await session.flush()
    await repository.allocate(
        session, company_id, [(note.credit_note_id, i, a) for i, a in sorted(applied.items())]
    )
    trail.append(
        audit.entry(
            company_id,
            actor,
            "credit_note",
            note.credit_note_id,
            "ISSUE",
            None,
            {
                "status": note.status,
                "applied_amount": f"{applied_total:.2f}",
                "unapplied_amount": f"{unapplied:.2f}",
            },
        )
    )
    for invoice_id, amount in sorted(applied.items()):
        now_ = settled[invoice_id]
        trail.append(
            audit.entry(
                company_id,
                actor,
                "invoice",
                invoice_id,
                "CREDIT_NOTE",
                before[invoice_id],
                {
                    **_state(now_.paid_amount, now_.balance_amount, now_.status),
                    "credited_amount": f"{now_.credited_amount:.2f}",
                },
                reason=f"credit note {note.note_number}: {amount:.2f}",
            )
        )
    await audit.record_many(session, trail)
    types = ("credit_note.created", "credit_note.approved") if created else ("credit_note.approved",)
    await webhooks.emit_many(
        session, company_id, [_event(t, note, parts, locked, applied, settled) for t in types]
    )
    entries = [
        Entry(
            note.customer_id,
            note.note_date,
            EntryType.CREDIT_NOTE,
            note.credit_note_id,
            -amount,
            invoice_id=invoice_id,
            document_number=note.note_number,
        )
        for invoice_id, amount in sorted(applied.items())
    ]
    entries.append(
        Entry(
            note.customer_id,
            note.note_date,
            EntryType.CREDIT_NOTE,
            note.credit_note_id,
            -unapplied,
            document_number=note.note_number,
        )
    )
    await ledger.post(session, company_id, entries)
    await publish(session, CreditNoteApproved(company_id, note.credit_note_id))


def _state(paid: Decimal, balance: Decimal, status: str) -> dict[str, Any]:
    return {"paid_amount": f"{paid:.2f}", "balance_amount": f"{balance:.2f}", "status": status}


def _event(
    event_type: str,
    note: CreditNote,
    parts: Sequence[CreditNoteInvoice],
    locked: dict[str, Invoice],
    applied: dict[str, Decimal] | None = None,
    settled: dict[str, Any] | None = None,
) -> tuple[str, str, dict[str, Any]]:
    """credit_note.created and .approved (docs/webhooks.md): the note, and per invoice its part, what it
    lowered the balance by, and the balance and status as the note left them."""
    applied = applied or {}
    settled = settled or {}
    per_invoice = []
    for part in parts:
        invoice = locked[part.invoice_id]
        after = settled.get(part.invoice_id)
        per_invoice.append(
            {
                "invoiceId": part.invoice_id,
                "invoiceNumber": invoice.invoice_number,
                "amount": payloads.amount(part.total_amount),
                "appliedAmount": payloads.amount(applied.get(part.invoice_id, ZERO)),
                "balanceAmount": payloads.amount(after.balance_amount if after else invoice.balance_amount),
                "status": after.status if after else invoice.status,
            }
        )
    return event_type, note.credit_note_id, payloads.credit_note(note, per_invoice)


async def act(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    credit_note_id: str,
    request: ApprovalRequest,
) -> CreditNoteRead:
    """An approval step (api.md §4.2, as for invoices) on a locked note; approved, it is issued."""
    note = await repository.get(session, company_id, credit_note_id, for_update=True)
    if note is None:
        raise NotFound(f"No credit note {credit_note_id}.")
    company = await companies.get(session, company_id)
    before = ApprovalStatus(note.approval_status)
    after = approvals.next_status(
        before,
        company.approval_chain,
        request.action,
        role=principal.role,
        actor=principal.user_id,
        creator=note.created_by,
        document="credit note",
    )
    parts = [p for p, *_ in await repository.parts_of(session, company_id, [credit_note_id])]
    locked = {
        i.invoice_id: i for i in await money.lock_invoices(session, company_id, [p.invoice_id for p in parts])
    }
    status_before = note.status
    if request.action is ApprovalAction.SUBMIT:
        # Rejected notes do not count against an invoice's total: one submitted again must fit once more.
        earlier = await repository.credited(session, company_id, list(locked), but=credit_note_id)
        over = _over_life([("", locked[p.invoice_id], p.total_amount) for p in parts], earlier)
        if over:
            raise Unprocessable(
                f"Credit note {note.note_number} cannot be submitted again: it "
                + "; ".join(o.message for o in over)
                + "."
            )
        note.status = CreditNoteStatus.PENDING.value
    elif after in approvals.REJECTED:
        note.status = CreditNoteStatus.REJECTED.value
    note.approval_status = after.value
    await session.flush()
    await audit.record(
        session,
        company_id,
        principal.user_id,
        "credit_note",
        credit_note_id,
        str(request.action),
        {"approval_status": before.value, "status": status_before},
        {"approval_status": after.value, "status": note.status},
        reason=request.remarks,
    )
    if approvals.is_approved(after, company.approval_chain) and not note.posted:
        await _issue(session, company_id, principal.user_id, note, parts, locked)
    return await queries.get(session, company_id, credit_note_id)
