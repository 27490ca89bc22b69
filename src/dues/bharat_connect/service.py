"""Bharat Connect B2B, the invoices' side (api.md §8, docs/bharat-connect-flows.md): presentment on dispatch,
edits with the version bumped, the buyer's confirmation, the supplier's Change Invoice Status Request, and
what the network knows of an invoice. Also where the network's messages meet the flows: each inbound path's
handler is registered here (the payments' and cd-notes' rules are in their own modules).

Presentment follows dispatch: an invoice dispatched (or dispatchNow) for a customer with a B2B id, by a
company registered on the network, is presented in the dispatch's transaction (a QUEUED req-send-invoice,
sent after the commit by the transport). An invoice is presented once; re-dispatching it sends nothing more
on the network, and what changes on it goes as an edit (req-edit-invoice, version + 1).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.auth.service import Principal
from dues.bharat_connect import (
    bodies,
    cd_notes,
    inbound,
    messages,
    payment_flows,
    wire,
)
from dues.bharat_connect import flows_repository as repository
from dues.bharat_connect.common import NETWORK_ACTOR, emit, parse
from dues.bharat_connect.flows_schemas import (
    InvoiceNetworkRead,
    NetworkMessageRead,
    StatusChangeRequest,
    StatusChangeResult,
)
from dues.collection import service as collection
from dues.collection.schemas import DeleteRequest
from dues.companies import service as companies
from dues.errors import NotFound, SubError, Unprocessable
from dues.events.bus import InvoiceAmended, InvoicesDispatched, InvoicesHeld, InvoicesPresentedAgain, publish
from dues.kit import envelope
from dues.kit.timefmt import now
from dues.models import Company, Customer, Invoice, InvoiceLine
from dues.models.bharat_connect import BcInvoice, BcPayment

S = wire.InvoiceStatus
PRESENTED = "bharat_connect.invoice.presented"
CONFIRMED = "bharat_connect.invoice.confirmed"
# Where the buyer's answer, or the seller's edit, still counts: before any payment, and not cancelled.
ANSWERABLE = frozenset({S.PRESENTED, S.ACCEPTED, S.REJECTED, S.RETURNED})
PAYING = frozenset({S.PAYMENT_PENDING_CONFIRMATION, S.PARTIALLY_PAID, S.PAID})
# What the network's copy of an invoice no longer takes edits in.
CLOSED = frozenset({S.PAID, S.CANCELLED, S.WITHDRAWN})
ANSWERS = {
    wire.BuyerResponse.ACCEPT: S.ACCEPTED,
    wire.BuyerResponse.REJECT: S.REJECTED,
    wire.BuyerResponse.RETURN: S.RETURNED,
}
# Change Invoice Status Request (ours, api.md §8): the statuses each action starts from, and where it leads.
ACTIONS: dict[wire.SupplierAction, tuple[frozenset[str], str]] = {
    wire.SupplierAction.CANCEL: (ANSWERABLE, S.CANCELLED),
    wire.SupplierAction.WITHDRAW: (ANSWERABLE | {S.CANCELLED}, S.WITHDRAWN),
    wire.SupplierAction.MARK_PAID_OFFLINE: (ANSWERABLE | {S.PARTIALLY_PAID}, S.PAID),
    wire.SupplierAction.REOPEN: (frozenset({S.CANCELLED, S.REJECTED, S.RETURNED, S.PAID}), S.PRESENTED),
}


def _network_state(bc: BcInvoice) -> dict[str, Any]:
    return {"object_id": bc.object_id, "version": bc.version, "status": bc.status}


def _trail(
    bc: BcInvoice, actor: str, action: str, before: dict[str, Any] | None, reason: str | None = None
) -> dict[str, Any]:
    """The audit row of a change of the invoice on the network: objectId, version and status after it."""
    return audit.entry(
        bc.company_id, actor, "invoice", bc.invoice_id, action, before, _network_state(bc), reason=reason
    )


# ------------------------------------------------------------------------------------------- presentment


async def present_dispatched(session: AsyncSession, event: InvoicesDispatched) -> None:
    """Present the invoices just dispatched whose customers are on the network (and were never presented):
    one req-send-invoice each, queued in the dispatch's transaction. Nothing for a company not registered."""
    company_id = event.company_id
    supplier_b2b_id = await messages.supplier_b2b_id(session, company_id)
    if supplier_b2b_id is None:
        return
    found = await repository.presentable(session, company_id, event.invoice_ids)
    if not found:
        return
    company = await companies.get(session, company_id)
    lines: dict[str, list[InvoiceLine]] = defaultdict(list)
    for line in await repository.lines_of(session, company_id, [inv.invoice_id for inv, _ in found]):
        lines[line.invoice_id].append(line)
    trail = []
    for inv, customer in found:
        bc = await _present(session, company, supplier_b2b_id, inv, customer, lines[inv.invoice_id])
        trail.append(_trail(bc, NETWORK_ACTOR, "BHARAT_CONNECT_PRESENT", None))
    await audit.record_many(session, trail)


