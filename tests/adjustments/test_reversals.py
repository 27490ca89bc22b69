"""Payment reversals (api.md §9.3): every allocation undone (those from its credit applied later included),
its credit removed, once per payment, by an ADMIN or an APPROVER; the ledger mirrors every entry of the
payment."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import text

from dues.db import Database
from dues.kit.timefmt import today_ist
from tests.adjustments.helpers import entries, in_balance, refund_path, reverse
from tests.collection.helpers import sql
from tests.customers.helpers import assert_error, assert_invalid, payload
from tests.payments.helpers import credit_of, customer, get_invoice, invoice, money, pay
from tests.reminders.helpers import YEAR, open_invoice, reminder, run_at, sends, set_default
from tests.reminders.helpers import customer as reminded_customer
from tests.support import Tenant, TenantFactory


async def _apply(seller: Tenant, customer_id: str, allocations: list[tuple[str, Any]]) -> httpx.Response:
    body = {"allocations": [{"invoiceId": i, "amount": a} for i, a in allocations]}
    return await seller.post(f"/api/v0/customer/{customer_id}/credit/apply", json=body)


def _by_document(rows: list[tuple[str, str | None, Decimal, str]], document: str) -> list[tuple[Any, ...]]:
    return [(kind, invoice_id, amount) for kind, invoice_id, amount, doc in rows if doc == document]


async def test_a_reversal_undoes_the_allocations_and_the_credit(
    tenants: TenantFactory, tenant: Tenant, db: Database
) -> None:
    buyer = await customer(tenant)
    first = (await invoice(tenant, buyer, partialPaymentAllowed=True))["invoiceId"]
    second = (await invoice(tenant, buyer, partialPaymentAllowed=True))["invoiceId"]
    payload(await pay(tenant, buyer, 180, [(first, 180)]))  # an earlier payment stays
    cheque = payload(await pay(tenant, buyer, 2500, [(first, 1000), (second, 1180)], mode="CHEQUE"))
    assert await credit_of(tenant, buyer) == Decimal("320.00")
    assert (await get_invoice(tenant, first))["status"] == "PAID"

    answer = payload(await reverse(tenant, cheque["paymentId"], remarks="returned: funds insufficient"))

    assert answer["creditRemoved"] == 320.0 and answer["creditBalance"] == 0.0
    assert answer["invoices"] == [
        {
            "invoiceId": i,
            "amount": a,
            "tdsAmount": 0.0,
            "status": s,
            "balanceAmount": b,
        }
        for i, a, s, b in sorted(
            [(first, 1000.0, "PARTIALLY_PAID", 1000.0), (second, 1180.0, "CREATED", 1180.0)]
        )
    ]
    shown = payload(await tenant.get(f"/api/v0/payment/{cheque['paymentId']}"))
    assert shown["status"] == "REVERSED" and shown["reversalReason"] == "CHEQUE_BOUNCED"
    assert shown["reversalRemarks"] == "returned: funds insufficient" and shown["reversedOn"]
    assert shown["reversalChargeInvoiceId"] is None
    # The payment keeps its amounts as recorded; what was undone is in the ledger.
    assert (shown["amount"], shown["allocatedAmount"], shown["unallocatedAmount"]) == (2500.0, 2180.0, 320.0)
    one = await get_invoice(tenant, first)
    assert (one["status"], money(one["paidAmount"]), money(one["balanceAmount"])) == (
        "PARTIALLY_PAID",
        Decimal("180.00"),
        Decimal("1000.00"),
    )
    two = await get_invoice(tenant, second)
    assert (two["status"], money(two["paidAmount"]), money(two["balanceAmount"])) == (
        "CREATED",
        Decimal("0.00"),
        Decimal("1180.00"),
    )
    assert await credit_of(tenant, buyer) == 0
    ledger = await entries(db, buyer)
    allocated = sorted([(first, Decimal("1000.00")), (second, Decimal("1180.00"))])
    assert _by_document(ledger, cheque["paymentId"]) == [
        *(("PAYMENT", i, -a) for i, a in allocated),
        ("PAYMENT", None, Decimal("-320.00")),
        *(("REVERSAL", i, a) for i, a in allocated),
        ("REVERSAL", None, Decimal("320.00")),
    ]
    assert await in_balance(db, buyer)
    # The reopened invoices take money again.
    payload(await pay(tenant, buyer, 1180, [(second, 1180)]))


async def test_a_payment_is_reversed_once(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    invoice_id = (await invoice(tenant, buyer))["invoiceId"]
    payment_id = payload(await pay(tenant, buyer, 1180, [(invoice_id, 1180)]))["paymentId"]
    payload(await reverse(tenant, payment_id, "ENTERED_IN_ERROR"))

    again = assert_error(await reverse(tenant, payment_id), 422, "UNPROCESSABLE_REQUEST")

    assert "reversed on 20" in again["errorMessage"] and "ENTERED_IN_ERROR" in again["errorMessage"]
    assert money((await get_invoice(tenant, invoice_id))["balanceAmount"]) == Decimal("1180.00")


async def test_who_may_reverse_and_what_the_body_says(tenants: TenantFactory, tenant: Tenant) -> None:
    buyer = await customer(tenant)
    invoice_id = (await invoice(tenant, buyer))["invoiceId"]
    payment_id = payload(await pay(tenant, buyer, 1180, [(invoice_id, 1180)]))["paymentId"]
    for role in ("MAKER", "CHECKER", "VIEWER"):
        who = await tenants.user(tenant, role)
        assert_error(await reverse(who, payment_id), 403, "INVALID_ACCESS")
    assert_invalid(await reverse(tenant, payment_id, "BOUNCED"), "reason")
    assert_invalid(await reverse(tenant, payment_id, chargeAmount=0), "chargeAmount")
    assert_invalid(await reverse(tenant, payment_id, chargeAmount="1.001"), "chargeAmount")
    assert_error(await reverse(tenant, "PAYAAAAAAAAAAAAA"), 404, "RECORD_NOT_FOUND")
    other = await tenants.create(name="Other Seller Pvt Ltd")
    assert_error(await reverse(other, payment_id), 404, "RECORD_NOT_FOUND")
    assert (await get_invoice(tenant, invoice_id))["status"] == "PAID"

    approver = await tenants.user(tenant, "APPROVER")
    assert payload(await reverse(approver, payment_id))["payment"]["status"] == "REVERSED"


async def test_credit_applied_elsewhere_is_undone_with_the_payment(tenant: Tenant, db: Database) -> None:
    buyer = await customer(tenant)
    paid = (await invoice(tenant, buyer))["invoiceId"]
    payment_id = payload(await pay(tenant, buyer, 2000, [(paid, 1180)]))["paymentId"]  # 820.00 credit
    later = (await invoice(tenant, buyer, partialPaymentAllowed=True))["invoiceId"]
    payload(await _apply(tenant, buyer, [(later, 500)]))
    assert (await get_invoice(tenant, later))["status"] == "PARTIALLY_PAID"
    assert await credit_of(tenant, buyer) == Decimal("320.00")

    answer = payload(await reverse(tenant, payment_id, "PAYMENT_RECALLED"))

    assert answer["creditRemoved"] == 320.0
    assert {i["invoiceId"]: (i["amount"], i["status"]) for i in answer["invoices"]} == {
        paid: (1180.0, "CREATED"),
        later: (500.0, "CREATED"),
    }
    for invoice_id in (paid, later):
        shown = await get_invoice(tenant, invoice_id)
        assert money(shown["balanceAmount"]) == Decimal("1180.00") and money(shown["paidAmount"]) == 0
    assert await credit_of(tenant, buyer) == 0
    assert _by_document(await entries(db, buyer), payment_id) == [
        ("PAYMENT", paid, Decimal("-1180.00")),
        ("PAYMENT", None, Decimal("-820.00")),
        ("CREDIT_APPLIED", later, Decimal("-500.00")),
        ("CREDIT_APPLIED", None, Decimal("500.00")),
        ("REVERSAL", paid, Decimal("1180.00")),
        ("REVERSAL", None, Decimal("820.00")),
        ("REVERSAL", later, Decimal("500.00")),
        ("REVERSAL", None, Decimal("-500.00")),
    ]
    assert await in_balance(db, buyer)


async def test_a_reversed_payment_s_credit_is_never_applied(tenant: Tenant, db: Database) -> None:
    buyer = await customer(tenant)
    reversed_id = payload(await pay(tenant, buyer, 800))["paymentId"]  # nothing open: all credit
    kept_id = payload(await pay(tenant, buyer, 100))["paymentId"]
    payload(await reverse(tenant, reversed_id))
    assert await credit_of(tenant, buyer) == Decimal("100.00")
    open_one = (await invoice(tenant, buyer, partialPaymentAllowed=True))["invoiceId"]

    applied = payload(await tenant.post(f"/api/v0/customer/{buyer}/credit/apply"))

    assert [(a["paymentId"], a["invoiceId"], a["amount"]) for a in applied["applied"]] == [
        (kept_id, open_one, 100.0)
    ]
    assert applied["creditBalance"] == 0.0
    assert await in_balance(db, buyer)


async def test_a_payment_whose_credit_was_refunded_is_not_reversed(tenant: Tenant, db: Database) -> None:
    buyer = await customer(tenant)
    invoice_id = (await invoice(tenant, buyer))["invoiceId"]
    payment_id = payload(await pay(tenant, buyer, 2000, [(invoice_id, 1180)]))["paymentId"]
    payload(
        await tenant.post(
            refund_path(buyer),
            json={"amount": 20, "mode": "NEFT", "reference": "UTRREFUND1", "paidOn": today_ist().isoformat()},
        )
    )

    refused = assert_error(await reverse(tenant, payment_id), 422, "UNPROCESSABLE_REQUEST")

    assert "20.00" in refused["errorMessage"] and "refunded" in refused["errorMessage"]
    assert (await get_invoice(tenant, invoice_id))["status"] == "PAID"
    assert await credit_of(tenant, buyer) == Decimal("800.00")
    assert await in_balance(db, buyer)


async def _with_tds(db: Database, payment_id: str, invoice_id: str, tds: str) -> None:
    """The buyer's TDS on an allocation, written as the TDS feature records it: the invoice's TDS part, the
    allocation's, the payment's, its register entry and its ledger entry, in one transaction."""
    params = {"p": payment_id, "i": invoice_id, "t": Decimal(tds)}
    async with db.sessionmaker() as session:
        for statement in (
            "UPDATE invoices SET tds_amount = tds_amount + :t, balance_amount = balance_amount - :t, "
            "status = CASE WHEN balance_amount - :t = 0 THEN 'PAID' ELSE status END WHERE invoice_id = :i",
            "UPDATE payment_allocations SET tds_amount = :t WHERE payment_id = :p AND invoice_id = :i",
            "UPDATE payments SET tds_amount = :t, tds_section = '194Q', deductor_tan = 'MUMA12345B' "
            "WHERE payment_id = :p",
            "INSERT INTO tds_entries (company_id, tds_id, payment_id, customer_id, invoice_ids, section, "
            "amount, deducted_on, quarter) SELECT company_id, 'TDSTEST' || substr(payment_id, 4, 9), "
            "payment_id, customer_id, ARRAY[CAST(:i AS varchar)], '194Q', :t, paid_on, '2026-27-Q3' "
            "FROM payments WHERE payment_id = :p",
            "INSERT INTO ledger_entries (company_id, customer_id, effective_date, entry_type, document_id, "
            "invoice_id, amount) SELECT company_id, customer_id, paid_on, 'TDS', payment_id, :i, -:t "
            "FROM payments WHERE payment_id = :p",
        ):
            await session.execute(text(statement), params)
        await session.commit()


async def test_tds_is_undone_with_the_cash_and_its_register_entry_cancelled(
    tenant: Tenant, db: Database
) -> None:
    buyer = await customer(tenant)
    invoice_id = (await invoice(tenant, buyer, partialPaymentAllowed=True))["invoiceId"]
    payment_id = payload(await pay(tenant, buyer, 1080, [(invoice_id, 1080)]))["paymentId"]
    await _with_tds(db, payment_id, invoice_id, "100")
    assert (await get_invoice(tenant, invoice_id))["status"] == "PAID"

    answer = payload(await reverse(tenant, payment_id))

    assert answer["invoices"] == [
        {
            "invoiceId": invoice_id,
            "amount": 1080.0,
            "tdsAmount": 100.0,
            "status": "CREATED",
            "balanceAmount": 1180.0,
        }
    ]
    shown = await get_invoice(tenant, invoice_id)
    assert money(shown["tdsAmount"]) == 0 and money(shown["balanceAmount"]) == Decimal("1180.00")
    [[status]] = await sql(db, "SELECT status FROM tds_entries WHERE payment_id = :p", p=payment_id)
    assert status == "CANCELLED"
    assert _by_document(await entries(db, buyer), payment_id)[-2:] == [
        ("REVERSAL", invoice_id, Decimal("1080.00")),
        ("REVERSAL", invoice_id, Decimal("100.00")),
    ]
    assert await in_balance(db, buyer)


async def test_a_reversal_keeps_a_write_off_and_the_status_follows_the_settled_parts(
    tenants: TenantFactory, tenant: Tenant, db: Database
) -> None:
    buyer = await customer(tenant)
    invoice_id = (await invoice(tenant, buyer, partialPaymentAllowed=True))["invoiceId"]
    payment_id = payload(await pay(tenant, buyer, 1100, [(invoice_id, 1100)]))["paymentId"]
    approver = await tenants.user(tenant, "APPROVER")
    payload(
        await approver.post(
            f"/api/v0/invoice/{invoice_id}/write-off", json={"amount": 80, "reason": "rounding"}
        )
    )
    assert (await get_invoice(tenant, invoice_id))["status"] == "WRITTEN_OFF"

    payload(await reverse(tenant, payment_id))

    shown = await get_invoice(tenant, invoice_id)
    assert shown["status"] == "CREATED"
    assert (money(shown["writtenOffAmount"]), money(shown["balanceAmount"])) == (
        Decimal("80.00"),
        Decimal("1100.00"),
    )
    assert await in_balance(db, buyer)


async def test_a_reversal_racing_a_credit_application_keeps_the_ledger_in_balance(
    live_tenants: TenantFactory, committed: Database
) -> None:
    seller = await live_tenants.create()
    rounds = []
    for _ in range(6):
        buyer = await customer(seller)
        paid = (await invoice(seller, buyer))["invoiceId"]
        later = (await invoice(seller, buyer, partialPaymentAllowed=True))["invoiceId"]
        payment_id = payload(await pay(seller, buyer, 2000, [(paid, 1180)]))["paymentId"]
        rounds.append((buyer, paid, later, payment_id))

    answers = await asyncio.gather(
        *(
            call
            for buyer, _, later, payment_id in rounds
            for call in (reverse(seller, payment_id), _apply(seller, buyer, [(later, 820)]))
        )
    )

    for n, (buyer, paid, later, _) in enumerate(rounds):
        reversed_, applied = answers[2 * n], answers[2 * n + 1]
        assert reversed_.status_code == 200, reversed_.text
        # Applied before the reversal (then undone by it), or refused after it: there is no credit left.
        assert applied.status_code in (200, 409, 422), applied.text
        for invoice_id in (paid, later):
            assert money((await get_invoice(seller, invoice_id))["balanceAmount"]) == Decimal("1180.00")
        assert await credit_of(seller, buyer) == 0
        assert await in_balance(committed, buyer)


async def test_credit_applied_while_the_reversal_waits_is_undone_too(
    live_tenants: TenantFactory, committed: Database
) -> None:
    """The reversal learns the payment's invoices before it locks the payment; a credit application that
    commits in between adds one, and the reversal starts its locks again with it."""
    seller = await live_tenants.create()
    buyer = await customer(seller)
    paid = (await invoice(seller, buyer))["invoiceId"]
    later = (await invoice(seller, buyer, partialPaymentAllowed=True))["invoiceId"]
    payment_id = payload(await pay(seller, buyer, 2000, [(paid, 1180)]))["paymentId"]

    async with committed.engine.connect() as blocker:
        transaction = await blocker.begin()
        await blocker.execute(text("SELECT 1 FROM invoices WHERE invoice_id = :i FOR UPDATE"), {"i": paid})
        reversal = asyncio.create_task(reverse(seller, payment_id))
        for _ in range(200):  # until the reversal waits for the invoice this connection holds
            [[waiting]] = await sql(
                committed,
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = "
                "current_database()",
            )
            if waiting:
                break
            await asyncio.sleep(0.02)
        assert waiting
        payload(await _apply(seller, buyer, [(later, 820)]))
        await transaction.commit()
    answer = payload(await reversal)

    assert {i["invoiceId"]: i["amount"] for i in answer["invoices"]} == {paid: 1180.0, later: 820.0}
    for invoice_id in (paid, later):
        assert money((await get_invoice(seller, invoice_id))["balanceAmount"]) == Decimal("1180.00")
    assert await credit_of(seller, buyer) == 0
    assert await in_balance(committed, buyer)


async def test_reminders_resume_after_a_reversal(live_tenants: TenantFactory, committed: Database) -> None:
    seller = await live_tenants.create()
    await set_default(seller, str((await reminder(seller))["reminderId"]))
    buyer = await reminded_customer(seller)
    invoice_id = await open_invoice(seller, buyer)
    payment_id = payload(await pay(seller, buyer, 1180, [(invoice_id, 1180)], mode="CHEQUE"))["paymentId"]
    assert await run_at(committed, f"{YEAR}-06-27 10:00") == 0  # paid: nothing to remind

    payload(await reverse(seller, payment_id))

    assert (await get_invoice(seller, invoice_id))["status"] == "DISPATCHED"
    assert await run_at(committed, f"{YEAR}-06-27 10:00") == 1
    assert await sends(committed, invoice_id) == [("STEP", -3, Decimal("1180.00"))]
