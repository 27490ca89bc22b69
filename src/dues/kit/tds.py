"""TDS arithmetic (api.md §9.2): the taxable value, what a buyer pays after deducting TDS, quarters, TANs.
Pure functions, no framework.

The buyer deducts TDS on the value of the supply without GST when the invoice shows GST separately (CBDT
Circular 23/2017), so the amount after TDS is ``balance - round(taxable part of the balance * rate / 100)``,
the taxable part being the invoice's taxable value scaled by ``balance / total`` (a part already paid took
its share of both).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from dues.kit.gst import financial_year, financial_year_label
from dues.kit.money import ZERO


class TdsSection(StrEnum):
    """The Income-tax Act section a buyer deducts TDS under (api.md §9.2); OTHER for any other."""

    S194C = "194C"
    S194H = "194H"
    S194I = "194I"
    S194J = "194J"
    S194O = "194O"
    S194Q = "194Q"
    OTHER = "OTHER"


TAN = re.compile(r"^[A-Z]{4}[0-9]{5}[A-Z]\Z", re.ASCII)
QUARTER = re.compile(r"^([0-9]{4})-([0-9]{2})-Q([1-4])\Z", re.ASCII)
_PAISA = Decimal("0.01")


def taxable_value(total: Decimal, cgst: Decimal, sgst: Decimal, igst: Decimal, cess: Decimal) -> Decimal:
    """The invoice's value without GST and cess. An invoice stores its ``base_amount`` with the taxes inside
    when it was made GST-inclusive and without them otherwise; its total less the taxes is the taxable value
    either way."""
    return total - cgst - sgst - igst - cess


@dataclass(frozen=True)
class AfterTds:
    tds: Decimal
    """The TDS the buyer deducts from the balance."""
    to_pay: Decimal
    """What the buyer then pays: the balance less that TDS."""


def after_tds(balance: Decimal, total: Decimal, taxable: Decimal, rate: Decimal) -> AfterTds:
    """What a buyer who deducts TDS at ``rate`` percent pays of ``balance`` (rounded half-up to the paisa)."""
    if balance <= 0 or total <= 0 or rate <= 0:
        return AfterTds(ZERO, balance)
    tds = (taxable * balance / total * rate / 100).quantize(_PAISA, rounding=ROUND_HALF_UP)
    tds = min(max(tds, ZERO), balance)
    return AfterTds(tds, balance - tds)


def rate_text(rate: Decimal) -> str:
    """A rate as people write it: 0.10 → "0.1", 2.00 → "2", 1.25 → "1.25"."""
    text = f"{rate:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def describe(section: str, rate: Decimal) -> str:
    """The words for it: "TDS u/s 194Q at 0.1 %" (OTHER is not a section: "TDS at 2 %")."""
    where = "" if section == "OTHER" else f" u/s {section}"
    return f"TDS{where} at {rate_text(rate)} %"


def quarter_of(day: date) -> str:
    """The Indian financial year's quarter of a day, as "2026-27-Q3": April-June Q1, July-September Q2,
    October-December Q3, January-March Q4 (the quarters of TDS returns and of Form 26AS)."""
    fy = financial_year(day)
    q = (day.month - 4) // 3 + 1 if day.month >= 4 else 4
    return f"{financial_year_label(fy)}-Q{q}"


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """The first and last day of a quarter named as quarter_of names it; ValueError for anything else."""
    found = QUARTER.match(quarter)
    if found is None:
        raise ValueError(f"{quarter!r} is not a quarter like 2026-27-Q3")
    start_year, tail, q = int(found.group(1)), found.group(2), int(found.group(3))
    if f"{(start_year + 1) % 100:02d}" != tail:
        raise ValueError(f"{quarter!r}: the financial year {start_year}-{tail} does not exist")
    first_month = (4 + 3 * (q - 1) - 1) % 12 + 1
    year = start_year if q < 4 else start_year + 1
    first = date(year, first_month, 1)
    last_month = first_month + 2
    next_first = date(year + 1, 1, 1) if last_month == 12 else date(year, last_month + 1, 1)
    return first, date.fromordinal(next_first.toordinal() - 1)


def hint(
    balance: Decimal,
    total: Decimal,
    taxable: Decimal,
    section: str | None,
    rate: Decimal | None,
    money: Callable[[Decimal], str],
) -> str | None:
    """The sentence messages add for a customer with a TDS default ("Amount to pay after TDS u/s 194Q at
    0.1 %: INR 1,17,900.00 ..."), amounts written by ``money``; None without a default or when no TDS
    applies to what is left."""
    if section is None or rate is None:
        return None
    after = after_tds(balance, total, taxable, rate)
    if after.tds <= 0:
        return None
    return (
        f"Amount to pay after {describe(section, rate)}: {money(after.to_pay)} "
        f"(TDS {money(after.tds)}, on the value without GST)."
    )
