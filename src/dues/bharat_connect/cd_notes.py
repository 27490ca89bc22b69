"""Bharat Connect B2B, credit notes (api.md §8, §9.1): a credit note issued against invoices presented on the
network goes to the buyer as a cd-note (req-send, noteType CREDIT), and the buyer's req-confirm sets its
status there.

The cd-note carries the whole note (its value and number: one GST document), and names as its preceding
invoices those of the note's invoices that were presented (and not cancelled or withdrawn on the network); a
note against none of them is not sent. A note is sent once, when it is issued.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.bharat_connect import bodies, messages, wire
from dues.bharat_connect import flows_repository as repository
from dues.bharat_connect.common import NETWORK_ACTOR, emit, parse
from dues.errors import NotFound
from dues.events.bus import CreditNoteApproved
from dues.kit.timefmt import now
from dues.models.bharat_connect import BcCdNote

CONFIRMED = "bharat_connect.cd_note.confirmed"
PRESENTED, ACCEPTED, REJECTED = "PRESENTED", "ACCEPTED", "REJECTED"
# The buyer's answer as the cd-note's status: a returned note is refused as a rejected one is.
ANSWERS = {
    wire.BuyerResponse.ACCEPT: ACCEPTED,
    wire.BuyerResponse.REJECT: REJECTED,
    wire.BuyerResponse.RETURN: REJECTED,
}


async def send_for_note(session: AsyncSession, event: CreditNoteApproved) -> None:
    """The issued credit note as a cd-note to the buyer of the presented invoices it is against."""
    company_id, note_id = event.company_id, event.credit_note_id
    if await repository.bc_cd_note(session, company_id, note_id) is not None:
        return
    parts = await repository.presented_parts(session, company_id, note_id)
    if not parts:
        return
    supplier_b2b_id = await messages.supplier_b2b_id(session, company_id)
    note = await repository.credit_note(session, company_id, note_id)
    if supplier_b2b_id is None or note is None:
        return
    object_id = wire.new_object_id("CDN")
    taxes = note.cgst + note.sgst + note.igst + note.cess
    cd_note = {
        "objectId": object_id,
        "noteType": wire.NoteType.CREDIT.value,
        "supplierCDNoteNumber": note.note_number,
        "objectVersion": wire.version(0, 1),
        "ts": now(),
        "cdNoteStatusTransition": wire.transition("CREATED", PRESENTED),
        "noteDate": note.note_date,
        "reason": note.reason,
        "cdNoteValueDetails": {
            "taxableValue": note.total_amount - taxes,
            "cgst": note.cgst,
            "sgst": note.sgst,
            "igst": note.igst,
            "cess": note.cess,
            "totalAmount": note.total_amount,
        },
        "precedingInvoiceDetails": [
            {
                "objectId": bc.object_id,
                "supplierInvoiceNumber": number,
                "invoiceDate": invoice_date,
                "amount": part.total_amount,
            }
            for part, number, invoice_date, bc in parts
        ],
    }
    buyer_b2b_id = parts[0][3].buyer_b2b_id
    body = bodies.request(wire.SendCdNote, buyer_b2b_id, supplier_b2b_id, cdNote=cd_note)
    await messages.queue(session, company_id, wire.SEND_CD_NOTE, body, dues_id=note_id, object_id=object_id)
    row = BcCdNote(
        company_id=company_id, credit_note_id=note_id, object_id=object_id, version=1, status=PRESENTED
    )
    repository.add(session, row)
    await session.flush()
    await audit.record(
        session,
        company_id,
        NETWORK_ACTOR,
        "credit_note",
        note_id,
        "BHARAT_CONNECT_PRESENT",
        None,
        {"object_id": object_id, "status": PRESENTED},
    )


async def confirmed(session: AsyncSession, company_id: str, body: dict[str, Any]) -> None:
    """req-confirm (cd-note): the buyer accepts or rejects a cd-note sent to it."""
    message = parse(wire.ConfirmCdNote, body)
    answer = message.cdNoteConfirmation
    row = await repository.bc_cd_note_by_object(session, company_id, answer.objectId, for_update=True)
    if row is None:
        raise NotFound(f"No cd-note of this supplier was sent as {answer.objectId}.")
    before = {"status": row.status, "buyer_response": row.buyer_response}
    row.status = ANSWERS[answer.buyerResponse]
    row.buyer_response = answer.buyerResponse.value
    row.buyer_remarks = answer.buyerRemarks
    row.responded_on = now()
    await session.flush()
    await repository.tag_inbound(session, company_id, message.reqMsgId, row.credit_note_id, row.object_id)
    await audit.record(
        session,
        company_id,
        NETWORK_ACTOR,
        "credit_note",
        row.credit_note_id,
        f"BHARAT_CONNECT_{answer.buyerResponse.value}",
        before,
        {"status": row.status, "buyer_response": row.buyer_response},
        reason=answer.buyerRemarks,
    )
    await emit(
        session,
        company_id,
        CONFIRMED,
        row.credit_note_id,
        wire.CONFIRM_CD_NOTE,
        body,
        creditNoteId=row.credit_note_id,
        objectId=row.object_id,
        status=row.status,
    )
