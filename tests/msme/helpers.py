"""MSME sellers, their invoices and the bank rates, through the real HTTP API; PDFs read back as text."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.customers.helpers import payload
from tests.support import Tenant, TenantFactory

COMPANY = "/api/v0/company"
INVOICES = "/api/v0/invoice"
RATES = "/api/v0/msme/bank-rates"
UDYAM = "UDYAM-MH-19-0001234"


async def msme_seller(
    tenants: TenantFactory, category: str | None = "SMALL", *, registered: bool = False, **settings: Any
) -> Tenant:
    """A seller in Maharashtra of that MSME category (None: not set). Unregistered under GST by default, so
    its invoices are bills of supply whose total is the base amount: round figures for the hand cases."""
    seller = await tenants.create("Udyog Castings", registered=registered)
    if category is not None:
        settings = {"msmeCategory": category, "udyamNumber": UDYAM, **settings}
    if settings:
        payload(await seller.patch(COMPANY, json=settings))
    return seller


async def bill(
    seller: Tenant, customer_id: str, invoice_date: date, due_date: date, amount: str
) -> dict[str, Any]:
    """An invoice of ``amount`` with no GST (the seller is not registered): its total is the amount."""
    body = {
        "customerId": customer_id,
        "invoiceDate": invoice_date.isoformat(),
        "dueDate": due_date.isoformat(),
        "baseAmount": amount,
        "partialPaymentAllowed": True,
    }
    return payload(await seller.post(INVOICES, json=body))  # type: ignore[no-any-return]


async def pay(
    seller: Tenant, customer_id: str, invoice_id: str, amount: str, paid_on: date
) -> dict[str, Any]:
    body = {
        "mode": "NEFT",
        "amount": amount,
        "reference": f"UTR{invoice_id[-10:]}{paid_on:%m%d}",
        "paidOn": paid_on.isoformat(),
        "customerId": customer_id,
        "allocations": [{"invoiceId": invoice_id, "amount": amount}],
    }
    return payload(await seller.post("/api/v0/payment", json=body))  # type: ignore[no-any-return]


async def bank_rates(seller: Tenant) -> list[tuple[date, Decimal]]:
    """The table as the API gives it, as (effective from, bank rate)."""
    return [
        (date.fromisoformat(r["effectiveFrom"]), Decimal(str(r["bankRate"])))
        for r in payload(await seller.get(RATES))
    ]


def pdf_text(content: bytes) -> str:
    """The PDF's text as poppler's pdftotext reads it, on one line with single spaces."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian package poppler-utils) not installed")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(content)
        extracted = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            ["pdftotext", str(path), "-"],  # noqa: S607
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
    return " ".join(extracted.split())
