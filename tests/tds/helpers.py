"""TDS payments, statements (CSV and XLSX) and register calls, through the real HTTP API."""

from __future__ import annotations

import csv
import io
from itertools import count
from typing import Any

import httpx

from tests.customers.helpers import payload
from tests.support import Tenant

TAN = "MUMA12345B"
OTHER_TAN = "DELB54321C"
SEARCH = "/api/v0/tds/search"
STATEMENT = "/api/v0/tds/statement"
HEADER = [
    "Sr. No.",
    "Name of Deductor",
    "TAN of Deductor",
    "Section",
    "Transaction Date",
    "Amount Paid / Credited (Rs.)",
    "Tax Deducted (Rs.)",
    "TDS Deposited (Rs.)",
]
_references = count(1)


async def pay_with_tds(
    seller: Tenant,
    customer_id: str,
    invoice_id: str,
    cash: Any,
    tds: Any,
    paid_on: str,
    section: str = "194Q",
    tan: str = TAN,
    **fields: Any,
) -> dict[str, Any]:
    body = {
        "mode": "NEFT",
        "amount": cash,
        "reference": f"UTRTDS{next(_references):08d}",
        "paidOn": paid_on,
        "customerId": customer_id,
        "tdsSection": section,
        "deductorTan": tan,
        "allocations": [{"invoiceId": invoice_id, "amount": cash, "tdsAmount": tds}],
        **fields,
    }
    return payload(await seller.post("/api/v0/payment", json=body))  # type: ignore[no-any-return]


async def register(seller: Tenant, **filters: Any) -> list[dict[str, Any]]:
    return payload(await seller.post(SEARCH, json=filters))["items"]  # type: ignore[no-any-return]


def statement_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


def statement_xlsx(rows: list[list[Any]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(seller: Tenant, name: str, content: bytes) -> httpx.Response:
    kind = (
        "text/csv"
        if name.endswith(".csv")
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return await seller.post(STATEMENT, files={"file": (name, content, kind)})
