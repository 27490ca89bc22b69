"""TDS arithmetic (api.md §9.2): taxable values, what a buyer pays after TDS, financial-year quarters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dues.kit.tds import after_tds, describe, hint, quarter_bounds, quarter_of, rate_text, taxable_value

D = Decimal


def test_the_taxable_value_leaves_gst_out_whether_the_invoice_was_made_inclusive_or_not() -> None:
    # GST-exclusive: base 1,00,000 + 9 % CGST + 9 % SGST = 1,18,000; the base is the taxable value.
    assert taxable_value(D("118000.00"), D("9000.00"), D("9000.00"), D("0"), D("0")) == D("100000.00")
    # GST-inclusive: base 1,18,000 already holds the IGST of 18,000 (total = base + cess).
    assert taxable_value(D("118500.00"), D("0"), D("0"), D("18000.00"), D("500.00")) == D("100000.00")
    # A bill of supply: no GST at all.
    assert taxable_value(D("5000.00"), D("0"), D("0"), D("0"), D("0")) == D("5000.00")


def test_the_acceptance_case_a_buyer_deducting_194q_pays_117900_of_118000() -> None:
    after = after_tds(D("118000.00"), D("118000.00"), D("100000.00"), D("0.1"))
    assert (after.tds, after.to_pay) == (D("100.00"), D("117900.00"))


def test_a_part_paid_invoice_scales_the_taxable_value_to_what_is_left() -> None:
    # Half the invoice is left: TDS on half the taxable value (CBDT Circular 23/2017: GST excluded).
    after = after_tds(D("59000.00"), D("118000.00"), D("100000.00"), D("2"))
    assert (after.tds, after.to_pay) == (D("1000.00"), D("58000.00"))


def test_tds_rounds_half_up_to_the_paisa_and_never_exceeds_the_balance() -> None:
    # 1,000.05 × 10 % = 100.005 → 100.01 (half up).
    after = after_tds(D("1000.05"), D("1000.05"), D("1000.05"), D("10"))
    assert after.tds == D("100.01") and after.to_pay == D("900.04")
    assert after_tds(D("0.01"), D("0.01"), D("0.01"), D("100")).to_pay == D("0.00")


def test_nothing_is_deducted_from_nothing() -> None:
    assert after_tds(D("0.00"), D("118000.00"), D("100000.00"), D("2")).tds == 0
    assert after_tds(D("50.00"), D("118000.00"), D("100000.00"), D("0")).to_pay == D("50.00")


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (date(2026, 4, 1), "2026-27-Q1"),
        (date(2026, 6, 30), "2026-27-Q1"),
        (date(2026, 7, 1), "2026-27-Q2"),
        (date(2026, 9, 30), "2026-27-Q2"),
        (date(2026, 10, 1), "2026-27-Q3"),
        (date(2026, 12, 31), "2026-27-Q3"),
        (date(2027, 1, 1), "2026-27-Q4"),
        (date(2027, 3, 31), "2026-27-Q4"),
        (date(2026, 3, 31), "2025-26-Q4"),
        (date(2099, 12, 1), "2099-00-Q3"),
    ],
)
def test_quarters_of_the_indian_financial_year(day: date, quarter: str) -> None:
    assert quarter_of(day) == quarter
    first, last = quarter_bounds(quarter)
    assert first <= day <= last


def test_quarter_bounds() -> None:
    assert quarter_bounds("2026-27-Q1") == (date(2026, 4, 1), date(2026, 6, 30))
    assert quarter_bounds("2026-27-Q3") == (date(2026, 10, 1), date(2026, 12, 31))
    assert quarter_bounds("2026-27-Q4") == (date(2027, 1, 1), date(2027, 3, 31))
    for bad in ("2026-28-Q1", "2026-27-Q5", "2026-Q1", "FY2026-27-Q1"):
        with pytest.raises(ValueError):
            quarter_bounds(bad)


def test_rates_and_sections_read_as_people_write_them() -> None:
    assert [rate_text(D(r)) for r in ("0.10", "2.00", "1.25", "10", "100.00")] == [
        "0.1",
        "2",
        "1.25",
        "10",
        "100",
    ]
    assert describe("194Q", D("0.10")) == "TDS u/s 194Q at 0.1 %"
    assert describe("OTHER", D("2.00")) == "TDS at 2 %"


def test_the_hint_sentence_and_when_there_is_none() -> None:
    text = hint(D("118000.00"), D("118000.00"), D("100000.00"), "194Q", D("0.10"), lambda a: f"INR {a:,.2f}")
    assert (
        text == "Amount to pay after TDS u/s 194Q at 0.1 %: INR 117,900.00 "
        "(TDS INR 100.00, on the value without GST)."
    )
    assert hint(D("118000.00"), D("118000.00"), D("100000.00"), None, None, str) is None
    assert hint(D("0.00"), D("118000.00"), D("100000.00"), "194J", D("10"), str) is None
