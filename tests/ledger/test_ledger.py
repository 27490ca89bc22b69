"""The receivables ledger (api.md §9.4, §10 "Ledger"): what moves writes its entries, entries never change,
and the database refuses a commit whose money and entries disagree, whatever code wrote it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from dues.db import Database
from tests.customers.helpers import payload
from tests.payments.helpers import customer, invoice, pay
from tests.support import Tenant, TenantFactory


async def _ledger(seller: Tenant, customer_id: str, **params: str) -> dict:
    return payload(await seller.get(f"/api/v0/customer/{customer_id}/ledger", params=params))


async def test_invoices_and_payments_show_with_a_running_balance(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    first = await invoice(tenant, buyer, partialPaymentAllowed=True)  # 1,180.00
    second = await invoice(tenant, buyer, base="500")  # 590.00
    paid = payload(await pay(tenant, buyer, 2000, [(first["invoiceId"], 1180), (second["invoiceId"], 590)]))

    ledger = await _ledger(tenant, buyer)

    rows = [
        (e["type"], e["invoiceId"], e["debit"], e["credit"], e["runningBalance"]) for e in ledger["entries"]
    ]
    assert rows[:2] == [
        ("INVOICE", first["invoiceId"], 1180.0, 0.0, 1180.0),
        ("INVOICE", second["invoiceId"], 590.0, 0.0, 1770.0),
    ]
    # One payment: a credit per invoice it paid (in invoice id order), then what went to credit.
    assert sorted(r[:4] for r in rows[2:4]) == sorted(
        [("PAYMENT", first["invoiceId"], 0.0, 1180.0), ("PAYMENT", second["invoiceId"], 0.0, 590.0)]
    )
    assert rows[3][4] == 0.0
    assert rows[4] == ("PAYMENT", None, 0.0, 230.0, -230.0)
    assert ledger["openingBalance"] == 0 and ledger["closingBalance"] == -230.0
    assert {e["documentId"] for e in ledger["entries"][2:]} == {paid["paymentId"]}
    assert ledger["entries"][0]["documentNumber"] == first["invoiceNumber"]
    owed = payload(await tenant.get(f"/api/v0/customer/{buyer}"))
    assert Decimal(str(owed["creditBalance"])) == Decimal("230.00")


async def test_a_period_opens_with_what_was_owed_before_it(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    await invoice(tenant, buyer)  # dated 2026-11-24
    await invoice(tenant, buyer, invoiceDate="2026-11-26")

    ledger = await _ledger(tenant, buyer, **{"from": "2026-11-25", "to": "2026-11-30"})

    assert ledger["openingBalance"] == 1180.0
    assert [e["date"] for e in ledger["entries"]] == ["2026-11-26"]
    assert ledger["closingBalance"] == 2360.0
    refused = await tenant.get(
        f"/api/v0/customer/{buyer}/ledger", params={"from": "2026-12-01", "to": "2026-11-01"}
    )
    assert (
        refused.status_code == 422 and refused.json()["errorResponse"]["apiSubErrors"][0]["field"] == "from"
    )


async def test_an_invoice_awaiting_approval_is_not_owed_until_approved(tenants: TenantFactory) -> None:
    seller = await tenants.create("Chain Seller Pvt Ltd")
    assert (await seller.patch("/api/v0/company", json={"approvalChain": "MAKER_CHECKER"})).status_code == 200
    checker = await tenants.user(seller, "CHECKER")
    buyer = await customer(seller)
    made = await invoice(seller, buyer)
    assert (await _ledger(seller, buyer))["entries"] == []

    approved = await checker.post(f"/api/v0/invoice/{made['invoiceId']}/approval", json={"action": "APPROVE"})
    assert approved.status_code == 200, approved.text

    assert [(e["type"], e["debit"]) for e in (await _ledger(seller, buyer))["entries"]] == [
        ("INVOICE", 1180.0)
    ]


async def test_withdrawing_an_invoice_reverses_its_entry(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    made = await invoice(tenant, buyer)
    gone = await tenant.post(
        "/api/v0/invoice/bulk/delete", json={"invoiceIds": [made["invoiceId"]], "reason": "x"}
    )
    assert payload(gone)["results"][0]["success"] is True

    ledger = await _ledger(tenant, buyer)

    assert [(e["type"], e["debit"], e["credit"]) for e in ledger["entries"]] == [
        ("INVOICE", 1180.0, 0.0),
        ("REVERSAL", 0.0, 1180.0),
    ]
    assert ledger["closingBalance"] == 0


async def test_another_companys_customer_is_not_found(tenant: Tenant, tenants: TenantFactory) -> None:
    other = await tenants.create("Other Seller Pvt Ltd")
    theirs = await customer(other)
    answer = await tenant.get(f"/api/v0/customer/{theirs}/ledger")
    assert answer.status_code == 404
    assert answer.json()["errorResponse"]["errorType"] == "RECORD_NOT_FOUND"


async def test_entries_are_never_changed_or_deleted(tenant: Tenant, db: Database) -> None:
    buyer = await customer(tenant)
    await invoice(tenant, buyer)
    for statement in ("UPDATE ledger_entries SET amount = 1", "DELETE FROM ledger_entries"):
        async with db.sessionmaker() as session:
            with pytest.raises(IntegrityError, match="never changed or deleted"):
                await session.execute(text(f"{statement} WHERE customer_id = :c"), {"c": buyer})


async def test_the_database_refuses_a_commit_whose_money_and_entries_disagree(
    live_tenants: TenantFactory, committed: Database
) -> None:
    seller = await live_tenants.create("Ledger Seller Pvt Ltd")
    buyer = await customer(seller)
    made = await invoice(seller, buyer, partialPaymentAllowed=True)
    money_only = (
        "UPDATE invoices SET paid_amount = 100, balance_amount = total_amount - 100, "
        "status = 'PARTIALLY_PAID' WHERE invoice_id = :i"
    )
    entry_only = (
        "INSERT INTO ledger_entries (company_id, customer_id, effective_date, entry_type, document_id, "
        "invoice_id, amount) SELECT company_id, customer_id, current_date, 'PAYMENT', 'PAYX', invoice_id, "
        "-100 FROM invoices WHERE invoice_id = :i"
    )
    credit_only = "UPDATE customers SET credit_balance = 5 WHERE customer_id = :c"
    for statements in ([money_only], [entry_only], [credit_only]):
        async with committed.sessionmaker() as session:
            for statement in statements:
                await session.execute(text(statement), {"i": made["invoiceId"], "c": buyer})
            with pytest.raises(IntegrityError, match="ledger out of balance"):
                await session.commit()

    # The same movement with its entry commits.
    async with committed.sessionmaker() as session:
        await session.execute(text(money_only), {"i": made["invoiceId"]})
        await session.execute(text(entry_only), {"i": made["invoiceId"]})
        await session.commit()
    assert (await _ledger(seller, buyer))["closingBalance"] == 1080.0
