"""A credit note as a document (api.md §9.1): its PDF, and dispatch by e-mail through the outbox with the PDF
attached, to the customer's invoice recipients; its webhook events."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
from pypdf import PdfReader
from standardwebhooks.webhooks import Webhook

from dues.config import get_settings
from dues.db import Database
from dues.webhooks.payloads import SHAPES
from tests.collection.providers import Inbox, smtp_server
from tests.conftest import run_jobs
from tests.credit_notes.helpers import NOTES, customer, invoice, note, part, rows
from tests.customers.helpers import assert_error, payload
from tests.support import Tenant, TenantFactory
from tests.webhooks.receiver import Receiver


def _text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


async def test_the_pdf_is_a_credit_note_naming_its_invoices(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer)
    made = await note(
        tenant,
        buyer,
        [
            part(
                inv["invoiceId"],
                lineItems=[
                    {
                        "description": "Damaged carton",
                        "hsnSac": "4819",
                        "quantity": 2,
                        "unitPrice": 50,
                        "gstRate": 18,
                    }
                ],
            )
        ],
    )

    response = await tenant.get(f"{NOTES}/{made['creditNoteId']}/pdf")

    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="credit-note-{made["noteNumber"]}.pdf"' in response.headers["content-disposition"]
    text = _text(response.content)
    assert "CREDIT NOTE" in text and made["noteNumber"] in text and inv["invoiceNumber"] in text
    assert "Damaged carton" in text and "Sales return" in text and "118.00" in text


async def test_dispatch_puts_a_mail_with_the_pdf_in_the_outbox(
    tenant: Tenant, no_message_providers: None
) -> None:
    buyer = await customer(tenant, email="ap@buyer.example", contactNumber="9000000001")
    made = await note(tenant, buyer, [part((await invoice(tenant, buyer))["invoiceId"], 100, cgst=9, sgst=9)])

    sent = payload(await tenant.post(f"{NOTES}/{made['creditNoteId']}/dispatch"))

    assert sent["dispatched"] is True and sent["dispatchedOn"]
    messages = [
        m
        for m in payload(await tenant.get("/api/v0/outbox"))["items"]
        if made["noteNumber"] in (m["subject"] or "")
    ]
    [mail] = messages  # e-mail only: a credit note goes by no SMS
    assert (mail["channel"], mail["to"], mail["invoiceId"]) == ("EMAIL", "ap@buyer.example", None)
    assert mail["attachments"] == [
        {"name": f"credit-note-{made['noteNumber']}.pdf", "contentType": "application/pdf", "size": None}
    ]
    assert "118.00" in mail["body"]


async def test_only_an_issued_note_with_somewhere_to_go_is_dispatched(
    tenant: Tenant, tenants: TenantFactory
) -> None:
    buyer = await customer(tenant, email=None)
    inv = await invoice(tenant, buyer)
    made = await note(tenant, buyer, [part(inv["invoiceId"], 100, cgst=9, sgst=9)])
    error = assert_error(
        await tenant.post(f"{NOTES}/{made['creditNoteId']}/dispatch"), 422, "UNPROCESSABLE_REQUEST"
    )
    assert "no e-mail address" in error["errorMessage"]

    await tenant.patch("/api/v0/company", json={"approvalChain": "MAKER_CHECKER"})
    pending = await note(tenant, buyer, [part(inv["invoiceId"], 100, cgst=9, sgst=9)])
    error = assert_error(
        await tenant.post(f"{NOTES}/{pending['creditNoteId']}/dispatch"), 422, "UNPROCESSABLE_REQUEST"
    )
    assert "only an issued" in error["errorMessage"]
    viewer = await tenants.user(tenant, "VIEWER")
    assert_error(await viewer.post(f"{NOTES}/{made['creditNoteId']}/dispatch"), 403, "INVALID_ACCESS")


async def test_created_and_approved_events_carry_the_note(tenant: Tenant, db: Database) -> None:
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer)
    made = await note(tenant, buyer, [part(inv["invoiceId"], 100, cgst=9, sgst=9)])

    events = await rows(
        db,
        "SELECT event_type, payload::text FROM events WHERE entity_id = :n ORDER BY id",
        n=made["creditNoteId"],
    )

    assert [t for t, _ in events] == ["credit_note.created", "credit_note.approved"]
    created, approved = (json.loads(data) for _, data in events)
    assert sorted(approved) == sorted(SHAPES["credit_note.approved"]) == sorted(created)
    # Issued as it was made (no approval chain): both say so.
    assert created == approved and (approved["status"], approved["noteNumber"]) == (
        "ISSUED",
        made["noteNumber"],
    )
    assert approved["invoices"] == [
        {
            "invoiceId": inv["invoiceId"],
            "invoiceNumber": inv["invoiceNumber"],
            "amount": 118.0,
            "appliedAmount": 118.0,
            "balanceAmount": 1062.0,
            "status": "CREATED",
        }
    ]


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    for port in smtp_server(inbox):
        monkeypatch.setenv("DUES_SMTP_URL", f"smtp://127.0.0.1:{port}")
        get_settings.cache_clear()
        yield inbox
    get_settings.cache_clear()


async def test_the_mail_arrives_with_the_credit_note_pdf(
    committed: Database, live_tenants: TenantFactory, smtp: Inbox
) -> None:
    seller = await live_tenants.create()
    buyer = await customer(seller, email="ap@buyer.example")
    made = await note(seller, buyer, [part((await invoice(seller, buyer))["invoiceId"], 100, cgst=9, sgst=9)])
    payload(await seller.post(f"{NOTES}/{made['creditNoteId']}/dispatch"))

    await run_jobs(committed)

    [(to, mail)] = smtp.mails
    assert to == ["ap@buyer.example"] and made["noteNumber"] in mail["Subject"]
    [pdf] = list(mail.iter_attachments())
    content = pdf.get_content()
    assert pdf.get_content_type() == "application/pdf" and content.startswith(b"%PDF")
    assert pdf.get_filename() == f"credit-note-{made['noteNumber']}.pdf"
    assert made["noteNumber"] in _text(content)
    [message] = [m for m in payload(await seller.get("/api/v0/outbox"))["items"] if m["invoiceId"] is None]
    assert message["status"] == "SENT" and message["attachments"][0]["size"] == len(content)


async def test_the_events_are_delivered_and_verify(
    committed: Database, live_tenants: TenantFactory, receiver: Receiver, allow_private: None
) -> None:
    seller = await live_tenants.create()
    payload(await seller.patch("/api/v0/company", json={"approvalChain": "MAKER_CHECKER"}))
    checker = await live_tenants.user(seller, "CHECKER")
    events = ["credit_note.created", "credit_note.approved"]
    hook = payload(await seller.post("/api/v0/webhook", json={"url": receiver.url(), "events": events}))
    buyer = await customer(seller)
    inv = await invoice(seller, buyer)
    payload(await checker.post(f"/api/v0/invoice/{inv['invoiceId']}/approval", json={"action": "APPROVE"}))
    made = await note(seller, buyer, [part(inv["invoiceId"], 100, cgst=9, sgst=9)], externalId="RMA-7")
    payload(await checker.post(f"{NOTES}/{made['creditNoteId']}/approval", json={"action": "APPROVE"}))

    await run_jobs(committed)

    verifier = Webhook(hook["secret"])
    got = {}
    for message in receiver.received:
        verifier.verify(message.body, message.headers)  # raises when the signature does not hold
        body = json.loads(message.body, parse_float=Decimal)
        assert sorted(body["data"]) == sorted(SHAPES[body["type"]]), body
        got[body["type"]] = body["data"]
    assert sorted(got) == sorted(events)
    created, approved = got["credit_note.created"], got["credit_note.approved"]
    assert (created["status"], created["approvalStatus"], created["externalId"]) == (
        "PENDING",
        "CHECKER_APPROVAL_PENDING",
        "RMA-7",
    )
    assert (approved["status"], approved["approvalStatus"], str(approved["appliedAmount"])) == (
        "ISSUED",
        "CHECKER_APPROVED",
        "118.00",
    )
    [line] = approved["invoices"]
    assert (line["invoiceId"], str(line["balanceAmount"]), line["status"]) == (
        inv["invoiceId"],
        "1062.00",
        "CREATED",
    )
