"""GET /api/v0/reports/overview: its defaults, what it refuses (in the envelope, naming the parameter),
an empty company, one company's figures never counting another's, and how reversals, credit applications,
write-offs and amendments (all dated the day they are made) count."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from dues.kit.timefmt import today_ist
from tests.collection.helpers import withdraw
from tests.customers.helpers import assert_error, assert_invalid, payload
from tests.reports.helpers import OVERVIEW, bill, money, overview, paid
from tests.support import Tenant, TenantFactory

D = Decimal
FIGURES = (
    "outstanding",
    "current",
    "overdue",
    "unappliedCredit",
    "outstandingAtStart",
    "invoiced",
    "collected",
    "creditNotes",
    "writeOffs",
    "tdsDeducted",
    "refunds",
    "reversals",
)
MEASURES = ("dso", "bestPossibleDso", "cei", "averageDaysToPay", "averageDaysLate")


def _fy_start(day: date) -> date:
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


async def test_an_empty_company_gets_zeros_and_nulls(tenant: Tenant) -> None:
    answer = await overview(tenant)

    today = today_ist()
    assert (answer["from"], answer["to"]) == (_fy_start(today).isoformat(), today.isoformat())
    assert all(money(answer[name]) == 0 for name in FIGURES)
    assert all(answer[name] is None for name in MEASURES)
    assert answer["aging"] == {"current": 0, "1-30": 0, "31-60": 0, "61-90": 0, "90+": 0}
    assert answer["topOverdueCustomers"] == []
    assert len(answer["monthly"]) == 12
    assert answer["monthly"][-1]["month"] == today.strftime("%Y-%m")
    assert all(
        money(m[k]) == 0 for m in answer["monthly"] for k in ("invoiced", "collected", "outstandingAtEnd")
    )


@pytest.mark.parametrize(
    ("to", "start"),
    [("2026-03-31", "2025-04-01"), ("2026-04-01", "2026-04-01"), ("2026-11-30", "2026-04-01")],
)
async def test_from_defaults_to_the_start_of_the_financial_year_of_to(
    tenant: Tenant, to: str, start: str
) -> None:
    answer = await overview(tenant, to=to)
    assert (answer["from"], answer["to"]) == (start, to)
    assert [m["month"] for m in answer["monthly"]][-1] == to[:7]


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"from": "2026-11-30", "to": "2026-11-01"}, "from", "is after to (2026-11-01)"),
        ({"to": "2026-13-01"}, "to", "valid date"),
        ({"from": "30-11-2026"}, "from", "valid date"),
        ({"from": "2026-02-30", "to": "2026-03-31"}, "from", "day value is outside expected range"),
        ({"to": "yesterday"}, "to", "valid date"),
        ({"from": "2020-11-29", "to": "2025-11-30"}, "from", "at most five years (1827 days)"),
        ({"from": "1899-12-31", "to": "1900-02-01"}, "from", "on or after 1900-01-01"),
    ],
)
async def test_bad_dates_are_refused_naming_the_parameter(
    tenant: Tenant, params: dict[str, str], field: str, words: str
) -> None:
    errors = assert_invalid(await tenant.get(OVERVIEW, params=params), field)
    assert words in errors[field]["message"], errors


async def test_to_may_not_be_in_the_future(tenant: Tenant) -> None:
    tomorrow = (today_ist() + timedelta(days=1)).isoformat()
    errors = assert_invalid(await tenant.get(OVERVIEW, params={"to": tomorrow}), "to")
    assert "is in the future" in errors["to"]["message"] and errors["to"]["rejectedValue"] == tomorrow
    # Today itself is fine, and so is a period of exactly five years.
    assert (await overview(tenant, to=today_ist().isoformat()))["to"] == today_ist().isoformat()
    assert (await overview(tenant, **{"from": "2020-12-01", "to": "2025-11-30"}))["from"] == "2020-12-01"


async def test_another_companys_movements_never_count(tenants: TenantFactory) -> None:
    ours = await tenants.create("Our Seller", registered=False)
    theirs = await tenants.create("Their Seller", registered=False)
    their_buyer = str((await theirs.create_customer())["customerId"])
    late = await bill(theirs, their_buyer, "5000", "2026-10-01", "2026-10-31")
    await paid(theirs, their_buyer, "1500", "2026-11-05", [(late, "1000")])
    our_buyer = str((await ours.create_customer(legalName="Only Ours Ltd"))["customerId"])
    await bill(ours, our_buyer, "700", "2026-10-02", "2026-11-01")

    mine = await overview(ours, **{"from": "2026-10-01", "to": "2026-11-30"})
    assert [
        money(mine[n]) for n in ("outstanding", "overdue", "invoiced", "collected", "unappliedCredit")
    ] == [
        D("700"),
        D("700"),
        D("700"),
        0,
        0,
    ]
    assert [c["customerId"] for c in mine["topOverdueCustomers"]] == [our_buyer]
    theirs_seen = await overview(theirs, **{"from": "2026-10-01", "to": "2026-11-30"})
    assert [money(theirs_seen[n]) for n in ("outstanding", "invoiced", "collected", "unappliedCredit")] == [
        D("4000"),
        D("5000"),
        D("1500"),
        D("500"),
    ]
    # Naming the other company is refused; naming a child company reads the child's figures.
    assert_error(await ours.get(OVERVIEW, params={"companyId": theirs.company_id}), 403, "INVALID_ACCESS")


async def test_a_parent_reads_its_childs_overview_and_any_role_may_read(tenants: TenantFactory) -> None:
    parent = await tenants.create("Parent Seller", registered=False)
    child = await tenants.create("Child Seller", parent=parent.company_id, registered=False)
    buyer = str((await child.create_customer())["customerId"])
    await bill(child, buyer, "900", "2026-11-01", "2026-11-15")

    seen = await overview(parent, companyId=child.company_id, to="2026-11-30")
    assert money(seen["overdue"]) == D("900")
    assert money((await overview(parent, to="2026-11-30"))["outstanding"]) == 0
    viewer = await tenants.user(child, "VIEWER")
    assert money((await overview(viewer, to="2026-11-30"))["outstanding"]) == D("900")


async def test_movements_dated_the_day_they_are_made_count_as_documented(tenants: TenantFactory) -> None:
    """Today, for one customer C (and D):
    - J1 1,000 (current), J2 500 (due yesterday), J3 700, J4 250: invoiced 2,450;
    - J1 raised to 1,200 by a PATCH: invoiced + 200 (an amendment counts the day it is made);
    - P 500 pays J2 and is reversed (a bounced cheque): collected + 500, reversals + 500;
    - Q 400: 100 on J1 and 300 to credit, applied to J1 later: collected + 400; the credit application
      counts in no flow (its two entries cancel) but lowers outstanding and unapplied credit alike;
    - a write-off of 100 on J1: writeOffs 100;
    - J3 withdrawn from collection: reversals - 700;
    - J4 moved from C to D: invoiced + 250 (D's entry), reversals - 250 (C's): net nothing.
    Outstanding: J1 1,200 - 100 - 300 - 100 = 700 (current), J2 500 (overdue), J4 250 (current) = 1,450.
    Check: 0 + (2,450 + 200 + 250) - 900 - 100 + (500 - 700 - 250) = 1,450 = outstanding - credit (0)."""
    seller = await tenants.create("Busy Day Traders", registered=False)
    approver = await tenants.user(seller, "APPROVER")
    c = str((await seller.create_customer(legalName="C Ltd"))["customerId"])
    d = str((await seller.create_customer(legalName="D Ltd"))["customerId"])
    today = today_ist()
    dated = (today - timedelta(days=3)).isoformat()
    j1 = await bill(seller, c, "1000", dated, (today + timedelta(days=20)).isoformat())
    j2 = await bill(seller, c, "500", dated, (today - timedelta(days=1)).isoformat())
    j3 = await bill(seller, c, "700", dated, (today + timedelta(days=20)).isoformat())
    j4 = await bill(seller, c, "250", dated, (today + timedelta(days=20)).isoformat())
    payload(await seller.patch(f"/api/v0/invoice/{j1}", json={"baseAmount": 1200}))
    bounced = await paid(seller, c, "500", today.isoformat(), [(j2, "500")])
    payload(await seller.post(f"/api/v0/payment/{bounced}/reverse", json={"reason": "CHEQUE_BOUNCED"}))
    await paid(seller, c, "400", today.isoformat(), [(j1, "100")])
    applied = {"allocations": [{"invoiceId": j1, "amount": 300}]}
    payload(await seller.post(f"/api/v0/customer/{c}/credit/apply", json=applied))
    payload(
        await approver.post(f"/api/v0/invoice/{j1}/write-off", json={"amount": 100, "reason": "goodwill"})
    )
    await withdraw(seller, [j3])
    payload(await seller.patch(f"/api/v0/invoice/{j4}", json={"customerId": d}))

    answer = await overview(seller, **{"from": dated})

    assert {n: money(answer[n]) for n in FIGURES} == {
        "outstanding": D("1450"),
        "current": D("950"),
        "overdue": D("500"),
        "unappliedCredit": 0,
        "outstandingAtStart": 0,
        "invoiced": D("2900"),
        "collected": D("900"),
        "creditNotes": 0,
        "writeOffs": D("100"),
        "tdsDeducted": 0,
        "refunds": 0,
        "reversals": D("-450"),
    }
    assert money(answer["monthly"][-1]["outstandingAtEnd"]) == D("1450")
    assert [
        (t["customerId"], money(t["overdue"]), t["daysPastDue"]) for t in answer["topOverdueCustomers"]
    ] == [(c, D("500"), 1)]
