"""Dispatch Invoice Collection (api.md §4, §4.1, §5): per-id outcomes, the payment link, the messages to each
recipient, and the event, audit row and sending job written with them."""

from __future__ import annotations

from dues.db import Database
from tests.collection.helpers import (
    DISPATCH,
    customer,
    dispatch,
    get_invoice,
    invoice,
    outbox,
    pay_part,
    sql,
    withdraw,
)
from tests.customers.helpers import assert_error, assert_invalid, payload
from tests.support import Tenant, TenantFactory


async def test_dispatch_makes_the_link_and_queues_mail_and_sms(tenant: Tenant, db: Database) -> None:
    buyer = await customer(tenant, email="ap@buyer.example", contactNumber="+91 9876543210")
    inv = await invoice(tenant, buyer, emailAddress="cfo@buyer.example")

    answer = await dispatch(tenant, [inv["invoiceId"]], partialPaymentAllowed=True)

    assert answer[inv["invoiceId"]] == {"invoiceId": inv["invoiceId"], "success": True}
    after = await get_invoice(tenant, inv["invoiceId"])
    assert (after["status"], after["dispatched"], after["partialPaymentAllowed"]) == (
        "DISPATCHED",
        True,
        True,
    )
    assert after["dispatchedOn"] is not None
    link = after["paymentLink"]
    assert link.startswith("http://127.0.0.1:8000/pay/") and len(link.rsplit("/", 1)[1]) >= 43
    messages = await outbox(tenant, invoiceId=inv["invoiceId"])
    assert sorted((m["channel"], m["to"]) for m in messages) == [
        ("EMAIL", "ap@buyer.example"),
        ("EMAIL", "cfo@buyer.example"),
        ("SMS", "+91 9876543210"),
    ]
    for m in messages:
        assert m["status"] == "PENDING" and link in m["body"] and m["messageId"].startswith("MS")
        assert after["invoiceNumber"] in m["body"]
    mail = next(m for m in messages if m["channel"] == "EMAIL")
    assert after["invoiceNumber"] in mail["subject"] and "INR 1,180.00" in mail["subject"]
    assert mail["attachments"] == [
        {"name": f"invoice-{after['invoiceNumber']}.pdf", "contentType": "application/pdf", "size": None}
    ]
    events = await sql(
        db,
        "SELECT payload FROM events WHERE entity_id = :i AND event_type = 'invoice.dispatched'",
        i=inv["invoiceId"],
    )
    assert len(events) == 1 and events[0][0]["paymentLink"] == link
    audits = await sql(
        db,
        "SELECT actor, before, after FROM audit_log WHERE entity_id = :i AND action = 'DISPATCH'",
        i=inv["invoiceId"],
    )
    assert len(audits) == 1
    assert audits[0][1]["status"] == "CREATED" and audits[0][2]["status"] == "DISPATCHED"
    jobs = await sql(
        db,
        "SELECT args FROM procrastinate_jobs WHERE task_name = 'dues.collection.send_messages'"
        " AND status = 'todo' AND args->>'company_id' = :c",
        c=tenant.company_id,
    )
    assert jobs == [({"company_id": tenant.company_id},)]


async def test_contacts_who_take_invoices_get_them_on_their_channels(tenant: Tenant) -> None:
    buyer = await customer(tenant, email="owner@buyer.example", contactNumber="9000000001")
    contacts = f"/api/v0/customer/{buyer}/contacts"
    for body in (
        {"name": "Asha", "email": "asha@buyer.example", "mobile": "9000000002", "channels": ["EMAIL", "SMS"]},
        {"name": "Bala", "email": "bala@buyer.example", "receiveInvoices": False},
        {"name": "Chitra", "mobile": "9000000003", "channels": ["SMS"]},
        {"name": "Dev", "email": "dev@buyer.example", "active": False},
    ):
        payload(await tenant.post(contacts, json=body))
    inv = await invoice(tenant, buyer)

    await dispatch(tenant, [inv["invoiceId"]])

    sent = sorted((m["channel"], m["to"]) for m in await outbox(tenant, invoiceId=inv["invoiceId"]))
    # The customer's own address is the fallback only when no contact takes invoices.
    assert sent == [("EMAIL", "asha@buyer.example"), ("SMS", "9000000002"), ("SMS", "9000000003")]


