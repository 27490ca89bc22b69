"""The overview page through the app: its figures are the API's overview for the same period to the paisa,
the period form picks the period (and keeps a bad date with a message, never a 500), the most overdue
customers link to their pages, and the charts are images with their numbers in tables beside them."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal
from typing import Any

from dues.kit.money import rupees
from dues.kit.timefmt import today_ist
from tests.reports.helpers import bill, credit_note, overview, paid, refund
from tests.support import Tenant, TenantFactory
from tests.web.test_shell import sign_in

PERIOD = {"from": "2026-10-01", "to": "2026-11-30"}
# The page's id of each amount the API answers.
AMOUNTS = {
    "outstanding": "outstanding",
    "overdue": "overdue",
    "current": "current",
    "unapplied-credit": "unappliedCredit",
    "invoiced": "invoiced",
    "collected": "collected",
    "credit-notes": "creditNotes",
    "write-offs": "writeOffs",
    "tds-deducted": "tdsDeducted",
    "refunds": "refunds",
    "reversals": "reversals",
    "outstanding-at-start": "outstandingAtStart",
}
MEASURES = {
    "dso": ("dso", " days"),
    "best-possible-dso": ("bestPossibleDso", " days"),
    "cei": ("cei", " %"),
    "average-days-to-pay": ("averageDaysToPay", " days"),
    "average-days-late": ("averageDaysLate", " days"),
}


async def history(seller: Tenant) -> dict[str, str]:
    """docs/overview.md's worked example (tests/reports/test_overview_known.py checks its every figure)."""
    x = str((await seller.create_customer(legalName="Xylo Traders Pvt Ltd"))["customerId"])
    y = str((await seller.create_customer(legalName="Yamuna Mills Ltd"))["customerId"])
    z = str((await seller.create_customer(legalName="Zenith Stores LLP"))["customerId"])
    await bill(seller, y, "1500", "2026-07-01", "2026-07-31")
    i1 = await bill(seller, x, "10000", "2026-08-01", "2026-08-31")
    i2 = await bill(seller, y, "5000", "2026-09-10", "2026-10-10")
    await paid(seller, x, "4000", "2026-09-15", [(i1, "4000")])
    i3 = await bill(seller, x, "8000.45", "2026-10-05", "2026-11-04")
    await paid(seller, y, "2000", "2026-10-10", [(i2, "2000")], tds="200")
    await paid(seller, x, "6000", "2026-10-20", [(i1, "6000")])
    await credit_note(seller, x, i3, "1000", "2026-11-10")
    i4 = await bill(seller, z, "6000", "2026-11-20", "2026-12-20")
    await paid(seller, z, "1500.75", "2026-11-25", [(i4, "1000")])
    assert (await refund(seller, z, "200", "2026-11-26")).status_code == 200
    await bill(seller, y, "3000", "2026-11-28", "2026-12-28")
    return {"X": x, "Y": y, "Z": z}


def by_id(page: str, element_id: str) -> str:
    """The text of the element with this id (tags dropped, whitespace squeezed)."""
    match = re.search(rf'<(\w+)[^>]*\sid="{element_id}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, f"no #{element_id} on the page"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(2))).split())


def table_rows(page: str, table_id: str) -> list[list[str]]:
    match = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', page, re.S)
    assert match, f"no table #{table_id}"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", match.group(1), re.S)
    return [
        [
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split())
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)
        ]
        for r in rows
    ]


def inr(value: Any) -> str:
    return rupees(Decimal(str(value)))


async def test_the_figures_are_the_apis_to_the_paisa(tenants: TenantFactory) -> None:
    seller = await tenants.create("Handmade Ledger Traders", registered=False)
    who = await history(seller)
    api = await overview(seller, **PERIOD)
    cookie = await sign_in(seller)

    response = await seller.http.get("/app", params=PERIOD, headers=cookie)

    assert response.status_code == 200, response.text
    page = response.text
    assert by_id(page, "period") == "01 Oct 2026 – 30 Nov 2026"
    for element_id, field in AMOUNTS.items():
        assert by_id(page, element_id) == inr(api[field]), element_id
    # Paise carried through: 8,000.45 invoiced on I3 and 1,500.75 collected from Z.
    assert by_id(page, "invoiced") == "₹17,000.45"
    assert by_id(page, "collected") == "₹9,500.75"
    assert by_id(page, "outstanding") == "₹19,300.45"
    for element_id, (field, unit) in MEASURES.items():
        assert by_id(page, element_id) == f"{api[field]}{unit}", element_id
    assert by_id(page, "cei") == "47.4 %"

    assert table_rows(page, "aging-table") == [
        [label, inr(api["aging"][key])]
        for key, label in (("current", "Not yet due"), ("1-30", "1–30 days"), ("31-60", "31–60 days"),
                           ("61-90", "61–90 days"), ("90+", "Over 90 days"))
    ]  # fmt: skip
    assert table_rows(page, "monthly-table") == [
        [_month(m["month"]), inr(m["invoiced"]), inr(m["collected"]), inr(m["outstandingAtEnd"])]
        for m in api["monthly"]
    ]
    assert table_rows(page, "top-overdue") == [
        [c["customerName"], inr(c["overdue"]), _day(c["oldestDueDate"]), str(c["daysPastDue"])]
        for c in api["topOverdueCustomers"]
    ]
    assert [c["customerId"] for c in api["topOverdueCustomers"]] == [who["X"], who["Y"]]
    assert f'<a href="/app/customers/{who["X"]}">Xylo Traders Pvt Ltd</a>' in page
    assert f'href="/app/customers/{who["Z"]}"' not in page  # Z owes nothing past due


