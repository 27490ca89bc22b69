"""Write-offs (api.md §9.3): who may write off, how much, what the invoice and the ledger show after, that
reminders stop for a written-off invoice, and the company's automatic write-off of small residuals."""

from __future__ import annotations

from decimal import Decimal

from dues.db import Database
from tests.adjustments.helpers import entries, in_balance, write_off
from tests.collection.helpers import sql, withdraw
from tests.customers.helpers import assert_error, assert_invalid, payload
from tests.payments.helpers import customer, get_invoice, invoice, money, pay
from tests.reminders.helpers import YEAR, open_invoice, reminder, run_at, sends, set_default
from tests.reminders.helpers import customer as reminded_customer
from tests.support import Tenant, TenantFactory


async def test_only_an_admin_or_approver_other_than_the_creator_writes_off(
    tenants: TenantFactory, tenant: Tenant, db: Database
) -> None:
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer)  # 1,180.00, created by the tenant's ADMIN
    invoice_id = inv["invoiceId"]
    maker = await tenants.user(tenant, "MAKER")
    checker = await tenants.user(tenant, "CHECKER")
    viewer = await tenants.user(tenant, "VIEWER")
    approver = await tenants.user(tenant, "APPROVER")

    for who in (maker, checker, viewer):
        assert_error(await write_off(who, invoice_id, 100), 403, "INVALID_ACCESS")
    refused = assert_error(await write_off(tenant, invoice_id, 100), 403, "INVALID_ACCESS")
    assert "created" in refused["errorMessage"]
    assert money((await get_invoice(tenant, invoice_id))["balanceAmount"]) == Decimal("1180.00")

    made = payload(await write_off(approver, invoice_id, "180.5", reason="goodwill on a late delivery"))

    assert made["writeOffId"].startswith("WO") and len(made["writeOffId"]) == 16
    assert (made["amount"], made["automatic"], made["reason"]) == (
        180.5,
        False,
        "goodwill on a late delivery",
    )
    assert (made["balanceAmount"], made["writtenOffAmount"], made["status"]) == (999.5, 180.5, "CREATED")
    shown = await get_invoice(tenant, invoice_id)
    assert money(shown["writtenOffAmount"]) == Decimal("180.50")
    assert money(shown["balanceAmount"]) == Decimal("999.50") and shown["status"] == "CREATED"
    # Another ADMIN (not the creator) may write off too.
    other_admin = await tenants.user(tenant, "ADMIN")
    payload(await write_off(other_admin, invoice_id, "0.50"))
    assert await entries(db, buyer) == [
        ("INVOICE", invoice_id, Decimal("1180.00"), invoice_id),
        ("WRITE_OFF", invoice_id, Decimal("-180.50"), made["writeOffId"]),
        ("WRITE_OFF", invoice_id, Decimal("-0.50"), (await _write_offs(db, invoice_id))[1]),
    ]
    assert await in_balance(db, buyer)
    [[actor, before, after]] = await sql(
        db,
        "SELECT actor, before, after FROM audit_log WHERE entity_id = :i AND action = 'WRITE_OFF' "
        "AND reason = 'goodwill on a late delivery'",
        i=invoice_id,
    )
    [[approver_id]] = await sql(db, "SELECT user_id FROM users WHERE email = :e", e=approver.username)
    assert actor == approver_id
    assert (before["balance_amount"], before["status"]) == ("1180.00", "CREATED")
    assert (after["balance_amount"], after["written_off_amount"]) == ("999.50", "180.50")


async def _write_offs(db: Database, invoice_id: str) -> list[str]:
    rows = await sql(
        db,
        "SELECT write_off_id FROM write_offs WHERE invoice_id = :i ORDER BY created_on, amount DESC",
        i=invoice_id,
    )
    return [r[0] for r in rows]


async def test_the_amount_is_above_zero_and_at_most_the_balance(
    tenants: TenantFactory, tenant: Tenant, db: Database
) -> None:
    buyer = await customer(tenant)
    invoice_id = (await invoice(tenant, buyer, partialPaymentAllowed=True))["invoiceId"]
    assert (await pay(tenant, buyer, 1000, [(invoice_id, 1000)])).status_code == 200  # 180.00 left
    approver = await tenants.user(tenant, "APPROVER")

    too_much = assert_invalid(await write_off(approver, invoice_id, "180.01"), "amount")
    assert "180.00" in too_much["amount"]["message"]
    for bad in (0, -1, "0.001"):
        assert_invalid(await write_off(approver, invoice_id, bad), "amount")
    assert_invalid(
        await approver.post(f"/api/v0/invoice/{invoice_id}/write-off", json={"amount": 10}), "reason"
    )
    assert_error(await write_off(approver, "INVXXXXXXXXXXXXX", 10), 404, "RECORD_NOT_FOUND")

    made = payload(await write_off(approver, invoice_id, 180))

    assert (made["status"], made["balanceAmount"], made["writtenOffAmount"]) == ("WRITTEN_OFF", 0.0, 180.0)
    shown = await get_invoice(tenant, invoice_id)
    assert shown["status"] == "WRITTEN_OFF" and money(shown["paidAmount"]) == Decimal("1000.00")
    # Nothing is left to write off, and nothing to pay.
    assert_invalid(await write_off(approver, invoice_id, "0.01"), "amount")
    assert (await pay(tenant, buyer, 10, [(invoice_id, 10)])).status_code == 422
    assert await in_balance(db, buyer)