async def _present(
    session: AsyncSession,
    company: Company,
    supplier_b2b_id: str,
    inv: Invoice,
    customer: Customer,
    lines: Sequence[InvoiceLine],
) -> BcInvoice:
    buyer_b2b_id = str(customer.bharat_connect_b2b_id)
    object_id = wire.new_object_id("INV")
    invoice_object = bodies.invoice(
        company,
        customer,
        inv,
        lines,
        supplier_b2b_id=supplier_b2b_id,
        buyer_b2b_id=buyer_b2b_id,
        object_id=object_id,
        version=(0, 1),
        transition=(S.CREATED, S.PRESENTED),
        at=now(),
    )
    body = bodies.request(
        wire.SendInvoice,
        buyer_b2b_id,
        supplier_b2b_id,
        invoice=invoice_object,
        additionalInfos=bodies.invoice_infos(inv),
    )
    await messages.queue(
        session, company.company_id, wire.SEND_INVOICE, body, dues_id=inv.invoice_id, object_id=object_id
    )
    bc = BcInvoice(
        company_id=company.company_id,
        invoice_id=inv.invoice_id,
        object_id=object_id,
        version=1,
        status=S.PRESENTED.value,
        buyer_b2b_id=buyer_b2b_id,
    )
    repository.add(session, bc)
    await emit(
        session,
        company.company_id,
        PRESENTED,
        inv.invoice_id,
        wire.SEND_INVOICE,
        body,
        invoiceId=inv.invoice_id,
        objectId=object_id,
        status=bc.status,
    )
    return bc


def _comparable(invoice_object: dict[str, Any], infos: list[dict[str, str]]) -> Any:
    """What the buyer sees of an invoice, as JSON reads it back (amounts compared as the numbers sent)."""
    return orjson.loads(envelope.dumps([bodies.content(invoice_object), infos]))


