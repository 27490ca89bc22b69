"""Tabular files (CSV and XLSX) read into a header and rows of strings, without any web framework.

Row numbers are the ones a spreadsheet shows: the header is row 1 and the first data row is row 2. Blank rows
are left out of the data but keep their place in the numbering, so a row number always points at the line a
person sees when opening the file.
"""

from __future__ import annotations

import asyncio
import csv
import functools
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from time import monotonic
from typing import Any, Literal, ParamSpec, TypeVar

from dues.kit import csvsafe

Format = Literal["csv", "xlsx"]

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
# An XLSX part (over 1 MB) packed more tightly than this is not a spreadsheet of data but a "zip bomb": a
# 744 KB file that unpacks to 390 MB packs 1 to 524. Sheets written by Excel, LibreOffice or openpyxl pack
# about 1 to 5..20 (50,000 rows of 25 columns: 74 MB in 5.6 MB, 1 to 13).
MAX_COMPRESSION_RATIO = 100
_RATIO_FLOOR = 1024 * 1024
# Excel's own last row: past it a sheet is not one Excel could have written.
EXCEL_MAX_ROWS = 1_048_576
_CLOCK_EVERY = 1024  # rows between looks at the clock
MAX_COLUMNS = 256

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Limits:
    """How far reading a file may go before it is refused: rows are ``max_rows`` (read_table's argument)."""

    max_unpacked_bytes: int = 200 * 1024 * 1024
    max_seconds: float = 300.0


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


def read_table(content: bytes, fmt: Format, *, max_rows: int, limits: Limits = Limits()) -> Table:
    """The header row and the non-blank data rows; more than ``max_rows`` data rows is a FileProblem."""
    data: list[tuple[int, list[str]]] = []
    header = _scan(content, fmt, max_rows, limits, data.append)
    return Table(header=header, rows=data)


def survey(content: bytes, fmt: Format, *, max_rows: int, limits: Limits = Limits()) -> tuple[list[str], int]:
    """The header and the number of non-blank data rows, checked as read_table checks them, keeping no rows:
    what an upload request needs to answer at once (the rows themselves are read again by the job)."""
    count = 0

    def tally(_: tuple[int, list[str]]) -> None:
        nonlocal count
        count += 1

    return _scan(content, fmt, max_rows, limits, tally), count


# Files are read in these threads, never on the event loop: a large or hostile file then delays only its own
# request or job, while every other request is answered. Two at once at most, so hostile files sent together
# queue behind each other rather than take every core.
_READERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="dues-files")


async def off_loop(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``function(*args, **kwargs)`` (read_table, survey) in a file-reading thread, awaited."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_READERS, functools.partial(function, *args, **kwargs))


def _scan(
    content: bytes,
    fmt: Format,
    max_rows: int,
    limits: Limits,
    keep: Callable[[tuple[int, list[str]]], None],
) -> list[str]:
    deadline = monotonic() + limits.max_seconds
    rows = _csv_rows(content) if fmt == "csv" else _xlsx_rows(content, limits)
    kept = 0
    with _readable(fmt):
        header_row = next(rows, None)
        if header_row is None:
            raise FileProblem("is empty: row 1 must be the header with the column names")
        header = _trim(header_row)
        if not any(header):
            raise FileProblem("has no header: row 1 must hold the column names")
        for number, cells in enumerate(rows, start=2):
            if number % _CLOCK_EVERY == 0:
                if monotonic() > deadline:
                    raise FileProblem(
                        f"took more than {limits.max_seconds:g} seconds to read (stopped at row {number}); "
                        "split it into smaller files or save it as CSV"
                    )
                if number > EXCEL_MAX_ROWS:
                    raise FileProblem(f"has more than {EXCEL_MAX_ROWS:,} rows, more than a spreadsheet holds")
            # any() first: most rows have a non-empty first cell, and join+strip is only for the rest.
            if not any(cells) or not "".join(cells).strip():
                continue
            if kept >= max_rows:
                raise FileProblem(f"has more than {max_rows:,} data rows; split it into smaller files")
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


def check_archive(content: bytes, limits: Limits) -> None:
    """Refuse an XLSX whose parts, by the sizes its zip directory declares, unpack to more than the limit or
    are packed too tightly to be data, before a byte of it is inflated. The declared sizes bind: Python's
    zipfile stops inflating a part at its declared size (and then fails its CRC check), so a part that lies
    about its size is read only as far as the size it gave, and then refused as unreadable."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise FileProblem("is not a readable Excel workbook (.xlsx)") from exc
    limit_mb = limits.max_unpacked_bytes // (1024 * 1024)
    if sum(p.file_size for p in parts) > limits.max_unpacked_bytes:
        raise FileProblem(
            f"unpacks to more than {limit_mb} MB; split it into smaller files or save it as CSV"
        )
    for part in parts:
        packed = max(part.compress_size, 1)
        if part.file_size > _RATIO_FLOOR and part.file_size > MAX_COMPRESSION_RATIO * packed:
            raise FileProblem(
                f"unpacks to {part.file_size / (1024 * 1024):,.0f} MB from {packed / 1024:,.0f} KB, more "
                f"than {MAX_COMPRESSION_RATIO} times its size, as no spreadsheet of data does; save it "
                "again from the spreadsheet program, or as CSV"
            )


def _xlsx_rows(content: bytes, limits: Limits) -> Iterator[list[str]]:
    import openpyxl  # imported late: CSV uploads and the API's start-up never need it

    check_archive(content, limits)
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
                # openpyxl fills a row up to its last cell: one cell at column XFD makes 16,384 values, and
                # a sheet of such rows would take minutes and gigabytes to turn into text.
                if len(values) > MAX_COLUMNS:
                    if values.count(None) != len(values) - MAX_COLUMNS + values[:MAX_COLUMNS].count(None):
                        raise FileProblem(f"has a cell beyond column {MAX_COLUMNS}; no upload has that many")
                    values = values[:MAX_COLUMNS]
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