def _day(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d %b %Y")


def _month(yyyy_mm: str) -> str:
    return date.fromisoformat(yyyy_mm + "-01").strftime("%b %Y")


async def test_the_charts_are_images_with_their_numbers_beside_them(tenants: TenantFactory) -> None:
    seller = await tenants.create("Handmade Ledger Traders", registered=False)
    await history(seller)
    cookie = await sign_in(seller)

    page = (await seller.http.get("/app", params=PERIOD, headers=cookie)).text

    for chart in ("aging-chart", "monthly-chart"):
        svg = re.search(rf'<svg[^>]*id="{chart}"[^>]*>', page)
        assert svg and 'role="img"' in svg.group(0)
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in svg.group(0)
        assert f'<title id="{chart}-title">' in page
    assert "style=" not in page and "<style" not in page and "<script>" not in page
    # One bar per aging bucket, as tall as its amount: 7,000 (1-30) is 2.5 times 2,800 (31-60).
    aging = re.search(r'id="aging-chart".*?</svg>', page, re.S)
    assert aging
    heights = {
        m.group(1): Decimal(m.group(2))
        for m in re.finditer(r'class="bar bar-aging bar-(\w+)"[^>]*height="([\d.]+)"', aging.group(0))
    }
    assert list(heights) == ["current", "d30", "d60", "d90", "d90plus"]
    assert re.findall(r'<text class="category"[^>]*>([^<]*)</text>', aging.group(0)) == [
        "Not due", "1–30", "31–60", "61–90", "90+"
    ]  # fmt: skip
    assert heights["d90"] == 0
    assert abs(heights["d30"] / heights["d60"] - Decimal("7000.45") / 2800) < Decimal("0.01")
    monthly = re.search(r'id="monthly-chart".*?</svg>', page, re.S)
    assert monthly
    assert len(re.findall(r'class="bar bar-invoiced', monthly.group(0))) == 12
    assert len(re.findall(r'class="bar bar-collected', monthly.group(0))) == 12
    assert "/app/static/overview.css" in page
    css = await seller.http.get("/app/static/overview.css")
    assert css.status_code == 200 and ".bar-invoiced" in css.text


async def test_the_default_period_is_this_financial_year_to_today(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    api = await overview(tenant)

    page = (await tenant.http.get("/app", headers=cookie)).text

    today = today_ist()
    assert by_id(page, "period").endswith(today.strftime("%d %b %Y"))
    assert f'name="from" type="date" value="{api["from"]}"' in page
    assert f'name="to" type="date" value="{api["to"]}"' in page
    assert by_id(page, "dso") == "— no credit sales in the 90 days"
    assert by_id(page, "no-overdue").startswith("No customer owed anything past its due date")
    # The common periods are links that keep the period in the address.
    assert re.search(
        r'<a href="/app\?from=\d{4}-\d\d-\d\d&amp;to=\d{4}-\d\d-\d\d">This financial year</a>', page
    )


async def test_a_bad_date_is_a_message_and_the_typed_text_is_kept(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)

    response = await tenant.http.get(
        "/app", params={"from": "2026-13-01", "to": "30/11/2026"}, headers=cookie
    )

    assert response.status_code == 422
    page = response.text
    assert "Traceback" not in page
    assert 'id="form-error"' in page
    assert by_id(page, "e-from") == "is not a date: give one as yyyy-mm-dd, e.g. 2026-04-01"
    assert by_id(page, "e-to").startswith("is not a date")
    assert 'value="2026-13-01"' in page and 'value="30/11/2026"' in page
    assert 'id="outstanding"' not in page  # no figures for a period that is not one


async def test_a_period_the_service_refuses_says_why(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)

    backwards = await tenant.http.get(
        "/app", params={"from": "2026-11-30", "to": "2026-10-01"}, headers=cookie
    )
    future = await tenant.http.get("/app", params={"to": "2999-01-01"}, headers=cookie)
    huge = await tenant.http.get("/app", params={"from": "x" * 5000}, headers=cookie)

    assert backwards.status_code == 422
    assert by_id(backwards.text, "e-from") == "is after to (2026-10-01)"
    assert 'value="2026-11-30"' in backwards.text
    assert future.status_code == 422
    assert by_id(future.text, "e-to").startswith("is in the future")
    assert huge.status_code == 422
    assert "x" * 21 not in huge.text  # a long junk value is cut, not echoed whole


async def test_every_role_sees_it(tenants: TenantFactory, tenant: Tenant) -> None:
    viewer = await tenants.user(tenant, "VIEWER")
    cookie = await sign_in(viewer)

    response = await viewer.http.get("/app", params=PERIOD, headers=cookie)

    assert response.status_code == 200
    assert by_id(response.text, "outstanding") == "₹0.00"
