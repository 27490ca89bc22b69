"""The overview page's own rules: the period presets around the financial year's turn, and a typed date."""

from __future__ import annotations

from datetime import date

import pytest

from dues.errors import SubError
from dues.web.overview.view import parse_day, presets


def _periods(today: date) -> dict[str, tuple[date, date]]:
    return {p.label: (p.date_from, p.date_to) for p in presets(today)}


def test_presets_on_the_first_days_of_a_financial_year() -> None:
    assert _periods(date(2026, 4, 1)) == {
        "This month": (date(2026, 4, 1), date(2026, 4, 1)),
        "Last month": (date(2026, 3, 1), date(2026, 3, 31)),
        "This financial year": (date(2026, 4, 1), date(2026, 4, 1)),
        "Last financial year": (date(2025, 4, 1), date(2026, 3, 31)),
        "Last 365 days": (date(2025, 4, 2), date(2026, 4, 1)),
    }


def test_presets_in_january_and_a_leap_year() -> None:
    periods = _periods(date(2028, 1, 15))
    assert periods["Last month"] == (date(2027, 12, 1), date(2027, 12, 31))
    assert periods["This financial year"] == (date(2027, 4, 1), date(2028, 1, 15))
    assert periods["Last financial year"] == (date(2026, 4, 1), date(2027, 3, 31))
    assert _periods(date(2028, 3, 1))["Last month"] == (date(2028, 2, 1), date(2028, 2, 29))


@pytest.mark.parametrize("typed", ["2026-13-01", "2026-02-30", "30/11/2026", "20261130", "2026-1-5", "x"])
def test_what_is_not_a_date_names_the_field(typed: str) -> None:
    refused = parse_day(typed, "from")
    assert isinstance(refused, SubError)
    assert (refused.field, refused.rejected_value) == ("from", typed)


def test_a_date_and_an_empty_field() -> None:
    assert parse_day("2026-04-01", "to") == date(2026, 4, 1)
    assert parse_day("", "to") is None
