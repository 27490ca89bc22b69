"""Bharat Connect B2B, the payments' side (api.md §8, docs/bharat-connect-flows.md): the buyer's req-pay and
the supplier's Payment Confirmation Request.

An ONPLATFORM payment (the money moved on the network) is recorded as a dues payment at once, through
dues.payments.service, so the ledger, reminders and webhooks follow as for any payment, and the network is
told ACCEPT. An OFFPLATFORM one (the buyer says it paid some other way) is HELD until the supplier confirms
it: ACCEPT records it the same way; REJECT puts its invoices back to awaiting payment.

How a network payment becomes a dues payment (ours; EnKash publishes no mapping):
- each invoicesPayInfos entry is an allocation to the invoice presented under its objectId: its
  invoicePaymentAmount.netPaidAmount in cash, plus the buyer's TDS when a split of that entry is named
  "TDS" (any case): the split's value is the tdsAmount, at most the entry's netAdjustmentAmount, and the
  split's refNo is the deductor's TAN. The section is the customer's tdsSection, else OTHER. TDS with no TAN
  in its refNo is not recorded: the cash is, and the TDS stays owed until the seller records it with the
  buyer's certificate (POST /api/v0/payment, amount 0, tdsAmount). Other adjustments stay owed too;
- the payment's amount is paymentAmount.netPaidAmount; what the allocations leave is the customer's credit;
- the mode maps as MODES says; the reference is the UTR, or the payment's objectId when it has none;
- paidOn is the day (IST) of the payment's ts; for a held payment accepted later, the day dues received it.
A payment dues cannot apply as the network reports it (more than an invoice owes, a part-payment an invoice
does not allow, a UTR already recorded, invoices of two customers) is refused with the reason.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.auth.service import Principal
from dues.bharat_connect import bodies, messages, wire
from dues.bharat_connect import flows_repository as repository
from dues.bharat_connect.common import NETWORK_ACTOR, emit, network_principal, parse
from dues.bharat_connect.flows_schemas import NetworkPaymentRead, PaymentConfirmationRequest
from dues.customers import service as customers
from dues.errors import NotFound, SubError, Unprocessable, ValidationFailed, sub_errors_from_pydantic
from dues.kit import envelope
from dues.kit.money import ZERO
from dues.kit.tds import TAN
from dues.kit.timefmt import IST, now, today_ist
from dues.models import Customer
from dues.models.bharat_connect import BcInvoice, BcPayment
from dues.payments import service as payments
from dues.payments.schemas import PaymentCreate, PaymentMode, PaymentRead

S = wire.InvoiceStatus
RECEIVED = "bharat_connect.payment.received"
# EnKash's modes as dues's (ours): card-like and wallet payments are collected by a gateway, as dues's CARD
# is; net banking and account transfers settle as bank transfers (NEFT).
MODES = {
    wire.PaymentMode.INTERNET_BANKING: PaymentMode.NEFT,
    wire.PaymentMode.ACCOUNT_TRANSFER: PaymentMode.NEFT,
    wire.PaymentMode.NEFT: PaymentMode.NEFT,
    wire.PaymentMode.IMPS: PaymentMode.IMPS,
    wire.PaymentMode.UPI: PaymentMode.UPI,
    wire.PaymentMode.DEBIT_CARD: PaymentMode.CARD,
    wire.PaymentMode.CREDIT_CARD: PaymentMode.CARD,
    wire.PaymentMode.PREPAID_CARD: PaymentMode.CARD,
    wire.PaymentMode.WALLET: PaymentMode.CARD,
    wire.PaymentMode.CASH: PaymentMode.CASH,
    wire.PaymentMode.CHEQUE: PaymentMode.CHEQUE,
}
TDS_SPLIT = "TDS"
HELD, RECORDED, REJECTED = "HELD", "RECORDED", "REJECTED"


def _jsonable(value: Any) -> Any:
    """Decimals as JSON numbers, for a jsonb column."""
    return orjson.loads(envelope.dumps(value))


def _day(ts: datetime) -> date:
    at = ts if ts.tzinfo is not None else ts.replace(tzinfo=IST)
    return min(at.astimezone(IST).date(), today_ist())


def _tds(info: wire.InvoicePayInfo, field: str) -> tuple[Decimal, str | None]:
    """The buyer's TDS on one invoice, from its splits named TDS, and the TAN their refNo carries."""
    splits = [s for s in info.invoicePaymentAmount.splits if s.name.strip().upper() == TDS_SPLIT]
    tds = sum((s.value for s in splits), ZERO)
    if tds > info.invoicePaymentAmount.netAdjustmentAmount:
        raise ValidationFailed.field(
            f"{field}.invoicePaymentAmount.splits",
            f"take {tds} as TDS, more than the netAdjustmentAmount "
            f"({info.invoicePaymentAmount.netAdjustmentAmount})",
        )
    tans = [s.refNo.strip().upper() for s in splits if s.refNo and TAN.match(s.refNo.strip().upper())]
    return tds, tans[0] if tans else None


