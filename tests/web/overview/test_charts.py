"""The overview's chart geometry (dues.web.overview.charts): bars as tall as their amounts, negative amounts
below the zero line, all zeros drawn flat, round ticks labelled in ₹ lakh and crore."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dues.web.overview import charts

D = Decimal


def one_series(*values: str) -> charts.BarChart:
    return charts.bar_chart(
        [f"c{n}" for n in range(len(values))], [charts.Series("s", "S", [D(v) for v in values])]
    )


def test_bars_are_as_tall_as_their_amounts() -> None:
    chart = one_series("1000", "2000", "4000", "3000")
    heights = [b.height for b in chart.bars]
    assert heights[1] == heights[0] * 2
    assert heights[2] == heights[0] * 4
    assert heights[3] == heights[0] * 3
    # They stand on the zero line, which is the plot's bottom when nothing is negative.
    assert all(b.y + b.height == chart.zero_y for b in chart.bars)
    assert chart.zero_y == chart.frame.plot_bottom
    # The tallest reaches the axis's top only when its amount is the top tick: 4,000 on a 0..4,000 axis.
    assert chart.bars[2].y == chart.frame.plot_top


def test_a_zero_amount_is_a_bar_of_no_height_on_the_zero_line() -> None:
    chart = one_series("5000", "0")
    assert chart.bars[1].height == 0
    assert chart.bars[1].y == chart.zero_y


def test_a_negative_amount_hangs_below_the_zero_line() -> None:
    chart = one_series("3000", "-1000")
    up, down = chart.bars
    assert up.y + up.height == chart.zero_y
    assert down.y == chart.zero_y
    assert down.height * 3 == up.height
    assert chart.frame.plot_top < chart.zero_y < chart.frame.plot_bottom
    assert [t.label for t in chart.ticks] == ["-₹1,000", "₹0", "₹1,000", "₹2,000", "₹3,000"]
    # Ticks go up the axis: the first is the lowest.
    assert chart.ticks[0].y == chart.frame.plot_bottom and chart.ticks[-1].y == chart.frame.plot_top


def test_all_zeros_draw_flat_bars_and_one_tick() -> None:
    chart = one_series("0", "0", "0")
    assert all(b.height == 0 and b.y == chart.zero_y for b in chart.bars)
    assert [t.label for t in chart.ticks] == ["₹0"]
    assert chart.empty
    assert charts.bar_chart([], [charts.Series("s", "S", [])]).bars == []


def test_grouped_bars_share_one_axis_and_sit_side_by_side() -> None:
    chart = charts.bar_chart(
        ["Oct", "Nov"],
        [charts.Series("invoiced", "Invoiced", [D(8000), D(9000)]),
         charts.Series("collected", "Collected", [D(8000), D(1500)])],
    )  # fmt: skip
    oct_invoiced, oct_collected, nov_invoiced, nov_collected = chart.bars
    assert oct_invoiced.height == oct_collected.height
    assert oct_collected.x == oct_invoiced.x + oct_invoiced.width
    assert nov_invoiced.x > oct_collected.x + oct_collected.width
    assert (nov_invoiced.series, nov_collected.series) == ("invoiced", "collected")
    assert [lbl.text for lbl in chart.labels] == ["Oct", "Nov"]
    right_edge = chart.frame.width - chart.frame.right
    assert all(chart.frame.left <= b.x and b.x + b.width <= right_edge for b in chart.bars)


def test_a_series_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="2 values for 3 categories"):
        charts.bar_chart(["a", "b", "c"], [charts.Series("s", "S", [D(1), D(2)])])


@pytest.mark.parametrize(
    ("span", "step"),
    [("4000", "1000"), ("19300", "5000"), ("9000", "2500"), ("1", "0.25"), ("6300000000", "2000000000")],
)
def test_steps_are_round(span: str, step: str) -> None:
    assert charts.nice_step(D(span)) == D(step)


def test_the_axis_covers_the_amounts_with_round_ends() -> None:
    the_axis = charts.axis([D("14000"), D("-3000")])
    assert (the_axis.low, the_axis.high, the_axis.step) == (D(-5000), D(15000), D(5000))
    assert the_axis.ticks == [D(-5000), D(0), D(5000), D(10000), D(15000)]
    # Zero is always on the axis, even when every amount is far above it.
    assert charts.axis([D("900"), D("1000")]).ticks[0] == 0


@pytest.mark.parametrize(
    ("values", "labels"),
    [
        (["350000"], ["₹0", "₹1 L", "₹2 L", "₹3 L", "₹4 L"]),
        (["43115636"], ["₹0", "₹2 Cr", "₹4 Cr", "₹6 Cr"]),
        (["18000000"], ["₹0", "₹0.5 Cr", "₹1 Cr", "₹1.5 Cr", "₹2 Cr"]),
        (["60000"], ["₹0", "₹20,000", "₹40,000", "₹60,000"]),
        (["0.8"], ["₹0", "₹0.20", "₹0.40", "₹0.60", "₹0.80"]),
    ],
)
def test_tick_labels_are_in_lakh_or_crore(values: list[str], labels: list[str]) -> None:
    assert [t.label for t in one_series(*values).ticks] == labels
