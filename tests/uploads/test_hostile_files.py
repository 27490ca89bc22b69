"""Hostile spreadsheets (issue 11): a zip bomb, a part that lies about its size, a sheet too slow to read, a
row as wide as Excel allows. Each is refused with a clear 422 while it is read, without inflating it whole,
and the API goes on answering other requests meanwhile. The files are made here, never committed."""

from __future__ import annotations

import asyncio
import io
import struct
import time
import zipfile
from collections.abc import Iterable, Iterator

import httpx
import openpyxl
import pytest

from dues.config import get_settings
from dues.kit import files
from tests.support import Tenant
from tests.test_envelope import assert_error
from tests.uploads.helpers import upload

SHEET = "xl/worksheets/sheet1.xml"
_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_TAIL = b"</sheetData></worksheet>"
MB = 1024 * 1024


def workbook(sheet_chunks: Iterable[bytes]) -> bytes:
    """A real workbook (openpyxl's own parts) whose first sheet is the given XML, streamed in chunks."""
    book = openpyxl.Workbook()
    book.active.append(["legalName", "state"])  # type: ignore[union-attr]
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zipped,
    ):
        for info in source.infolist():
            if info.filename != SHEET:
                zipped.writestr(info.filename, source.read(info))
        with zipped.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(_HEAD)
            for chunk in sheet_chunks:
                sheet.write(chunk)
            sheet.write(_TAIL)
    return out.getvalue()


def repeated_rows(total_bytes: int) -> Iterator[bytes]:
    """Rows of identical cells, as a zip bomb has them: they pack about 1 to 1000."""
    row = b'<row><c t="inlineStr"><is><t>' + b"A" * 40 + b"</t></is></c>" * 1 + b"</row>"
    chunk = row * (MB // len(row))
    for _ in range(total_bytes // len(chunk)):
        yield chunk


def numbered_rows(count: int, width: int = 8) -> Iterator[bytes]:
    """Ordinary rows of numbers, packing about 1 to 10 as real data does."""
    batch: list[bytes] = []
    for n in range(count):
        cells = b"".join(b"<c><v>%d</v></c>" % (n * width + i) for i in range(width))
        batch.append(b"<row>" + cells + b"</row>")
        if len(batch) == 5000:
            yield b"".join(batch)
            batch = []
    yield b"".join(batch)


@pytest.fixture
def bomb() -> bytes:
    # 250 MB of sheet (more than the 200 MB limit, less than the 400 MB the old check allowed) in < 1 MB.
    content = workbook(repeated_rows(250 * MB))
    assert len(content) < MB
    return content


def test_a_zip_bomb_is_refused_from_its_declared_sizes(bomb: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(files.FileProblem, match="unpacks to more than 200 MB"):
        files.survey(bomb, "xlsx", max_rows=50_000)
    assert time.perf_counter() - started < 0.5  # nothing inflated


def test_a_part_packed_more_than_100_to_1_is_refused_below_the_size_limit() -> None:
    content = workbook(repeated_rows(50 * MB))
    with pytest.raises(files.FileProblem, match="more than 100 times its size"):
        files.survey(content, "xlsx", max_rows=50_000)


def _lie_about_size(content: bytes, name: str, declared: int) -> bytes:
    """The zip with ``name``'s uncompressed size rewritten to ``declared`` in the central directory, which is
    where zipfile (and so openpyxl) reads it."""
    data = bytearray(content)
    encoded = name.encode()
    at = data.find(b"PK\x01\x02")
    while at != -1:  # central directory entries
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + name_length]) == encoded:
            struct.pack_into("<I", data, at + 24, declared)
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def test_a_part_that_lies_about_its_size_is_read_no_further_than_it_says() -> None:
    honest = workbook(repeated_rows(150 * MB))
    lying = _lie_about_size(honest, SHEET, 512 * 1024)
    with zipfile.ZipFile(io.BytesIO(lying)) as archive:
        assert archive.getinfo(SHEET).file_size == 512 * 1024  # passes both checks by its word
    started = time.perf_counter()
    with pytest.raises(files.FileProblem, match="not a readable Excel workbook"):
        files.survey(lying, "xlsx", max_rows=50_000)
    assert time.perf_counter() - started < 2  # 512 KB read, not 150 MB


def test_rows_past_the_limit_stop_the_reading() -> None:
    content = workbook(numbered_rows(60_000, width=2))
    with pytest.raises(files.FileProblem, match="more than 50,000 data rows"):
        files.survey(content, "xlsx", max_rows=50_000)


def test_a_sheet_taking_too_long_is_stopped() -> None:
    content = workbook(numbered_rows(20_000))
    with pytest.raises(files.FileProblem, match=r"took more than 0\.2 seconds to read"):
        files.survey(content, "xlsx", max_rows=50_000, limits=files.Limits(max_seconds=0.2))


def test_a_row_as_wide_as_excel_allows_is_refused() -> None:
    header = b'<row><c t="inlineStr"><is><t>legalName</t></is></c></row>'
    content = workbook([header, b'<row><c t="inlineStr"><is><t>x</t></is></c><c r="XFD2"><v>1</v></c></row>'])
    with pytest.raises(files.FileProblem, match="beyond column 256"):
        files.survey(content, "xlsx", max_rows=50_000)
    # Empty cells out there (formatting) are no reason to refuse: the row is cut at column 256.
    wide = workbook([header, b'<row><c t="inlineStr"><is><t>x</t></is></c><c r="XFD2"/></row>'])
    assert files.survey(wide, "xlsx", max_rows=50_000) == (["legalName"], 1)


@pytest.fixture
def slow_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DUES_UPLOAD_PARSE_SECONDS", "1.5")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("DUES_UPLOAD_PARSE_SECONDS")
    get_settings.cache_clear()


async def _during(seller: Tenant, content: bytes) -> tuple[list[float], float, httpx.Response]:
    """Upload the file and, until its answer comes, keep asking for something else: how long each round of
    asking took, how long the upload's answer took, and that answer."""
    began = time.perf_counter()
    sending = asyncio.create_task(upload(seller, content, name="customers.xlsx"))
    waits: list[float] = []
    while not sending.done():
        # Each round: one request answered, then a short pause. A round is slow when either the request or
        # the event loop itself (the pause ends late) waited on the file.
        asked = time.perf_counter()
        other = await seller.get("/api/v0/company")
        assert other.status_code == 200
        await asyncio.sleep(0.05)
        waits.append(time.perf_counter() - asked)
    response = await sending
    return waits, time.perf_counter() - began, response


async def test_other_requests_answer_while_a_slow_file_is_refused(slow_reads: None, seller: Tenant) -> None:
    content = workbook(numbered_rows(45_000))
    waits, upload_took, response = await _during(seller, content)
    assert max(waits) < 1, f"a request made during the upload took {max(waits):.2f} s"
    assert len(waits) >= 5, waits  # asked again and again while the file was read
    error = assert_error(response, 422, "VALIDATION_ERROR")
    assert "took more than 1.5 seconds to read" in error["apiSubErrors"][0]["message"]
    assert upload_took < 10


async def test_a_zip_bomb_upload_is_refused_at_once_and_the_api_answers(seller: Tenant, bomb: bytes) -> None:
    waits, upload_took, response = await _during(seller, bomb)
    assert max(waits) < 1
    assert upload_took < 5
    error = assert_error(response, 422, "VALIDATION_ERROR")
    assert error["apiSubErrors"][0]["field"] == "file"
    assert "unpacks to more than 200 MB" in error["apiSubErrors"][0]["message"]
