"""Sending the outbox (api.md §5): mail over real SMTP with the PDF and the link, SMS over real HTTP, the
outbox when no provider is set, retries with backoff then FAILED, and nothing sent twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from dues.collection import sending
from dues.config import get_settings
from dues.db import Database
from tests.collection.helpers import customer, dispatch, get_invoice, invoice, outbox, sql
from tests.collection.providers import Inbox, SmsGateway, free_port, smtp_server
from tests.conftest import run_jobs
from tests.support import Tenant, TenantFactory


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def smtp(inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    for port in smtp_server(inbox):
        monkeypatch.setenv("DUES_SMTP_URL", f"smtp://127.0.0.1:{port}")
        get_settings.cache_clear()
        yield inbox


@pytest.fixture
def sms(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmsGateway]:
    gateway = SmsGateway()
    monkeypatch.setenv("DUES_SMS_URL", gateway.url)
    get_settings.cache_clear()
    yield gateway
    gateway.close()


@pytest.fixture
async def seller(live_tenants: TenantFactory) -> Tenant:
    return await live_tenants.create()


async def test_mail_arrives_with_the_pdf_and_the_link(
    committed: Database, seller: Tenant, smtp: Inbox
) -> None:
    inv = await invoice(
        seller, await customer(seller, email="ap@buyer.example"), emailAddress="cfo@buyer.example"
    )
    await dispatch(seller, [inv["invoiceId"]])
    link = (await get_invoice(seller, inv["invoiceId"]))["paymentLink"]

    await run_jobs(committed)

    assert sorted(to for tos, _ in smtp.mails for to in tos) == ["ap@buyer.example", "cfo@buyer.example"]
    _, mail = smtp.mails[0]
    assert inv["invoiceNumber"] in mail["Subject"] and mail["From"] == get_settings().mail_from
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and link in body.get_content()
    [pdf] = list(mail.iter_attachments())
    content = pdf.get_content()
    assert pdf.get_content_type() == "application/pdf" and content.startswith(b"%PDF")
    assert pdf.get_filename() == f"invoice-{inv['invoiceNumber']}.pdf"
    messages = await outbox(seller, invoiceId=inv["invoiceId"])
    assert {m["status"] for m in messages} == {"SENT"} and all(m["sentOn"] for m in messages)
    assert messages[0]["attachments"][0]["size"] == len(content)


async def test_sms_goes_to_the_gateway_with_the_link(
    committed: Database, seller: Tenant, sms: SmsGateway
) -> None:
    inv = await invoice(seller, await customer(seller, email=None, contactNumber="9000000001"))
    await dispatch(seller, [inv["invoiceId"]])
    link = (await get_invoice(seller, inv["invoiceId"]))["paymentLink"]

    await run_jobs(committed)

    assert [r["to"] for r in sms.received] == ["9000000001"] and link in sms.received[0]["text"]
    assert [m["status"] for m in await outbox(seller, invoiceId=inv["invoiceId"])] == ["SENT"]


async def test_without_a_provider_messages_stay_in_the_outbox(committed: Database, seller: Tenant) -> None:
    inv = await invoice(seller, await customer(seller, email="ap@buyer.example", contactNumber="9000000001"))
    await dispatch(seller, [inv["invoiceId"]])

    await run_jobs(committed)

    messages = await outbox(seller, invoiceId=inv["invoiceId"])
    assert sorted((m["channel"], m["status"]) for m in messages) == [("EMAIL", "OUTBOX"), ("SMS", "OUTBOX")]
    mail = next(m for m in messages if m["channel"] == "EMAIL")
    assert mail["attachments"][0]["name"].endswith(".pdf") and "/pay/" in mail["body"]


async def test_a_rejecting_server_is_retried_then_failed(
    committed: Database, seller: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sending, "RETRY_BASE_SECONDS", 0.0)  # the backoff itself is the next test's
    rejecting = Inbox(reject="554 5.7.1 Message rejected")
    for port in smtp_server(rejecting):
        monkeypatch.setenv("DUES_SMTP_URL", f"smtp://127.0.0.1:{port}")
        get_settings.cache_clear()
        inv = await invoice(seller, await customer(seller, email="ap@buyer.example"))
        await dispatch(seller, [inv["invoiceId"]])

        await run_jobs(committed)

    [message] = await outbox(seller, invoiceId=inv["invoiceId"])
    assert (message["status"], message["attempts"]) == ("FAILED", sending.MAX_ATTEMPTS)
    assert "554" in message["lastError"] and message["sentOn"] is None


async def test_no_server_on_the_port_waits_with_growing_backoff(
    committed: Database, seller: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUES_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    get_settings.cache_clear()
    inv = await invoice(seller, await customer(seller, email="ap@buyer.example"))
    await dispatch(seller, [inv["invoiceId"]])

    await run_jobs(committed)

    [message] = await outbox(seller, invoiceId=inv["invoiceId"])
    assert (message["status"], message["attempts"]) == ("PENDING", 1) and message["lastError"]
    [(wait, scheduled)] = await sql(
        committed,
        "SELECT m.next_attempt_at - m.updated_on, j.scheduled_at = m.next_attempt_at FROM messages m"
        " JOIN procrastinate_jobs j ON j.task_name = 'dues.collection.send_messages' AND j.status = 'todo'"
        " AND j.args->>'company_id' = m.company_id WHERE m.message_id = :m",
        m=message["messageId"],
    )
    assert wait == timedelta(seconds=sending.RETRY_BASE_SECONDS) and scheduled  # a job waits for the retry

    # The retry comes due (its time brought forward): a second failure doubles the wait.
    await sql(
        committed, "UPDATE messages SET next_attempt_at = now() WHERE message_id = :m", m=message["messageId"]
    )
    await sql(committed, "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")
    await run_jobs(committed)

    [(attempts, wait)] = await sql(
        committed,
        "SELECT attempts, next_attempt_at - updated_on FROM messages WHERE message_id = :m",
        m=message["messageId"],
    )
    assert attempts == 2 and wait == timedelta(seconds=2 * sending.RETRY_BASE_SECONDS)


async def test_a_message_is_not_sent_twice_after_a_worker_dies(
    committed: Database, seller: Tenant, smtp: Inbox
) -> None:
    buyer = await customer(seller, email="ap@buyer.example")
    invoices = [await invoice(seller, buyer) for _ in range(5)]
    await dispatch(seller, [i["invoiceId"] for i in invoices])
    await run_jobs(committed)
    assert len(smtp.mails) == 5
    sent, of_silent, of_gone, of_live, unowned = [
        (await outbox(seller, invoiceId=i["invoiceId"]))[0]["messageId"] for i in invoices
    ]
    silent, live = [
        (
            await sql(
                committed,
                "INSERT INTO procrastinate_workers (last_heartbeat)"
                " VALUES (now() - make_interval(secs => :age)) RETURNING id",
                age=age,
            )
        )[0][0]
        for age in (600, 0)
    ]
    claims = {of_silent: silent, of_gone: -1, of_live: live}
    for message_id, worker in claims.items():
        await sql(
            committed,
            "UPDATE messages SET status = 'SENDING', claimed_by = :w WHERE message_id = :m",
            w=worker,
            m=message_id,
        )
    # Claimed outside any worker: abandoned only once old.
    await sql(
        committed,
        "UPDATE messages SET status = 'SENDING', claimed_by = NULL, updated_on = now() - interval '2 hours'"
        " WHERE message_id = :m",
        m=unowned,
    )
    smtp.mails.clear()

    await sending.send_due(committed, seller.company_id, "dues.collection.send_messages")

    # Those of the worker whose heartbeat stopped, of the one that is gone and the abandoned one go out
    # again; the live worker's claim is left to it, and the SENT message is never touched.
    resent = sorted(mail["Message-ID"] for _, mail in smtp.mails)
    assert resent == sorted(f"<{m}@dues>" for m in (of_silent, of_gone, unowned))
    ids = [sent, of_silent, of_gone, of_live, unowned]
    statuses = dict(
        await sql(committed, "SELECT message_id, status FROM messages WHERE message_id = ANY(:ids)", ids=ids)
    )
    assert statuses == {sent: "SENT", of_silent: "SENT", of_gone: "SENT", of_live: "SENDING", unowned: "SENT"}


async def test_an_sms_gateway_error_is_retried_then_failed(
    committed: Database, seller: Tenant, sms: SmsGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sending, "RETRY_BASE_SECONDS", 0.0)
    sms.status = 503
    inv = await invoice(seller, await customer(seller, email=None, contactNumber="9000000001"))
    await dispatch(seller, [inv["invoiceId"]])

    await run_jobs(committed)

    assert len(sms.received) == sending.MAX_ATTEMPTS
    [message] = await outbox(seller, invoiceId=inv["invoiceId"])
    assert (message["status"], message["attempts"]) == ("FAILED", sending.MAX_ATTEMPTS)
    assert "503" in message["lastError"]
