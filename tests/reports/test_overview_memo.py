"""The most overdue customers are remembered between requests (reports.overview.memo) only while nothing
they depend on changed: a payment, a due date moved and a customer renamed each show at once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from dues.kit.timefmt import today_ist
from tests.customers.helpers import payload
from tests.reports.helpers import bill, money, overview, paid
from tests.support import Tenant, TenantFactory


def _top(answer: dict) -> list[tuple[str, Decimal]]:
    return [(c["customerName"], money(c["overdue"])) for c in answer["topOverdueCustomers"]]


async def _history(seller: Tenant) -> tuple[str, str, str]:
    today = today_ist()
    a = str((await seller.create_customer(legalName="Asha Agencies"))["customerId"])
    b = str((await seller.create_customer(legalName="Bharat Builders"))["customerId"])
    ia = await bill(seller, a, "5000", str(today - timedelta(days=60)), str(today - timedelta(days=30)))
    ib = await bill(seller, b, "3000", str(today - timedelta(days=50)), str(today - timedelta(days=20)))
    return a, ia, ib


async def test_a_payment_a_moved_due_date_and_a_rename_show_at_once(tenants: TenantFactory) -> None:
    seller = await tenants.create("Memo Traders", registered=False)
    a, ia, ib = await _history(seller)
    today = today_ist()
    assert _top(await overview(seller)) == [
        ("Asha Agencies", Decimal(5000)),
        ("Bharat Builders", Decimal(3000)),
    ]
    assert _top(await overview(seller)) == [
        ("Asha Agencies", Decimal(5000)),
        ("Bharat Builders", Decimal(3000)),
    ]

    await paid(seller, a, "4000", str(today), [(ia, "4000")])
    assert _top(await overview(seller)) == [
        ("Bharat Builders", Decimal(3000)),
        ("Asha Agencies", Decimal(1000)),
    ]

    moved = await seller.patch(f"/api/v0/invoice/{ib}", json={"dueDate": str(today + timedelta(days=5))})
    payload(moved)
    assert _top(await overview(seller)) == [("Asha Agencies", Decimal(1000))]

    payload(await seller.patch(f"/api/v0/customer/{a}", json={"legalName": "Asha Agencies Pvt Ltd"}))
    assert _top(await overview(seller)) == [("Asha Agencies Pvt Ltd", Decimal(1000))]


async def test_one_companys_list_is_never_anothers(tenants: TenantFactory) -> None:
    first = await tenants.create("Memo Traders", registered=False)
    second = await tenants.create("Memo Traders", registered=False)
    await _history(first)

    assert len(_top(await overview(first))) == 2
    assert _top(await overview(second)) == []
