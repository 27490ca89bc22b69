"""Aging buckets: days past due (or since the invoice date) cut at the caller's edges."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from dues.kit.money import ZERO

CURRENT = "current"
DEFAULT_EDGES = (30, 60, 90)


def labels(edges: Sequence[int]) -> list[str]:
    """``current``, then ``1-30``, ``31-60`` ... and ``90+`` for edges 30, 60, 90 (increasing, positive)."""
    out = [CURRENT]
    low = 1
    for edge in edges:
        out.append(f"{low}-{edge}")
        low = edge + 1
    out.append(f"{edges[-1]}+" if edges else "1+")
    return out


def label_of(days: int, edges: Sequence[int]) -> str:
    """The bucket of an amount ``days`` past its date (0 or less: current)."""
    if days <= 0:
        return CURRENT
    low = 1
    for edge in edges:
        if days <= edge:
            return f"{low}-{edge}"
        low = edge + 1
    return f"{edges[-1]}+" if edges else "1+"


def split(amounts: Iterable[tuple[date, Decimal]], as_of: date, edges: Sequence[int]) -> dict[str, Decimal]:
    """Amounts by their date (due or invoice date) into the buckets as of ``as_of``, every bucket present."""
    out = dict.fromkeys(labels(edges), ZERO)
    for on, amount in amounts:
        key = label_of((as_of - on).days, edges)
        out[key] += amount
    return out
