"""Refunds of customer credit (api.md §9.3): at most the credit, taken oldest first from payments' unallocated
parts and credit notes' unapplied parts, each source recorded; the ledger and creditBalance follow."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import text

from dues.db import Database
from dues.kit.timefmt import today_ist
from tests.adjustments.helpers import entries, in_balance, refund_path
from tests.collection.helpers import sql
from tests.customers.helpers import assert_error, assert_invalid, payload
from tests.payments.helpers import credit_of, customer, invoice, pay
from tests.support import Tenant, TenantFactory


async def _refund(seller: Tenant, customer_id: str, amount: Any, **fields: Any) -> httpx.Response:
    body = {
        "amount": amount,
        "mode": "NEFT",
        "reference": "UTRBACK0001",
        "paidOn": today_ist().isoformat(),
        **fields,
    }
    return await seller.post(refund_path(customer_id), json=body)


async def _credit_note(db: Database, company_id: str, customer_id: str, amount: str, days_ago: int) -> str:
    """An issued credit note whose whole amount is the customer's credit (nothing applied), written as the
    credit-note feature books one: the note, the customer's credit and the ledger entry, together."""
    note_id = f"CNTEST{days_ago:010d}"
    params = {
        "c": company_id,
        "k": customer_id,
        "n": note_id,
        "a": Decimal(amount),
        "d": today_ist() - timedelta(days=days_ago),
    }
    async with db.sessionmaker() as session:
        for statement in (
            "INSERT INTO credit_notes (company_id, credit_note_id, customer_id, note_number, "
            "financial_year, note_date, reason, base_amount, total_amount, unapplied_amount, "
            "approval_status, status, posted, created_by) VALUES (:c, :n, :k, :n, 2026, :d, "
            "'POST_SALE_DISCOUNT', :a, :a, :a, 'APPROVER_APPROVED', 'ISSUED', true, 'test')",
            "UPDATE customers SET credit_balance = credit_balance + :a "
            "WHERE company_id = :c AND customer_id = :k",
            "INSERT INTO ledger_entries (company_id, customer_id, effective_date, entry_type, document_id, "
            "amount) VALUES (:c, :k, :d, 'CREDIT_NOTE', :n, -:a)",
        ):
            await session.execute(text(statement), params)
        await session.commit()
    return note_id


async def test_a_refund_is_at_most_the_credit(tenant: Tenant, db: Database) -> None:
    buyer = await customer(tenant)
    invoice_id = (await invoice(tenant, buyer))["invoiceId"]
    payment_id = payload(await pay(tenant, buyer, 2000, [(invoice_id, 1180)]))["paymentId"]  # 820.00 credit

    too_much = assert_invalid(await _refund(tenant, buyer, "820.01"), "amount")
    assert "820.00" in too_much["amount"]["message"]
    made = payload(await _refund(tenant, buyer, 500, mode="IMPS", reference="IMPS77"))

    assert made["refundId"].startswith("RF") and len(made["refundId"]) == 16
    assert (made["amount"], made["mode"], made["reference"], made["creditBalance"]) == (
        500.0,
        "IMPS",
        "IMPS77",
        320.0,
    )
    assert made["sources"] == [{"sourceType": "PAYMENT", "sourceId": payment_id, "amount": 500.0}]
    assert await credit_of(tenant, buyer) == Decimal("320.00")
    shown = payload(await tenant.get(f"/api/v0/payment/{payment_id}"))
    assert (shown["allocatedAmount"], shown["unallocatedAmount"]) == (1180.0, 320.0)
    [[refunded]] = await sql(db, "SELECT refunded_amount FROM payments WHERE payment_id = :p", p=payment_id)
    assert refunded == Decimal("500.00")
    assert (await entries(db, buyer))[-1] == ("REFUND", None, Decimal("500.00"), made["refundId"])
    assert await in_balance(db, buyer)
    # The rest, exactly; then there is nothing left.
    payload(await _refund(tenant, buyer, 320))
    assert await credit_of(tenant, buyer) == 0
    assert_invalid(await _refund(tenant, buyer, "0.01"), "amount")
    assert await in_balance(db, buyer)


