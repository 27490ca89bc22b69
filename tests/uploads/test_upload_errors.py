"""A file that cannot be taken as a whole is refused at once, in the envelope, with a reason to act on."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator

import httpx
import openpyxl
import pytest
import pytest_asyncio

from dues.app import create_app
from dues.config import Settings
from dues.db import Database
from tests.support import Tenant, TenantFactory
from tests.uploads.helpers import HEADER, csv_bytes, finished, good_row, upload


def _refused(response: httpx.Response, fragment: str, field: str = "file") -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["payload"] is None and body["response_code"] == 422
    error = body["errorResponse"]
    assert error["errorType"] == "VALIDATION_ERROR"
    assert fragment in error["errorMessage"], error["errorMessage"]
    assert field in [s["field"] for s in error["apiSubErrors"]]


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("customers.pdf", b"%PDF-1.4 not a table", "must be a .csv or .xlsx file"),
        ("customers", b"legalName\nA\n", "must be a .csv or .xlsx file"),
        ("customers.xls", b"\xd0\xcf\x11\xe0 old excel", "old Excel .xls"),
        ("customers.xlsx", b"legalName\nA\n", "is not an Excel workbook"),
        ("customers.csv", _xlsx([["legalName"], ["A"]]), "save it as CSV (UTF-8) or .xlsx"),
        ("customers.xlsx", b"PK\x03\x04 truncated zip", "not a readable Excel workbook"),
        ("customers.csv", "legalName\nCafé\n".encode("latin-1"), "is not UTF-8 text"),
        ("customers.csv", b"", "is empty"),
        ("customers.csv", b"\r\n\r\n", "has no header"),
        ("customers.csv", b"legalName,email\r\n", "has a header row but no data rows"),
        ("customers.csv", b"legalName\r\n,\r\n  \r\n", "has a header row but no data rows"),
    ],
)
async def test_a_file_that_is_not_a_usable_table_is_refused(
    tenant: Tenant, name: str, content: bytes, fragment: str
) -> None:
    _refused(await upload(tenant, content, name=name), fragment)


async def test_unknown_columns_are_ignored_and_named(committed: Database, seller: Tenant) -> None:
    # api.md §4.1: a column that is neither ours nor EnKash's never fails the file; the upload names it.
    header = ["legalName", "Email Address", "gst", "email", "errors"]
    response = await upload(seller, csv_bytes(header, [["Gamma Ltd", "x@y.example", "1", "a@b.example", ""]]))
    assert response.status_code == 200, response.text
    assert response.json()["payload"]["ignoredColumns"] == ["Email Address", "gst"]
    done = await finished(committed, seller, response.json()["payload"]["uploadId"])
    assert done["ignoredColumns"] == ["Email Address", "gst"]
    assert (done["succeeded"], done["failed"]) == (1, 0)
    found = await seller.post("/api/v0/customer/search", json={"legalName": "Gamma Ltd"})
    [customer] = found.json()["payload"]["items"]
    assert customer["email"] == "a@b.example"


@pytest.mark.parametrize(
    ("header", "field", "fragment"),
    [
        (["email", "state"], "legalName", "the column is required"),
        (["legalName", "email", "EMAIL"], "EMAIL", "appears twice"),
        (["legalName", "", "email"], "column 2", "has no name"),
        (["customerId", "legalName"], "customerId", "/api/v0/customer/bulk/update"),
    ],
)
async def test_a_header_that_cannot_be_used_is_explained(
    tenant: Tenant, header: list[str], field: str, fragment: str
) -> None:
    response = await upload(tenant, csv_bytes(header, [["x"] * len(header)]))

    _refused(response, "", field=field)
    subs = {s["field"]: s["message"] for s in response.json()["errorResponse"]["apiSubErrors"]}
    assert fragment in subs[field]


async def test_a_request_without_a_file_is_refused(tenant: Tenant) -> None:
    _refused(await tenant.post("/api/v0/customer/bulk", data={"other": "x"}), "is required")
    _refused(await tenant.post("/api/v0/customer/bulk", json={"rows": []}), "is required")


@pytest_asyncio.fixture(loop_scope="session")
async def small_limits(db: Database, tmp_path: object) -> AsyncIterator[TenantFactory]:
    settings = Settings(
        home=tmp_path,  # type: ignore[arg-type]
        jwt_secret=os.environ["DUES_JWT_SECRET"],
        inprocess_worker=False,
        upload_max_rows=3,
        upload_max_bytes=2000,
    )
    transport = httpx.ASGITransport(app=create_app(settings, db))
    async with httpx.AsyncClient(transport=transport, base_url="http://dues.test") as client:
        yield TenantFactory(db, client)


async def test_a_file_over_the_row_limit_is_refused(small_limits: TenantFactory) -> None:
    tenant = await small_limits.create()
    fine = await upload(tenant, csv_bytes(HEADER, [good_row(n) for n in range(3)]))
    assert fine.status_code == 200, fine.text

    # Blank rows do not count; the fourth data row does.
    blank_rows = csv_bytes(HEADER, [good_row(1), [], good_row(2), [""] * 8, good_row(3)])
    assert (await upload(tenant, blank_rows)).status_code == 200
    _refused(
        await upload(tenant, csv_bytes(HEADER, [good_row(n) for n in range(4)])), "more than 3 data rows"
    )


async def test_a_file_over_the_size_limit_is_refused(small_limits: TenantFactory) -> None:
    tenant = await small_limits.create()
    big = csv_bytes(["legalName", "address"], [["A", "x" * 2100]])

    _refused(await upload(tenant, big), "is larger than")
