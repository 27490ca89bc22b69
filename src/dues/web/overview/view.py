"""What the overview page shows beyond the service's answer: the period presets, a typed date read, and the
charts' geometry built from the answer (dues.web.overview.charts). Pure functions, no request, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dues.errors import SubError
from dues.reports import buckets
from dues.reports.overview import formulas
from dues.reports.overview.schemas import OverviewRead
from dues.web.overview import charts

# The API's bucket, the table's label, the class (colour) and the chart's short label.
AGING = (
    (buckets.CURRENT, "Not yet due", "current", "Not due"),
    ("1-30", "1–30 days", "d30", "1–30"),
    ("31-60", "31–60 days", "d60", "31–60"),
    ("61-90", "61–90 days", "d90", "61–90"),
    ("90+", "Over 90 days", "d90plus", "90+"),
)
# A date typed by hand is at most "yyyy-mm-dd"; anything much longer is not one, and is not echoed whole.
MAX_DATE_TEXT = 20


@dataclass(frozen=True)
class Preset:
    label: str
    date_from: date
    date_to: date


def presets(today: date) -> list[Preset]:
    """The periods a finance team asks for most, as links: this month, the last, this financial year, the
    last, and the 365 days to today."""
    month_start = today.replace(day=1)
    last_month_end = month_start - timedelta(days=1)
    fy_start = formulas.financial_year_start(today)
    last_fy_start = formulas.financial_year_start(fy_start - timedelta(days=1))
    return [
        Preset("This month", month_start, today),
        Preset("Last month", last_month_end.replace(day=1), last_month_end),
        Preset("This financial year", fy_start, today),
        Preset("Last financial year", last_fy_start, fy_start - timedelta(days=1)),
        Preset("Last 365 days", today - timedelta(days=364), today),
    ]


def parse_day(value: str, name: str) -> date | SubError | None:
    """A date from the form: None when left empty (the service's default), a SubError naming the field
    when it is not a date."""
    if not value:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        return SubError(name, "is not a date: give one as yyyy-mm-dd, e.g. 2026-04-01", value)


def aging_chart(report: OverviewRead) -> charts.BarChart:
    values = [report.aging.get(key, charts.ZERO) for key, *_ in AGING]
    return charts.bar_chart(
        [short for *_, short in AGING],
        [charts.Series("aging", "Outstanding", values)],
        keys=[css for _, _, css, _ in AGING],
    )


def monthly_chart(report: OverviewRead) -> charts.BarChart:
    months = [date.fromisoformat(m.month + "-01").strftime("%b") for m in report.monthly]
    return charts.bar_chart(
        months,
        [
            charts.Series("invoiced", "Invoiced", [m.invoiced for m in report.monthly]),
            charts.Series("collected", "Collected", [m.collected for m in report.monthly]),
        ],
        gap=Decimal("0.2"),
    )


def month_names(report: OverviewRead) -> list[str]:
    """The twelve months as the table names them: Dec 2025."""
    return [date.fromisoformat(m.month + "-01").strftime("%b %Y") for m in report.monthly]
