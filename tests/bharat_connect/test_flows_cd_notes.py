"""Credit notes against presented invoices go to the buyer as cd-notes when issued (api.md §8, §9.1), and
the buyer's answer sets their status."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from dues.bharat_connect import wire
from dues.db import Database
from tests.bharat_connect.flows_helpers import buyer, deliver, events, presented, register, sent, sql
from tests.credit_notes.helpers import note, part
from tests.customers.helpers import payload
from tests.support import Tenant, TenantFactory


def _answer(cd_note_body: dict[str, Any], response: str, remarks: str) -> dict[str, Any]:
    sent_note = cd_note_body["cdNote"]
    ids = cd_note_body["b2bIds"]
    return {
        "reqMsgId": "NETCD" + sent_note["objectId"][-8:],
        "b2bIds": ids,
        "cdNoteConfirmation": {
            "objectId": sent_note["objectId"],
            "noteType": "CREDIT",
            "supplierCDNoteNumber": sent_note["supplierCDNoteNumber"],
            "objectVersion": {"currentVersion": 1, "newVersion": 1},
            "buyerResponse": response,
            "buyerRemarks": remarks,
            "cdNoteStatusTransition": {"currentStatus": "PRESENTED", "newStatus": "ACCEPTED"},
        },
    }


async def test_an_issued_credit_note_is_sent_as_a_cd_note_and_answered(tenant: Tenant, db: Database) -> None:
    supplier = await register(db, tenant)
    customer_id, buyer_b2b_id = await buyer(tenant)
    invoice_id = await presented(tenant, customer_id)
    [presented_body] = await sent(db, tenant.company_id, wire.SEND_INVOICE)

    made = await note(tenant, customer_id, [part(invoice_id, 100, cgst=9, sgst=9)], reason="SALES_RETURN")

    [body] = await sent(db, tenant.company_id, wire.SEND_CD_NOTE)
    wire.SendCdNote.model_validate(body)
    assert body["b2bIds"] == {"buyerB2BId": buyer_b2b_id, "supplierB2BId": supplier}
    cd_note = body["cdNote"]
    assert re.fullmatch(r"CDN[A-Za-z0-9]{32}", cd_note["objectId"])
    assert (cd_note["noteType"], cd_note["supplierCDNoteNumber"], cd_note["reason"]) == (
        "CREDIT",
        made["noteNumber"],
        "SALES_RETURN",
    )
    assert cd_note["cdNoteValueDetails"]["totalAmount"] == Decimal("118.00")
    assert cd_note["cdNoteValueDetails"]["taxableValue"] == Decimal("100.00")
    assert cd_note["precedingInvoiceDetails"] == [
        {
            "objectId": presented_body["invoice"]["objectId"],
            "supplierInvoiceNumber": presented_body["invoice"]["supplierInvoiceNumber"],
            "invoiceDate": "2026-11-24",
            "amount": Decimal("118.00"),
        }
    ]
    [(status,)] = await sql(
        db, "SELECT status FROM bc_cd_notes WHERE credit_note_id = :n", n=made["creditNoteId"]
    )
    assert status == "PRESENTED"

    await deliver(
        db, tenant.company_id, wire.CONFIRM_CD_NOTE, _answer(body, "REJECT", "Goods not returned yet")
    )

    [(status, response, remarks)] = await sql(
        db,
        "SELECT status, buyer_response, buyer_remarks FROM bc_cd_notes WHERE credit_note_id = :n",
        n=made["creditNoteId"],
    )
    assert (status, response, remarks) == ("REJECTED", "REJECT", "Goods not returned yet")
    [event] = await events(db, tenant.company_id, "bharat_connect.cd_note.confirmed")
    assert (event["path"], event["creditNoteId"], event["status"]) == (
        wire.CONFIRM_CD_NOTE,
        made["creditNoteId"],
        "REJECTED",
    )


async def test_a_note_waits_for_its_approval_and_one_against_no_presented_invoice_is_not_sent(
    tenant: Tenant, tenants: TenantFactory, db: Database
) -> None:
    await register(db, tenant)
    customer_id, _ = await buyer(tenant)
    invoice_id = await presented(tenant, customer_id)
    payload(await tenant.patch("/api/v0/company", json={"approvalChain": "MAKER_CHECKER"}))
    checker = await tenants.user(tenant, "CHECKER")
    other = str((await tenant.create_customer(email="ap@other.example"))["customerId"])
    local = payload(
        await tenant.post(
            "/api/v0/invoice",
            json={
                "customerId": other,
                "invoiceDate": "2026-11-24",
                "dueDate": "2026-12-31",
                "baseAmount": 100,
            },
        )
    )
    payload(await checker.post(f"/api/v0/invoice/{local['invoiceId']}/approval", json={"action": "APPROVE"}))

    pending = await note(tenant, customer_id, [part(invoice_id, 100, cgst=9, sgst=9)])
    assert await sent(db, tenant.company_id, wire.SEND_CD_NOTE) == []
    elsewhere = await note(tenant, other, [part(local["invoiceId"], 10)])
    for made in (pending, elsewhere):
        approved = await checker.post(
            f"/api/v0/credit-note/{made['creditNoteId']}/approval", json={"action": "APPROVE"}
        )
        assert payload(approved)["status"] == "ISSUED"

    [body] = await sent(db, tenant.company_id, wire.SEND_CD_NOTE)
    assert body["cdNote"]["supplierCDNoteNumber"] == pending["noteNumber"]
