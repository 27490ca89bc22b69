"""The AR overview's formulas (api.md §10 "Overview", docs/overview.md): pure functions of amounts and dates,
no database, so each can be checked against a computation by hand.

Days are rounded to one decimal and the CEI to one decimal of a percent, half up, as Decimal. A figure whose
denominator is zero (no credit sales, nothing paid) is None: the API answers null rather than a made-up 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from dues.kit.gst import financial_year_start as financial_year_start
from dues.kit.money import ZERO

TENTH = Decimal("0.1")
HUNDRED = Decimal(100)
# The countback window: receivables at the end of `to` are matched against the credit sales of these days.
DSO_DAYS = 90
MONTHS = 12


def one_decimal(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def countback_dso(receivables: Decimal, daily_sales: Sequence[Decimal]) -> Decimal | None:
    """Days sales outstanding by the countback ("exhaustion") method.

    ``daily_sales`` are the credit sales of each day, newest first (the day ``to`` first), one per calendar
    day of the window. Walking back from the newest day, each day whose sales do not exhaust what is left of
    the receivables counts as one whole day and its sales are taken off; the day that exhausts them counts
    the fraction left / its sales. A day with no sales (or whose corrections exceed its sales) counts as a
    whole day and takes nothing off.

    When the window's sales do not exhaust the receivables, what is left is counted at the window's average
    daily sales: window days + left / (window sales / window days), as if the days before the window had
    sold at that pace. None when the window has no sales (DSO is undefined without sales); 0 when nothing is
    owed."""
    window_sales = sum((s for s in daily_sales if s > 0), ZERO)
    if window_sales <= 0:
        return None
    left = receivables
    if left <= 0:
        return one_decimal(ZERO)
    days = Decimal(0)
    for sales in daily_sales:
        if sales > 0 and left <= sales:
            return one_decimal(days + left / sales)
        if sales > 0:
            left -= sales
        days += 1
    return one_decimal(days + left / (window_sales / len(daily_sales)))


def best_possible_dso(current_receivables: Decimal, credit_sales: Decimal, days: int) -> Decimal | None:
    """Current (not yet due) receivables / credit sales of the period x days of the period: the DSO if every
    customer paid on its due date. None without sales."""
    if credit_sales <= 0:
        return None
    return one_decimal(current_receivables / credit_sales * days)


def cei(
    beginning: Decimal, credit_sales: Decimal, ending_total: Decimal, ending_current: Decimal
) -> Decimal | None:
    """Collection effectiveness index, in percent: (beginning receivables + credit sales - ending total
    receivables) / (beginning receivables + credit sales - ending current receivables) x 100. The numerator
    is what was settled in the period; the denominator what could have been (everything but what is not due
    yet). None when the denominator is zero."""
    denominator = beginning + credit_sales - ending_current
    if denominator == 0:
        return None
    return one_decimal((beginning + credit_sales - ending_total) / denominator * HUNDRED)


def weighted_days(amount_days: Decimal, amount: Decimal) -> Decimal | None:
    """An amount-weighted average of days: sum(amount x days) / sum(amount). None when nothing was paid."""
    if amount == 0:
        return None
    return one_decimal(amount_days / amount)


def countback_days(to: date) -> list[date]:
    """The days of the countback window, newest first: ``to`` and the 89 before it."""
    return [to - timedelta(days=n) for n in range(DSO_DAYS)]


def months_ending(to: date) -> list[date]:
    """The first days of the 12 calendar months ending with the month of ``to``, oldest first."""
    index = to.year * 12 + to.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - MONTHS + 1, index + 1)]


def running_totals(opening: Decimal, movements: Iterable[Decimal]) -> list[Decimal]:
    """What is owed at the end of each month: the opening amount plus each month's movements in turn."""
    out: list[Decimal] = []
    owed = opening
    for moved in movements:
        owed += moved
        out.append(owed)
    return out
