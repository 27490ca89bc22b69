"""Disputes and promises to pay (api.md §11) through the HTTP API: the rules, reminders paused and resumed
by the real reminder sweep, promises settled by the job, the customer's counts, the events, and a buyer's
RETURN on Bharat Connect opening a dispute."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dues.bharat_connect import wire
from dues.db import Database
from dues.disputes.tasks import settle_promises
from dues.kit.timefmt import today_ist
from dues.webhooks.payloads import SHAPES
from tests.bharat_connect.flows_helpers import buyer, confirmation, deliver, presented, register, sent
from tests.collection.helpers import withdraw
from tests.customers.helpers import assert_error, payload
from tests.payments.helpers import pay
from tests.reminders.helpers import YEAR, customer, open_invoice, reminder, run_at, sends, set_default, sql
from tests.support import Tenant, TenantFactory

INVOICES = "/api/v0/invoice"


async def _events(db: Database, company_id: str, event_type: str) -> list[dict[str, Any]]:
    rows = await sql(
        db,
        "SELECT payload FROM events WHERE company_id = :c AND event_type = :t ORDER BY id",
        c=company_id,
        t=event_type,
    )
    return [r[0] for r in rows]


async def _reminded(tenant: Tenant) -> tuple[str, str]:
    """A company default reminder (3 days before, on, 7 days after the due date, 10:00) and an invoice of
    1,180.00 due {YEAR}-06-30, dispatched: (customerId, invoiceId)."""
    await set_default(tenant, (await reminder(tenant))["reminderId"])
    customer_id = await customer(tenant)
    return customer_id, await open_invoice(tenant, customer_id)


async def _counts(tenant: Tenant, customer_id: str) -> tuple[int, int, int]:
    shown = payload(await tenant.get(f"/api/v0/customer/{customer_id}"))
    return shown["promisesKept"], shown["promisesBroken"], shown["openDisputes"]


async def test_a_dispute_pauses_reminders_until_resolved(tenant: Tenant, db: Database) -> None:
    customer_id, invoice_id = await _reminded(tenant)

    opened = payload(
        await tenant.post(
            f"{INVOICES}/{invoice_id}/dispute",
            json={"reason": "QUANTITY", "remarks": "Only 8 of 10 rods came", "amount": 236},
        )
    )

    assert opened["disputeId"].startswith("DS") and len(opened["disputeId"]) == 16
    assert (opened["status"], opened["reason"], opened["amount"], opened["source"]) == (
        "OPEN",
        "QUANTITY",
        236.0,
        "API",
    )
    assert await _counts(tenant, customer_id) == (0, 0, 1)
    assert await run_at(db, f"{YEAR}-06-27 10:00") == 0
    error = assert_error(
        await tenant.post(f"{INVOICES}/{invoice_id}/remind", json={}), 422, "UNPROCESSABLE_REQUEST"
    )
    assert "disputed" in error["errorMessage"]
    # A second one while it is open.
    assert_error(
        await tenant.post(f"{INVOICES}/{invoice_id}/dispute", json={"reason": "PRICING"}),
        422,
        "UNPROCESSABLE_REQUEST",
    )

    resolved = payload(
        await tenant.post(
            f"{INVOICES}/{invoice_id}/dispute/resolve",
            json={"outcome": "REJECTED", "remarks": "Delivery note signed"},
        )
    )

    assert (resolved["status"], resolved["outcome"], resolved["resolutionRemarks"]) == (
        "RESOLVED",
        "REJECTED",
        "Delivery note signed",
    )
    assert resolved["resolvedOn"] is not None
    assert await _counts(tenant, customer_id) == (0, 0, 0)
    assert await run_at(db, f"{YEAR}-06-30 10:00") == 1
    assert [s[1] for s in await sends(db, invoice_id)] == [0]
    # Nothing open to resolve now.
    assert_error(
        await tenant.post(f"{INVOICES}/{invoice_id}/dispute/resolve", json={"outcome": "WITHDRAWN"}),
        422,
        "UNPROCESSABLE_REQUEST",
    )
    listed = payload(await tenant.get(f"{INVOICES}/{invoice_id}/disputes"))
    assert [(d["disputeId"], d["status"]) for d in listed] == [(opened["disputeId"], "RESOLVED")]

    [disputed] = await _events(db, tenant.company_id, "invoice.disputed")
    [closed] = await _events(db, tenant.company_id, "invoice.dispute_resolved")
    assert sorted(disputed) == sorted(SHAPES["invoice.disputed"])
    assert sorted(closed) == sorted(SHAPES["invoice.dispute_resolved"])
    assert (disputed["invoiceId"], disputed["reason"], disputed["remarks"]) == (
        invoice_id,
        "QUANTITY",
        "Only 8 of 10 rods came",
    )
    assert (closed["disputeId"], closed["outcome"]) == (opened["disputeId"], "REJECTED")


async def test_what_cannot_be_disputed(tenant: Tenant, tenants: TenantFactory) -> None:
    customer_id = await customer(tenant)
    body = {
        "customerId": customer_id,
        "invoiceDate": "2026-11-24",
        "dueDate": f"{YEAR}-06-30",
        "baseAmount": 100,
    }
    undispatched = payload(await tenant.post(INVOICES, json=body))["invoiceId"]
    invoice_id = await open_invoice(tenant, customer_id)

    # Not issued yet.
    assert_error(
        await tenant.post(f"{INVOICES}/{undispatched}/dispute", json={"reason": "OTHER"}),
        422,
        "UNPROCESSABLE_REQUEST",
    )
    # More than the balance (1,180.00).
    error = assert_error(
        await tenant.post(f"{INVOICES}/{invoice_id}/dispute", json={"reason": "PRICING", "amount": 1180.01}),
        422,
        "UNPROCESSABLE_REQUEST",
    )
    assert "1180.00" in error["errorMessage"]
    # An unknown reason, a negative amount.
    assert_error(
        await tenant.post(f"{INVOICES}/{invoice_id}/dispute", json={"reason": "MOOD"}),
        422,
        "VALIDATION_ERROR",
    )
    assert_error(
        await tenant.post(f"{INVOICES}/{invoice_id}/dispute", json={"reason": "OTHER", "amount": -1}),
        422,
        "VALIDATION_ERROR",
    )
    # A viewer may look but not write; another company's invoice is not found.
    viewer = await tenants.user(tenant, "VIEWER")
    assert_error(
        await viewer.post(f"{INVOICES}/{invoice_id}/dispute", json={"reason": "OTHER"}), 403, "INVALID_ACCESS"
    )
    assert payload(await viewer.get(f"{INVOICES}/{invoice_id}/disputes")) == []
    other = await tenants.create()
    assert_error(
        await other.post(f"{INVOICES}/{invoice_id}/dispute", json={"reason": "OTHER"}),
        404,
        "RECORD_NOT_FOUND",
    )
    assert_error(await other.get(f"{INVOICES}/{invoice_id}/disputes"), 404, "RECORD_NOT_FOUND")
    assert_error(
        await other.post(
            f"{INVOICES}/{invoice_id}/promise", json={"promisedDate": str(today_ist()), "amount": 1}
        ),
        404,
        "RECORD_NOT_FOUND",
    )
    # Paid in full: nothing to dispute.
    assert (await pay(tenant, customer_id, 1180, [(invoice_id, 1180)])).status_code == 200
    assert_error(
        await tenant.post(f"{INVOICES}/{invoice_id}/dispute", json={"reason": "OTHER"}),
        422,
        "UNPROCESSABLE_REQUEST",
    )


async def test_promise_rules(tenant: Tenant) -> None:
    invoice_id = await open_invoice(tenant, await customer(tenant))
    url = f"{INVOICES}/{invoice_id}/promise"
    today = today_ist()

    assert_error(
        await tenant.post(url, json={"promisedDate": str(today - timedelta(days=1)), "amount": 100}),
        422,
        "VALIDATION_ERROR",
    )
    assert_error(
        await tenant.post(url, json={"promisedDate": str(today), "amount": 0}), 422, "VALIDATION_ERROR"
    )
    assert_error(
        await tenant.post(url, json={"promisedDate": str(today), "amount": 1180.01}),
        422,
        "UNPROCESSABLE_REQUEST",
    )
    first = payload(await tenant.post(url, json={"promisedDate": str(today), "amount": 500}))
    second = payload(
        await tenant.post(url, json={"promisedDate": str(today + timedelta(days=3)), "amount": 1180})
    )

    assert first["promiseId"].startswith("PP") and len(first["promiseId"]) == 16
    listed = payload(await tenant.get(f"{INVOICES}/{invoice_id}/promises"))
    assert [(p["promiseId"], p["status"]) for p in listed] == [
        (first["promiseId"], "SUPERSEDED"),
        (second["promiseId"], "OPEN"),
    ]


async def test_a_promise_pauses_reminders_until_its_date_and_kept_counts(
    tenant: Tenant, db: Database
) -> None:
    customer_id, invoice_id = await _reminded(tenant)
    promised = f"{YEAR}-06-28"

    made = payload(
        await tenant.post(f"{INVOICES}/{invoice_id}/promise", json={"promisedDate": promised, "amount": 500})
    )

    assert (made["status"], made["promisedDate"], made["amount"]) == ("OPEN", promised, 500.0)
    # Paused up to and on the promised date (the -3 step on 27 June); remind now refused.
    assert await run_at(db, f"{YEAR}-06-27 10:00") == 0
    assert await run_at(db, f"{YEAR}-06-28 23:00") == 0
    error = assert_error(
        await tenant.post(f"{INVOICES}/{invoice_id}/remind", json={}), 422, "UNPROCESSABLE_REQUEST"
    )
    assert "promised" in error["errorMessage"]
    # The customer pays 500 of it.
    assert (await pay(tenant, customer_id, 500, [(invoice_id, 500)])).status_code == 200
    # The date passed: reminders resume at the next step, before the job has even settled the promise.
    assert await run_at(db, f"{YEAR}-06-30 10:00") == 1
    assert [s[1] for s in await sends(db, invoice_id)] == [0]

    assert await settle_promises(db, date(YEAR, 6, 29)) >= 1

    [shown] = payload(await tenant.get(f"{INVOICES}/{invoice_id}/promises"))
    assert (shown["status"], shown["settledOn"] is not None) == ("KEPT", True)
    assert await _counts(tenant, customer_id) == (1, 0, 0)
    assert await _events(db, tenant.company_id, "invoice.promise_broken") == []
    # Settled once: a second run finds nothing of this company's.
    await settle_promises(db, date(YEAR, 6, 29))
    assert await _counts(tenant, customer_id) == (1, 0, 0)


async def test_a_promise_not_paid_by_its_date_is_broken(tenant: Tenant, db: Database) -> None:
    customer_id, invoice_id = await _reminded(tenant)
    promised = f"{YEAR}-06-28"
    made = payload(
        await tenant.post(f"{INVOICES}/{invoice_id}/promise", json={"promisedDate": promised, "amount": 500})
    )
    # Paid, but less than promised.
    assert (await pay(tenant, customer_id, 100, [(invoice_id, 100)])).status_code == 200

    await settle_promises(db, date(YEAR, 6, 28))  # on the date itself it is not due yet
    assert payload(await tenant.get(f"{INVOICES}/{invoice_id}/promises"))[0]["status"] == "OPEN"
    await settle_promises(db, date(YEAR, 6, 29))

    [shown] = payload(await tenant.get(f"{INVOICES}/{invoice_id}/promises"))
    assert shown["status"] == "BROKEN"
    assert await _counts(tenant, customer_id) == (0, 1, 0)
    [event] = await _events(db, tenant.company_id, "invoice.promise_broken")
    assert sorted(event) == sorted(SHAPES["invoice.promise_broken"])
    assert (event["promiseId"], event["promisedDate"], event["balanceAmount"]) == (
        made["promiseId"],
        promised,
        1080.0,
    )
    assert await run_at(db, f"{YEAR}-06-30 10:00") == 1


async def test_a_withdrawn_invoice_promise_is_not_counted(tenant: Tenant, db: Database) -> None:
    customer_id, invoice_id = await _reminded(tenant)
    payload(
        await tenant.post(
            f"{INVOICES}/{invoice_id}/promise", json={"promisedDate": f"{YEAR}-06-28", "amount": 1}
        )
    )
    await withdraw(tenant, [invoice_id])

    await settle_promises(db, date(YEAR, 7, 1))

    assert payload(await tenant.get(f"{INVOICES}/{invoice_id}/promises"))[0]["status"] == "SUPERSEDED"
    assert await _counts(tenant, customer_id) == (0, 0, 0)


async def test_a_buyer_return_on_bharat_connect_opens_a_dispute_closed_when_presented_again(
    tenant: Tenant, db: Database
) -> None:
    await set_default(tenant, (await reminder(tenant))["reminderId"])
    await register(db, tenant)
    customer_id, _ = await buyer(tenant)
    invoice_id = await presented(tenant, customer_id, dueDate=f"{YEAR}-06-30")
    [body] = await sent(db, tenant.company_id, wire.SEND_INVOICE)

    await deliver(
        db, tenant.company_id, wire.CONFIRM_INVOICE, confirmation(body, "RETURN", "Wrong PO number on it")
    )

    [dispute] = payload(await tenant.get(f"{INVOICES}/{invoice_id}/disputes"))
    assert (dispute["status"], dispute["reason"], dispute["remarks"], dispute["source"]) == (
        "OPEN",
        "OTHER",
        "Wrong PO number on it",
        "BHARAT_CONNECT",
    )
    assert await _counts(tenant, customer_id) == (0, 0, 1)
    [event] = await _events(db, tenant.company_id, "invoice.disputed")
    assert (event["invoiceId"], event["source"], event["remarks"]) == (
        invoice_id,
        "BHARAT_CONNECT",
        "Wrong PO number on it",
    )
    assert await run_at(db, f"{YEAR}-06-27 10:00") == 0

    # The seller corrects it: presented again, the refusal's dispute is closed and reminders resume.
    payload(await tenant.patch(f"{INVOICES}/{invoice_id}", json={"dueDate": f"{YEAR}-07-03"}))

    [closed] = payload(await tenant.get(f"{INVOICES}/{invoice_id}/disputes"))
    assert (closed["status"], closed["outcome"]) == ("RESOLVED", "PRESENTED_AGAIN")
    assert await _counts(tenant, customer_id) == (0, 0, 0)
    assert await run_at(db, f"{YEAR}-06-30 10:00") == 1