async def _record(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    customer: Customer,
    payment: wire.Payment,
    by_object: dict[str, BcInvoice],
    paid_on: date,
) -> PaymentRead:
    """The network payment as a dues payment (the rules in this module's docstring)."""
    allocations: list[dict[str, Any]] = []
    tans: list[str] = []
    for n, info in enumerate(payment.invoicesPayInfos):
        tds, tan = _tds(info, f"payment.invoicesPayInfos[{n}]")
        if tan:
            tans.append(tan)
        allocations.append(
            {
                "invoiceId": by_object[info.objectId].invoice_id,
                "amount": info.invoicePaymentAmount.netPaidAmount,
                "tdsAmount": tds,
            }
        )
    if not tans:
        for allocation in allocations:
            allocation["tdsAmount"] = ZERO
    data: dict[str, Any] = {
        "mode": MODES[payment.mode].value,
        "amount": payment.paymentAmount.netPaidAmount,
        "reference": payment.utr or payment.objectId,
        "paidOn": paid_on,
        "customerId": customer.customer_id,
        "allocations": [a for a in allocations if a["amount"] > 0 or a["tdsAmount"] > 0],
    }
    if any(a["tdsAmount"] > 0 for a in allocations):
        data.update(tdsSection=customer.tds_section or "OTHER", deductorTan=tans[0])
    try:
        create = PaymentCreate.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed.of(sub_errors_from_pydantic(exc.errors())) from None
    return await payments.record(session, principal, company_id, create)


def _as_payment(row: BcPayment) -> wire.Payment:
    """A held payment as the network reported it (what dues kept of it)."""
    return wire.Payment.model_validate(
        {
            "objectId": row.object_id,
            "ts": row.received_on,
            "type": row.payment_type,
            "mode": row.mode,
            "utr": row.utr,
            "paymentAmount": {
                "netPaidAmount": row.net_paid,
                "netAdjustmentAmount": row.net_adjustment,
                "totalAmount": row.total,
            },
            "invoicesPayInfos": row.invoices,
        }
    )


async def _confirm_to_network(
    session: AsyncSession,
    company_id: str,
    row: BcPayment,
    response: wire.SupplierResponse,
    remarks: str | None,
    moved: list[tuple[BcInvoice, str]],
) -> str | None:
    """req-pay-confirmation: the supplier's answer, with each invoice's status before and after it."""
    supplier_b2b_id = await messages.supplier_b2b_id(session, company_id)
    if supplier_b2b_id is None or not moved:
        return None
    numbers = await repository.invoice_numbers(session, company_id, [b.invoice_id for b, _ in moved])
    confirmation = {
        "objectId": row.object_id,
        "ts": now(),
        "type": row.payment_type,
        "supplierResponse": response.value,
        "supplierRemarks": remarks,
        "invoiceInfos": [
            {
                "objectId": bc.object_id,
                "supplierInvoiceNumber": numbers[bc.invoice_id],
                "objectVersion": wire.version(bc.version, bc.version),
                "statusTransition": wire.transition(before, bc.status),
            }
            for bc, before in moved
        ],
    }
    body = bodies.request(
        wire.PayConfirmation, moved[0][0].buyer_b2b_id, supplier_b2b_id, paymentConfirmation=confirmation
    )
    dues_id = moved[0][0].invoice_id if len(moved) == 1 else row.payment_id
    return await messages.queue(
        session, company_id, wire.PAY_CONFIRMATION, body, dues_id=dues_id, object_id=row.object_id
    )


async def _settle(
    session: AsyncSession, company_id: str, found: dict[str, BcInvoice], to: dict[str, str]
) -> list[tuple[BcInvoice, str]]:
    """Each invoice's network status set to ``to[invoice_id]``; (record, status before) per invoice."""
    moved = []
    for bc in found.values():
        moved.append((bc, bc.status))
        bc.status = to[bc.invoice_id]
    await session.flush()
    return moved


async def _paid_statuses(
    session: AsyncSession, company_id: str, found: dict[str, BcInvoice]
) -> dict[str, str]:
    """PAID or PARTIALLY_PAID, by what dues's invoices owe now."""
    states = await repository.invoice_states(session, company_id, [b.invoice_id for b in found.values()])
    return {i: (S.PAID if balance == 0 else S.PARTIALLY_PAID).value for i, (_, balance, _) in states.items()}


