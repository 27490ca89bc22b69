"""Reading CSV and XLSX into rows numbered as a spreadsheet shows them (dues.kit.files)."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest

from dues.kit import files


def _xlsx(rows: list[list[object]], sheet_title: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    if sheet_title:
        book.active.title = sheet_title
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_csv_rows_keep_their_spreadsheet_numbers() -> None:
    content = '\ufeffname,note\r\nA,"two\nlines"\r\n\r\n,\r\nB,x\r\n'.encode()

    table = files.read_table(content, "csv", max_rows=10)

    assert table.header == ["name", "note"]  # the byte order mark is not part of the first column's name
    assert table.rows == [(2, ["A", "two\nlines"]), (5, ["B", "x"])]


def test_xlsx_cells_read_as_the_text_a_person_typed() -> None:
    content = _xlsx(
        [
            ["pinCode", "phone", "when", "day", "rate", "flag", "empty"],
            [411001, 9876543210.0, datetime(2026, 11, 24, 10, 30), datetime(2026, 4, 1), 12.5, True, None],
            [],
            ["400001", "+91 98765 43210", date(2026, 1, 2), None, None, False, None],
        ]
    )

    table = files.read_table(content, "xlsx", max_rows=10)

    assert table.header == ["pinCode", "phone", "when", "day", "rate", "flag", "empty"]
    number, cells = table.rows[0]
    # A workbook leaves out empty cells at the end of a row: a short row means those fields are empty.
    assert number == 2
    assert cells == ["411001", "9876543210", "2026-11-24 10:30:00", "2026-04-01", "12.5", "true"]
    assert table.rows[1][0] == 4 and table.rows[1][1][:3] == ["400001", "+91 98765 43210", "2026-01-02"]


def test_the_row_limit_counts_data_rows_only() -> None:
    content = b"a\r\n1\r\n\r\n2\r\n"
    assert len(files.read_table(content, "csv", max_rows=2).rows) == 2
    with pytest.raises(files.FileProblem, match="more than 1 data rows"):
        files.read_table(content, "csv", max_rows=1)


def test_a_survey_counts_the_rows_read_table_keeps_and_refuses_the_same_files() -> None:
    # The upload request surveys the file (answering at once); the job reads its rows later: they must agree.
    content = '\ufeffname,note\r\nA,"two\nlines"\r\n\r\n,\r\nB,x\r\n'.encode()
    assert files.survey(content, "csv", max_rows=10) == (["name", "note"], 2)
    with pytest.raises(files.FileProblem, match="more than 1 data rows"):
        files.survey(content, "csv", max_rows=1)
    with pytest.raises(files.FileProblem, match="no header"):
        files.survey(b" , \r\n1,2\r\n", "csv", max_rows=10)


def test_errors_csv_reads_back_with_the_same_cells() -> None:
    written = files.write_csv(["name", "errors"], [['Café, "Pune"', "row 2: x"], ["=1+1", ""]])

    table = files.read_table(written, "csv", max_rows=10)

    assert table.header == ["name", "errors"]
    assert table.rows == [(2, ['Café, "Pune"', "row 2: x"]), (3, ["=1+1", ""])]


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [("A.CSV", b"x", "csv"), ("data.xlsx", b"PK\x03\x04...", "xlsx"), ("  b.csv ", b"x", "csv")],
)
def test_format_from_name_and_content(name: str, content: bytes, fmt: str) -> None:
    assert files.detect_format(name, content) == fmt
