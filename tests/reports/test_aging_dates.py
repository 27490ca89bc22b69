"""Aging follows an invoice's dates as they are now, and never counts what is dated after the day asked.

A due date changed after the invoice entered the ledger moves its amounts from one bucket to another as of
every past day too (0020's row trigger moves the summaries; the per-customer reading joins the invoice as it
is): as of the 20th, an invoice due on the 10th that is now due on the 25th was not yet due. An invoice dated
tomorrow is owed from tomorrow: aging as of today does not count it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.adjustments.helpers import reverse
from tests.customers.helpers import payload
from tests.payments.helpers import customer
from tests.reports.aging_support import amounts, dated_invoice, dated_payment, day, report
from tests.support import Tenant, TenantFactory

D = Decimal


async def _both(seller: Tenant, as_of: int, **params: Any) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """(the only customer's row, the totals read from the summaries) as of ``as_of`` days from today."""
    rows = await report(seller, asOf=day(as_of).isoformat(), **params)
    alone = await report(seller, asOf=day(as_of).isoformat(), groupBy="NONE", **params)
    [row] = rows["customers"]["items"]
    return amounts(row), amounts(alone["totals"])


async def test_a_due_date_changed_after_a_payment_moves_past_days_between_buckets(
    tenant: Tenant, tenants: TenantFactory
) -> None:
    approver = await tenants.user(tenant, "APPROVER")
    buyer = await customer(tenant)
    made = await dated_invoice(tenant, buyer, "1000", dated=-60, due=-50)  # 1,180
    paid = await dated_payment(tenant, buyer, "180", -40, (made["invoiceId"], "180"))
    # The cheque bounced: reversed today, so the invoice is unpaid again and its dates may change.
    assert (await reverse(approver, paid["paymentId"])).status_code == 200
    before_15, summary_15 = await _both(tenant, -15)
    # As of 15 days ago: 1,000 owed (the 180 was paid then, its reversal is dated today), 35 days late.
    assert before_15["31-60"] == D("1000.00") and before_15["total"] == D("1000.00")
    assert summary_15 == before_15

    changed = await tenant.patch(
        f"/api/v0/invoice/{made['invoiceId']}", json={"dueDate": day(-10).isoformat()}
    )
    payload(changed)

    after_15, summary_15 = await _both(tenant, -15)
    after_45, _ = await _both(tenant, -45)
    today, summary_today = await _both(tenant, 0)
    # Now due 10 days ago: 15 days ago it was not yet due, nor 45 days ago (before the payment: 1,180).
    assert after_15["current"] == D("1000.00") and after_15["31-60"] == D("0.00")
    assert summary_15 == after_15
    assert after_45["current"] == D("1180.00") and after_45["total"] == D("1180.00")
    assert today["1-30"] == D("1180.00") and summary_today == today
    # By invoice date nothing moved: the invoice date did not change.
    by_invoice_date, _ = await _both(tenant, -15, basis="INVOICE_DATE")
    assert by_invoice_date["31-60"] == D("1000.00")


async def test_a_due_date_moved_earlier_makes_past_days_older(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    made = await dated_invoice(tenant, buyer, "500", dated=-100, due=-5)  # 590

    assert (await _both(tenant, -30))[0]["current"] == D("590.00")
    changed = await tenant.patch(
        f"/api/v0/invoice/{made['invoiceId']}", json={"dueDate": day(-100).isoformat()}
    )
    payload(changed)

    row, summary = await _both(tenant, -30)
    assert row["61-90"] == D("590.00") and summary == row  # 70 days past the new due date
    row, summary = await _both(tenant, 0)
    assert row["90+"] == D("590.00") and summary == row


async def test_an_invoice_dated_tomorrow_is_not_owed_today(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    other = await customer(tenant)
    await dated_invoice(tenant, buyer, "1000", dated=1, due=31)
    await dated_invoice(tenant, other, "500", dated=-1, due=29)

    today = await report(tenant)
    alone = await report(tenant, groupBy="NONE")
    named = await report(tenant, customerIds=buyer)

    # Only the invoice dated yesterday is owed today; tomorrow's is in the ledger, dated tomorrow.
    assert [r["customerId"] for r in today["customers"]["items"]] == [other]
    assert amounts(today["totals"])["total"] == D("590.00")
    assert amounts(alone["totals"]) == amounts(today["totals"])
    assert amounts(named["customers"]["items"][0])["net"] == D("0.00")
    ledger = payload(await tenant.get(f"/api/v0/customer/{buyer}/ledger"))
    assert [(e["date"], e["debit"]) for e in ledger["entries"]] == [(day(1).isoformat(), 1180.0)]
