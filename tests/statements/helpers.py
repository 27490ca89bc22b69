"""A customer's history made through the real HTTP API, and its statement read back exactly."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from dues.kit.timefmt import today_ist
from tests.customers.helpers import payload
from tests.support import Tenant

PDFTOTEXT = Path("/usr/bin/pdftotext")
TODAY = today_ist()


def day(offset: int) -> str:
    """today (IST) plus offset days, as the API writes a date."""
    return (TODAY + timedelta(days=offset)).isoformat()


def path(customer_id: str) -> str:
    return f"/api/v0/customer/{customer_id}/statement"


def exact(response: httpx.Response) -> Any:
    """The payload of a successful envelope, its numbers as the exact decimals they were written as."""
    payload(response)
    return json.loads(response.text, parse_float=Decimal)["payload"]


async def statement(seller: Tenant, customer_id: str, **params: str) -> dict[str, Any]:
    return exact(await seller.get(path(customer_id), params=params))  # type: ignore[no-any-return]


async def invoice(
    seller: Tenant, customer_id: str, base: str, invoice_date: str, due_date: str, **fields: Any
) -> dict[str, Any]:
    """An intra-state invoice of base + 9 % CGST + 9 % SGST (1,000 → 1,180)."""
    tax = str(Decimal(base) * Decimal("0.09"))
    body = {
        "customerId": customer_id,
        "invoiceDate": invoice_date,
        "dueDate": due_date,
        "baseAmount": base,
        "cgst": tax,
        "sgst": tax,
        "partialPaymentAllowed": True,
        **fields,
    }
    return payload(await seller.post("/api/v0/invoice", json=body))  # type: ignore[no-any-return]


async def pay(
    seller: Tenant,
    customer_id: str,
    amount: str,
    paid_on: str,
    reference: str,
    allocations: list[tuple[str, str]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "mode": "NEFT",
        "amount": amount,
        "reference": reference,
        "paidOn": paid_on,
        "customerId": customer_id,
        **fields,
    }
    if allocations is not None:
        body["allocations"] = [{"invoiceId": i, "amount": a} for i, a in allocations]
    return payload(await seller.post("/api/v0/payment", json=body))  # type: ignore[no-any-return]


def rows(lines: list[dict[str, Any]]) -> list[tuple[str, str, str, Decimal, Decimal, Decimal]]:
    """(date, type, description, debit, credit, running balance) of each line."""
    return [
        (
            line["date"],
            line["type"],
            line["description"],
            line["debit"],
            line["credit"],
            line["runningBalance"],
        )
        for line in lines
    ]


def pdf_text(content: bytes, tmp: Path) -> str:
    """What pdftotext reads off the PDF, whitespace runs made single spaces."""
    if not PDFTOTEXT.exists():
        pytest.skip("pdftotext (poppler-utils) is not installed")
    source = tmp / "statement.pdf"
    source.write_bytes(content)
    read = subprocess.run(  # noqa: S603 (a fixed program on a file of the test's own)
        [str(PDFTOTEXT), "-layout", str(source), "-"], capture_output=True, check=True, text=True
    )
    return " ".join(read.stdout.split())


# What follows a line of the movements table in pdf_text: the next line's date, the aging strip, or the
# closing's words.
_AFTER_ROW = r" (?:\d\d-\d\d-\d{4} |OWED ON INVOICES|Balance (?:due|in credit) in words)"


def has_row(text: str, row: str) -> bool:
    """Whether text (pdf_text's) has row as a whole line of the movements table: nothing, such as a Dr or
    Cr, after its last figure."""
    return re.search(re.escape(row) + _AFTER_ROW, text) is not None