async def test_an_unapproved_or_withdrawn_invoice_is_not_written_off(
    tenants: TenantFactory, tenant: Tenant
) -> None:
    buyer = await customer(tenant)
    approver = await tenants.user(tenant, "APPROVER")
    payload(await tenant.patch("/api/v0/company", json={"approvalChain": "MAKER_CHECKER"}))
    pending = (await invoice(tenant, buyer))["invoiceId"]
    refused = assert_error(await write_off(approver, pending, 10), 422, "UNPROCESSABLE_REQUEST")
    assert "not approved" in refused["errorMessage"]

    payload(await tenant.patch("/api/v0/company", json={"approvalChain": "NONE"}))
    withdrawn = (await invoice(tenant, buyer))["invoiceId"]
    await withdraw(tenant, [withdrawn])
    refused = assert_error(await write_off(approver, withdrawn, 10), 422, "UNPROCESSABLE_REQUEST")
    assert "withdrawn" in refused["errorMessage"]


async def test_a_written_off_invoice_gets_no_reminder(
    live_tenants: TenantFactory, committed: Database
) -> None:
    seller = await live_tenants.create()
    approver = await live_tenants.user(seller, "APPROVER")
    await set_default(seller, str((await reminder(seller))["reminderId"]))
    written_off = await open_invoice(seller, await reminded_customer(seller))
    part_written_off = await open_invoice(seller, await reminded_customer(seller))
    untouched = await open_invoice(seller, await reminded_customer(seller))

    payload(await write_off(approver, written_off, 1180))
    payload(await write_off(approver, part_written_off, 180))

    assert (await get_invoice(seller, written_off))["status"] == "WRITTEN_OFF"
    assert await run_at(committed, f"{YEAR}-06-27 10:00") == 2
    assert await sends(committed, written_off) == []
    # Partly written off, the rest is still owed and reminded: the reminder states what is left.
    assert await sends(committed, part_written_off) == [("STEP", -3, Decimal("1000.00"))]
    assert await sends(committed, untouched) == [("STEP", -3, Decimal("1180.00"))]


async def test_a_residual_below_auto_write_off_below_is_written_off_by_the_payment(
    tenant: Tenant, db: Database
) -> None:
    buyer = await customer(tenant)
    small = (await invoice(tenant, buyer, partialPaymentAllowed=True))["invoiceId"]
    larger = (await invoice(tenant, buyer, partialPaymentAllowed=True))["invoiceId"]
    settings = payload(await tenant.patch("/api/v0/company", json={"autoWriteOffBelow": "1.00"}))
    assert settings["autoWriteOffBelow"] == 1.0

    paid = payload(await pay(tenant, buyer, "2178.60", [(small, "1179.60"), (larger, 999)]))

    residual = await get_invoice(tenant, small)
    assert residual["status"] == "WRITTEN_OFF"
    assert money(residual["balanceAmount"]) == 0 and money(residual["writtenOffAmount"]) == Decimal("0.40")
    assert money(residual["paidAmount"]) == Decimal("1179.60")
    # 181.00 is not below 1.00: still owed, still part paid.
    kept = await get_invoice(tenant, larger)
    assert kept["status"] == "PARTIALLY_PAID" and money(kept["balanceAmount"]) == Decimal("181.00")
    [[amount, automatic, by, reason]] = await sql(
        db, "SELECT amount, automatic, created_by, reason FROM write_offs WHERE invoice_id = :i", i=small
    )
    assert (amount, automatic, by) == (Decimal("0.40"), True, "system")
    assert "0.40" in reason and "autoWriteOffBelow" in reason and "1.00" in reason
    assert [e for e in await entries(db, buyer) if e[1] == small] == [
        ("INVOICE", small, Decimal("1180.00"), small),
        ("WRITE_OFF", small, Decimal("-0.40"), (await _write_offs(db, small))[0]),
        ("PAYMENT", small, Decimal("-1179.60"), paid["paymentId"]),
    ]
    assert await in_balance(db, buyer)


async def test_without_the_setting_a_residual_stays_owed(tenant: Tenant, db: Database) -> None:
    buyer = await customer(tenant)
    invoice_id = (await invoice(tenant, buyer, partialPaymentAllowed=True))["invoiceId"]
    assert payload(await tenant.get("/api/v0/company"))["autoWriteOffBelow"] == 0

    payload(await pay(tenant, buyer, "1179.60", [(invoice_id, "1179.60")]))

    shown = await get_invoice(tenant, invoice_id)
    assert shown["status"] == "PARTIALLY_PAID" and money(shown["balanceAmount"]) == Decimal("0.40")
    assert await sql(db, "SELECT 1 FROM write_offs WHERE invoice_id = :i", i=invoice_id) == []


async def test_only_an_admin_sets_auto_write_off_below(tenants: TenantFactory, tenant: Tenant) -> None:
    approver = await tenants.user(tenant, "APPROVER")
    assert_error(
        await approver.patch("/api/v0/company", json={"autoWriteOffBelow": 5}), 403, "INVALID_ACCESS"
    )
    assert_invalid(await tenant.patch("/api/v0/company", json={"autoWriteOffBelow": -1}), "autoWriteOffBelow")
    assert_invalid(
        await tenant.patch("/api/v0/company", json={"autoWriteOffBelow": "1.001"}), "autoWriteOffBelow"
    )
    assert (
        payload(await tenant.patch("/api/v0/company", json={"autoWriteOffBelow": 5}))["autoWriteOffBelow"]
        == 5
    )
    assert (
        payload(await tenant.patch("/api/v0/company", json={"autoWriteOffBelow": None}))["autoWriteOffBelow"]
        == 0
    )
