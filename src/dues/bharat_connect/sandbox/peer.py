"""The sandbox network's behaviour: what it does with each message a supplier (dues) sends it, and what it
sends the supplier, as NBBL and as the buyer.

A supplier's req-* is answered at once (``{"response_code": 0, …}``); its resp-* follows shortly after, from
an asyncio task of this process (RESPONSE_DELAY_SECONDS later), then whatever a rule makes the buyer do with
a presented invoice. Those tasks live as long as the process: a sandbox stopped in between never sends them,
as a network that lost them would not (dues's message then stays SENT). Everything sent or received is kept
in bcs_messages, so a test can read it or replay it.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import httpx
import structlog
from pydantic import BaseModel, ValidationError

from dues.bharat_connect import signing, wire
from dues.bharat_connect.network import SUPPLIER_PREFIX, parse, sandbox_secret
from dues.bharat_connect.sandbox import entities, store
from dues.config import get_settings
from dues.db import Database
from dues.kit.envelope import dumps

log = structlog.get_logger("dues.bharat_connect.sandbox")

RESPONSE_DELAY_SECONDS = 0.3
SEND_TIMEOUT_SECONDS = 10.0
PAISE = Decimal("0.01")

# What a supplier sends the network, and the body each must be.
MODELS: dict[str, type[BaseModel]] = {
    wire.SEND_INVOICE: wire.SendInvoice,
    wire.EDIT_INVOICE: wire.SendInvoice,
    wire.STATUS_CHANGE_INVOICE: wire.StatusChangeInvoice,
    wire.PAY_CONFIRMATION: wire.PayConfirmation,
    wire.SEND_CD_NOTE: wire.SendCdNote,
    wire.CONFIRM_PURCHASE_ORDER: wire.ConfirmPurchaseOrder,
    wire.CHECK_ENTITY: wire.CheckEntity,
    wire.REGISTER_ENTITY: wire.RegisterEntity,
    wire.REGISTER_ID: wire.RegisterId,
    wire.SEARCH_ENTITY: wire.SearchEntity,
}
BUYER_RULES = ("accept", "reject", "return", "pay-full", "pay-part", "pay-off-platform")
RULES = (*BUYER_RULES, "fail-next")
# What the buyer's answer makes of the invoice.
CONFIRMED = {"ACCEPT": "ACCEPTED", "REJECT": "REJECTED", "RETURN": "RETURNED"}
# What the supplier's status change makes of it.
STATUS_ACTIONS = {
    "CANCEL": "CANCELLED",
    "WITHDRAW": "WITHDRAWN",
    "MARK_PAID_OFFLINE": "PAID",
    "REOPEN": "PRESENTED",
}


class SandboxError(Exception):
    """Something the sandbox will not do, with the HTTP status it answers."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def msg_id() -> str:
    """A message id of the sandbox network's own (a real network has its own form; this one is ours)."""
    return "BCS" + secrets.token_hex(16).upper()


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Peer:
    """Where the sandbox reaches the supplier: ``supplier_url`` (`dues bharat-connect sandbox
    --supplier-url`), or, mounted in `dues serve`, that server's own public URL."""

    supplier_url: str | None = None
    # Follow-ups in flight (strong references: a task nobody holds may be collected before it runs).
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def base(self) -> str:
        return (self.supplier_url or get_settings().public_url).rstrip("/") + SUPPLIER_PREFIX

    @staticmethod
    def secret() -> str:
        settings = get_settings()
        return settings.bharat_connect_secret or sandbox_secret(settings)

    def later(self, work: Callable[[], Awaitable[None]]) -> None:
        async def run() -> None:
            try:
                await asyncio.sleep(RESPONSE_DELAY_SECONDS)
                await work()
            except Exception:
                log.exception("sandbox follow-up failed")

        task = asyncio.get_running_loop().create_task(run())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


@dataclass(frozen=True)
class Delivery:
    """What the supplier answered a message the sandbox sent it."""

    message_no: int
    req_msg_id: str | None
    status_code: int | None
    answer: Any
    error: str | None

    @property
    def taken(self) -> bool:
        return (
            self.status_code is not None
            and 200 <= self.status_code < 300
            and isinstance(self.answer, dict)
            and self.answer.get("response_code") == 0
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "messageNo": self.message_no,
            "reqMsgId": self.req_msg_id,
            "statusCode": self.status_code,
            "answer": self.answer,
            "error": self.error,
            "taken": self.taken,
        }