def _trail(actor: str, moved: list[tuple[BcInvoice, str]], action: str, reason: str) -> list[dict[str, Any]]:
    return [
        audit.entry(
            bc.company_id,
            actor,
            "invoice",
            bc.invoice_id,
            action,
            {"status": before},
            {"object_id": bc.object_id, "version": bc.version, "status": bc.status},
            reason=reason,
        )
        for bc, before in moved
    ]


async def _accept(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    row: BcPayment,
    payment: wire.Payment,
    found: dict[str, BcInvoice],
    paid_on: date,
    remarks: str | None,
) -> str | None:
    """Record the payment, set its invoices PAID or PARTIALLY_PAID, tell the network ACCEPT."""
    dues_ids = [b.invoice_id for b in found.values()]
    customer_ids = await repository.customers_of(session, company_id, dues_ids)
    if len(set(customer_ids.values())) != 1:
        raise ValidationFailed.field(
            "payment.invoicesPayInfos",
            "name invoices of more than one customer: a payment is one customer's",
            sorted(set(customer_ids.values())),
        )
    customer = await customers.get_model(session, company_id, next(iter(customer_ids.values())))
    assert customer is not None
    recorded = await _record(session, principal, company_id, customer, payment, found, paid_on)
    row.status = RECORDED
    row.payment_id = recorded.payment_id
    row.confirmed_on = now()
    row.supplier_remarks = remarks or f"Recorded as payment {recorded.payment_id}"
    moved = await _settle(session, company_id, found, await _paid_statuses(session, company_id, found))
    await audit.record_many(
        session, _trail(principal.user_id, moved, "BHARAT_CONNECT_PAYMENT", f"payment {recorded.payment_id}")
    )
    return await _confirm_to_network(
        session, company_id, row, wire.SupplierResponse.ACCEPT, row.supplier_remarks, moved
    )


async def received(session: AsyncSession, company_id: str, body: dict[str, Any]) -> None:
    """req-pay: the buyer paid invoices presented to it, on the platform or off it."""
    message = parse(wire.Pay, body)
    payment = message.payment
    if payment.currency != wire.CURRENCY:
        raise ValidationFailed.field("payment.currency", "must be INR", payment.currency)
    if await repository.bc_payment(session, company_id, payment.objectId) is not None:
        return  # the same payment reported again, in another message: applied once
    object_ids = [info.objectId for info in payment.invoicesPayInfos]
    if len(set(object_ids)) != len(object_ids):
        raise ValidationFailed.field("payment.invoicesPayInfos", "name an invoice twice", object_ids)
    found = await repository.bc_invoices_by_object(session, company_id, object_ids, for_update=True)
    missing = [o for o in object_ids if o not in found]
    if missing:
        raise NotFound(f"No invoice of this supplier was presented as {', '.join(missing)}.")
    closed = [b for b in found.values() if b.status in (S.CANCELLED, S.WITHDRAWN)]
    if closed:
        raise Unprocessable(
            "The payment names invoices that are "
            + ", ".join(f"{b.status} ({b.object_id})" for b in closed)
            + " on the network; they take no payments."
        )
    row = BcPayment(
        company_id=company_id,
        object_id=payment.objectId,
        payment_type=payment.type.value,
        mode=payment.mode.value,
        utr=payment.utr,
        net_paid=payment.paymentAmount.netPaidAmount,
        net_adjustment=payment.paymentAmount.netAdjustmentAmount,
        total=payment.paymentAmount.totalAmount,
        invoices=_jsonable(body["payment"]["invoicesPayInfos"]),
        status=HELD,
    )
    repository.add(session, row)
    if payment.type is wire.PaymentType.ONPLATFORM:
        principal = network_principal(company_id)
        await _accept(session, principal, company_id, row, payment, found, _day(payment.ts), None)
    else:
        pending = {b.invoice_id: S.PAYMENT_PENDING_CONFIRMATION.value for b in found.values()}
        moved = await _settle(session, company_id, found, pending)
        await audit.record_many(
            session, _trail(NETWORK_ACTOR, moved, "BHARAT_CONNECT_PAYMENT", f"held: {payment.objectId}")
        )
    await session.flush()
    invoice_ids = [found[o].invoice_id for o in object_ids]
    dues_id = invoice_ids[0] if len(invoice_ids) == 1 else row.payment_id
    await repository.tag_inbound(session, company_id, message.reqMsgId, dues_id, payment.objectId)
    await emit(
        session,
        company_id,
        RECEIVED,
        row.payment_id or invoice_ids[0],
        wire.PAY,
        body,
        objectId=payment.objectId,
        paymentId=row.payment_id,
        invoiceIds=invoice_ids,
        status=row.status,
    )


# ---------------------------------------------------------------------------- Payment Confirmation Request