async def present_amended(session: AsyncSession, event: InvoiceAmended) -> None:
    """An edit of a presented invoice: when what the buyer sees changed, a req-edit-invoice with its version
    bumped. An invoice awaiting the buyer's answer (or refused by it) is presented again and awaits a new
    answer; one being paid keeps its status; a paid, cancelled or withdrawn one takes no edits."""
    company_id, invoice_id = event.company_id, event.invoice_id
    bc = (await repository.bc_invoices(session, company_id, [invoice_id], for_update=True)).get(invoice_id)
    if bc is None or bc.status in CLOSED:
        return
    supplier_b2b_id = await messages.supplier_b2b_id(session, company_id)
    found = await repository.invoice_with_customer(session, company_id, invoice_id)
    if supplier_b2b_id is None or found is None:
        return
    inv, customer = found
    company = await companies.get(session, company_id)
    lines = await repository.lines_of(session, company_id, [invoice_id])
    before = _network_state(bc)
    status = S.PRESENTED.value if bc.status in ANSWERABLE else bc.status
    invoice_object = bodies.invoice(
        company,
        customer,
        inv,
        lines,
        supplier_b2b_id=supplier_b2b_id,
        buyer_b2b_id=bc.buyer_b2b_id,
        object_id=bc.object_id,
        version=(bc.version, bc.version + 1),
        transition=(bc.status, status),
        at=now(),
    )
    infos = bodies.invoice_infos(inv)
    last = await repository.last_presented_body(session, company_id, invoice_id)
    if last is not None and _comparable(last["invoice"], last.get("additionalInfos", [])) == _comparable(
        invoice_object, infos
    ):
        return  # nothing the buyer sees changed (an e-mail address, an external id)
    body = bodies.request(
        wire.SendInvoice, bc.buyer_b2b_id, supplier_b2b_id, invoice=invoice_object, additionalInfos=infos
    )
    await messages.queue(
        session, company_id, wire.EDIT_INVOICE, body, dues_id=invoice_id, object_id=bc.object_id
    )
    bc.version += 1
    refused = bc.status in (S.REJECTED, S.RETURNED)
    if status != bc.status:
        # The new version awaits its own answer: the buyer's answer to the old one is in the audit trail.
        bc.status = status
        bc.buyer_response = bc.buyer_remarks = bc.responded_on = None
    await session.flush()
    if refused:
        await publish(session, InvoicesPresentedAgain(company_id, (invoice_id,)))
    await audit.record_many(session, [_trail(bc, NETWORK_ACTOR, "BHARAT_CONNECT_EDIT", before)])
    await emit(
        session,
        company_id,
        PRESENTED,
        invoice_id,
        wire.EDIT_INVOICE,
        body,
        invoiceId=invoice_id,
        objectId=bc.object_id,
        status=bc.status,
    )


# ------------------------------------------------------------------------------------ the buyer's answer


async def confirm_invoice(session: AsyncSession, company_id: str, body: dict[str, Any]) -> None:
    """req-confirm-invoice: the buyer accepts, rejects or returns an invoice presented to it. A rejected or
    returned invoice shows the buyer's remarks and gets no more reminders (until presented again)."""
    message = parse(wire.ConfirmInvoice, body)
    answer = message.invoiceConfirmation
    found = await repository.bc_invoices_by_object(session, company_id, [answer.objectId], for_update=True)
    bc = found.get(answer.objectId)
    if bc is None:
        raise NotFound(f"No invoice of this supplier was presented as {answer.objectId}.")
    if answer.objectVersion.newVersion < bc.version:
        raise Unprocessable(
            f"The answer is to version {answer.objectVersion.newVersion} of invoice "
            f"{answer.supplierInvoiceNumber}; it is at version {bc.version} now: answer that one."
        )
    new = ANSWERS[answer.buyerResponse]
    if bc.status in (S.CANCELLED, S.WITHDRAWN) or (bc.status in PAYING and new != S.ACCEPTED):
        raise Unprocessable(
            f"Invoice {answer.supplierInvoiceNumber} is {bc.status} on the network; it can no longer be "
            f"{new.lower()}."
        )
    before = {**_network_state(bc), "buyer_response": bc.buyer_response}
    if bc.status not in PAYING:
        bc.status = new.value
    bc.buyer_response = answer.buyerResponse.value
    bc.buyer_remarks = answer.buyerRemarks
    bc.responded_on = now()
    await session.flush()
    await repository.tag_inbound(session, company_id, message.reqMsgId, bc.invoice_id, bc.object_id)
    await audit.record_many(
        session,
        [
            _trail(
                bc, NETWORK_ACTOR, f"BHARAT_CONNECT_{answer.buyerResponse.value}", before, answer.buyerRemarks
            )
        ],
    )
    if new in (S.REJECTED, S.RETURNED):
        await publish(session, InvoicesHeld(company_id, (bc.invoice_id,), new.value, answer.buyerRemarks))
    await emit(
        session,
        company_id,
        CONFIRMED,
        bc.invoice_id,
        wire.CONFIRM_INVOICE,
        body,
        invoiceId=bc.invoice_id,
        objectId=bc.object_id,
        status=bc.status,
    )


