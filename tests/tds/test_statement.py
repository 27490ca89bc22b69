"""Reading Form 26AS / AIS TDS statements and matching their rows to the register (pure: no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dues.kit import files
from dues.tds.statement import Candidate, Line, Unreadable, column_of, match, parse_rows, section_key

D = Decimal
TAN = "MUMA12345B"


def _table(header: list[str], *rows: list[str]) -> files.Table:
    return files.Table(header=header, rows=[(n, r) for n, r in enumerate(rows, start=2)])


def _entry(tds_id: str, amount: str, on: date = date(2026, 11, 20), **fields: object) -> Candidate:
    values: dict[str, object] = {
        "tds_id": tds_id,
        "deductor_tan": TAN,
        "section": "194Q",
        "payment_code": None,
        "quarter": "2026-27-Q3",
        "amount": D(amount),
        "deducted_on": on,
        **fields,
    }
    return Candidate(**values)  # type: ignore[arg-type]


def _line(row: int, tax: str, on: date = date(2026, 11, 20), section: str = "194Q", tan: str = TAN) -> Line:
    return Line(row, tan, "Buyer Ltd", section, on, None, D(tax), D(tax))


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("TAN of Deductor", "deductor_tan"),
        ("Deductor TAN", "deductor_tan"),
        ("Name of Deductor", "deductor_name"),
        ("Section", "section"),
        ("Section Code", "section"),
        ("Transaction Date", "transaction_date"),
        ("Date of Payment/Credit", "transaction_date"),
        ("Amount Paid / Credited (Rs.)", "amount_paid"),
        ("Amount paid or credited", "amount_paid"),
        ("Tax Deducted", "tax_deducted"),
        ("TDS Deducted (₹)", "tax_deducted"),
        ("TDS Deposited (Rs.)", "tax_deposited"),
        ("Tax deposited", "tax_deposited"),
        ("Status of Booking", None),
        ("Remarks", None),
    ],
)
def test_headers_are_recognised_in_their_usual_spellings(header: str, column: str | None) -> None:
    assert column_of(header) == column


def test_rows_are_read_with_indian_amounts_and_26as_dates() -> None:
    parsed = parse_rows(
        _table(
            ["Sr. No.", "Name of Deductor", "TAN of Deductor", "Section", "Transaction Date",
             "Amount Paid / Credited (Rs.)", "Tax Deducted (Rs.)", "TDS Deposited (Rs.)"],
            ["1", "Buyer Ltd", "muma12345b", "194-Q", "20-Nov-2026", "1,18,000.00", "100.00", "100.00"],
            ["2", "Buyer Ltd", TAN, "194Q", "2026-11-21", "", "₹ 50", ""],
        )
    )  # fmt: skip
    first, second = parsed.rows
    assert first == Line(
        2, TAN, "Buyer Ltd", "194Q", date(2026, 11, 20), D("118000.00"), D("100.00"), D("100.00")
    )
    assert isinstance(second, Line) and second.tax_deducted == D("50.00") and second.amount_paid is None
    assert parsed.quarters == ["2026-27-Q3"] and parsed.tans == [TAN]


def test_a_row_that_cannot_be_read_says_why_and_keeps_its_number() -> None:
    parsed = parse_rows(
        _table(
            ["Deductor TAN", "Section", "Transaction Date", "Tax Deducted"],
            ["NOTATAN", "194Q", "31-13-2026", "ten"],
        )
    )
    [row] = parsed.rows
    assert isinstance(row, Unreadable) and row.row == 2
    assert "'NOTATAN' is not a TAN" in row.message
    assert "'31-13-2026' is not a date" in row.message
    assert "'ten' is not an amount" in row.message


def test_a_file_without_the_required_columns_is_refused_naming_them() -> None:
    with pytest.raises(files.FileProblem, match="tax deducted"):
        parse_rows(_table(["Deductor TAN", "Section", "Transaction Date"], [TAN, "194Q", "2026-11-20"]))
    with pytest.raises(files.FileProblem, match="two columns for tax deducted"):
        parse_rows(
            _table(
                ["TAN", "Section", "Transaction Date", "Tax Deducted", "TDS Deducted"],
                [TAN, "194Q", "x", "1", "1"],
            )
        )


def test_sections_are_compared_without_their_punctuation() -> None:
    assert section_key("194-Q") == section_key("194 q") == "194Q"
    assert section_key("194J(b)") == "194JB"


def test_one_fitting_entry_is_matched_within_one_rupee() -> None:
    entries = [_entry("TDA", "100.00"), _entry("TDB", "250.00")]
    outcomes = match([_line(2, "100.90"), _line(3, "248.99"), _line(4, "250.00")], entries)
    assert [(o.row, o.status, o.tds_id) for o in outcomes] == [
        (2, "MATCHED", "TDA"),
        (3, "UNMATCHED", None),  # 1.01 away
        (4, "MATCHED", "TDB"),
    ]


def test_tan_section_and_quarter_must_all_agree() -> None:
    entries = [_entry("TDA", "100.00")]
    rows = [
        _line(2, "100.00", tan="DELB54321C"),
        _line(3, "100.00", section="194C"),
        _line(4, "100.00", on=date(2027, 1, 2)),  # Q4
    ]
    assert [o.status for o in match(rows, entries)] == ["UNMATCHED"] * 3
    assert "no TDS of deductor DELB54321C" in (match(rows, entries)[0].message or "")


def test_sub_sections_payment_codes_and_other() -> None:
    entries = [
        _entry("TDJ", "500.00", section="194J"),
        _entry("TDC", "70.00", section="OTHER"),
        _entry("TDP", "30.00", section="194C", payment_code="1023"),
    ]
    rows = [
        _line(2, "500.00", section="194JB"),
        _line(3, "70.00", section="194A"),
        _line(4, "30.00", section="1023"),
    ]
    assert [o.tds_id for o in match(rows, entries)] == ["TDJ", "TDC", "TDP"]


def test_of_several_fitting_entries_the_nearest_in_amount_then_date_is_taken() -> None:
    entries = [
        _entry("TDOCT", "100.00", on=date(2026, 10, 5)),
        _entry("TDNOV", "100.00", on=date(2026, 11, 5)),
        _entry("TDNEAR", "99.50", on=date(2026, 12, 5)),
    ]
    rows = [
        _line(2, "100.00", on=date(2026, 11, 6)),
        _line(3, "100.00", on=date(2026, 10, 1)),
        _line(4, "99.50"),
    ]
    assert [o.tds_id for o in match(rows, entries)] == ["TDNOV", "TDOCT", "TDNEAR"]


def test_entries_that_fit_equally_well_make_the_row_ambiguous_and_an_entry_matches_once() -> None:
    entries = [_entry("TDA", "100.00"), _entry("TDB", "100.00")]
    [ambiguous] = match([_line(2, "100.00")], entries)
    assert ambiguous.status == "AMBIGUOUS" and ambiguous.candidate_ids == ("TDA", "TDB")

    one = [_entry("TDA", "100.00")]
    outcomes = match([_line(2, "100.00"), _line(3, "100.00")], one)
    assert [(o.status, o.tds_id) for o in outcomes] == [("MATCHED", "TDA"), ("UNMATCHED", None)]


def test_a_short_deposit_is_matched_and_pointed_out() -> None:
    line = Line(2, TAN, None, "194Q", date(2026, 11, 20), None, D("100.00"), D("60.00"))
    [outcome] = match([line], [_entry("TDA", "100.00")])
    assert outcome.status == "MATCHED" and "deposited 60.00 of the 100.00" in (outcome.message or "")


def test_a_large_deductor_s_quarter_is_matched_row_by_row_without_scanning_it_all() -> None:
    """10,000 entries of one buyer in one quarter and as many rows: each row looks only near its amount."""
    entries = [_entry(f"TD{n:014d}", f"{100 + n}.00") for n in range(10_000)]
    rows = [_line(n + 2, f"{100 + n}.00") for n in reversed(range(10_000))]
    outcomes = match(rows, entries)
    assert all(o.status == "MATCHED" for o in outcomes)
    assert outcomes[0].tds_id == "TD00000000009999" and outcomes[-1].tds_id == "TD00000000000000"
