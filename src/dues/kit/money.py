"""Exact rupee amounts: two decimal places, half-up rounding to the paisa (as GST practice)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

PAISA = Decimal("0.01")
ZERO = Decimal("0.00")
# What NUMERIC(16, 2) holds.
MAX_AMOUNT = Decimal("99999999999999.99")
_MAX_ADJUSTED = MAX_AMOUNT.adjusted()


def to_paise(value: Decimal) -> Decimal:
    """Round to the paisa, half up."""
    return value.quantize(PAISA, rounding=ROUND_HALF_UP)


def decimal_places(value: Decimal) -> int:
    """Digits after the point, trailing zeros apart (1.50 has 1). Read off the digits and the exponent
    rather than by normalize(), which raises Overflow for 1e999999999 under the default context."""
    if not value.is_finite():
        return 0
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0")) if any(digits) else len(digits)
    return max(0, -(exponent + trailing))


def is_money(value: Decimal) -> bool:
    """A finite amount with at most two decimal places."""
    return value.is_finite() and decimal_places(value) <= 2


def amount_problem(value: Decimal) -> str | None:
    """What is wrong with a number given as an amount, in words for a person; None when it is an amount.
    Cheap whatever the exponent: nothing here computes with the value."""
    if not value.is_finite():
        return "must be a number, such as 1180.50"
    if value.is_zero():
        return None
    if decimal_places(value) > 2:
        return "must have at most 2 decimal places"
    if value.adjusted() > _MAX_ADJUSTED or abs(value) > MAX_AMOUNT:
        return (
            "must be at most 99,999,999,999,999.99"
            if value > 0
            else "must be at least -99,999,999,999,999.99"
        )
    return None


# A document prints the same few amounts again and again (a line's price, its taxes, a column's totals).
@lru_cache(maxsize=4096)
def format_inr(amount: Decimal) -> str:
    """Decimal('12345678.9') → '1,23,45,678.90': Indian grouping (lakhs, crores), half up to the paisa."""
    if not amount.is_finite():
        raise ValueError(f"not an amount: {amount}")
    rounded = to_paise(amount)
    if not rounded:
        return "0.00"
    # Decimal's own formatting groups in thousands, in C; below a lakh that is the Indian grouping too, and
    # above it only the digits before the last thousand are grouped again, by twos (a statement formats a
    # few thousand amounts, most of them once).
    text = format(abs(rounded), ",.2f")
    if len(text) > 9:
        head = text[:-7].replace(",", "")
        cut = 2 - len(head) % 2
        text = ",".join([head[:cut], *(head[k : k + 2] for k in range(cut, len(head), 2))]) + text[-7:]
    return "-" + text if rounded < 0 else text


def rupees(value: Decimal) -> str:
    """₹ with Indian digit grouping, for pages: 1234567.5 → ₹12,34,567.50; -5 → -₹5.00."""
    return ("-" if value < 0 else "") + "₹" + format_inr(abs(value))
