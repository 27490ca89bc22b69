"""What each event type's ``data`` is, as a receiver gets it over real HTTP (docs/webhooks.md): the documented
keys in the API's names, the values GET answers with, amounts digit for digit."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest_asyncio
from sqlalchemy import text

from dues.db import Database
from dues.invoices import tasks as invoice_tasks
from dues.jobs import job_app
from dues.kit.timefmt import IST
from dues.reminders import tasks as reminder_tasks
from dues.uploads import service as uploads
from dues.webhooks.payloads import SHAPES
from dues.webhooks.schemas import WebhookEvent
from tests.conftest import run_jobs
from tests.customers.helpers import payload
from tests.support import Tenant, TenantFactory, gstin_for
from tests.uploads.helpers import HEADER, accepted, csv_bytes, finished, good_row, status
from tests.webhooks.receiver import Receiver

WEBHOOKS = "/api/v0/webhook"
INVOICES = "/api/v0/invoice"
CUSTOMERS = "/api/v0/customer"
# The amounts of the API's invoices: their digits are what a receiver must get, trailing zeros included.
AMOUNTS = ("totalAmount", "paidAmount", "balanceAmount")


@pytest_asyncio.fixture(loop_scope="session")
async def seller(live_tenants: TenantFactory) -> Tenant:
    return await live_tenants.create()


async def _subscribe(seller: Tenant, receiver: Receiver) -> str:
    body = {"url": receiver.url(), "events": [str(e) for e in WebhookEvent]}
    return str(payload(await seller.post(WEBHOOKS, json=body))["secret"])


def _exact(body: bytes | str) -> Any:
    """JSON with every number read as the Decimal it says, so 1180.10 and 1180.1 stay apart."""
    return json.loads(body, parse_float=Decimal)


def _received(receiver: Receiver, secret: str, event_type: str) -> list[dict[str, Any]]:
    """The data of every message of this type, each signature checked and its keys the documented ones."""
    found = []
    for message in receiver.received:
        body = _exact(message.body)
        if body["type"] != event_type:
            continue
        assert message.verified(secret)
        assert sorted(body["data"]) == sorted(SHAPES[event_type]), body["data"]
        found.append(body["data"])
    return found


async def _get(seller: Tenant, path: str) -> dict[str, Any]:
    response = await seller.get(path)
    assert response.status_code == 200, response.text
    return _exact(response.content)["payload"]  # type: ignore[no-any-return]


def _digits(data: dict[str, Any], keys: tuple[str, ...] = AMOUNTS) -> dict[str, str]:
    for key in keys:
        assert isinstance(data[key], Decimal), (key, data[key])  # a JSON number, not a string
    return {key: str(data[key]) for key in keys}


def _core_of(invoice: dict[str, Any]) -> dict[str, Any]:
    """What every invoice event says of the invoice, as GET shows it."""
    keys = ("sellerId", "invoiceId", "invoiceNumber", "customerId", "status", "dueDate")
    return {**{k: invoice[k] for k in keys}, **_digits(invoice)}


def _core(data: dict[str, Any]) -> dict[str, Any]:
    keys = ("sellerId", "invoiceId", "invoiceNumber", "customerId", "status", "dueDate")
    return {**{k: data[k] for k in keys}, **_digits(data)}


async def _customer(seller: Tenant, n: int, **fields: Any) -> str:
    return str((await seller.create_customer(panOrGstin=gstin_for("27", n), **fields))["customerId"])


async def _invoice(seller: Tenant, customer_id: str, due: str = "2026-12-31", **fields: Any) -> str:
    body = {
        "customerId": customer_id,
        "invoiceDate": "2026-11-24",
        "dueDate": due,
        "baseAmount": "1000.10",
        "cgst": "90.00",
        "sgst": "90.00",
        "externalId": f"ERP-{customer_id[-6:]}-{due}",
        **fields,
    }
    return str(payload(await seller.post(INVOICES, json=body))["invoiceId"])


async def _dispatch(seller: Tenant, *invoice_ids: str) -> None:
    body = {"invoiceIds": list(invoice_ids), "partialPaymentAllowed": True}
    answer = payload(await seller.post(f"{INVOICES}/bulk/dispatch", json=body))
    assert all(line["success"] for line in answer["results"])


async def _pay(seller: Tenant, customer_id: str, invoice_id: str, amount: str, reference: str) -> str:
    body = {
        "mode": "NEFT",
        "amount": amount,
        "reference": reference,
        "paidOn": "2026-11-25",
        "customerId": customer_id,
        "allocations": [{"invoiceId": invoice_id, "amount": amount}],
    }
    return str(payload(await seller.post("/api/v0/payment", json=body))["paymentId"])


async def _events(database: Database, company_id: str, event_type: str) -> list[dict[str, Any]]:
    async with database.sessionmaker() as session:
        rows = await session.execute(
            text("SELECT payload::text FROM events WHERE company_id = :c AND event_type = :t ORDER BY id"),
            {"c": company_id, "t": event_type},
        )
        return [_exact(r) for r in rows.scalars()]


async def test_invoice_events_carry_the_invoice_as_the_api_shows_it(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    secret = await _subscribe(seller, receiver)
    buyer = await _customer(seller, 501)
    invoice_id = await _invoice(seller, buyer)
    created = await _get(seller, f"{INVOICES}/{invoice_id}")
    await _dispatch(seller, invoice_id)
    dispatched = await _get(seller, f"{INVOICES}/{invoice_id}")
    first = await _pay(seller, buyer, invoice_id, "300.10", "UTR00000501")
    part_paid = await _get(seller, f"{INVOICES}/{invoice_id}")
    second = await _pay(seller, buyer, invoice_id, "880.00", "UTR00000502")
    paid = await _get(seller, f"{INVOICES}/{invoice_id}")

    await run_jobs(committed)

    assert _digits(created) == {"totalAmount": "1180.10", "paidAmount": "0.00", "balanceAmount": "1180.10"}
    [on_create] = _received(receiver, secret, "invoice.created")
    [on_approval] = _received(receiver, secret, "invoice.approved")
    for data in (on_create, on_approval):
        assert _core(data) == _core_of(created)
        assert (data["invoiceDate"], data["externalId"], data["createdVia"], data["approvalStatus"]) == (
            "2026-11-24",
            created["externalId"],
            "API",
            "APPROVER_APPROVED",
        )

    [on_dispatch] = _received(receiver, secret, "invoice.dispatched")
    assert _core(on_dispatch) == {**_core_of(dispatched), "status": "DISPATCHED"}
    assert on_dispatch["paymentLink"] == dispatched["paymentLink"]
    assert on_dispatch["dispatchedOn"] == dispatched["dispatchedOn"]
    assert on_dispatch["partialPaymentAllowed"] is True

    received = _received(receiver, secret, "invoice.payment_received")
    assert sorted(_digits(d, ("amount",))["amount"] for d in received) == ["300.10", "880.00"]
    by_payment = {d["paymentId"]: d for d in received}
    assert _core(by_payment[first]) == _core_of(part_paid)
    assert _digits(by_payment[first]) == {
        "totalAmount": "1180.10",
        "paidAmount": "300.10",
        "balanceAmount": "880.00",
    }
    assert _core(by_payment[second]) == _core_of(paid)
    assert (by_payment[first]["mode"], by_payment[first]["reference"], by_payment[first]["paidOn"]) == (
        "NEFT",
        "UTR00000501",
        "2026-11-25",
    )
    [on_paid] = _received(receiver, secret, "invoice.paid")
    assert on_paid == by_payment[second]
    assert _digits(on_paid) == {"totalAmount": "1180.10", "paidAmount": "1180.10", "balanceAmount": "0.00"}


async def test_invoice_collection_deleted_says_why_and_from_which_status(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    secret = await _subscribe(seller, receiver)
    invoice_id = await _invoice(seller, await _customer(seller, 502))
    await _dispatch(seller, invoice_id)
    body = {"invoiceIds": [invoice_id], "reason": "customer disputes the order"}
    assert payload(await seller.post(f"{INVOICES}/bulk/delete", json=body))["results"][0]["success"]
    withdrawn = await _get(seller, f"{INVOICES}/{invoice_id}")

    await run_jobs(committed)

    [data] = _received(receiver, secret, "invoice.collection_deleted")
    assert _core(data) == _core_of(withdrawn)
    assert data["status"] == "COLLECTION_DELETED" and data["previousStatus"] == "DISPATCHED"
    assert data["reason"] == "customer disputes the order"
    assert data["deletedOn"] >= withdrawn["dispatchedOn"]


async def test_invoice_updated_names_the_changed_fields(committed: Database, seller: Tenant) -> None:
    invoice_id = await _invoice(seller, await _customer(seller, 503))
    body = {"description": "November services", "dueDate": "2027-01-15"}
    assert (await seller.patch(f"{INVOICES}/{invoice_id}", json=body)).status_code == 200
    shown = await _get(seller, f"{INVOICES}/{invoice_id}")

    [data] = await _events(committed, seller.company_id, "invoice.updated")
    assert sorted(data) == sorted(SHAPES["invoice.updated"])
    assert _core(data) == _core_of(shown) and data["dueDate"] == "2027-01-15"
    assert data["changedFields"] == ["description", "dueDate"]


async def test_bulk_invoices_have_the_same_events_as_single_ones(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    await seller.create_customer(
        legalName="Local Pvt Ltd", panOrGstin=gstin_for("27", 504), uniqueRefNo="LOC"
    )
    secret = await _subscribe(seller, receiver)
    header = ["customerUniqueRefNo", "dueDate", "invoiceDate", "baseAmount", "cgst", "sgst", "externalId"]
    rows = [
        ["LOC", "2026-12-24", "2026-11-24", f"{n}00.10", f"{n}.50", f"{n}.50", f"B-{n}"] for n in (1, 2, 3)
    ]
    upload_id = await accepted(seller, csv_bytes(header, rows), path=f"{INVOICES}/bulk/create")
    done = await finished(committed, seller, upload_id)
    ids = [r["id"] for r in done["rows"]]

    await run_jobs(committed)

    created = {d["invoiceId"]: d for d in _received(receiver, secret, "invoice.created")}
    approved = {d["invoiceId"]: d for d in _received(receiver, secret, "invoice.approved")}
    assert sorted(created) == sorted(approved) == sorted(ids)
    for n, invoice_id in zip((1, 2, 3), ids, strict=True):
        shown = await _get(seller, f"{INVOICES}/{invoice_id}")
        assert _core(created[invoice_id]) == _core_of(shown) == _core(approved[invoice_id])
        assert _digits(created[invoice_id])["totalAmount"] == str(
            Decimal(f"{n}00.10") + 2 * Decimal(f"{n}.50")
        )
        assert (created[invoice_id]["createdVia"], created[invoice_id]["externalId"]) == (
            "BULK_UPLOAD",
            f"B-{n}",
        )


async def test_customer_events_follow_every_change_of_the_customer(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    secret = await _subscribe(seller, receiver)
    customer_id = await _customer(seller, 505, uniqueRefNo="C-505", branchCodes=["PUN"])
    patched = {"email": "ap@buyer.example", "address": "1 MG Road"}
    assert (await seller.patch(f"{CUSTOMERS}/{customer_id}", json=patched)).status_code == 200
    assert (await seller.put(f"{CUSTOMERS}/deactivate/{customer_id}")).status_code == 200
    assert (await seller.put(f"{CUSTOMERS}/deactivate/{customer_id}")).status_code == 200  # no change
    assert (await seller.delete(f"{CUSTOMERS}/{customer_id}")).status_code == 200
    shown = await _get(seller, f"{CUSTOMERS}/{customer_id}")

    await run_jobs(committed)

    [created] = _received(receiver, secret, "customer.created")
    assert (created["customerId"], created["companyId"], created["uniqueRefNo"]) == (
        customer_id,
        seller.company_id,
        "C-505",
    )
    assert (created["branchCodes"], created["status"], created["deleted"]) == (["PUN"], "ACTIVE", False)
    updates = _received(receiver, secret, "customer.updated")
    assert [u["changedFields"] for u in updates] == [["address", "email"], ["status"], ["deleted"]]
    last = updates[-1]
    assert {k: last[k] for k in SHAPES["customer.created"]} == {
        k: shown[k] for k in SHAPES["customer.created"]
    }


async def test_a_customer_upload_writes_its_events_with_one_statement(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    body = {"url": receiver.url(), "events": ["customer.created", "customer.updated"]}
    secret = str(payload(await seller.post(WEBHOOKS, json=body))["secret"])
    rows = [good_row(n, prefix="UP") for n in range(600, 625)]
    upload_id = await accepted(seller, csv_bytes(HEADER, rows))
    done = await finished(committed, seller, upload_id)
    made = {r["id"] for r in done["rows"]}

    async with committed.sessionmaker() as session:
        counted = await session.execute(
            text(
                "SELECT (SELECT count(*) FROM events "
                "WHERE company_id = :c AND event_type = 'customer.created'), "
                "(SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'dues.webhooks.send_due')"
            ),
            {"c": seller.company_id},
        )
    # One statement inserted the 25 events: the trigger on events queues one sending job per statement.
    assert tuple(counted.one()) == (25, 1)
    await run_jobs(committed)
    created = _received(receiver, secret, "customer.created")
    assert {d["customerId"] for d in created} == made
    one = next(d for d in created if d["uniqueRefNo"] == "UP-00600")
    shown = await _get(seller, f"{CUSTOMERS}/{one['customerId']}")
    assert {k: one[k] for k in SHAPES["customer.created"]} == {
        k: shown[k] for k in SHAPES["customer.created"]
    }

    header = ["uniqueRefNo", "email", "status"]
    changes = [[f"UP-{n:05d}", f"new{n}@example.com", "INACTIVE" if n % 2 else ""] for n in range(600, 610)]
    upload_id = await accepted(seller, csv_bytes(header, changes), path=f"{CUSTOMERS}/bulk/update")
    await finished(committed, seller, upload_id)
    receiver.received.clear()
    await run_jobs(committed)

    updated = {d["uniqueRefNo"]: d for d in _received(receiver, secret, "customer.updated")}
    assert sorted(updated) == [f"UP-{n:05d}" for n in range(600, 610)]
    assert updated["UP-00601"]["changedFields"] == ["email", "status"]
    assert (updated["UP-00601"]["email"], updated["UP-00601"]["status"]) == ("new601@example.com", "INACTIVE")
    assert updated["UP-00602"]["changedFields"] == ["email"]


async def test_upload_completed_is_sent_once_with_what_get_shows(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    secret = await _subscribe(seller, receiver)
    bad = good_row(704, prefix="UC")
    bad[HEADER.index("email")] = "not-an-email"
    rows = [good_row(n, prefix="UC") for n in range(700, 704)] + [bad]
    upload_id = await accepted(seller, csv_bytes(HEADER, rows), name="november.csv")
    await finished(committed, seller, upload_id)
    await run_jobs(committed)
    # The job again (a retry, a second worker): the upload is finished, nothing more is said.
    await uploads.process(committed, upload_id, seller.company_id)
    await run_jobs(committed)
    shown = await status(seller, upload_id)

    [data] = _received(receiver, secret, "upload.completed")
    keys = [k for k in SHAPES["upload.completed"]]
    assert data == {k: shown[k] for k in keys}
    assert (data["uploadId"], data["kind"], data["status"], data["fileName"]) == (
        upload_id,
        "CUSTOMER_CREATE",
        "COMPLETED",
        "november.csv",
    )
    assert (data["totalRows"], data["succeeded"], data["failed"], data["skipped"]) == (5, 4, 1, 0)


async def test_an_upload_that_fails_is_announced_as_finished_with_its_reason(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    secret = await _subscribe(seller, receiver)
    upload_id = await accepted(seller, csv_bytes(HEADER, [good_row(710, prefix="UF")]))
    await uploads.mark_failed(committed, upload_id, seller.company_id, "the stored file was lost")
    await run_jobs(committed)

    [data] = _received(receiver, secret, "upload.completed")
    shown = await status(seller, upload_id)
    assert (data["status"], data["errorMessage"], data["rowsDone"]) == (
        "FAILED",
        "the stored file was lost",
        0,
    )
    assert data == {k: shown[k] for k in SHAPES["upload.completed"]}


async def test_invoice_overdue_is_written_once_for_invoices_out_for_collection_past_due(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    secret = await _subscribe(seller, receiver)
    buyer = await _customer(seller, 801)
    late = await _invoice(seller, buyer, due="2026-12-01")
    part_paid = await _invoice(seller, buyer, due="2026-12-02")
    on_the_day = await _invoice(seller, buyer, due="2027-01-01")
    not_yet = await _invoice(seller, buyer, due="2027-02-01")
    paid = await _invoice(seller, buyer, due="2026-12-03")
    withdrawn = await _invoice(seller, buyer, due="2026-12-04")
    never_sent = await _invoice(seller, buyer, due="2026-12-05")
    await _dispatch(seller, late, part_paid, on_the_day, not_yet, paid, withdrawn)
    await _pay(seller, buyer, part_paid, "100.00", "UTR00000801")
    await _pay(seller, buyer, paid, "1180.10", "UTR00000802")
    body = {"invoiceIds": [withdrawn], "reason": "sent in error"}
    assert payload(await seller.post(f"{INVOICES}/bulk/delete", json=body))["results"][0]["success"]
    other = await _invoice(seller, buyer, due="2026-12-06")
    assert never_sent and other

    today = date(2027, 1, 1)
    assert await invoice_tasks.emit_overdue(committed, today) == 2
    assert await invoice_tasks.emit_overdue(committed, today) == 0  # the second run finds nothing new
    await run_jobs(committed)

    overdue = {d["invoiceId"]: d for d in _received(receiver, secret, "invoice.overdue")}
    assert sorted(overdue) == sorted([late, part_paid])
    assert overdue[late]["daysOverdue"] == 31 and overdue[part_paid]["daysOverdue"] == 30
    assert _core(overdue[part_paid]) == _core_of(await _get(seller, f"{INVOICES}/{part_paid}"))
    assert _digits(overdue[part_paid]) == {
        "totalAmount": "1180.10",
        "paidAmount": "100.00",
        "balanceAmount": "1080.10",
    }
    # A day later the next one is due; those already told are not told again.
    assert await invoice_tasks.emit_overdue(committed, date(2027, 1, 2)) == 1
    assert len(await _events(committed, seller.company_id, "invoice.overdue")) == 3


def test_the_overdue_sweep_runs_hourly_on_the_workers() -> None:
    task = job_app.tasks["dues.invoices.emit_overdue"]
    [periodic] = [p for p in job_app.periodic_registry.periodic_tasks.values() if p.task is task]
    assert periodic.cron == "7 * * * *"


async def test_reminder_sent_carries_the_invoice_and_the_balance_it_stated(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    secret = await _subscribe(seller, receiver)
    steps = [{"offsetDays": 0, "channels": ["EMAIL", "SMS"]}]
    reminder = payload(
        await seller.post("/api/v0/customer/reminder", json={"name": "On the day", "steps": steps})
    )
    assert (
        await seller.patch("/api/v0/company", json={"defaultReminderId": reminder["reminderId"]})
    ).is_success
    buyer = await _customer(seller, 901, email="ap@buyer.example", contactNumber="9000000009")
    # Due a month from today: the step falls after the dispatch (now); one due before it is never sent.
    due = datetime.now(IST).date() + timedelta(days=30)
    invoice_id = await _invoice(seller, buyer, due=due.isoformat())
    await _dispatch(seller, invoice_id)
    await _pay(seller, buyer, invoice_id, "100.10", "UTR00000901")
    at = datetime.combine(due, time(10, 0), tzinfo=IST)
    assert await reminder_tasks.send_reminders(committed, at) == 1
    shown = await _get(seller, f"{INVOICES}/{invoice_id}")

    await run_jobs(committed)

    [data] = _received(receiver, secret, "reminder.sent")
    assert _core(data) == _core_of(shown)
    assert _digits(data)["balanceAmount"] == "1080.00"
    assert (data["reminderId"], data["kind"], data["offsetDays"], data["dueAt"]) == (
        reminder["reminderId"],
        "STEP",
        0,
        f"{due} 10:00:00",
    )
    assert data["channels"] == ["EMAIL", "SMS"] and data["sentOn"] == f"{due} 10:00:00"
    assert sorted((r["channel"], r["to"]) for r in data["recipients"]) == [
        ("EMAIL", "ap@buyer.example"),
        ("SMS", "9000000009"),
    ]


def test_every_subscribable_event_has_a_documented_shape() -> None:
    documented = set(SHAPES) - {"invoice.updated"}
    assert documented == {str(e) for e in WebhookEvent}
