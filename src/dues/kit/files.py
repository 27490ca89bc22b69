"""Tabular files (CSV and XLSX) read into a header and rows of strings, without any web framework.

Row numbers are the ones a spreadsheet shows: the header is row 1 and the first data row is row 2. Blank rows
are left out of the data but keep their place in the numbering, so a row number always points at the line a
person sees when opening the file.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Literal

from dues.kit import csvsafe

Format = Literal["csv", "xlsx"]

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
# A 20 MB XLSX can unpack to far more; past this it is refused before openpyxl inflates it into memory.
MAX_XLSX_UNPACKED_BYTES = 400 * 1024 * 1024


class FileProblem(ValueError):
    """The file as a whole cannot be read (not one of its rows): the caller answers with this message."""


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]
    """(row number as a spreadsheet shows it, cells as text); blank rows are not included."""


def detect_format(file_name: str, content: bytes) -> Format:
    """csv or xlsx from the file name, checked against the content: a renamed workbook is not read as text."""
    name = file_name.lower().strip()
    is_zip = content.startswith(_ZIP_MAGIC)
    if name.endswith(".xlsx"):
        if not is_zip:
            raise FileProblem("is named .xlsx but is not an Excel workbook (.xlsx)")
        return "xlsx"
    if name.endswith(".csv"):
        if is_zip or content.startswith(_OLE_MAGIC):
            raise FileProblem("is named .csv but is a spreadsheet workbook: save it as CSV (UTF-8) or .xlsx")
        return "csv"
    if name.endswith(".xls") or content.startswith(_OLE_MAGIC):
        raise FileProblem("is an old Excel .xls file: save it as .xlsx or CSV (UTF-8)")
    raise FileProblem("must be a .csv or .xlsx file")


def read_table(content: bytes, fmt: Format, *, max_rows: int) -> Table:
    """The header row and the non-blank data rows; more than ``max_rows`` data rows is a FileProblem."""
    data: list[tuple[int, list[str]]] = []
    header = _scan(content, fmt, max_rows, data.append)
    return Table(header=header, rows=data)


def survey(content: bytes, fmt: Format, *, max_rows: int) -> tuple[list[str], int]:
    """The header and the number of non-blank data rows, checked as read_table checks them, keeping no rows:
    what an upload request needs to answer at once (the rows themselves are read again by the job)."""
    count = 0

    def tally(_: tuple[int, list[str]]) -> None:
        nonlocal count
        count += 1

    return _scan(content, fmt, max_rows, tally), count


def _scan(
    content: bytes, fmt: Format, max_rows: int, keep: Callable[[tuple[int, list[str]]], None]
) -> list[str]:
    rows = _rows(content, fmt)
    kept = 0
    with _readable(fmt):
        header_row = next(rows, None)
        if header_row is None:
            raise FileProblem("is empty: row 1 must be the header with the column names")
        header = _trim(header_row)
        if not any(header):
            raise FileProblem("has no header: row 1 must hold the column names")
        for number, cells in enumerate(rows, start=2):
            # any() first: most rows have a non-empty first cell, and join+strip is only for the rest.
            if not any(cells) or not "".join(cells).strip():
                continue
            if kept >= max_rows:
                raise FileProblem(f"has more than {max_rows} data rows; split it into smaller files")
            kept += 1
            # A cell of an errors.csv dues wrote, uploaded again, comes back as the person typed it.
            if any(c[:1] == "'" for c in cells):
                cells = [csvsafe.restore(c) for c in cells]
            keep((number, cells))
    return [h.strip() for h in header]


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte order mark, so Excel opens non-ASCII names correctly and the file reads back here.
    Every cell, the header's too, goes through csvsafe.neutralise: no cell opens as a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csvsafe.neutralise_row(header))
    writer.writerows(csvsafe.neutralise_row(row) for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _trim(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def _rows(content: bytes, fmt: Format) -> Iterator[list[str]]:
    return _csv_rows(content) if fmt == "csv" else _xlsx_rows(content)


@contextmanager
def _readable(fmt: Format) -> Iterator[None]:
    """The csv module's errors, raised while rows are read, as a FileProblem."""
    try:
        yield
    except csv.Error as exc:
        raise FileProblem(f"is not a readable CSV file ({exc})") from exc


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem(
            f"is not UTF-8 text (bad byte at position {exc.start}): save it as 'CSV UTF-8' and upload again"
        ) from exc
    # The reader itself, not a generator around it: one Python frame less for each of 50,000 rows.
    return csv.reader(io.StringIO(text, newline=""), strict=False)


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    import openpyxl  # imported late: CSV uploads and the API's start-up never need it

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise FileProblem("is not a readable Excel workbook (.xlsx)") from exc
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise FileProblem("unpacks to more than 400 MB; split it into smaller files")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (KeyError, InvalidFileException, XML errors)
        raise FileProblem("is not a readable Excel workbook (.xlsx)") from exc
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        # Some writers record a wrong sheet size ("A1"); without this, read-only mode would stop there.
        sheet.reset_dimensions()  # type: ignore[union-attr]
        try:
            for values in sheet.iter_rows(min_row=1, values_only=True):
                yield [_cell_text(v) for v in values]
        except FileProblem:
            raise
        except Exception as exc:
            raise FileProblem("is not a readable Excel workbook (.xlsx)") from exc
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    """A cell as the text a person typed: whole numbers without '.0', dates as yyyy-MM-dd."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