async def test_each_id_fails_on_its_own_and_says_why(
    tenant: Tenant, tenants: TenantFactory, db: Database
) -> None:
    buyer = await customer(tenant)
    good, paid, deleted = [await invoice(tenant, buyer) for _ in range(3)]
    await pay_part(db, paid["invoiceId"], "1180.00", status="PAID")
    assert (await withdraw(tenant, [deleted["invoiceId"]]))[deleted["invoiceId"]]["success"] is True
    gone = await customer(tenant)
    of_deleted_customer = await invoice(tenant, gone)
    await sql(db, "UPDATE customers SET deleted = true WHERE customer_id = :c", c=gone)
    inactive = await customer(tenant)
    of_inactive_customer = await invoice(tenant, inactive)
    payload(await tenant.put(f"/api/v0/customer/deactivate/{inactive}"))
    other = await tenants.create("Other Seller Pvt Ltd")
    theirs = await invoice(other, await customer(other))
    unknown = "INV0000000000000"

    ids = [
        good["invoiceId"],
        paid["invoiceId"],
        deleted["invoiceId"],
        of_deleted_customer["invoiceId"],
        of_inactive_customer["invoiceId"],
        theirs["invoiceId"],
        unknown,
        "not-an-id",
        "INV\u0000",
    ]
    answer = await dispatch(tenant, ids)

    assert answer[good["invoiceId"]]["success"] is True
    assert "paid" in answer[paid["invoiceId"]]["errorMessage"]
    assert "withdrawn" in answer[deleted["invoiceId"]]["errorMessage"]
    assert "deleted" in answer[of_deleted_customer["invoiceId"]]["errorMessage"]
    assert "inactive" in answer[of_inactive_customer["invoiceId"]]["errorMessage"]
    # Another company's invoice is answered exactly as an id that does not exist.
    assert answer[theirs["invoiceId"]] == {
        "invoiceId": theirs["invoiceId"],
        "success": False,
        "errorMessage": f'Invoice "{theirs["invoiceId"]}" was not found.',
    }
    assert answer[unknown]["errorMessage"] == f'Invoice "{unknown}" was not found.'
    assert answer["not-an-id"]["success"] is False and answer["INV\u0000"]["success"] is False
    for refused in (paid, deleted, of_deleted_customer, of_inactive_customer):
        assert await outbox(tenant, invoiceId=refused["invoiceId"]) == []
    assert (await get_invoice(other, theirs["invoiceId"]))["dispatched"] is False
    assert (await get_invoice(tenant, paid["invoiceId"]))["status"] == "PAID"


async def test_only_a_fully_approved_invoice_is_dispatched(tenant: Tenant, tenants: TenantFactory) -> None:
    payload(await tenant.patch("/api/v0/company", json={"approvalChain": "MAKER_CHECKER"}))
    buyer = await customer(tenant)
    pending, checked = [await invoice(tenant, buyer) for _ in range(2)]
    checker = await tenants.user(tenant, "CHECKER")
    approve = {"action": "APPROVE", "remarks": "ok"}
    payload(await checker.post(f"/api/v0/invoice/{checked['invoiceId']}/approval", json=approve))

    answer = await dispatch(tenant, [pending["invoiceId"], checked["invoiceId"]])

    assert answer[pending["invoiceId"]]["success"] is False
    assert "CHECKER_APPROVAL_PENDING" in answer[pending["invoiceId"]]["errorMessage"]
    assert answer[checked["invoiceId"]]["success"] is True  # CHECKER_APPROVED is final for MAKER_CHECKER

    payload(await tenant.patch("/api/v0/company", json={"approvalChain": "MAKER_CHECKER_APPROVER"}))
    waiting = await invoice(tenant, buyer)
    payload(await checker.post(f"/api/v0/invoice/{waiting['invoiceId']}/approval", json=approve))
    again = await dispatch(tenant, [waiting["invoiceId"]])
    assert "APPROVER_APPROVAL_PENDING" in again[waiting["invoiceId"]]["errorMessage"]


