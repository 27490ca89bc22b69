"""The TDS register (api.md §9.2): entries by quarter, search, Form 16A certificates, statement files."""

from __future__ import annotations

from typing import Any

import pytest

from tests.customers.helpers import assert_error, assert_invalid, payload
from tests.payments.helpers import customer, invoice
from tests.support import Tenant, TenantFactory
from tests.tds.helpers import OTHER_TAN, SEARCH, TAN, pay_with_tds, register, statement_csv, upload


async def _deduction(seller: Tenant, paid_on: str, tds: int = 100, **fields: Any) -> dict[str, Any]:
    """A payment with TDS on a new invoice of 1,18,000 (taxable 1,00,000), as the register shows it."""
    buyer = await customer(seller)
    inv = await invoice(seller, buyer, base="100000", invoiceDate="2026-03-01", dueDate="2026-12-31")
    payment = await pay_with_tds(seller, buyer, inv["invoiceId"], 118000 - tds, tds, paid_on, **fields)
    [entry] = await register(seller, customerIds=[buyer])
    assert entry["paymentId"] == payment["paymentId"]
    return entry  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("paid_on", "quarter"),
    [
        ("2026-03-31", "2025-26-Q4"),
        ("2026-04-01", "2026-27-Q1"),
        ("2026-06-30", "2026-27-Q1"),
        ("2026-07-01", "2026-27-Q2"),
        ("2026-09-30", "2026-27-Q2"),
        ("2026-10-01", "2026-27-Q3"),
    ],
)
async def test_an_entry_belongs_to_the_quarter_of_its_deduction(
    tenant: Tenant, paid_on: str, quarter: str
) -> None:
    entry = await _deduction(tenant, paid_on)
    assert (entry["deductedOn"], entry["quarter"]) == (paid_on, quarter)
    assert [e["tdsId"] for e in await register(tenant, quarter=quarter)] == [entry["tdsId"]]


async def test_search_filters_pages_and_sorts(tenant: Tenant) -> None:
    june = await _deduction(tenant, "2026-06-15", tds=100)
    july = await _deduction(tenant, "2026-07-15", tds=200, deductorTan=OTHER_TAN, section="194J")
    august = await _deduction(tenant, "2026-08-15", tds=300)

    assert [e["tdsId"] for e in await register(tenant)] == [august["tdsId"], july["tdsId"], june["tdsId"]]
    assert [e["tdsId"] for e in await register(tenant, quarter="2026-27-Q2")] == [
        august["tdsId"],
        july["tdsId"],
    ]
    assert [e["tdsId"] for e in await register(tenant, deductorTan=OTHER_TAN)] == [july["tdsId"]]
    assert [
        e["tdsId"] for e in await register(tenant, customerIds=[june["customerId"], july["customerId"]])
    ] == [
        july["tdsId"],
        june["tdsId"],
    ]
    assert await register(tenant, status="MATCHED") == []
    page = payload(
        await tenant.post(SEARCH, params={"orderBy": "amount", "direction": "ASC", "limit": 2}, json={})
    )
    assert ([e["amount"] for e in page["items"]], page["total"], page["limit"]) == ([100, 200], 3, 2)
    assert_invalid(await tenant.post(SEARCH, params={"orderBy": "secret"}, json={}), "orderBy")
    assert_invalid(await tenant.post(SEARCH, json={"quarter": "2026-Q3"}), "quarter")
    assert_invalid(await tenant.post(SEARCH, json={"deductorTan": "NOPE"}), "deductorTan")


