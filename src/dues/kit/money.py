"""Exact rupee amounts: two decimal places, half-up rounding to the paisa (as GST practice)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PAISA = Decimal("0.01")
ZERO = Decimal("0.00")


def to_paise(value: Decimal) -> Decimal:
    """Round to the paisa, half up."""
    return value.quantize(PAISA, rounding=ROUND_HALF_UP)


def decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def is_money(value: Decimal) -> bool:
    """A finite amount with at most two decimal places."""
    return value.is_finite() and decimal_places(value) <= 2