async def test_dispatching_again_sends_again_with_the_same_link(tenant: Tenant, db: Database) -> None:
    inv = await invoice(tenant, await customer(tenant))
    await dispatch(tenant, [inv["invoiceId"]])
    link = (await get_invoice(tenant, inv["invoiceId"]))["paymentLink"]

    answer = await dispatch(tenant, [inv["invoiceId"], inv["invoiceId"]])

    assert [line["success"] for line in answer.values()] == [True]
    assert (await get_invoice(tenant, inv["invoiceId"]))["paymentLink"] == link
    assert len(await outbox(tenant, invoiceId=inv["invoiceId"])) == 2  # once per dispatch, not per listed id
    events = await sql(
        db,
        "SELECT count(*) FROM events WHERE entity_id = :i AND event_type = 'invoice.dispatched'",
        i=inv["invoiceId"],
    )
    assert events[0][0] == 2


async def test_a_part_paid_invoice_stays_part_paid(tenant: Tenant, db: Database) -> None:
    inv = await invoice(tenant, await customer(tenant), partialPaymentAllowed=True)
    await pay_part(db, inv["invoiceId"], "180.00")

    answer = await dispatch(tenant, [inv["invoiceId"]], partialPaymentAllowed=False)

    assert answer[inv["invoiceId"]]["success"] is True
    after = await get_invoice(tenant, inv["invoiceId"])
    assert (after["status"], after["partialPaymentAllowed"]) == ("PARTIALLY_PAID", False)
    assert "INR 1,000.00" in (await outbox(tenant, invoiceId=inv["invoiceId"]))[0]["body"]  # the balance


async def test_a_viewer_cannot_dispatch_and_the_list_is_bounded(
    tenant: Tenant, tenants: TenantFactory
) -> None:
    inv = await invoice(tenant, await customer(tenant))
    viewer = await tenants.user(tenant, "VIEWER")

    assert_error(await viewer.post(DISPATCH, json={"invoiceIds": [inv["invoiceId"]]}), 403, "INVALID_ACCESS")
    assert_invalid(await tenant.post(DISPATCH, json={"invoiceIds": []}), "invoiceIds")
    assert_invalid(await tenant.post(DISPATCH, json={"invoiceIds": ["INV"] * 5001}), "invoiceIds")
    assert (await get_invoice(tenant, inv["invoiceId"]))["dispatched"] is False


async def test_update_with_dispatch_now_saves_and_dispatches_together(tenant: Tenant) -> None:
    inv = await invoice(tenant, await customer(tenant))

    response = await tenant.patch(
        f"/api/v0/invoice/{inv['invoiceId']}", json={"description": "Q3 retainer", "dispatchNow": True}
    )

    changed = payload(response)
    assert (changed["description"], changed["status"], changed["dispatched"]) == (
        "Q3 retainer",
        "DISPATCHED",
        True,
    )
    assert changed["paymentLink"] and len(await outbox(tenant, invoiceId=inv["invoiceId"])) == 1


async def test_update_with_dispatch_now_that_cannot_go_out_changes_nothing(tenant: Tenant) -> None:
    payload(await tenant.patch("/api/v0/company", json={"approvalChain": "MAKER_CHECKER"}))
    inv = await invoice(tenant, await customer(tenant))

    response = await tenant.patch(
        f"/api/v0/invoice/{inv['invoiceId']}", json={"description": "Q3 retainer", "dispatchNow": True}
    )

    error = assert_error(response, 422, "UNPROCESSABLE_REQUEST")
    assert "dispatchNow" in error["errorMessage"] and "not approved" in error["errorMessage"]
    after = await get_invoice(tenant, inv["invoiceId"])
    assert (after["description"], after["dispatched"]) == (None, False)
    assert await outbox(tenant, invoiceId=inv["invoiceId"]) == []