async def test_credit_is_refunded_oldest_first_from_payments_and_credit_notes(
    tenant: Tenant, db: Database
) -> None:
    buyer = await customer(tenant)
    older = payload(await pay(tenant, buyer, 100, paidOn=(today_ist() - timedelta(days=5)).isoformat()))
    newer = payload(await pay(tenant, buyer, 200))
    note = await _credit_note(db, tenant.company_id, buyer, "300", days_ago=10)
    middle = await _credit_note(db, tenant.company_id, buyer, "50", days_ago=2)
    assert await credit_of(tenant, buyer) == Decimal("650.00")

    made = payload(await _refund(tenant, buyer, "480.50"))

    assert made["sources"] == [
        {"sourceType": "CREDIT_NOTE", "sourceId": note, "amount": 300.0},
        {"sourceType": "PAYMENT", "sourceId": older["paymentId"], "amount": 100.0},
        {"sourceType": "CREDIT_NOTE", "sourceId": middle, "amount": 50.0},
        {"sourceType": "PAYMENT", "sourceId": newer["paymentId"], "amount": 30.5},
    ]
    assert made["creditBalance"] == 169.5
    notes = await sql(
        db,
        "SELECT credit_note_id, unapplied_amount, refunded_amount FROM credit_notes WHERE customer_id = :k "
        "ORDER BY note_date",
        k=buyer,
    )
    assert [tuple(n) for n in notes] == [(note, 0, Decimal("300.00")), (middle, 0, Decimal("50.00"))]
    [[left]] = await sql(
        db, "SELECT unallocated_amount FROM payments WHERE payment_id = :p", p=newer["paymentId"]
    )
    assert left == Decimal("169.50")
    assert await in_balance(db, buyer)
    listed = payload(await tenant.get(f"/api/v0/customer/{buyer}/refunds"))
    assert listed["total"] == 1
    assert sorted(s["sourceId"] for s in listed["items"][0]["sources"]) == sorted(
        [note, middle, older["paymentId"], newer["paymentId"]]
    )


async def test_who_may_refund_and_what_the_body_says(
    tenants: TenantFactory, tenant: Tenant, db: Database
) -> None:
    buyer = await customer(tenant)
    payload(await pay(tenant, buyer, 1000))
    for role in ("MAKER", "CHECKER", "VIEWER"):
        who = await tenants.user(tenant, role)
        assert_error(await _refund(who, buyer, 10), 403, "INVALID_ACCESS")
    tomorrow = (today_ist() + timedelta(days=1)).isoformat()
    assert_invalid(await _refund(tenant, buyer, 10, paidOn=tomorrow), "paidOn")
    assert_invalid(await _refund(tenant, buyer, 10, mode="BITCOIN"), "mode")
    assert_invalid(await _refund(tenant, buyer, 0), "amount")
    assert_invalid(await _refund(tenant, buyer, 10, reference=""), "reference")
    assert_error(await _refund(tenant, "KCAAAAAAAAAAAAAA", 10), 404, "RECORD_NOT_FOUND")
    other = await tenants.create(name="Other Seller Pvt Ltd")
    assert_error(await _refund(other, buyer, 10), 404, "RECORD_NOT_FOUND")
    assert_error(await other.get(f"/api/v0/customer/{buyer}/refunds"), 404, "RECORD_NOT_FOUND")
    assert await credit_of(tenant, buyer) == Decimal("1000.00")

    approver = await tenants.user(tenant, "APPROVER")
    payload(
        await _refund(
            approver, buyer, 10, reference="R1", paidOn=(today_ist() - timedelta(days=3)).isoformat()
        )
    )
    payload(await _refund(approver, buyer, 20, reference="R2"))

    viewer = await tenants.user(tenant, "VIEWER")
    listed = payload(await viewer.get(f"/api/v0/customer/{buyer}/refunds"))
    assert (listed["total"], [r["reference"] for r in listed["items"]]) == (2, ["R2", "R1"])
    oldest = payload(
        await viewer.get(f"/api/v0/customer/{buyer}/refunds", params={"direction": "ASC", "limit": 1})
    )
    assert (oldest["total"], [r["reference"] for r in oldest["items"]]) == (2, ["R1"])
    assert_invalid(
        await viewer.get(f"/api/v0/customer/{buyer}/refunds", params={"orderBy": "amount"}), "orderBy"
    )
    assert await in_balance(db, buyer)
