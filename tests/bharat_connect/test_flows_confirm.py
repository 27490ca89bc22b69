"""The buyer's answer to an invoice presented (req-confirm-invoice, api.md §8): ACCEPT, or REJECT / RETURN
with remarks, which show on the invoice and stop its reminders until it is presented again."""

from __future__ import annotations

import pytest

from dues.bharat_connect import wire
from dues.db import Database
from dues.errors import NotFound, Unprocessable
from tests.bharat_connect.flows_helpers import (
    INVOICES,
    buyer,
    confirmation,
    deliver,
    events,
    network_row,
    presented,
    register,
    sent,
)
from tests.customers.helpers import assert_error, payload
from tests.reminders.helpers import DUE, YEAR, reminder, run_at, sends, set_default
from tests.support import Tenant


async def _presented(tenant: Tenant, db: Database, **fields: object) -> tuple[str, dict[str, object]]:
    await register(db, tenant)
    customer_id, _ = await buyer(tenant)
    invoice_id = await presented(tenant, customer_id, **fields)
    [body] = await sent(db, tenant.company_id, wire.SEND_INVOICE)
    return invoice_id, body


async def test_accept_marks_the_invoice_accepted(tenant: Tenant, db: Database) -> None:
    invoice_id, body = await _presented(tenant, db)
    answer = confirmation(body, "ACCEPT")

    await deliver(db, tenant.company_id, wire.CONFIRM_INVOICE, answer)

    assert (await network_row(db, invoice_id) or ())[2:] == ("ACCEPTED", "ACCEPT", None)
    shown = payload(await tenant.get(f"{INVOICES}/{invoice_id}/bharat-connect"))
    assert (shown["status"], shown["buyerResponse"], shown["respondedOn"] is not None) == (
        "ACCEPTED",
        "ACCEPT",
        True,
    )
    assert ("IN", "req-confirm-invoice", answer["reqMsgId"]) in [
        (m["direction"], m["type"], m["reqMsgId"]) for m in shown["messages"]
    ]
    [event] = await events(db, tenant.company_id, "bharat_connect.invoice.confirmed")
    assert (event["path"], event["invoiceId"], event["status"]) == (
        wire.CONFIRM_INVOICE,
        invoice_id,
        "ACCEPTED",
    )
    assert event["message"]["invoiceConfirmation"]["buyerResponse"] == "ACCEPT"


async def test_a_returned_invoice_shows_the_remarks_and_gets_no_reminders_until_presented_again(
    tenant: Tenant, db: Database
) -> None:
    await set_default(tenant, (await reminder(tenant))["reminderId"])
    invoice_id, body = await _presented(tenant, db, dueDate=DUE)

    await deliver(
        db, tenant.company_id, wire.CONFIRM_INVOICE, confirmation(body, "RETURN", "Wrong PO number on it")
    )

    assert (await network_row(db, invoice_id) or ())[2:] == ("RETURNED", "RETURN", "Wrong PO number on it")
    shown = payload(await tenant.get(f"{INVOICES}/{invoice_id}/bharat-connect"))
    assert (shown["status"], shown["buyerRemarks"]) == ("RETURNED", "Wrong PO number on it")
    refused = assert_error(
        await tenant.post(f"{INVOICES}/{invoice_id}/remind", json={}), 422, "UNPROCESSABLE_REQUEST"
    )
    assert "returned" in refused["errorMessage"] and "Wrong PO number on it" in refused["errorMessage"]
    timeline = payload(await tenant.get(f"{INVOICES}/{invoice_id}/reminders"))
    assert timeline["planned"] == [] and "Wrong PO number on it" in timeline["note"]
    # The engine passes it over when its first step falls due...
    assert await run_at(db, f"{YEAR}-06-27 10:00") == 0

    # ... and picks it up again once the seller corrects it (presented again, awaiting a new answer): due
    # three days later, its first step (3 days before) falls on the 30th.
    payload(await tenant.patch(f"{INVOICES}/{invoice_id}", json={"dueDate": f"{YEAR}-07-03"}))
    assert (await network_row(db, invoice_id) or ())[1:] == (2, "PRESENTED", None, None)
    assert await run_at(db, f"{YEAR}-06-30 10:00") == 1
    assert [s[0] for s in await sends(db, invoice_id)] == ["STEP"]


async def test_a_reject_is_kept_with_its_remarks(tenant: Tenant, db: Database) -> None:
    invoice_id, body = await _presented(tenant, db)

    await deliver(db, tenant.company_id, wire.CONFIRM_INVOICE, confirmation(body, "REJECT", "Not ordered"))

    assert (await network_row(db, invoice_id) or ())[2:] == ("REJECTED", "REJECT", "Not ordered")


async def test_an_answer_for_an_unknown_invoice_or_an_old_version_is_refused(
    tenant: Tenant, db: Database
) -> None:
    invoice_id, body = await _presented(tenant, db)
    stranger = confirmation(body, "ACCEPT")
    stranger["invoiceConfirmation"]["objectId"] = "INV" + "0" * 32
    with pytest.raises(NotFound):
        await deliver(db, tenant.company_id, wire.CONFIRM_INVOICE, stranger)

    payload(await tenant.patch(f"{INVOICES}/{invoice_id}", json={"dueDate": "2027-01-31"}))
    with pytest.raises(Unprocessable, match="version 1"):
        await deliver(db, tenant.company_id, wire.CONFIRM_INVOICE, confirmation(body, "ACCEPT"))

    [edit] = await sent(db, tenant.company_id, wire.EDIT_INVOICE)
    await deliver(db, tenant.company_id, wire.CONFIRM_INVOICE, confirmation(edit, "ACCEPT"))
    assert (await network_row(db, invoice_id) or ())[1:3] == (2, "ACCEPTED")


async def test_another_companys_answer_finds_nothing(tenant: Tenant, tenants: object, db: Database) -> None:
    _, body = await _presented(tenant, db)
    other = await tenants.create(name="Other Pvt Ltd")  # type: ignore[attr-defined]

    with pytest.raises(NotFound):
        await deliver(db, other.company_id, wire.CONFIRM_INVOICE, confirmation(body, "ACCEPT"))
