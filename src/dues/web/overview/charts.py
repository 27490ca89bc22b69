"""The overview's charts as geometry: pure functions from amounts to the rectangles, ticks and labels that the
template writes out as inline SVG. Nothing here knows HTML or the database, so each rule (bars proportional to
their amounts, a negative amount drawn below the zero line, all zeros drawn flat without dividing by zero) is
checked by a unit test.

Coordinates are Decimal in the SVG's own units (its viewBox), rounded to a tenth: amounts are never floats,
and a tenth of a unit is finer than any screen draws the chart at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from dues.kit.money import format_inr

TENTH = Decimal("0.1")
ZERO = Decimal(0)
LAKH = Decimal(100_000)
CRORE = Decimal(10_000_000)
# A step between ticks is one of these times a power of ten, so the labels read as round amounts.
NICE = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


def _tenth(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Frame:
    """The chart's box in SVG units: the plot area inside room for the tick labels (left) and the category
    labels (below)."""

    width: int = 400
    height: int = 230
    left: int = 62
    right: int = 8
    top: int = 12
    bottom: int = 34

    @property
    def plot_top(self) -> Decimal:
        return Decimal(self.top)

    @property
    def plot_bottom(self) -> Decimal:
        return Decimal(self.height - self.bottom)

    @property
    def plot_left(self) -> Decimal:
        return Decimal(self.left)

    @property
    def plot_width(self) -> Decimal:
        return Decimal(self.width - self.left - self.right)


@dataclass(frozen=True)
class Axis:
    """The amounts the vertical axis spans (a multiple of ``step`` at each end, zero always inside)."""

    low: Decimal
    high: Decimal
    step: Decimal

    @property
    def ticks(self) -> list[Decimal]:
        if self.step == 0:
            return [ZERO]
        count = int((self.high - self.low) / self.step)
        return [self.low + self.step * n for n in range(count + 1)]

    def y(self, value: Decimal, frame: Frame) -> Decimal:
        """Where ``value`` sits on the plot, in SVG units from the top."""
        span = self.high - self.low
        if span == 0:
            return frame.plot_bottom
        share = (self.high - value) / span
        return _tenth(frame.plot_top + share * (frame.plot_bottom - frame.plot_top))


def nice_step(span: Decimal, intervals: int = 4) -> Decimal:
    """The smallest round step (1, 2, 2.5 or 5 times a power of ten) that covers ``span`` in ``intervals``
    steps; 0 for an empty span."""
    if span <= 0:
        return ZERO
    raw = span / intervals
    magnitude = Decimal(1).scaleb(raw.adjusted())
    for nice in NICE:
        if nice * magnitude >= raw:
            return nice * magnitude
    return NICE[-1] * magnitude  # pragma: no cover: NICE ends at 10, which always covers


def axis(values: Sequence[Decimal], intervals: int = 4) -> Axis:
    """An axis from a round amount at or below the least value (and zero) to one at or above the greatest
    (and zero). All zeros (or nothing): a single tick at zero."""
    low = min([ZERO, *values])
    high = max([ZERO, *values])
    step = nice_step(high - low, intervals)
    if step == 0:
        return Axis(ZERO, ZERO, ZERO)
    return Axis(
        (low / step).to_integral_value(rounding=ROUND_FLOOR) * step,
        (high / step).to_integral_value(rounding=ROUND_CEILING) * step,
        step,
    )


def short_inr(value: Decimal, unit: Decimal) -> str:
    """An amount as a tick label in the axis's unit: ₹2.5 Cr, ₹40 L, or whole rupees below a lakh."""
    if value == 0:
        return "₹0"
    sign = "-" if value < 0 else ""
    size = abs(value)
    if unit == CRORE:
        return f"{sign}₹{_plain(size / CRORE)} Cr"
    if unit == LAKH:
        return f"{sign}₹{_plain(size / LAKH)} L"
    whole = format_inr(size)
    return f"{sign}₹{whole[:-3] if whole.endswith('.00') else whole}"


def _plain(value: Decimal) -> str:
    """A number without trailing zeros or an exponent: 2.50 → 2.5, 40 → 40."""
    text = f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def unit_for(axis_: Axis) -> Decimal:
    """Crore when the axis reaches a crore, lakh when it reaches a lakh, else rupees (1)."""
    reach = max(abs(axis_.low), abs(axis_.high))
    if reach >= CRORE:
        return CRORE
    if reach >= LAKH:
        return LAKH
    return Decimal(1)


@dataclass(frozen=True)
class Tick:
    y: Decimal
    label: str


@dataclass(frozen=True)
class Bar:
    """One rectangle: ``series`` names its class (its colour), ``value`` the amount it stands for."""

    x: Decimal
    y: Decimal
    width: Decimal
    height: Decimal
    value: Decimal
    series: str
    category: str
    key: str  # the category's key, for a class of its own (a colour per aging bucket)


@dataclass(frozen=True)
class Label:
    x: Decimal
    text: str


@dataclass(frozen=True)
class Series:
    key: str  # the CSS class suffix and the legend's key
    name: str
    values: Sequence[Decimal]


@dataclass(frozen=True)
class BarChart:
    frame: Frame
    zero_y: Decimal
    ticks: list[Tick]
    bars: list[Bar]
    labels: list[Label]
    series: list[Series]
    unit: Decimal

    @property
    def label_y(self) -> Decimal:
        return self.frame.plot_bottom + 18

    @property
    def empty(self) -> bool:
        return all(b.value == 0 for b in self.bars)


def bar_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    keys: Sequence[str] | None = None,
    frame: Frame | None = None,
    gap: Decimal = Decimal("0.3"),
) -> BarChart:
    """Grouped vertical bars: one group per category, one bar per series within it, each as tall as its
    amount on a shared axis, rising from the zero line (falling below it when negative). ``keys`` name the
    categories for classes (default their position); ``gap`` is the share of each group's slot left empty
    between groups."""
    frame = frame or Frame()
    keys = list(keys) if keys is not None else [str(n) for n in range(len(categories))]
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(f"series {s.key} has {len(s.values)} values for {len(categories)} categories")
    the_axis = axis([v for s in series for v in s.values])
    unit = unit_for(the_axis)
    zero_y = the_axis.y(ZERO, frame)
    slot = frame.plot_width / max(len(categories), 1)
    bar_width = _tenth(slot * (1 - gap) / max(len(series), 1))
    bars: list[Bar] = []
    labels: list[Label] = []
    for n, category in enumerate(categories):
        start = frame.plot_left + slot * n + slot * gap / 2
        labels.append(Label(_tenth(frame.plot_left + slot * n + slot / 2), category))
        for k, s in enumerate(series):
            value = s.values[n]
            top = the_axis.y(value, frame)
            bars.append(
                Bar(
                    x=_tenth(start + bar_width * k),
                    y=min(top, zero_y),
                    width=bar_width,
                    height=abs(zero_y - top),
                    value=value,
                    series=s.key,
                    category=category,
                    key=keys[n],
                )
            )
    ticks = [Tick(the_axis.y(t, frame), short_inr(t, unit)) for t in the_axis.ticks]
    return BarChart(frame, zero_y, ticks, bars, labels, list(series), unit)