async def deliver(
    database: Database, peer: Peer, path: str, body: dict[str, Any], supplier_b2b_id: str | None
) -> Delivery:
    """POST body, signed, to the supplier at path; logged before it goes and with the supplier's status."""
    raw = dumps(body)
    req_msg_id = body.get("reqMsgId")
    async with database.sessionmaker() as session:
        message_no = await store.add_message(
            session, "OUT", path, req_msg_id, supplier_b2b_id, raw.decode(), None
        )
        await session.commit()
    headers = {"content-type": "application/json", signing.HEADER: signing.sign(peer.secret(), raw)}
    status: int | None = None
    answer: Any = None
    error: str | None = None
    try:
        async with httpx.AsyncClient(timeout=SEND_TIMEOUT_SECONDS, trust_env=False) as client:
            response = await client.post(peer.base() + path, content=raw, headers=headers)
        status = response.status_code
        try:
            answer = parse(response.content)
        except (ValueError, UnicodeDecodeError):
            answer = response.text[:2000]
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        log.warning("sandbox could not reach the supplier", path=path, error=error)
    async with database.sessionmaker() as session:
        await store.set_status(session, message_no, status)
        await session.commit()
    return Delivery(message_no, req_msg_id, status, answer, error)


async def replay(database: Database, peer: Peer, message_no: int) -> Delivery:
    """Send a message the sandbox sent before again, exactly (same body, same reqMsgId), as a network that
    did not hear the first answer would."""
    async with database.sessionmaker() as session:
        sent = await store.message(session, message_no)
    if sent is None or sent.direction != "OUT":
        raise SandboxError(404, f"The sandbox sent no message number {message_no}.")
    return await deliver(database, peer, sent.path, sent.body, sent.supplier_b2b_id)


# --------------------------------------------------------------------------- what a supplier's message does


@dataclass
class Outcome:
    """The sandbox's handling of a supplier's request: the sync payload, and what follows it."""

    payload: Any = None
    # The resp-*: None to send none (search answers synchronously); else its parts beyond resp and b2bIds.
    resp: dict[str, Any] | None = field(default_factory=dict)
    error: tuple[str, str, str | None] | None = None  # errorCd, errorDtl, errorField
    supplier_b2b_id: str | None = None
    # What the buyer does next (rules), each an invoice action.
    actions: list[dict[str, Any]] = field(default_factory=list)


def supplier_of(body: dict[str, Any]) -> str | None:
    ids = body.get("b2bIds")
    value = ids.get("supplierB2BId") if isinstance(ids, dict) else None
    return value if isinstance(value, str) else None


def invalid(exc: ValidationError) -> tuple[str, str, str | None]:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    return "INVALID_MESSAGE", f"{where or 'body'}: {first.get('msg', 'is invalid')}"[:500], where or None


async def take(session: Any, path: str, body: dict[str, Any]) -> Outcome:
    """Apply a supplier's request to the sandbox's records (in the caller's transaction)."""
    model = MODELS[path]
    try:
        message: Any = model.model_validate(body)
    except ValidationError as exc:
        if path == wire.SEARCH_ENTITY:
            raise SandboxError(400, invalid(exc)[1]) from exc
        return Outcome(error=invalid(exc), supplier_b2b_id=supplier_of(body))
    outcome = Outcome(supplier_b2b_id=supplier_of(body))
    if path in (wire.SEND_INVOICE, wire.EDIT_INVOICE):
        await _presented(session, path, message, body, outcome)
    elif path == wire.STATUS_CHANGE_INVOICE:
        change = message.invoiceStatus
        found = await store.invoice(session, change.objectId, for_update=True)
        if found is None:
            outcome.error = ("UNKNOWN_OBJECT", f"No invoice {change.objectId} was presented.", "objectId")
        else:
            await store.set_invoice(
                session, found.supplier_b2b_id, found.object_id, STATUS_ACTIONS[str(change.supplierAction)]
            )
    elif path == wire.PAY_CONFIRMATION:
        await _payment_confirmed(session, message.paymentConfirmation, outcome)
    elif path == wire.CHECK_ENTITY:
        outcome.resp = {"checkInstitute": body.get("checkInstitute")}
    elif path == wire.REGISTER_ENTITY:
        outcome.resp = {"orgId": entities.org_id_of(message.entity.pan)}
    elif path == wire.REGISTER_ID:
        b2b_id = entities.b2b_id_of(message.gstin or message.pan)
        outcome.resp = {"orgId": message.orgId, "b2bId": b2b_id}
        outcome.supplier_b2b_id = b2b_id
    elif path == wire.SEARCH_ENTITY:
        query = message.searchEntity.model_dump(exclude_none=True)
        outcome.payload = {"entities": entities.search(query, await store.known_parties(session))}
        outcome.resp = None
    return outcome