# --------------------------------------------------------------------------- Change Invoice Status Request


def _refusal(bc: BcInvoice | None, action: wire.SupplierAction, balance: Any) -> str | None:
    if bc is None:
        return "was not presented on Bharat Connect"
    starts, _ = ACTIONS[action]
    if bc.status not in starts:
        return f"is {bc.status} on the network: {action.value} applies to {', '.join(sorted(starts))} only"
    if action is wire.SupplierAction.REOPEN and bc.status == S.PAID and balance == 0:
        return "is paid in full in dues: there is nothing to reopen"
    return None


async def change_status(
    session: AsyncSession, principal: Principal, company_id: str, request: StatusChangeRequest
) -> list[StatusChangeResult]:
    """Change Invoice Status Request: the action on every invoice named, each told to the network by a
    req-status-change-invoice; all or nothing (422 naming each invoice that cannot take it). WITHDRAW also
    withdraws the invoices from collection in dues (Delete Invoice Collection)."""
    wanted = list(dict.fromkeys(request.invoice_ids))
    locked = await repository.bc_invoices(session, company_id, wanted, for_update=True)
    states = await repository.invoice_states(session, company_id, wanted)
    problems = []
    for n, invoice_id in enumerate(request.invoice_ids):
        if invoice_id not in states:
            problems.append(SubError(f"invoiceIds[{n}]", "is not an invoice of this company", invoice_id))
            continue
        refusal = _refusal(locked.get(invoice_id), request.action, states[invoice_id][1])
        if refusal:
            problems.append(SubError(f"invoiceIds[{n}]", refusal, invoice_id))
    if problems:
        raise Unprocessable(
            f"{request.action.value} was applied to none of the invoices: "
            + "; ".join(f"{p.rejected_value} {p.message}" for p in problems),
            problems,
        )
    supplier_b2b_id = await messages.supplier_b2b_id(session, company_id)
    if supplier_b2b_id is None:
        raise Unprocessable("The company is not registered on Bharat Connect: register it first.")
    if request.action is wire.SupplierAction.WITHDRAW:
        await _withdraw_from_collection(session, principal, company_id, wanted, request.remarks)
    _, new = ACTIONS[request.action]
    numbers = await repository.invoice_numbers(session, company_id, wanted)
    results, trail = [], []
    presented_again: list[str] = []
    for invoice_id in wanted:
        bc = locked[invoice_id]
        before = _network_state(bc)
        change = {
            "objectId": bc.object_id,
            "supplierInvoiceNumber": numbers[invoice_id],
            "objectVersion": wire.version(bc.version, bc.version),
            "supplierAction": request.action.value,
            "supplierRemarks": request.remarks,
            "statusTransition": wire.transition(bc.status, new),
        }
        body = bodies.request(
            wire.StatusChangeInvoice, bc.buyer_b2b_id, supplier_b2b_id, invoiceStatus=change
        )
        message_id = await messages.queue(
            session, company_id, wire.STATUS_CHANGE_INVOICE, body, dues_id=invoice_id, object_id=bc.object_id
        )
        if request.action is wire.SupplierAction.REOPEN:
            if bc.status in (S.REJECTED, S.RETURNED):
                presented_again.append(invoice_id)
            # Presented again, it awaits a new answer: the old one stays in the audit trail.
            bc.buyer_response = bc.buyer_remarks = bc.responded_on = None
        bc.status = new
        trail.append(
            _trail(bc, principal.user_id, f"BHARAT_CONNECT_{request.action.value}", before, request.remarks)
        )
        results.append(
            StatusChangeResult(
                invoice_id=invoice_id,
                object_id=bc.object_id,
                version=bc.version,
                status=wire.InvoiceStatus(bc.status),
                message_id=message_id,
            )
        )
    await session.flush()
    await audit.record_many(session, trail)
    if request.action is wire.SupplierAction.CANCEL:
        await publish(session, InvoicesHeld(company_id, tuple(wanted), S.CANCELLED.value, request.remarks))
    if presented_again:
        await publish(session, InvoicesPresentedAgain(company_id, tuple(presented_again)))
    return results


