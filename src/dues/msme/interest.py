"""Interest on late payment to micro and small enterprises (MSMED Act 2006, s.15-16): pure arithmetic, no
database, so that hand-made cases can be checked to the paisa (docs/msme.md states the rules in words).

- s.15, the statutory due date: the day agreed in writing, but never more than 45 days after the day of
  acceptance; with nothing agreed, 15 days after it. dues takes the invoice date for the day of acceptance
  (it does not know when the buyer accepted the goods or services).
- s.16, the interest: compound, with monthly rests, at three times the bank rate notified by the Reserve
  Bank, from the day after the statutory due date until paid.

How dues reckons it (each a choice the Act leaves open, documented in docs/msme.md):

- A day bears interest on what is still owed at its end: the principal of day ``d`` is the sum of the
  invoice's ledger movements dated on or before ``d``. Money received on a day stops that day's interest.
- The rate of a day is three times the bank rate with the latest ``effective_from`` on or before it; a day
  before the first rate known bears none. The daily rate is the annual rate / 365, in leap years too.
- Rests fall each month on the statutory due date's day (clamped to the month's end: due 31 January rests
  on 28 February, 31 March, 30 April ...). At each rest the interest of the month that ended that day,
  rounded half up to the paisa, is added to the base that bears interest from the next day. The open
  month's interest is rounded the same way at ``as_of``. Every sum before a rounding is exact.
- When the principal is nil (paid in full, or settled otherwise), no interest accrues, not even on interest
  added at earlier rests; what had accrued stays owed and is reported. Should the principal become owed
  again (a payment reversed), interest resumes on it and on the interest added so far.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow, localcontext
from functools import lru_cache

# Only these sellers' buyers owe interest under s.16 (a medium enterprise is not a "supplier" in s.2(n)).
CATEGORIES_WITH_INTEREST = frozenset({"MICRO", "SMALL"})
AGREED_DAYS_CAP = 45
DAYS_WITHOUT_AGREEMENT = 15
BANK_RATE_MULTIPLE = 3
DAYS_IN_YEAR = 365

_ONE_DAY = timedelta(days=1)
_ZERO = Decimal("0.00")
# Sums of base x rate x days are kept exact: digits enough for any amount dues stores, and a trap should one
# ever need rounding.
_EXACT = Context(prec=120, traps=[Inexact, InvalidOperation, DivisionByZero, Overflow])


@dataclass(frozen=True)
class MsmeInterest:
    """An invoice's interest under s.16 as of a day."""

    statutory_due_date: date
    """s.15: the agreed due date capped at 45 days after the invoice date."""
    principal: Decimal
    """What is owed on the invoice at the end of the day (its balance from ledger entries dated up to it)."""
    interest: Decimal
    """Interest accrued from the day after the statutory due date to the day, to the paisa."""
    days_late: int
    """Days after the statutory due date, up to the day, on which something was owed (days that bore
    interest, or would have with a bank rate known)."""


def applies(category: str | None) -> bool:
    """Whether a seller of this MSME category is owed s.16 interest: micro and small, not medium or unset."""
    return category in CATEGORIES_WITH_INTEREST


def statutory_due_date(invoice_date: date, agreed_due_date: date | None) -> date:
    """s.15: the agreed due date, at most 45 days after the invoice date; 15 days after it if none agreed."""
    if agreed_due_date is None:
        return invoice_date + timedelta(days=DAYS_WITHOUT_AGREEMENT)
    return min(agreed_due_date, invoice_date + timedelta(days=AGREED_DAYS_CAP))


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later, or that month's last day when it is shorter."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    last = 29 if month == 2 and calendar.isleap(year) else _MONTH_DAYS[month - 1]
    return date(year, month, min(day.day, last))


# A page of invoices shares few due dates: each one's rests are worked out once.
@lru_cache(maxsize=4096)
def rest_dates(statutory_due: date, until: date) -> tuple[date, ...]:
    """The monthly rests after the statutory due date, up to and including ``until``."""
    rests = []
    k = 1
    while (rest := add_months(statutory_due, k)) <= until:
        rests.append(rest)
        k += 1
    return tuple(rests)


def accrue(
    statutory_due: date,
    changes: Iterable[tuple[date, Decimal]],
    bank_rates: Iterable[tuple[date, Decimal]],
    as_of: date,
) -> MsmeInterest:
    """The interest owed at the end of ``as_of`` on an invoice due (s.15) on ``statutory_due``.

    ``changes``: (date, amount) of every movement of the invoice's principal, positive raising it (the
    invoice's own total on its date, payments, TDS, credit notes and write-offs negative); dates after
    ``as_of`` are ignored. ``bank_rates``: (effective from, RBI bank rate in percent a year)."""
    moves = sorted((day, Decimal(amount)) for day, amount in changes if day <= as_of)
    rates = sorted(bank_rates)
    principal_at_end = sum((amount for _, amount in moves), _ZERO)
    first = statutory_due + _ONE_DAY
    if as_of < first:
        return MsmeInterest(statutory_due, principal_at_end, _ZERO, 0)
    rests = rest_dates(statutory_due, as_of)
    # The days on which the base or the rate may change: a new segment of equal days starts on each.
    starts = {first}
    starts.update(day for day, _ in moves if first < day <= as_of)
    starts.update(day for day, _ in rates if first < day <= as_of)
    starts.update(rest + _ONE_DAY for rest in rests if rest < as_of)
    ordered = sorted(starts)
    rest_days = set(rests)

    principal = sum((amount for day, amount in moves if day < first), _ZERO)
    move_at = sum(1 for day, _ in moves if day < first)
    rate: Decimal | None = None
    rate_at = 0
    capitalised = _ZERO  # interest added to the base at the rests so far
    month = Decimal(0)  # the open month's sum of base x bank rate (percent) x days
    days_late = 0
    with localcontext(_EXACT):
        for k, start in enumerate(ordered):
            end = ordered[k + 1] - _ONE_DAY if k + 1 < len(ordered) else as_of
            while move_at < len(moves) and moves[move_at][0] <= start:
                principal += moves[move_at][1]
                move_at += 1
            while rate_at < len(rates) and rates[rate_at][0] <= start:
                rate = rates[rate_at][1]
                rate_at += 1
            days = (end - start).days + 1
            if principal > 0:
                days_late += days
                if rate is not None:
                    month += (principal + capitalised) * rate * days
            if end in rest_days:
                capitalised += _month_interest(month)
                month = Decimal(0)
        interest = capitalised + _month_interest(month)
    return MsmeInterest(statutory_due, principal_at_end, interest, days_late)


def _month_interest(base_rate_days: Decimal) -> Decimal:
    """A month's sum of base x bank rate (percent) x days as interest at BANK_RATE_MULTIPLE times the rate a
    year, rounded half up to the paisa: in integers, so the one rounding is the only one."""
    if not base_rate_days:
        return _ZERO
    numerator, denominator = base_rate_days.as_integer_ratio()
    paise, rest = divmod(numerator * BANK_RATE_MULTIPLE, denominator * DAYS_IN_YEAR)
    if 2 * rest >= denominator * DAYS_IN_YEAR:
        paise += 1
    # base x rate% / 100 is rupees, x 100 is paise: the two cancel.
    return Decimal(paise).scaleb(-2)


def interest_rate(bank_rate: Decimal) -> Decimal:
    """The s.16 rate, percent a year, for a bank rate."""
    return bank_rate * BANK_RATE_MULTIPLE