async def test_a_form_16a_certificate_is_recorded_and_compared(
    tenant: Tenant, tenants: TenantFactory
) -> None:
    entry = await _deduction(tenant, "2026-07-15")
    path = f"/api/v0/tds/{entry['tdsId']}"

    received = payload(
        await tenant.patch(
            path, json={"certificateNumber": "QWERTYU", "certificateDate": "2026-11-15", "amount": 100.5}
        )
    )
    assert (received["status"], received["certificateNumber"], received["certificateDate"]) == (
        "CERTIFICATE_RECEIVED",
        "QWERTYU",
        "2026-11-15",
    )
    assert received["certificateAmount"] == 100.5
    # A corrected certificate for another amount: the register and the certificate disagree.
    mismatched = payload(
        await tenant.patch(
            path, json={"certificateNumber": "QWERTYU", "certificateDate": "2026-11-15", "amount": 90}
        )
    )
    assert mismatched["status"] == "MISMATCHED"
    assert payload(await tenant.get(path)) == mismatched

    assert_invalid(
        await tenant.patch(path, json={"certificateNumber": "QWERTYU", "amount": 100}), "certificateDate"
    )
    assert_invalid(
        await tenant.patch(
            path, json={"certificateNumber": "X", "certificateDate": "2099-01-01", "amount": 100}
        ),
        "certificateDate",
    )
    assert_invalid(
        await tenant.patch(
            path, json={"certificateNumber": "X", "certificateDate": "2026-07-01", "amount": 100}
        ),
        "certificateDate",
    )
    assert_invalid(
        await tenant.patch(
            path, json={"certificateNumber": "<b>", "certificateDate": "2026-11-15", "amount": 100}
        ),
        "certificateNumber",
    )
    # A viewer reads the register but records nothing; another company sees none of it.
    viewer = await tenants.user(tenant, "VIEWER")
    assert (await viewer.get(path)).status_code == 200
    assert_error(
        await viewer.patch(
            path, json={"certificateNumber": "Q", "certificateDate": "2026-11-15", "amount": 100}
        ),
        403,
        "INVALID_ACCESS",
    )
    stranger = await tenants.create("Another Seller Ltd")
    assert_error(await stranger.get(path), 404, "RECORD_NOT_FOUND")
    assert await register(stranger) == []
    assert_error(await tenant.get("/api/v0/tds/TD0000000000000X"), 404, "RECORD_NOT_FOUND")


async def test_a_certificate_after_26as_keeps_the_entry_matched_when_it_agrees(tenant: Tenant) -> None:
    entry = await _deduction(tenant, "2026-07-15")
    rows = [["1", "Buyer", TAN, "194Q", "15/07/2026", "118000", "100", "100"]]
    assert payload(await upload(tenant, "q2.csv", statement_csv(rows)))["matchedRows"] == 1
    after = payload(
        await tenant.patch(
            f"/api/v0/tds/{entry['tdsId']}",
            json={"certificateNumber": "ABCDEFG", "certificateDate": "2026-11-15", "amount": 100},
        )
    )
    assert after["status"] == "MATCHED" and after["certificateNumber"] == "ABCDEFG"


async def test_two_deductions_a_row_cannot_tell_apart_are_ambiguous(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    for _ in range(2):
        inv = await invoice(tenant, buyer, base="100000", invoiceDate="2026-03-01")
        await pay_with_tds(tenant, buyer, inv["invoiceId"], 117900, 100, "2026-08-01")
    rows = [["1", "Buyer", TAN, "194Q", "2026-08-01", "118000", "100", "100"]]
    result = payload(await upload(tenant, "q2.csv", statement_csv(rows)))
    [row] = result["rows"]
    assert row["status"] == "AMBIGUOUS" and len(row["candidateIds"]) == 2
    assert len(result["unmatchedEntries"]) == 2


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("26as.csv", b"", "is empty"),
        ("26as.pdf", b"%PDF-1.4", "must be a .csv or .xlsx file"),
        (
            "26as.csv",
            b"TAN,Section,Transaction Date\r\nMUMA12345B,194Q,2026-08-01\r\n",
            "no column for tax deducted",
        ),
        ("26as.csv", b"TAN,Section,Transaction Date,Tax Deducted\r\n", "no data rows"),
    ],
)
async def test_a_statement_that_cannot_be_read_is_refused_naming_the_file(
    tenant: Tenant, name: str, content: bytes, says: str
) -> None:
    refused = assert_invalid(await upload(tenant, name, content), "file")
    assert says in refused["file"]["message"]


async def test_rows_that_cannot_be_read_are_answered_unmatched_with_the_reason(tenant: Tenant) -> None:
    rows = [["1", "Buyer", "BADTAN", "194Q", "someday", "", "1.00", ""]]
    [row] = payload(await upload(tenant, "26as.csv", statement_csv(rows)))["rows"]
    assert (
        row["status"] == "UNMATCHED"
        and "is not a TAN" in row["message"]
        and "is not a date" in row["message"]
    )
