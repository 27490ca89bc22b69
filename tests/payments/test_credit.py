"""Applying a customer's credit (ours): payments' unallocated parts are allocated to invoices, oldest payment
first; no new money is recorded, so each rupee stays counted once, and the customer's creditBalance always
equals what its payments hold unallocated."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx

from dues.db import Database
from dues.kit.timefmt import today_ist
from tests.customers.helpers import assert_error, assert_invalid, payload
from tests.payments.helpers import (
    PAYMENTS,
    column,
    credit_of,
    customer,
    get_invoice,
    invoice,
    money,
    pay,
    scalar,
)
from tests.support import Tenant, TenantFactory


async def _apply(
    seller: Tenant, customer_id: str, allocations: list[tuple[str, Any]] | None = None
) -> httpx.Response:
    body = (
        None
        if allocations is None
        else {"allocations": [{"invoiceId": i, "amount": a} for i, a in allocations]}
    )
    return await seller.post(f"/api/v0/customer/{customer_id}/credit/apply", json=body)


async def _ledger_agrees(database: Database, customer_id: str) -> Decimal:
    """The customer's creditBalance, after checking it equals its payments' unallocated amounts."""
    held = await scalar(
        database,
        "SELECT coalesce(sum(unallocated_amount), 0) FROM payments WHERE customer_id = :c",
        c=customer_id,
    )
    balance = await scalar(
        database, "SELECT credit_balance FROM customers WHERE customer_id = :c", c=customer_id
    )
    assert held == balance
    return Decimal(balance)


async def test_credit_pays_the_oldest_due_invoice_from_the_oldest_payment(
    tenant: Tenant, db: Database
) -> None:
    buyer = await customer(tenant)
    # Nothing open yet: both all credit. The older payment (by paidOn) is used first.
    second = payload(await pay(tenant, buyer, 200))
    first = payload(await pay(tenant, buyer, 300, paidOn=(today_ist() - timedelta(days=3)).isoformat()))
    inv = await invoice(tenant, buyer, base="1000", partialPaymentAllowed=True)  # 1,180

    applied = payload(await _apply(tenant, buyer))

    assert [(a["paymentId"], a["invoiceId"], money(a["amount"])) for a in applied["applied"]] == [
        (first["paymentId"], inv["invoiceId"], Decimal("300.00")),
        (second["paymentId"], inv["invoiceId"], Decimal("200.00")),
    ]
    assert money(applied["creditBalance"]) == 0
    after = await get_invoice(tenant, inv["invoiceId"])
    assert (after["status"], money(after["paidAmount"]), money(after["balanceAmount"])) == (
        "PARTIALLY_PAID",
        Decimal("500.00"),
        Decimal("680.00"),
    )
    source = payload(await tenant.get(f"{PAYMENTS}/{first['paymentId']}"))
    assert (money(source["allocatedAmount"]), money(source["unallocatedAmount"])) == (Decimal("300.00"), 0)
    listed = payload(await tenant.get(f"/api/v0/invoice/{inv['invoiceId']}/payments"))
    assert sorted(p["paymentId"] for p in listed) == sorted([first["paymentId"], second["paymentId"]])
    assert await _ledger_agrees(db, buyer) == 0
    # Money received is still counted once: the two payments, nothing added.
    assert await scalar(db, "SELECT sum(amount) FROM payments WHERE customer_id = :c", c=buyer) == Decimal(
        "500"
    )
    events = await column(
        db, "SELECT event_type FROM events WHERE entity_id = :i ORDER BY id", i=inv["invoiceId"]
    )
    assert events.count("invoice.payment_received") == 2


async def test_credit_given_allocations_tops_up_an_allocation_of_the_same_payment(
    tenant: Tenant, db: Database
) -> None:
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer, base="1000", partialPaymentAllowed=True)  # 1,180
    made = payload(await pay(tenant, buyer, 1000, [(inv["invoiceId"], 300)]))  # 700 credit

    applied = payload(await _apply(tenant, buyer, [(inv["invoiceId"], 700)]))

    assert money(applied["creditBalance"]) == 0
    source = payload(await tenant.get(f"{PAYMENTS}/{made['paymentId']}"))
    assert [(a["invoiceId"], money(a["amount"])) for a in source["allocations"]] == [
        (inv["invoiceId"], Decimal("1000.00"))
    ]
    assert money((await get_invoice(tenant, inv["invoiceId"]))["balanceAmount"]) == Decimal("180.00")
    assert await _ledger_agrees(db, buyer) == 0


async def test_credit_that_would_pay_an_invoice_in_full_marks_it_paid(tenant: Tenant, db: Database) -> None:
    buyer = await customer(tenant)
    await pay(tenant, buyer, 2000)
    small = await invoice(tenant, buyer, base="100", due="2026-12-10")  # 118
    big = await invoice(tenant, buyer, base="1000", due="2026-12-20")  # 1,180: no part-payment

    applied = payload(await _apply(tenant, buyer))

    assert money(applied["creditBalance"]) == Decimal("702.00")
    assert (await get_invoice(tenant, small["invoiceId"]))["status"] == "PAID"
    assert (await get_invoice(tenant, big["invoiceId"]))["status"] == "PAID"
    assert await _ledger_agrees(db, buyer) == Decimal("702.00")


async def test_refusals_change_nothing(tenant: Tenant, tenants: TenantFactory, db: Database) -> None:
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer, base="1000", partialPaymentAllowed=True)
    assert_error(await _apply(tenant, buyer), 422, "UNPROCESSABLE_REQUEST")  # no credit yet

    await pay(tenant, buyer, 100, [(inv["invoiceId"], 50)])  # 50 credit
    too_much = assert_invalid(await _apply(tenant, buyer, [(inv["invoiceId"], 60)]), "allocations")
    assert "the customer's credit (50.00)" in too_much["allocations"]["message"]
    no_part = await invoice(tenant, buyer, base="10")  # 11.80, no part-payment
    assert_invalid(await _apply(tenant, buyer, [(no_part["invoiceId"], 5)]), "allocations[0].amount")
    other = await tenants.create()
    assert_error(await _apply(other, buyer), 404, "RECORD_NOT_FOUND")  # another company's customer

    assert await credit_of(tenant, buyer) == Decimal("50.00")
    assert money((await get_invoice(tenant, inv["invoiceId"]))["paidAmount"]) == Decimal("50.00")
    assert await _ledger_agrees(db, buyer) == Decimal("50.00")


async def test_two_applications_at_once_never_spend_the_credit_twice(
    live_tenants: TenantFactory, committed: Database
) -> None:
    seller = await live_tenants.create()
    buyer = await customer(seller)
    await pay(seller, buyer, 500)
    for due in ("2026-12-10", "2026-12-20"):
        await invoice(seller, buyer, base="1000", due=due, partialPaymentAllowed=True)

    answers = await asyncio.gather(*(_apply(seller, buyer) for _ in range(4)))

    assert sorted(a.status_code for a in answers)[0] == 200
    spent = sum(
        (money(line["amount"]) for a in answers if a.status_code == 200 for line in payload(a)["applied"]),
        Decimal(0),
    )
    assert spent == Decimal("500.00")
    for refused in (a for a in answers if a.status_code != 200):
        assert refused.status_code in (409, 422), refused.text
    assert await _ledger_agrees(committed, buyer) == 0
    paid = await scalar(committed, "SELECT sum(paid_amount) FROM invoices WHERE customer_id = :c", c=buyer)
    assert paid == Decimal("500.00")