async def _withdraw_from_collection(
    session: AsyncSession, principal: Principal, company_id: str, invoice_ids: list[str], remarks: str | None
) -> None:
    reason = remarks or "Withdrawn on Bharat Connect"
    answer = await collection.delete(
        session, principal, company_id, DeleteRequest.model_construct(invoice_ids=invoice_ids, reason=reason)
    )
    failed = [r for r in answer["results"] if not r["success"]]
    if failed:
        raise Unprocessable(
            "WITHDRAW was applied to none of the invoices: "
            + "; ".join(f"{r['invoiceId']}: {r['errorMessage']}" for r in failed),
            [
                SubError(
                    f"invoiceIds[{invoice_ids.index(r['invoiceId'])}]", r["errorMessage"], r["invoiceId"]
                )
                for r in failed
            ],
        )


# ------------------------------------------------------------------------------------ what the network knows


def _message_read(m: Any) -> NetworkMessageRead:
    return NetworkMessageRead(
        message_id=m.message_id,
        direction=m.direction,
        type=m.path.rsplit("/", 1)[-1],
        path=m.path,
        req_msg_id=m.req_msg_id,
        at=m.created_on,
        state=m.state,
        result=m.result,
        error_cd=m.error_cd,
        error_dtl=m.error_dtl,
    )


async def status_of(session: AsyncSession, company_id: str, invoice_id: str) -> InvoiceNetworkRead:
    """The invoice on the network: its objectId, version, status, the buyer's answer, and every message about
    it (and about the network payments that pay it), oldest first."""
    bc = (await repository.bc_invoices(session, company_id, [invoice_id])).get(invoice_id)
    if bc is None:
        if not await repository.invoice_states(session, company_id, [invoice_id]):
            raise NotFound(f"No invoice {invoice_id}.")
        raise NotFound(f"Invoice {invoice_id} was not presented on Bharat Connect.")
    paying = await repository.payments_naming(session, company_id, bc.object_id)
    # A payment's messages are filed under dues's payment once recorded (under the invoice while held).
    recorded = [p.payment_id for p in paying if p.payment_id is not None]
    found = await repository.messages_of(session, company_id, [invoice_id, *recorded])
    named = {o for p in paying for o in _object_ids(p)}
    invoices_of = {
        o: b.invoice_id
        for o, b in (await repository.bc_invoices_by_object(session, company_id, sorted(named))).items()
    }
    return InvoiceNetworkRead(
        invoice_id=bc.invoice_id,
        object_id=bc.object_id,
        version=bc.version,
        status=wire.InvoiceStatus(bc.status),
        buyer_b2b_id=bc.buyer_b2b_id,
        buyer_response=bc.buyer_response,
        buyer_remarks=bc.buyer_remarks,
        responded_on=bc.responded_on,
        payments=[
            payment_flows.read(p, [invoices_of[o] for o in _object_ids(p) if o in invoices_of])
            for p in paying
        ],
        messages=[_message_read(m) for m in found],
    )


def _object_ids(payment: BcPayment) -> list[str]:
    return [str(info.get("objectId")) for info in payment.invoices]


# ------------------------------------------------------------------------ the network's messages, received


@inbound.handler(wire.CONFIRM_INVOICE)
async def _confirm_invoice(session: AsyncSession, company_id: str, body: dict[str, Any]) -> None:
    await confirm_invoice(session, company_id, body)


@inbound.handler(wire.PAY)
async def _pay(session: AsyncSession, company_id: str, body: dict[str, Any]) -> None:
    await payment_flows.received(session, company_id, body)


@inbound.handler(wire.CONFIRM_CD_NOTE)
async def _confirm_cd_note(session: AsyncSession, company_id: str, body: dict[str, Any]) -> None:
    await cd_notes.confirmed(session, company_id, body)
