"""Concurrent payments on one invoice (api.md §5 "Rules that always hold"): the row lock makes them queue,
so together they never take the balance below 0."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from sqlalchemy import text

from dues.db import Database
from tests.customers.helpers import assert_invalid
from tests.payments.helpers import customer, get_invoice, invoice, money, pay
from tests.support import TenantFactory


async def test_twenty_concurrent_payments_never_overdraw_an_invoice(
    live_tenants: TenantFactory, committed: Database
) -> None:
    seller = await live_tenants.create()
    buyer = await customer(seller)
    inv = await invoice(seller, buyer, base="1000", partialPaymentAllowed=True)  # 1,180
    invoice_id = inv["invoiceId"]

    responses = await asyncio.gather(
        *(pay(seller, buyer, 100, [(invoice_id, 100)], reference=f"UTR{n:04d}") for n in range(20))
    )

    assert sorted(r.status_code for r in responses) == [200] * 11 + [422] * 9
    for refused in (r for r in responses if r.status_code == 422):
        assert_invalid(refused, "allocations[0].amount")
    after = await get_invoice(seller, invoice_id)
    assert money(after["balanceAmount"]) == Decimal("80.00")
    assert money(after["paidAmount"]) == Decimal("1100.00")
    assert after["status"] == "PARTIALLY_PAID"
    async with committed.sessionmaker() as session:
        allocated = (
            await session.execute(
                text("SELECT count(*), sum(amount) FROM payment_allocations WHERE invoice_id = :i"),
                {"i": invoice_id},
            )
        ).one()
        received = (
            await session.execute(
                text("SELECT count(*) FROM events WHERE entity_id = :i AND event_type = :t"),
                {"i": invoice_id, "t": "invoice.payment_received"},
            )
        ).scalar_one()
    assert (allocated[0], allocated[1]) == (11, Decimal("1100.00")) and received == 11


async def test_a_payment_retried_with_its_idempotency_key_is_applied_once(
    live_tenants: TenantFactory, committed: Database
) -> None:
    seller = await live_tenants.create()
    buyer = await customer(seller)
    inv = await invoice(seller, buyer, partialPaymentAllowed=True)
    headers = {"Idempotency-Key": "bank-statement-line-17"}
    body = {
        "mode": "RTGS",
        "amount": 300,
        "reference": "UTR17",
        "paidOn": "2026-11-24",
        "customerId": buyer,
        "allocations": [{"invoiceId": inv["invoiceId"], "amount": 300}],
    }

    first, again = await asyncio.gather(
        seller.post("/api/v0/payment", json=body, headers=headers),
        seller.post("/api/v0/payment", json=body, headers=headers),
    )

    assert first.status_code in (200, 409) and again.status_code in (200, 409)
    assert 200 in (first.status_code, again.status_code)
    retried = await seller.post("/api/v0/payment", json=body, headers=headers)
    assert retried.status_code == 200
    assert retried.json()["payload"]["paymentId"] in {
        r.json()["payload"]["paymentId"] for r in (first, again) if r.status_code == 200
    }
    assert money((await get_invoice(seller, inv["invoiceId"]))["paidAmount"]) == Decimal("300.00")