async def _presented(
    session: Any, path: str, message: wire.SendInvoice, body: dict[str, Any], outcome: Outcome
) -> None:
    invoice = message.invoice
    ids = message.b2bIds
    if ids is None:
        outcome.error = (
            "INVALID_MESSAGE",
            "b2bIds: an invoice is presented by one party to another",
            "b2bIds",
        )
        return
    if path == wire.EDIT_INVOICE:
        known = await store.invoice(session, invoice.objectId, for_update=True)
        if known is None:
            outcome.error = ("UNKNOWN_OBJECT", f"No invoice {invoice.objectId} was presented.", "objectId")
            return
        if invoice.objectVersion.newVersion <= known.version:
            outcome.error = (
                "STALE_VERSION",
                f"Invoice {invoice.objectId} is at version {known.version}; an edit brings a newer one.",
                "objectVersion.newVersion",
            )
            return
    await store.put_invoice(
        session,
        ids.supplierB2BId,
        invoice.objectId,
        ids.buyerB2BId,
        invoice.supplierInvoiceNumber,
        invoice.objectVersion.newVersion,
        "PRESENTED",
        invoice.valueDetails.totalAmount,
        invoice.valueDetails.dueAmount,
        dumps(body["invoice"]).decode(),
    )
    if path == wire.SEND_INVOICE:
        rule = await store.take_rule(session, BUYER_RULES, ids.buyerB2BId)
        if rule is not None:
            outcome.actions = rule_actions(invoice.objectId, rule)


def rule_actions(object_id: str, rule: store.Rule) -> list[dict[str, Any]]:
    """What the buyer does with a presented invoice under a rule."""
    remarks = rule.argument if rule.action in ("reject", "return") and rule.argument else None
    if rule.action in ("accept", "reject", "return"):
        response = {"accept": "ACCEPT", "reject": "REJECT", "return": "RETURN"}[rule.action]
        return [
            {"objectId": object_id, "action": response, "remarks": remarks or f"{rule.action} (sandbox rule)"}
        ]
    accept = {"objectId": object_id, "action": "ACCEPT", "remarks": "accepted (sandbox rule)"}
    kind = "OFFPLATFORM" if rule.action == "pay-off-platform" else "ONPLATFORM"
    share = rule.argument if rule.action != "pay-full" else None
    return [accept, {"objectId": object_id, "action": "PAY", "type": kind, "share": share, "mode": "NEFT"}]


async def _payment_confirmed(session: Any, confirmation: wire.PaymentConfirmation, outcome: Outcome) -> None:
    """The supplier accepted or rejected a payment: an accepted OFFPLATFORM one now counts; a rejected one
    puts its invoices back to awaiting payment."""
    sent = await store.sent_payment(session, confirmation.objectId)
    if sent is None:
        outcome.error = ("UNKNOWN_OBJECT", f"No payment {confirmation.objectId} was made.", "objectId")
        return
    payment = wire.Payment.model_validate(sent.body["payment"])
    for info in payment.invoicesPayInfos:
        found = await store.invoice(session, info.objectId, for_update=True)
        if found is None:
            continue
        if confirmation.supplierResponse == wire.SupplierResponse.REJECT:
            await store.set_invoice(session, found.supplier_b2b_id, found.object_id, "ACCEPTED")
        elif payment.type == wire.PaymentType.OFFPLATFORM:
            due = max(found.due - info.invoicePaymentAmount.netPaidAmount, Decimal("0"))
            status = "PAID" if due == 0 else "PARTIALLY_PAID"
            await store.set_invoice(session, found.supplier_b2b_id, found.object_id, status, due)


def respond(body: dict[str, Any], outcome: Outcome) -> dict[str, Any]:
    """The resp-* of a supplier's request."""
    error_cd, error_dtl, error_field = outcome.error or (None, None, None)
    resp = {
        "reqMsgId": body.get("reqMsgId"),
        "result": "FAILURE" if error_cd else "SUCCESS",
        "errorCd": error_cd,
        "errorDtl": error_dtl,
        "errorField": error_field,
    }
    answer: dict[str, Any] = {"reqMsgId": msg_id(), "resp": resp}
    if isinstance(body.get("b2bIds"), dict):
        answer["b2bIds"] = body["b2bIds"]
    if not error_cd:
        answer.update(outcome.resp or {})
    return answer


