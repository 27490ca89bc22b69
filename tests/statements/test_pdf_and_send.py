"""A statement as a PDF (what pdftotext reads off it) and sent by e-mail: the message reaches a real SMTP
server with the PDF attached."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dues.config import get_settings
from dues.db import Database
from tests.collection.providers import Inbox, smtp_server
from tests.conftest import run_jobs
from tests.credit_notes.helpers import note, part
from tests.customers.helpers import assert_error, assert_invalid, payload
from tests.statements.helpers import day, has_row, invoice, path, pay, pdf_text
from tests.support import Tenant, TenantFactory


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    for port in smtp_server(inbox):
        monkeypatch.setenv("DUES_SMTP_URL", f"smtp://127.0.0.1:{port}")
        get_settings.cache_clear()
        yield inbox
    get_settings.cache_clear()


async def test_the_pdf_shows_the_balances_and_every_document(tenant: Tenant, tmp_path: Path) -> None:
    buyer = (await tenant.create_customer(legalName="Anand Traders LLP"))["customerId"]
    first = await invoice(tenant, buyer, "1000", day(-30), day(-5))
    second = await invoice(tenant, buyer, "500", day(-10), day(20))
    await pay(tenant, buyer, "1000", day(-8), "UTRPDF00001", [(first["invoiceId"], "1000")])
    credit = await note(tenant, buyer, [part(second["invoiceId"], 100, cgst=9, sgst=9)])
    period = {"from": day(-31), "to": day(0)}

    answer = await tenant.get(path(buyer), params={**period, "format": "pdf"})

    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    name = f"statement-{buyer}-{day(-31)}-{day(0)}.pdf"
    assert f'filename="{name}"' in answer.headers["content-disposition"]
    text = pdf_text(answer.content, tmp_path)
    for shown in (
        "STATEMENT OF ACCOUNT",
        "Anand Traders LLP",
        "Closing Balance 652.00 Dr",
        # Owed all period: Dr once, in the balance column's heading.
        "Date Particulars Debit Credit Balance (Dr)",
        "Balance Due ₹ 652.00",
    ):
        assert shown in text, shown
    for row in (
        "Opening Balance 0.00",
        f"Invoice {first['invoiceNumber']} 1,180.00 1,180.00",
        f"Invoice {second['invoiceNumber']} 590.00 1,770.00",
        "Payment received — UTR UTRPDF00001 1,000.00 770.00",
        f"Credit note {credit['noteNumber']} against {second['invoiceNumber']} 118.00 652.00",
        "Closing Balance 1,770.00 1,118.00 652.00",
    ):
        assert has_row(text, row), row
    # What was owed at the end, by age and invoice by invoice: 180 five days past due, 472 not yet due.
    assert "472.00 180.00 0.00 0.00 0.00 652.00" in text
    assert f"{first['invoiceNumber']} " in text.split("OPEN INVOICES")[1]
    assert f"{second['invoiceNumber']} " in text.split("OPEN INVOICES")[1]


async def test_sending_puts_a_mail_with_the_statement_in_the_outbox(tenant: Tenant) -> None:
    buyer = (await tenant.create_customer(email="ap@buyer.example"))["customerId"]
    await invoice(tenant, buyer, "1000", day(-3), day(27))

    sent = payload(await tenant.post(f"{path(buyer)}/send", json={"from": day(-5), "to": day(0)}))
    chosen = payload(
        await tenant.post(
            f"{path(buyer)}/send",
            json={"emailAddresses": ["cfo@buyer.example", "CFO@buyer.example", "books@buyer.example"]},
        )
    )

    assert (sent["customerId"], sent["from"], sent["to"], sent["closingBalance"]) == (
        buyer,
        day(-5),
        day(0),
        1180.0,
    )
    assert [m["to"] for m in sent["messages"]] == ["ap@buyer.example"]
    # The addresses given, each once, instead of the customer's own.
    assert [m["to"] for m in chosen["messages"]] == ["cfo@buyer.example", "books@buyer.example"]
    outbox = {m["messageId"]: m for m in payload(await tenant.get("/api/v0/outbox"))["items"]}
    [mail] = [outbox[m["messageId"]] for m in sent["messages"]]
    assert (mail["channel"], mail["to"], mail["invoiceId"]) == ("EMAIL", "ap@buyer.example", None)
    assert "Statement of account" in mail["subject"] and "INR 1,180.00" in mail["body"]
    assert mail["attachments"] == [
        {"name": f"statement-{buyer}-{day(-5)}-{day(0)}.pdf", "contentType": "application/pdf", "size": None}
    ]


async def test_a_customer_with_nowhere_to_send_it_is_refused(tenant: Tenant, tenants: TenantFactory) -> None:
    buyer = (await tenant.create_customer(email=None))["customerId"]

    nowhere = await tenant.post(f"{path(buyer)}/send", json={})
    bad_address = await tenant.post(f"{path(buyer)}/send", json={"emailAddresses": ["not-an-address"]})
    backwards = await tenant.post(f"{path(buyer)}/send", json={"from": day(0), "to": day(-1)})
    viewer = await tenants.user(tenant, "VIEWER")

    assert "no e-mail address" in assert_invalid(nowhere, "emailAddresses")["emailAddresses"]["message"]
    assert_error(bad_address, 422, "VALIDATION_ERROR")
    assert_invalid(backwards, "from")
    assert_error(await viewer.post(f"{path(buyer)}/send", json={}), 403, "INVALID_ACCESS")
    assert_error(await tenant.post(f"{path('KCNOSUCHCUSTOMER')}/send", json={}), 404, "RECORD_NOT_FOUND")
    assert payload(await tenant.get("/api/v0/outbox"))["items"] == []


async def test_the_mail_arrives_with_the_statement_pdf(
    committed: Database, live_tenants: TenantFactory, smtp: Inbox, tmp_path: Path
) -> None:
    seller = await live_tenants.create()
    buyer = (await seller.create_customer(email="ap@buyer.example"))["customerId"]
    made = await invoice(seller, buyer, "1000", day(-3), day(27))
    sent = payload(await seller.post(f"{path(buyer)}/send", json={"from": day(-5), "to": day(0)}))

    await run_jobs(committed)

    [(to, mail)] = smtp.mails
    assert to == ["ap@buyer.example"] and "Statement of account" in mail["Subject"]
    [pdf] = list(mail.iter_attachments())
    content = pdf.get_content()
    assert pdf.get_content_type() == "application/pdf" and content.startswith(b"%PDF")
    assert pdf.get_filename() == f"statement-{buyer}-{day(-5)}-{day(0)}.pdf"
    text = pdf_text(content, tmp_path)
    assert (
        has_row(text, f"Invoice {made['invoiceNumber']} 1,180.00 1,180.00")
        and "Balance Due ₹ 1,180.00" in text
    )
    [message] = [m for m in payload(await seller.get("/api/v0/outbox"))["items"]]
    assert message["messageId"] == sent["messages"][0]["messageId"]
    assert message["status"] == "SENT" and message["attachments"][0]["size"] == len(content)
