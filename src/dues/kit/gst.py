"""GST arithmetic: per-line tax split, financial years. Pure functions, no framework.

Rounding (stated in docs/invoices.md): each line's taxable value and each tax of each line are rounded half-up
to the paisa; invoice totals are the exact sums of the rounded line figures. This is how a tax invoice
prints its lines, so the printed lines always add up to the printed totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dues.kit.money import ZERO, to_paise

GST_RATES = (
    Decimal("0"),
    Decimal("0.1"),
    Decimal("0.25"),
    Decimal("1.5"),
    Decimal("3"),
    Decimal("5"),
    Decimal("12"),
    Decimal("18"),
    Decimal("28"),
    Decimal("40"),
)


@dataclass(frozen=True)
class LineTax:
    base: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    cess: Decimal

    @property
    def total(self) -> Decimal:
        return self.base + self.cgst + self.sgst + self.igst + self.cess


def line_tax(
    quantity: Decimal,
    unit_price: Decimal,
    gst_rate: Decimal,
    *,
    intra_state: bool,
    cess_rate: Decimal = ZERO,
    inclusive: bool = False,
) -> LineTax:
    """The taxable value and taxes of one line.

    Intra-state supply splits the rate in two halves (CGST and SGST, each rounded on its own, so they are
    always equal); inter-state supply charges IGST at the full rate. With ``inclusive`` the line amount
    already includes the taxes and the taxable value is taken out of it.
    """
    gross = quantity * unit_price
    if inclusive:
        base = to_paise(gross * 100 / (100 + gst_rate + cess_rate))
    else:
        base = to_paise(gross)
    cess = to_paise(base * cess_rate / 100)
    if intra_state:
        half = to_paise(base * gst_rate / 200)
        return LineTax(base, half, half, ZERO, cess)
    return LineTax(base, ZERO, ZERO, to_paise(base * gst_rate / 100), cess)


def sum_lines(lines: list[LineTax]) -> LineTax:
    return LineTax(
        sum((x.base for x in lines), ZERO),
        sum((x.cgst for x in lines), ZERO),
        sum((x.sgst for x in lines), ZERO),
        sum((x.igst for x in lines), ZERO),
        sum((x.cess for x in lines), ZERO),
    )


def financial_year(day: date) -> int:
    """The year an Indian financial year (April to March) starts in: 2026-03-31 → 2025, 2026-04-01 → 2026."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_start(day: date) -> date:
    """1 April of the Indian financial year ``day`` falls in: 2027-03-31 → 2026-04-01."""
    return date(financial_year(day), 4, 1)


def financial_year_label(start_year: int) -> str:
    """2026 → '2026-27'."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"
