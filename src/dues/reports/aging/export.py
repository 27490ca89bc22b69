"""The aging report as a CSV or XLSX file, written a chunk of rows at a time into a temporary file that stays
in memory while small and moves to disk past SPOOL_BYTES, then read back in pieces for the response: the
memory a file takes is bounded whatever the number of customers.

Columns: customerId, customerName, the buckets, total, unappliedCredit, net; the last row is the totals
(customerId empty, customerName "Total"). Amounts are numbers (CSV: plain decimals such as -1180.50; XLSX:
numeric cells shown with two decimals). Text cells are user input (customer names), so each passes through
``csvsafe.neutralise``: no cell opens as a formula in a spreadsheet."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import IO, Any

from dues.kit.csvsafe import neutralise
from dues.reports.aging.schemas import AgingAmounts, AgingRow, Format

SPOOL_BYTES = 4 * 1024 * 1024
READ_BYTES = 64 * 1024
TOTAL_LABEL = "Total"
MEDIA_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_AMOUNT_FORMAT = "#,##0.00"


def file_name(as_of: date, fmt: Format) -> str:
    return f"aging-{as_of.isoformat()}.{fmt.value}"


def header(labels: Sequence[str]) -> list[str]:
    return ["customerId", "customerName", *labels, "total", "unappliedCredit", "net"]


def _cells(row: AgingAmounts, customer_id: str, name: str) -> tuple[list[str], list[Decimal]]:
    return [neutralise(customer_id), neutralise(name)], list(row.amounts().values())


def _named(row: AgingAmounts) -> tuple[str, str]:
    if isinstance(row, AgingRow):
        return row.customer_id, row.customer_name
    return "", TOTAL_LABEL


class CsvFile:
    """UTF-8 with a byte order mark (Excel then reads non-ASCII names right), CRLF line ends."""

    def __init__(self, labels: Sequence[str], as_of: date) -> None:
        self.out: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        self.out.write("\ufeff".encode())
        self.add_rows([header(labels)])

    def add_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerows(rows)
        self.out.write(text.getvalue().encode("utf-8"))

    def add(self, rows: Sequence[AgingAmounts]) -> None:
        lines = []
        for row in rows:
            texts, amounts = _cells(row, *_named(row))
            lines.append([*texts, *(f"{a:.2f}" for a in amounts)])
        self.add_rows(lines)

    def finish(self) -> IO[bytes]:
        self.out.seek(0)
        return self.out

    def discard(self) -> None:
        self.out.close()


class XlsxFile:
    """One sheet, written by openpyxl's write-only mode: each row goes to a temporary file as it is added."""

    def __init__(self, labels: Sequence[str], as_of: date) -> None:
        from openpyxl import Workbook  # imported late: only an XLSX export needs it

        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(title=f"Aging {as_of.isoformat()}")
        self.sheet.freeze_panes = "C2"
        self.sheet.column_dimensions["A"].width = 20
        self.sheet.column_dimensions["B"].width = 40
        self.sheet.append([neutralise(h) for h in header(labels)])

    def add(self, rows: Sequence[AgingAmounts]) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        for row in rows:
            texts, amounts = _cells(row, *_named(row))
            cells: list[Any] = [ILLEGAL_CHARACTERS_RE.sub("", t) for t in texts]
            for amount in amounts:
                cell = WriteOnlyCell(self.sheet, value=amount)
                cell.number_format = _AMOUNT_FORMAT
                cells.append(cell)
            self.sheet.append(cells)

    def finish(self) -> IO[bytes]:
        out: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        self.book.save(out)
        self.book.close()
        out.seek(0)
        return out

    def discard(self) -> None:
        self.book.close()


def writer(fmt: Format, labels: Sequence[str], as_of: date) -> CsvFile | XlsxFile:
    return CsvFile(labels, as_of) if fmt == Format.CSV else XlsxFile(labels, as_of)


def pieces(body: IO[bytes]) -> Iterator[bytes]:
    """The file in pieces for a streaming response, closed (and its disk space freed) at the end."""
    try:
        while piece := body.read(READ_BYTES):
            yield piece
    finally:
        body.close()
