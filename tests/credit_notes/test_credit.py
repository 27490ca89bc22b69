"""What a credit note moves (api.md §9.1, §9.4): the invoices' balances first, the rest to customer credit;
that credit then pays other invoices (after the payments' credit, oldest note first), and the ledger agrees
at every step."""

from __future__ import annotations

from decimal import Decimal

from dues.db import Database
from tests.credit_notes.helpers import (
    credit_of,
    customer,
    get_invoice,
    invoice,
    ledger_agrees,
    money,
    note,
    part,
    rows,
)
from tests.customers.helpers import payload
from tests.support import Tenant


async def _pay(seller: Tenant, buyer: str, invoice_id: str, amount: str, reference: str) -> None:
    body = {
        "mode": "NEFT",
        "amount": amount,
        "reference": reference,
        "paidOn": (await get_invoice(seller, invoice_id))["invoiceDate"],
        "customerId": buyer,
        "allocations": [{"invoiceId": invoice_id, "amount": amount}],
    }
    payload(await seller.post("/api/v0/payment", json=body))


async def _apply(seller: Tenant, buyer: str) -> dict:
    return payload(await seller.post(f"/api/v0/customer/{buyer}/credit/apply"))  # type: ignore[no-any-return]


async def test_a_note_on_a_paid_invoice_becomes_credit_then_pays_another_invoice(
    tenant: Tenant, db: Database
) -> None:
    buyer = await customer(tenant)
    paid = await invoice(tenant, buyer)  # 1,180
    await _pay(tenant, buyer, paid["invoiceId"], "1180", "UTR-CN-1")

    made = await note(tenant, buyer, [part(paid["invoiceId"], 200, cgst=18, sgst=18)])  # 236

    assert (money(made["appliedAmount"]), money(made["unappliedAmount"])) == (0, Decimal("236.00"))
    assert made["allocations"] == []
    assert await credit_of(tenant, buyer) == Decimal("236.00")
    after = await get_invoice(tenant, paid["invoiceId"])
    assert (after["status"], money(after["paidAmount"]), money(after["creditedAmount"])) == (
        "PAID",
        Decimal("1180.00"),
        0,
    )
    assert await rows(
        db,
        "SELECT entry_type, invoice_id, amount FROM ledger_entries WHERE document_id = :n",
        n=made["creditNoteId"],
    ) == [("CREDIT_NOTE", None, Decimal("-236.00"))]
    assert await ledger_agrees(db, buyer) == Decimal("236.00")

    # The credit pays the next invoice.
    second = await invoice(tenant, buyer, base="500", partialPaymentAllowed=True)  # 590
    applied = await _apply(tenant, buyer)

    assert [
        (a["paymentId"], a["creditNoteId"], a["invoiceId"], money(a["amount"])) for a in applied["applied"]
    ] == [(None, made["creditNoteId"], second["invoiceId"], Decimal("236.00"))]
    assert money(applied["creditBalance"]) == 0
    now = await get_invoice(tenant, second["invoiceId"])
    assert (money(now["creditedAmount"]), money(now["paidAmount"]), money(now["balanceAmount"])) == (
        Decimal("236.00"),
        0,
        Decimal("354.00"),
    )
    reread = payload(await tenant.get(f"/api/v0/credit-note/{made['creditNoteId']}"))
    assert (money(reread["appliedAmount"]), money(reread["unappliedAmount"])) == (Decimal("236.00"), 0)
    assert [(a["invoiceId"], money(a["amount"])) for a in reread["allocations"]] == [
        (second["invoiceId"], Decimal("236.00"))
    ]
    assert sorted(
        await rows(
            db,
            "SELECT invoice_id, amount FROM ledger_entries "
            "WHERE document_id = :n AND entry_type = 'CREDIT_APPLIED'",
            n=made["creditNoteId"],
        ),
        key=str,
    ) == sorted([(second["invoiceId"], Decimal("-236.00")), (None, Decimal("236.00"))], key=str)
    assert await ledger_agrees(db, buyer) == 0


async def test_a_note_larger_than_the_balance_lowers_it_to_zero_and_credits_the_rest(
    tenant: Tenant, db: Database
) -> None:
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer, partialPaymentAllowed=True)  # 1,180
    await _pay(tenant, buyer, inv["invoiceId"], "1000", "UTR-CN-2")  # 180 left

    made = await note(tenant, buyer, [part(inv["invoiceId"], 500, cgst=45, sgst=45)])  # 590

    assert (money(made["appliedAmount"]), money(made["unappliedAmount"])) == (
        Decimal("180.00"),
        Decimal("410.00"),
    )
    after = await get_invoice(tenant, inv["invoiceId"])
    assert (after["status"], money(after["creditedAmount"]), money(after["balanceAmount"])) == (
        "PAID",
        Decimal("180.00"),
        0,
    )
    assert await ledger_agrees(db, buyer) == Decimal("410.00")


async def test_payment_credit_is_used_before_credit_note_credit(tenant: Tenant, db: Database) -> None:
    buyer = await customer(tenant)
    paid = await invoice(tenant, buyer)
    await _pay(tenant, buyer, paid["invoiceId"], "1180", "UTR-CN-3")
    made = await note(tenant, buyer, [part(paid["invoiceId"], 100, cgst=9, sgst=9)])  # 118 credit
    advance = {
        "mode": "NEFT",
        "amount": "100",
        "reference": "UTR-CN-4",
        "paidOn": paid["invoiceDate"],
        "customerId": buyer,
    }
    payment = payload(await tenant.post("/api/v0/payment", json=advance))  # nothing open: 100 credit
    assert await credit_of(tenant, buyer) == Decimal("218.00")

    second = await invoice(tenant, buyer, base="100", partialPaymentAllowed=True)  # 118
    applied = await _apply(tenant, buyer)

    assert [(a["paymentId"], a["creditNoteId"], money(a["amount"])) for a in applied["applied"]] == [
        (payment["paymentId"], None, Decimal("100.00")),
        (None, made["creditNoteId"], Decimal("18.00")),
    ]
    now = await get_invoice(tenant, second["invoiceId"])
    assert (now["status"], money(now["paidAmount"]), money(now["creditedAmount"])) == (
        "PAID",
        Decimal("100.00"),
        Decimal("18.00"),
    )
    assert await ledger_agrees(db, buyer) == Decimal("100.00")


async def test_a_credited_invoice_keeps_its_balance_through_a_patch(tenant: Tenant, db: Database) -> None:
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer)
    await note(tenant, buyer, [part(inv["invoiceId"], 100, cgst=9, sgst=9)])

    changed = payload(
        await tenant.patch(f"/api/v0/invoice/{inv['invoiceId']}", json={"description": "Chairs"})
    )

    assert (money(changed["creditedAmount"]), money(changed["balanceAmount"])) == (
        Decimal("118.00"),
        Decimal("1062.00"),
    )
    refused = await tenant.patch(f"/api/v0/invoice/{inv['invoiceId']}", json={"baseAmount": 900})
    assert (
        refused.status_code == 422
        and "credit or debit note" in refused.json()["errorResponse"]["errorMessage"]
    )
    await ledger_agrees(db, buyer)