async def _payment_row(session: AsyncSession, company_id: str, ref: str) -> BcPayment:
    if ref.startswith("PAY"):
        row = await repository.bc_payment_of(session, company_id, ref, for_update=True)
    else:
        row = await repository.bc_payment(session, company_id, ref, for_update=True)
    if row is None:
        raise NotFound(f"No payment {ref} was reported by the network.")
    return row


def _named(request: PaymentConfirmationRequest, found: dict[str, BcInvoice], ref: str) -> list[SubError]:
    """The invoices the request names must be those the payment pays, every one."""
    paid = {b.invoice_id for b in found.values()}
    problems = [
        SubError(f"invoiceIds[{n}]", f"is not an invoice payment {ref} pays", invoice_id)
        for n, invoice_id in enumerate(request.invoice_ids)
        if invoice_id not in paid
    ]
    left_out = sorted(paid - set(request.invoice_ids))
    if left_out:
        problems.append(
            SubError("invoiceIds", f"leave out {', '.join(left_out)}, which payment {ref} also pays", None)
        )
    return problems


def read(row: BcPayment, invoice_ids: list[str], message_id: str | None = None) -> NetworkPaymentRead:
    return NetworkPaymentRead(
        object_id=row.object_id,
        payment_id=row.payment_id,
        type=wire.PaymentType(row.payment_type),
        mode=row.mode,
        utr=row.utr,
        net_paid_amount=row.net_paid,
        net_adjustment_amount=row.net_adjustment,
        total_amount=row.total,
        status=row.status,
        invoice_ids=invoice_ids,
        supplier_remarks=row.supplier_remarks,
        received_on=row.received_on,
        confirmed_on=row.confirmed_on,
        message_id=message_id,
    )


async def confirm(
    session: AsyncSession, principal: Principal, company_id: str, request: PaymentConfirmationRequest
) -> NetworkPaymentRead:
    """Payment Confirmation Request: the supplier accepts or rejects a payment the network reported. ACCEPT of
    a held OFFPLATFORM payment records it; REJECT puts its invoices back to awaiting payment; ACCEPT of a
    payment already recorded confirms it to the network again. Always a req-pay-confirmation."""
    ref = request.payment_id
    row = await _payment_row(session, company_id, ref)
    if request.type.value != row.payment_type:
        raise ValidationFailed.field(
            "type", f"is not payment {ref}'s: it is {row.payment_type}", request.type
        )
    if request.response is wire.SupplierResponse.REJECT and row.payment_type == wire.PaymentType.ONPLATFORM:
        raise Unprocessable(
            f"Payment {ref} was made ONPLATFORM: the money moved on the network, so it cannot be rejected "
            "(only OFFPLATFORM payments can). Reverse the recorded payment if it must be undone."
        )
    object_ids = [info["objectId"] for info in row.invoices]
    found = await repository.bc_invoices_by_object(session, company_id, object_ids, for_update=True)
    problems = _named(request, found, ref)
    if problems:
        raise ValidationFailed.of(problems)
    accept = request.response is wire.SupplierResponse.ACCEPT
    if row.status == REJECTED:
        raise Unprocessable(f"Payment {ref} was rejected already; the buyer pays again with a new payment.")
    if row.status == RECORDED and not accept:
        raise Unprocessable(
            f"Payment {ref} was accepted and recorded as {row.payment_id}; reverse that payment instead."
        )
    if row.status == RECORDED:
        # Confirmed again (a client that confirms every payment): nothing changes but the message.
        row.supplier_remarks = request.remarks
        unchanged = [(b, b.status) for b in found.values()]
        message_id = await _confirm_to_network(
            session, company_id, row, wire.SupplierResponse.ACCEPT, request.remarks, unchanged
        )
    elif accept:
        paid_on = _day(row.received_on)
        message_id = await _accept(
            session, principal, company_id, row, _as_payment(row), found, paid_on, request.remarks
        )
    else:
        row.status = REJECTED
        row.confirmed_on = now()
        row.supplier_remarks = request.remarks
        states = await repository.invoice_states(session, company_id, [b.invoice_id for b in found.values()])
        # Back to awaiting payment: part paid already, or accepted (the buyer's payment was its acceptance).
        back = {i: (S.PARTIALLY_PAID if paid > 0 else S.ACCEPTED).value for i, (paid, _, _) in states.items()}
        moved = await _settle(session, company_id, found, back)
        await audit.record_many(
            session, _trail(principal.user_id, moved, "BHARAT_CONNECT_PAYMENT_REJECTED", request.remarks)
        )
        message_id = await _confirm_to_network(
            session, company_id, row, wire.SupplierResponse.REJECT, request.remarks, moved
        )
    await session.flush()
    return read(row, [found[o].invoice_id for o in object_ids if o in found], message_id)
