"""The uploads pages through the app: sending a file from the form, its progress and per-row results, the
failed rows as errors.csv, refusals kept on the form, roles, and another company's uploads out of reach."""

from __future__ import annotations

import re

import httpx

from dues.db import Database
from tests.conftest import run_jobs
from tests.support import Tenant, TenantFactory
from tests.uploads.helpers import HEADER, csv_bytes, good_row, read_csv
from tests.web.test_shell import sign_in

BAD_PIN = "12"


def customers_file(prefix: str = "W") -> bytes:
    bad = good_row(3, prefix)
    bad[0] = '=HYPERLINK("https://evil.example")'
    bad[5] = BAD_PIN
    return csv_bytes(HEADER, [good_row(1, prefix), good_row(2, prefix), bad])


async def send(
    http: httpx.AsyncClient,
    cookie: dict[str, str],
    content: bytes,
    kind: str = "CUSTOMER_CREATE",
    **more: str,
) -> httpx.Response:
    return await http.post(
        "/app/uploads",
        headers=cookie,
        data={"kind": kind, **more},
        files={"file": ("customers.csv", content, "text/csv")},
    )


def upload_form(page: httpx.Response) -> str:
    found = re.search(r'<form method="post" action="/app/uploads".*?</form>', page.text, re.S)
    assert found, page.text
    return found.group(0)


def upload_id_of(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/app/uploads/(UP[A-Z0-9]{14})", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


async def test_a_file_sent_from_the_form_is_processed_and_reported_row_by_row(
    committed: Database, live_tenants: TenantFactory
) -> None:
    seller = await live_tenants.create()
    cookie = await sign_in(seller)
    form = await seller.http.get("/app/uploads", headers=cookie)
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.text and 'type="file"' in form.text
    assert "data-dropzone" in form.text

    sent = await send(seller.http, cookie, customers_file())
    upload_id = upload_id_of(sent)
    assert "accepted%20as%20upload" in sent.headers["set-cookie"]  # the flash the next page shows

    waiting = await seller.http.get(f"/app/uploads/{upload_id}", headers=cookie)
    assert waiting.status_code == 200
    assert 'id="upload-progress"' in waiting.text and "data-progress-url" in waiting.text
    assert 'id="refresh"' in waiting.text
    assert '<meta http-equiv="refresh"' not in waiting.text
    progress = await seller.http.get(f"/app/uploads/{upload_id}/progress", headers=cookie)
    assert progress.json() == {
        "status": "PROCESSING", "done": False, "totalRows": 3, "rowsDone": 0,
        "succeeded": 0, "failed": 0, "skipped": 0,
    }  # fmt: skip

    await run_jobs(committed)

    progress = await seller.http.get(f"/app/uploads/{upload_id}/progress", headers=cookie)
    assert progress.json()["done"] is True
    assert (progress.json()["rowsDone"], progress.json()["succeeded"], progress.json()["failed"]) == (3, 2, 1)
    done = await seller.http.get(f"/app/uploads/{upload_id}", headers=cookie)
    assert (
        'value="3"' in done.text and "data-progress-url" not in done.text and 'id="refresh"' not in done.text
    )
    rows = re.findall(r'<tr id="row-(\d+)">(.*?)</tr>', done.text, re.S)
    assert [int(n) for n, _ in rows] == [2, 3, 4]
    assert all("Created" in cells and "/app/customers/KC" in cells for _, cells in rows[:2])
    assert "Failed" in rows[2][1] and "pinCode" in rows[2][1]
    assert 'id="errors-csv"' in done.text

    errors = await seller.http.get(f"/app/uploads/{upload_id}/errors.csv", headers=cookie)
    assert errors.status_code == 200 and errors.headers["content-type"].startswith("text/csv")
    table = read_csv(errors.content)
    assert table[0] == [*HEADER, "errors"]
    assert len(table) == 2 and table[1][5] == BAD_PIN and "pinCode" in table[1][-1]
    assert table[1][0].startswith("'=")  # a formula cell never opens as one

    listed = await seller.http.get("/app/uploads", headers=cookie)
    line = re.search(r"<tr>\s*<td data-label=\"File\">.*?</tr>", listed.text, re.S)
    assert line and f"/app/uploads/{upload_id}" in line.group(0)
    assert seller.username in line.group(0) and "Completed" in line.group(0)
    filtered = await seller.http.get("/app/uploads?status=FAILED", headers=cookie)
    assert upload_id not in filtered.text and 'id="no-uploads"' in filtered.text


async def test_a_refused_file_comes_back_with_the_reason_and_the_choice_kept(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    empty = await send(tenant.http, cookie, b"", kind="CUSTOMER_UPDATE", dryRun="on")
    assert empty.status_code == 422
    assert 'id="form-error"' in empty.text and "is empty" in empty.text
    assert 'id="e-file"' in empty.text
    assert (
        '<option value="CUSTOMER_UPDATE" selected>' in empty.text
        and 'name="dryRun" id="f-dryRun" checked' in empty.text
    )
    header_only = await send(tenant.http, cookie, csv_bytes(HEADER, []))
    assert header_only.status_code == 422 and "no data rows" in header_only.text
    wrong_columns = await send(tenant.http, cookie, csv_bytes(["colour"], [["blue"]]))
    assert wrong_columns.status_code == 422 and 'id="form-error"' in wrong_columns.text
    nothing = await tenant.http.post("/app/uploads", headers=cookie, data={"kind": "CUSTOMER_CREATE"})
    assert nothing.status_code == 422 and "choose a CSV or XLSX file" in nothing.text
    listed = await tenant.http.get("/app/uploads", headers=cookie)
    assert 'id="no-uploads"' in listed.text


async def test_a_viewer_sees_uploads_but_no_form_and_cannot_post(
    tenants: TenantFactory, tenant: Tenant
) -> None:
    viewer = await sign_in(await tenants.user(tenant, "VIEWER"))
    page = await tenant.http.get("/app/uploads", headers=viewer)
    assert page.status_code == 200 and 'id="upload-form"' not in page.text
    refused = await send(tenant.http, viewer, customers_file())
    assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]


async def test_only_invoice_makers_are_offered_invoice_files(tenants: TenantFactory, tenant: Tenant) -> None:
    checker = await sign_in(await tenants.user(tenant, "CHECKER"))
    page = upload_form(await tenant.http.get("/app/uploads", headers=checker))
    assert 'value="CUSTOMER_CREATE"' in page and 'value="INVOICE_CREATE"' not in page
    refused = await send(tenant.http, checker, b"customerId\nKC1\n", kind="INVOICE_CREATE")
    assert refused.status_code == 403 and "ADMIN or a MAKER" in refused.text
    admin = upload_form(await tenant.http.get("/app/uploads", headers=await sign_in(tenant)))
    assert 'value="INVOICE_CREATE"' in admin


async def test_another_companys_upload_is_not_found(committed: Database, live_tenants: TenantFactory) -> None:
    owner = await live_tenants.create()
    upload_id = upload_id_of(await send(owner.http, await sign_in(owner), customers_file("X")))
    other = await sign_in(await live_tenants.create())
    for path in ("", "/progress", "/errors.csv"):
        response = await owner.http.get(f"/app/uploads/{upload_id}{path}", headers=other)
        assert response.status_code == 404, path
        assert "text/html" in response.headers["content-type"] and "customers.csv" not in response.text
    garbage = await owner.http.get("/app/uploads/UPnot-an-id", headers=other)
    assert garbage.status_code == 404
