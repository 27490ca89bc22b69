"""Issue 12's acceptance case for reversals: a bounced cheque paying three invoices, reversed with a ₹500
charge. The three are back to their balances and statuses, their reminders resume (the reminder sweep runs
as tests/reminders run it), a debit note of ₹500 exists for the customer, and the ledger shows both
movements."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from dues.db import Database
from dues.kit.timefmt import today_ist
from tests.adjustments.helpers import entries, in_balance, reverse
from tests.customers.helpers import payload
from tests.payments.helpers import get_invoice, money, pay
from tests.reminders.helpers import YEAR, customer, open_invoice, reminder, run_at, sends, set_default
from tests.support import TenantFactory


async def test_a_bounced_cheque_paying_three_invoices_is_reversed_with_a_charge(
    live_tenants: TenantFactory, committed: Database
) -> None:
    seller = await live_tenants.create()
    await set_default(seller, str((await reminder(seller))["reminderId"]))  # 3 days before, on, 7 after
    buyer = await customer(seller)
    first, second, third = sorted([await open_invoice(seller, buyer) for _ in range(3)])  # 1,180.00 each
    payload(await pay(seller, buyer, 180, [(first, 180)]))  # an earlier transfer on the first
    cheque = payload(
        await pay(
            seller,
            buyer,
            3360,
            [(first, 1000), (second, 1180), (third, 1180)],
            mode="CHEQUE",
            reference="000451",
        )
    )
    for invoice_id in (first, second, third):
        assert (await get_invoice(seller, invoice_id))["status"] == "PAID"
    # Paid: three days before the due date nothing is reminded.
    assert await run_at(committed, f"{YEAR}-06-27 10:00") == 0

    answer = payload(
        await reverse(
            seller, cheque["paymentId"], "CHEQUE_BOUNCED", remarks="returned unpaid", chargeAmount=500
        )
    )

    expected = {
        first: ("PARTIALLY_PAID", Decimal("180.00"), Decimal("1000.00")),
        second: ("DISPATCHED", Decimal("0.00"), Decimal("1180.00")),
        third: ("DISPATCHED", Decimal("0.00"), Decimal("1180.00")),
    }
    for invoice_id, (status, paid, balance) in expected.items():
        shown = await get_invoice(seller, invoice_id)
        assert (shown["status"], money(shown["paidAmount"]), money(shown["balanceAmount"])) == (
            status,
            paid,
            balance,
        )
    # Their reminders resume: the same moment's sweep now sends the step to each, for what is owed again.
    assert await run_at(committed, f"{YEAR}-06-27 10:00") == 3
    for invoice_id, (_, _, balance) in expected.items():
        assert await sends(committed, invoice_id) == [("STEP", -3, balance)]

    charge_id = answer["payment"]["reversalChargeInvoiceId"]
    assert charge_id and charge_id.startswith("INV")
    payment = payload(await seller.get(f"/api/v0/payment/{cheque['paymentId']}"))
    assert (payment["status"], payment["reversalReason"], payment["reversalChargeInvoiceId"]) == (
        "REVERSED",
        "CHEQUE_BOUNCED",
        charge_id,
    )
    assert payment["reversedOn"].startswith(today_ist().isoformat())
    note = await get_invoice(seller, charge_id)
    assert (note["documentType"], note["customerId"], note["noteReason"]) == (
        "DEBIT_NOTE",
        buyer,
        "ADDITIONAL_CHARGES",
    )
    assert sorted(note["originalInvoiceIds"]) == [first, second, third]
    assert money(note["totalAmount"]) == Decimal("500.00") and money(note["balanceAmount"]) == Decimal(
        "500.00"
    )
    assert (money(note["cgst"]), money(note["sgst"]), money(note["igst"])) == (0, 0, 0)
    assert note["invoiceDate"] == today_ist().isoformat()
    assert note["dueDate"] == (today_ist() + timedelta(days=7)).isoformat()
    assert note["approvalStatus"] == "APPROVER_APPROVED"

    # Both movements in the ledger: the cheque's entries, the reversal's that cancel them, the debit note.
    ledger = await entries(committed, buyer)
    cheque_entries = [(kind, i, a) for kind, i, a, doc in ledger if doc == cheque["paymentId"]]
    paid_parts = [(first, Decimal("1000.00")), (second, Decimal("1180.00")), (third, Decimal("1180.00"))]
    assert [e for e in cheque_entries if e[0] == "PAYMENT" and e[1]] == [
        ("PAYMENT", i, -a) for i, a in paid_parts
    ]
    assert [e for e in cheque_entries if e[0] == "REVERSAL" and e[1]] == [
        ("REVERSAL", i, a) for i, a in paid_parts
    ]
    assert sum(a for _, _, a in cheque_entries) == 0
    assert [(kind, i, a) for kind, i, a, doc in ledger if doc == charge_id] == [
        ("DEBIT_NOTE", charge_id, Decimal("500.00"))
    ]
    assert await in_balance(committed, buyer)
    # Owed in all: the three invoices again and the charge.
    assert sum(a for _, _, a, _ in ledger) == Decimal("3860.00")