async def follow_up(
    database: Database, peer: Peer, path: str, body: dict[str, Any], outcome: Outcome
) -> None:
    """After the sync answer: the resp-*, then what the buyer does by rule."""
    if outcome.resp is None or path not in wire.RESPONSES:
        return
    await deliver(database, peer, wire.RESPONSES[path], respond(body, outcome), outcome.supplier_b2b_id)
    for action in outcome.actions:
        try:
            await act(database, peer, **action)
        except SandboxError as exc:
            log.warning("sandbox rule could not act", error=exc.message, action=action)


# ------------------------------------------------------------------------------------ the buyer's actions


def money(value: Any, name: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise SandboxError(422, f"{name} is not an amount: write it like 2500.00") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(PAISE):
        raise SandboxError(422, f"{name} must be more than 0, with at most 2 decimals (paise)")
    return amount


def share_of(due: Decimal, share: str | None) -> Decimal:
    """A rule's part of the due: ``amount:500.00`` or ``fraction:0.5`` (None: all of it)."""
    if not share:
        return due
    kind, _, value = share.partition(":")
    if kind == "amount":
        return min(money(value, "amount"), due)
    if kind == "fraction":
        try:
            fraction = Decimal(value)
        except InvalidOperation:
            raise SandboxError(422, f"{value!r} is not a fraction: write it like 0.5") from None
        if not (0 < fraction <= 1):
            raise SandboxError(422, "a fraction is more than 0 and at most 1")
        return max((due * fraction).quantize(PAISE, ROUND_HALF_UP), PAISE)
    raise SandboxError(422, f"{share!r}: a part is amount:N or fraction:F")


def remarks_of(value: str | None) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > 100 or '"' in text or "\\" in text:
        raise SandboxError(422, "remarks are 1 to 100 characters, without \" or \\ (EnKash's rule)")
    return text


def _ids(invoice: store.Invoice) -> dict[str, str]:
    return {"buyerB2BId": invoice.buyer_b2b_id, "supplierB2BId": invoice.supplier_b2b_id}


def confirmation_body(invoice: store.Invoice, response: str, remarks: str | None) -> dict[str, Any]:
    confirmation: dict[str, Any] = {
        "objectId": invoice.object_id,
        "supplierInvoiceNumber": invoice.supplier_invoice_number,
        "objectVersion": wire.version(invoice.version, invoice.version),
        "buyerResponse": response,
        "statusTransition": wire.transition(invoice.status, CONFIRMED[response]),
    }
    if remarks:
        confirmation["buyerRemarks"] = remarks
    return {
        "reqMsgId": msg_id(),
        "device": wire.device(),
        "b2bIds": _ids(invoice),
        "invoiceConfirmation": confirmation,
        "additionalInfos": [],
    }


def payment_body(
    invoice: store.Invoice, payment_type: str, amount: Decimal, mode: str, utr: str | None
) -> dict[str, Any]:
    if payment_type == "ONPLATFORM":
        new_status = "PAID" if amount >= invoice.due else "PARTIALLY_PAID"
    else:
        new_status = "PAYMENT_PENDING_CONFIRMATION"
    amounts = {"netPaidAmount": amount, "netAdjustmentAmount": Decimal("0.00"), "totalAmount": amount,
               "currency": wire.CURRENCY}  # fmt: skip
    info: dict[str, Any] = {
        "objectId": invoice.object_id,
        "supplierInvoiceNumber": invoice.supplier_invoice_number,
        "objectVersion": wire.version(invoice.version, invoice.version),
        "statusTransition": wire.transition(invoice.status, new_status),
        "invoiceAmount": {"dueAmount": invoice.due, "totalAmount": invoice.total, "currency": wire.CURRENCY},
        "invoicePaymentAmount": {**amounts, "splits": []},
    }
    bank = invoice.body.get("supplierBankAccountDetails")
    if isinstance(bank, dict):
        info["supplierBankAccountDetails"] = bank
    payment = {
        "objectId": wire.new_object_id("PMT"),
        "ts": now(),
        "type": payment_type,
        "mode": mode,
        "utr": utr or ("SBX" + secrets.token_hex(6).upper()),
        "currency": wire.CURRENCY,
        "paymentAmount": amounts,
        "invoicesPayInfos": [info],
    }
    return {
        "reqMsgId": msg_id(),
        "device": wire.device(),
        "b2bIds": _ids(invoice),
        "payment": payment,
        "additionalInfos": [],
    }


async def act(
    database: Database,
    peer: Peer,
    objectId: str,  # the rules' and the control API's key, EnKash's name
    action: str,
    remarks: str | None = None,
    type: str = "ONPLATFORM",  # EnKash's name
    amount: Any = None,
    share: str | None = None,
    mode: str = "NEFT",
    utr: str | None = None,
) -> Delivery:
    """The buyer acts on a presented invoice: ACCEPT, REJECT or RETURN it (with remarks), or PAY it (on or
    off platform, in full or a part). The sandbox's record follows only when the supplier takes it."""
    async with database.sessionmaker() as session:
        invoice = await store.invoice(session, objectId)
    if invoice is None:
        raise SandboxError(404, f"No invoice {objectId} was presented to the sandbox's buyer.")
    action = action.upper()
    if action in CONFIRMED:
        body = confirmation_body(invoice, action, remarks_of(remarks))
        delivery = await deliver(database, peer, wire.CONFIRM_INVOICE, body, invoice.supplier_b2b_id)
        if delivery.taken:
            async with database.sessionmaker() as session:
                await store.set_invoice(session, invoice.supplier_b2b_id, objectId, CONFIRMED[action])
                await session.commit()
        return delivery
    if action != "PAY":
        raise SandboxError(422, f"{action!r}: the buyer can ACCEPT, REJECT, RETURN or PAY")
    payment_type = type.upper()
    if payment_type not in ("ONPLATFORM", "OFFPLATFORM"):
        raise SandboxError(422, "type is ONPLATFORM or OFFPLATFORM")
    if mode not in {m.value for m in wire.PaymentMode}:
        raise SandboxError(422, f"mode {mode!r} is not one of EnKash's payment modes")
    if invoice.due <= 0:
        raise SandboxError(422, f"Invoice {invoice.supplier_invoice_number} has nothing left to pay.")
    paid = money(amount, "amount") if amount not in (None, "") else share_of(invoice.due, share)
    if paid > invoice.due:
        raise SandboxError(422, f"amount is more than the {invoice.due} still due")
    if utr is not None and (not utr.strip() or len(utr.strip()) > 50 or '"' in utr or "\\" in utr):
        raise SandboxError(422, 'utr is 1 to 50 characters, without " or \\')
    body = payment_body(invoice, payment_type, paid, mode, utr.strip() if utr else None)
    delivery = await deliver(database, peer, wire.PAY, body, invoice.supplier_b2b_id)
    if delivery.taken:
        async with database.sessionmaker() as session:
            if payment_type == "ONPLATFORM":
                due = invoice.due - paid
                status = "PAID" if due == 0 else "PARTIALLY_PAID"
                await store.set_invoice(session, invoice.supplier_b2b_id, objectId, status, due)
            else:
                await store.set_invoice(
                    session, invoice.supplier_b2b_id, objectId, "PAYMENT_PENDING_CONFIRMATION"
                )
            await session.commit()
    return delivery


async def act_on_cd_note(
    database: Database, peer: Peer, object_id: str, response: str, remarks: str | None = None
) -> Delivery:
    """The buyer accepts or rejects a cd-note the supplier sent."""
    response = response.upper()
    if response not in ("ACCEPT", "REJECT"):
        raise SandboxError(422, "a cd-note is answered ACCEPT or REJECT")
    async with database.sessionmaker() as session:
        sent = await store.sent_cd_note(session, object_id)
    if sent is None:
        raise SandboxError(404, f"No cd-note {object_id} was sent to the sandbox.")
    note = sent.body.get("cdNote") or {}
    version = note.get("objectVersion") or {}
    current = int(version.get("newVersion") or 1)
    confirmation: dict[str, Any] = {
        "objectId": object_id,
        "noteType": note.get("noteType"),
        "supplierCDNoteNumber": note.get("supplierCDNoteNumber"),
        "objectVersion": wire.version(current, current),
        "buyerResponse": response,
        "cdNoteStatusTransition": wire.transition("PRESENTED", CONFIRMED[response]),
    }
    if text := remarks_of(remarks):
        confirmation["buyerRemarks"] = text
    ids = sent.body.get("b2bIds")
    body: dict[str, Any] = {
        "reqMsgId": msg_id(),
        "device": wire.device(),
        "b2bIds": ids,
        "cdNoteConfirmation": confirmation,
        "additionalInfos": [],
    }
    return await deliver(database, peer, wire.CONFIRM_CD_NOTE, body, sent.supplier_b2b_id)


def _line(n: int, line: dict[str, Any]) -> dict[str, Any]:
    description = str(line.get("description") or "").strip()
    if not description:
        raise SandboxError(422, f"line {n}: a description is needed")
    quantity = money(line.get("quantity", "1"), f"line {n} quantity")
    price = money(line.get("unitPrice"), f"line {n} unitPrice")
    rate = Decimal(str(line.get("gstRate") or "0"))
    taxable = (quantity * price).quantize(PAISE, ROUND_HALF_UP)
    tax = (taxable * rate / 100).quantize(PAISE, ROUND_HALF_UP)
    return {
        "slNo": n,
        "description": description[:200],
        "hsnSac": (str(line.get("hsnSac") or "").strip() or None),
        "quantity": quantity,
        "unit": (str(line.get("unit") or "").strip() or None),
        "unitPrice": price,
        "taxableValue": taxable,
        "gstRate": rate,
        "cgst": Decimal("0.00"),
        "sgst": Decimal("0.00"),
        "igst": tax,
        "cess": Decimal("0.00"),
        "total": taxable + tax,
    }


async def party_name(database: Database, b2b_id: str, fallback: str) -> str:
    async with database.sessionmaker() as session:
        parties = await store.known_parties(session)
    for party in parties:
        key = party.get("gstin") or party.get("pan")
        if party.get("b2bId") == b2b_id or (isinstance(key, str) and entities.b2b_id_of(key) == b2b_id):
            name = party.get("legalName")
            if isinstance(name, str) and name:
                return name
    return fallback


async def send_purchase_order(
    database: Database,
    peer: Peer,
    supplier_b2b_id: str,
    buyer_b2b_id: str,
    number: str,
    lines: list[dict[str, Any]],
    order_date: date | None = None,
    delivery_date: date | None = None,
    subject: str | None = None,
) -> Delivery:
    """The buyer sends the supplier a purchase order."""
    if not supplier_b2b_id or not buyer_b2b_id:
        raise SandboxError(422, "a purchase order goes from a buyer's B2B id to a supplier's")
    number = number.strip()
    if not (0 < len(number) <= 50) or '"' in number or "\\" in number:
        raise SandboxError(422, 'buyerPONumber is 1 to 50 characters, without " or \\')
    items = [_line(n, line) for n, line in enumerate(lines, start=1)]
    if not items:
        raise SandboxError(422, "a purchase order has at least one line")
    taxable = sum((i["taxableValue"] for i in items), Decimal("0.00"))
    tax = sum((i["igst"] for i in items), Decimal("0.00"))
    supplier = await party_name(database, supplier_b2b_id, f"Supplier {supplier_b2b_id}")
    buyer = await party_name(database, buyer_b2b_id, f"Buyer {buyer_b2b_id}")
    order: dict[str, Any] = {
        "objectId": wire.new_object_id("POR"),
        "buyerPONumber": number,
        "ts": now(),
        "orderDate": order_date or now().date(),
        "objectVersion": wire.version(0, 1),
        "poStatusTransition": wire.transition(None, "CREATED"),
        "supplierDetails": {"b2bId": supplier_b2b_id, "legalName": supplier},
        "buyerDetails": {"b2bId": buyer_b2b_id, "legalName": buyer},
        "itemLists": items,
        "poValueDetails": {
            "taxableValue": taxable,
            "totalTax": tax,
            "totalAmount": taxable + tax,
            "currency": wire.CURRENCY,
        },
    }
    if delivery_date is not None:
        order["deliveryDate"] = delivery_date
    if subject and subject.strip():
        order["subject"] = subject.strip()[:200]
    body = {
        "reqMsgId": msg_id(),
        "device": wire.device(),
        "b2bIds": {"buyerB2BId": buyer_b2b_id, "supplierB2BId": supplier_b2b_id},
        "purchaseOrder": order,
        "additionalInfos": [],
    }
    return await deliver(database, peer, wire.SEND_PURCHASE_ORDER, body, supplier_b2b_id)
