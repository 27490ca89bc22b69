"""Files to upload and the calls that upload them and wait for the job."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import httpx

from dues.db import Database
from tests.conftest import run_jobs
from tests.support import Tenant, gstin_for

HEADER = [
    "legalName",
    "panOrGstin",
    "email",
    "contactNumber",
    "state",
    "pinCode",
    "uniqueRefNo",
    "branchCodes",
]


def good_row(n: int, prefix: str = "R") -> list[str]:
    return [
        f"Customer {n} Pvt Ltd",
        gstin_for("27", n),
        f"accounts{n}@example.com",
        "9876543210",
        "Maharashtra",
        "411001",
        f"{prefix}-{n:05d}",
        "PUN;MUM",
    ]


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[Any]], bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def read_csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


async def upload(
    tenant: Tenant,
    content: bytes,
    name: str = "customers.csv",
    path: str = "/api/v0/customer/bulk",
    **params: Any,
) -> httpx.Response:
    return await tenant.post(path, files={"file": (name, content, "text/csv")}, params=params)


async def accepted(tenant: Tenant, content: bytes, **kw: Any) -> str:
    response = await upload(tenant, content, **kw)
    assert response.status_code == 200, response.text
    payload = response.json()["payload"]
    assert payload["status"] == "PROCESSING"
    return str(payload["uploadId"])


async def status(tenant: Tenant, upload_id: str, **params: Any) -> dict[str, Any]:
    response = await tenant.get(f"/api/v0/upload/{upload_id}", params=params)
    assert response.status_code == 200, response.text
    return response.json()["payload"]  # type: ignore[no-any-return]


async def finished(database: Database, tenant: Tenant, upload_id: str) -> dict[str, Any]:
    """Run the queued jobs with a real worker, then the upload as the API reports it."""
    await run_jobs(database)
    payload = await status(tenant, upload_id)
    assert payload["status"] == "COMPLETED", payload
    return payload


async def customer_total(tenant: Tenant, **filters: Any) -> int:
    response = await tenant.post("/api/v0/customer/search", json=filters)
    assert response.status_code == 200, response.text
    return int(response.json()["payload"]["total"])


def by_row(payload: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {r["row"]: r for r in payload["rows"]}
