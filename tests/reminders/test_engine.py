"""The reminder engine (api.md §7): a step goes when it is due and not before, at most once however often
and however many engines run, only the latest after downtime, never for invoices that are paid, withdrawn,
not dispatched or of an inactive customer, and says the balance at the time it is sent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from dues.config import get_settings
from dues.db import Database
from dues.reminders import tasks
from dues.webhooks.payloads import SHAPES
from tests.collection.helpers import get_invoice, outbox, sql, withdraw
from tests.collection.providers import Inbox, smtp_server
from tests.conftest import run_jobs
from tests.customers.helpers import assert_error, payload
from tests.reminders.helpers import (
    DUE,
    YEAR,
    customer,
    ist,
    open_invoice,
    reminder,
    reminder_messages,
    run_at,
    sends,
    set_default,
    steps,
)
from tests.support import Tenant, TenantFactory

IST = ZoneInfo("Asia/Kolkata")


@pytest.fixture
async def seller(live_tenants: TenantFactory) -> Tenant:
    return await live_tenants.create()


async def _standard(seller: Tenant, **fields: Any) -> str:
    """A company default: 3 days before, on, and 7 days after the due date, at 10:00."""
    rid = str((await reminder(seller, **fields))["reminderId"])
    await set_default(seller, rid)
    return rid


async def test_a_step_goes_when_due_and_not_before(committed: Database, seller: Tenant) -> None:
    await _standard(seller)
    invoice_id = await open_invoice(seller, await customer(seller))

    assert await run_at(committed, f"{YEAR}-06-27 09:59") == 0
    assert await run_at(committed, f"{YEAR}-06-27 10:00") == 1
    assert await sends(committed, invoice_id) == [("STEP", -3, Decimal("1180.00"))]
    [(channel, to, status, subject, body)] = await reminder_messages(committed, invoice_id)
    assert (channel, to, status) == ("EMAIL", "asha@buyer.example", "PENDING")
    assert "INR 1,180.00" in subject and "INR 1,180.00" in body
    assert (await get_invoice(seller, invoice_id))["paymentLink"] in body
    # The same minute again, later that day, the next day: nothing new is due.
    for when in (f"{YEAR}-06-27 10:00", f"{YEAR}-06-27 18:00", f"{YEAR}-06-29 23:59"):
        assert await run_at(committed, when) == 0
    assert await run_at(committed, f"{YEAR}-06-30 10:00") == 1
    assert [s[1] for s in await sends(committed, invoice_id)] == [-3, 0]


async def test_two_engines_racing_send_once(committed: Database, seller: Tenant) -> None:
    await _standard(seller)
    invoice_ids = [await open_invoice(seller, await customer(seller)) for _ in range(3)]

    results = await asyncio.gather(*(run_at(committed, f"{YEAR}-06-27 10:00") for _ in range(4)))

    assert sum(results) == 3
    for invoice_id in invoice_ids:
        assert len(await sends(committed, invoice_id)) == 1
        assert len(await reminder_messages(committed, invoice_id)) == 1
    [[events]] = await sql(
        committed,
        "SELECT count(*) FROM events WHERE event_type = 'reminder.sent' AND company_id = :c",
        c=seller.company_id,
    )
    assert events == 3


async def test_after_downtime_only_the_latest_missed_step_goes(committed: Database, seller: Tenant) -> None:
    await _standard(seller)
    invoice_id = await open_invoice(seller, await customer(seller))

    assert await run_at(committed, f"{YEAR}-07-08 11:00") == 1  # -3, 0 and 7 all passed while down
    assert await sends(committed, invoice_id) == [("STEP", 7, Decimal("1180.00"))]
    assert await run_at(committed, f"{YEAR}-07-09 11:00") == 0


async def test_repeats_after_the_last_step(committed: Database, seller: Tenant) -> None:
    await _standard(seller, steps=steps(0), repeatEveryDays=5, sendAt="08:15")
    invoice_id = await open_invoice(seller, await customer(seller))

    assert await run_at(committed, f"{YEAR}-06-30 08:15") == 1
    assert await run_at(committed, f"{YEAR}-07-05 08:14") == 0
    assert await run_at(committed, f"{YEAR}-07-05 08:15") == 1
    assert await run_at(committed, f"{YEAR}-07-16 09:00") == 1  # 10 missed, 15 sent
    assert await sends(committed, invoice_id) == [
        ("STEP", 0, Decimal("1180.00")),
        ("REPEAT", 5, Decimal("1180.00")),
        ("REPEAT", 15, Decimal("1180.00")),
    ]


async def test_nothing_for_paid_withdrawn_undispatched_or_inactive(
    committed: Database, seller: Tenant
) -> None:
    await _standard(seller)
    buyer = await customer(seller)
    reminded = await open_invoice(seller, buyer)
    paid = await open_invoice(seller, buyer)
    withdrawn = await open_invoice(seller, buyer)
    body = {"customerId": buyer, "invoiceDate": "2026-11-24", "dueDate": DUE, "baseAmount": 100}
    undispatched = payload(await seller.post("/api/v0/invoice", json=body))["invoiceId"]
    payment = {
        "customerId": buyer,
        "mode": "NEFT",
        "amount": "1180.00",
        "reference": "UTR-PAID-1",
        "paidOn": "2026-11-25",
        "allocations": [{"invoiceId": paid, "amount": "1180.00"}],
    }
    payload(await seller.post("/api/v0/payment", json=payment))
    assert (await withdraw(seller, [withdrawn]))[withdrawn]["success"]
    sleeping = await customer(seller)
    of_inactive = await open_invoice(seller, sleeping)
    payload(await seller.put(f"/api/v0/customer/deactivate/{sleeping}"))

    assert await run_at(committed, f"{YEAR}-07-01 10:00") == 1
    assert len(await sends(committed, reminded)) == 1
    for invoice_id in (paid, withdrawn, undispatched, of_inactive):
        assert await sends(committed, invoice_id) == []


async def test_withdrawal_cancels_reminders_not_yet_sent_and_stops_the_rest(
    committed: Database, seller: Tenant
) -> None:
    await _standard(seller)
    invoice_id = await open_invoice(seller, await customer(seller))
    assert await run_at(committed, f"{YEAR}-06-27 10:00") == 1

    assert (await withdraw(seller, [invoice_id]))[invoice_id]["success"]

    assert {m[2] for m in await reminder_messages(committed, invoice_id)} == {"CANCELLED"}
    assert await run_at(committed, f"{YEAR}-07-08 10:00") == 0
    assert len(await sends(committed, invoice_id)) == 1


async def test_the_amount_is_the_balance_when_the_reminder_goes(committed: Database, seller: Tenant) -> None:
    await _standard(seller)
    buyer = await customer(seller)
    invoice_id = await open_invoice(seller, buyer)
    payment = {
        "customerId": buyer,
        "mode": "UPI",
        "amount": "300.00",
        "reference": "UTR-PART-1",
        "paidOn": "2026-11-25",
        "allocations": [{"invoiceId": invoice_id, "amount": "300.00"}],
    }
    payload(await seller.post("/api/v0/payment", json=payment))

    assert await run_at(committed, f"{YEAR}-06-30 10:00") == 1
    assert await sends(committed, invoice_id) == [("STEP", 0, Decimal("880.00"))]
    [(_, _, _, subject, body)] = await reminder_messages(committed, invoice_id)
    assert "INR 880.00" in subject and "INR 880.00" in body and "1,180.00" in body  # balance, and the total


async def test_an_occurrence_due_before_the_dispatch_is_not_sent(committed: Database, seller: Tenant) -> None:
    """The dispatch itself told the customer; a reminder minutes later would repeat it."""
    await _standard(seller)
    # Dispatched now: the due date (step 0) three days ago, step 7 four days from now.
    today = datetime.now(IST).date()
    due = today - timedelta(days=3)
    invoice_id = await open_invoice(
        seller, await customer(seller), due=str(due), invoiceDate=str(due - timedelta(days=19))
    )
    assert await run_at(committed, f"{today + timedelta(days=3)} 10:00") == 0  # step 0 came before dispatch
    assert await run_at(committed, f"{today + timedelta(days=4)} 10:00") == 1
    assert await sends(committed, invoice_id) == [("STEP", 7, Decimal("1180.00"))]


async def test_whatsapp_stays_in_the_outbox_and_recipients_are_those_taking_reminders(
    committed: Database, seller: Tenant
) -> None:
    await _standard(seller, steps=steps(0, channels=("EMAIL", "SMS", "WHATSAPP")))
    contacts = [
        {
            "name": "Asha",
            "email": "asha@buyer.example",
            "mobile": "9000000001",
            "channels": ["EMAIL", "WHATSAPP"],
        },
        {"name": "Ravi", "email": "ravi@buyer.example", "receiveReminders": False},
        {"name": "Meena", "mobile": "9000000003", "channels": ["SMS"], "receiveInvoices": False},
    ]
    invoice_id = await open_invoice(seller, await customer(seller, customerKeyContacts=contacts))

    assert await run_at(committed, f"{YEAR}-06-30 10:00") == 1
    sent = sorted((m[0], m[1], m[2]) for m in await reminder_messages(committed, invoice_id))
    assert sent == [
        ("EMAIL", "asha@buyer.example", "PENDING"),
        ("SMS", "9000000003", "PENDING"),
        ("WHATSAPP", "9000000001", "OUTBOX"),
    ]
    await run_jobs(committed)
    listed = await outbox(seller, invoiceId=invoice_id, channel="WHATSAPP")
    assert [(m["to"], m["status"]) for m in listed] == [("9000000001", "OUTBOX")]


async def test_reminder_sent_event_has_the_documented_shape(committed: Database, seller: Tenant) -> None:
    rid = await _standard(seller)
    invoice_id = await open_invoice(seller, await customer(seller))
    assert await run_at(committed, f"{YEAR}-07-07 10:00") == 1

    async with committed.sessionmaker() as session:
        rows = await session.execute(
            text("SELECT payload::text FROM events WHERE company_id = :c AND event_type = 'reminder.sent'"),
            {"c": seller.company_id},
        )
        [raw] = rows.scalars()
    import json

    data = json.loads(raw, parse_float=Decimal)
    assert sorted(data) == sorted(SHAPES["reminder.sent"])
    assert (data["invoiceId"], data["reminderId"], data["kind"], data["offsetDays"]) == (
        invoice_id,
        rid,
        "STEP",
        7,
    )
    assert (data["balanceAmount"], data["dueAt"], data["channels"]) == (
        Decimal("1180.00"),
        f"{YEAR}-07-07 10:00:00",
        ["EMAIL"],
    )
    assert data["recipients"] == [{"channel": "EMAIL", "to": "asha@buyer.example"}]
    assert str(data["balanceAmount"]) == "1180.00"


async def test_which_reminder_applies(committed: Database, seller: Tenant) -> None:
    default = await _standard(seller, steps=steps(0))
    first = (await reminder(seller, steps=steps(1), active=False))["reminderId"]
    second = (await reminder(seller, steps=steps(2)))["reminderId"]
    own = await open_invoice(seller, await customer(seller, customerReminders=[first, second]))
    plain = await open_invoice(seller, await customer(seller))

    assert await run_at(committed, f"{YEAR}-07-03 10:00") == 2
    assert await sends(committed, own) == [("STEP", 2, Decimal("1180.00"))]  # inactive first skipped
    assert await sends(committed, plain) == [("STEP", 0, Decimal("1180.00"))]
    timeline = payload(await seller.get(f"/api/v0/invoice/{own}/reminders"))
    assert timeline["reminderId"] == second
    payload(
        await seller.put(
            f"/api/v0/customer/reminder/{default}", json={"name": "off", "steps": steps(0), "active": False}
        )
    )
    timeline = payload(await seller.get(f"/api/v0/invoice/{plain}/reminders"))
    assert (
        timeline["reminderId"] is None
        and timeline["planned"] == []
        and "No reminder applies" in timeline["note"]
    )


async def test_send_now_and_the_timeline(committed: Database, seller: Tenant) -> None:
    rid = await _standard(seller, steps=steps(-3, 7, channels=("EMAIL", "SMS")))
    buyer = await customer(seller)
    invoice_id = await open_invoice(seller, buyer)

    done = payload(await seller.post(f"/api/v0/invoice/{invoice_id}/remind", json={"channels": ["SMS"]}))
    assert [(m["channel"], m["to"], m["status"]) for m in done["messages"]] == [
        ("SMS", "9000000001", "PENDING")
    ]
    payload(await seller.post(f"/api/v0/invoice/{invoice_id}/remind"))  # no body: every channel
    # A manual reminder takes no scheduled step's place.
    assert await run_at(committed, f"{YEAR}-06-27 10:00") == 1
    await run_jobs(committed)

    timeline = payload(await seller.get(f"/api/v0/invoice/{invoice_id}/reminders"))
    assert timeline["reminderId"] == rid
    kinds = [
        (s["kind"], s["offsetDays"], sorted(m["channel"] for m in s["messages"])) for s in timeline["sent"]
    ]
    assert kinds == [
        ("MANUAL", None, ["SMS"]),
        ("MANUAL", None, ["EMAIL", "SMS"]),
        ("STEP", -3, ["EMAIL", "SMS"]),
    ]
    assert {m["status"] for s in timeline["sent"] for m in s["messages"]} == {"OUTBOX"}
    assert (
        timeline["sent"][2]["dueAt"] == f"{YEAR}-06-27 10:00:00"
        and timeline["sent"][2]["balanceAmount"] == 1180.0
    )
    planned = [(p["kind"], p["offsetDays"], p["dueAt"]) for p in timeline["planned"]]
    assert planned == [("STEP", 7, f"{YEAR}-07-07 10:00:00")]

    # Refused for an invoice not out for collection, and 404 for another company's.
    assert (await withdraw(seller, [invoice_id]))[invoice_id]["success"]
    error = assert_error(
        await seller.post(f"/api/v0/invoice/{invoice_id}/remind"), 422, "UNPROCESSABLE_REQUEST"
    )
    assert "withdrawn" in error["errorMessage"]
    body = {"customerId": buyer, "invoiceDate": "2026-11-24", "dueDate": DUE, "baseAmount": 100}
    fresh = payload(await seller.post("/api/v0/invoice", json=body))["invoiceId"]
    error = assert_error(await seller.post(f"/api/v0/invoice/{fresh}/remind"), 422, "UNPROCESSABLE_REQUEST")
    assert "dispatched" in error["errorMessage"]
    assert_error(await seller.post("/api/v0/invoice/INVAAAAAAAAAAAAA/remind"), 404, "RECORD_NOT_FOUND")
    assert_error(await seller.get("/api/v0/invoice/INVAAAAAAAAAAAAA/reminders"), 404, "RECORD_NOT_FOUND")


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    for port in smtp_server(inbox):
        monkeypatch.setenv("DUES_SMTP_URL", f"smtp://127.0.0.1:{port}")
        get_settings.cache_clear()
        yield inbox


async def test_a_reminder_email_arrives_with_the_balance(
    committed: Database, seller: Tenant, smtp: Inbox
) -> None:
    await _standard(seller)
    buyer = await customer(seller)
    invoice_id = await open_invoice(seller, buyer)
    payment = {
        "customerId": buyer,
        "mode": "UPI",
        "amount": "180.00",
        "reference": "UTR-PART-2",
        "paidOn": "2026-11-25",
        "allocations": [{"invoiceId": invoice_id, "amount": "180.00"}],
    }
    payload(await seller.post("/api/v0/payment", json=payment))
    await run_jobs(committed)  # the dispatch e-mail
    smtp.mails.clear()

    assert await tasks.send_reminders(committed, ist(f"{YEAR}-07-07 10:00")) == 1
    await run_jobs(committed)

    [(to, mail)] = smtp.mails
    assert to == ["asha@buyer.example"]
    assert mail["Subject"].startswith("Reminder: invoice") and "INR 1,000.00" in mail["Subject"]
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and "INR 1,000.00 is outstanding" in body.get_content()
    assert "7 days overdue" in body.get_content() or "overdue" in mail["Subject"]
    assert {m[2] for m in await reminder_messages(committed, invoice_id)} == {"SENT"}


async def test_paying_in_full_cancels_reminders_not_yet_sent(committed: Database, seller: Tenant) -> None:
    await _standard(seller)
    buyer = await customer(seller)
    invoice_id = await open_invoice(seller, buyer)
    assert await run_at(committed, f"{YEAR}-06-27 10:00") == 1  # written, not handed to a provider yet
    balance = (await get_invoice(seller, invoice_id))["balanceAmount"]

    paid = await seller.post(
        "/api/v0/payment",
        json={
            "customerId": buyer,
            "mode": "NEFT",
            "amount": balance,
            "reference": "UTRPAIDINFULL01",
            "paidOn": "2026-11-25",
            "allocations": [{"invoiceId": invoice_id, "amount": balance}],
        },
    )

    assert paid.status_code == 200, paid.text
    assert {m[2] for m in await reminder_messages(committed, invoice_id)} == {"CANCELLED"}
    assert await run_at(committed, f"{YEAR}-07-08 10:00") == 0
