"""The company logo (api.md §1.7): PUT, GET and DELETE /api/v0/company/logo, and the logo on the documents."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import text

from dues.db import Database
from tests.customers.helpers import assert_error
from tests.documents.samples import SVG_LOGO, png
from tests.support import Tenant, TenantFactory, gstin_for

LOGO = "/api/v0/company/logo"


async def _put(tenant: Tenant, content: bytes, content_type: str = "image/png") -> httpx.Response:
    return await tenant.put(LOGO, content=content, headers={"Content-Type": content_type})


def _refused(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    error = response.json()["errorResponse"]
    assert error["errorType"] == "VALIDATION_ERROR"
    [sub] = error["apiSubErrors"]
    assert sub["field"] == "logo"
    return str(sub["message"])


async def test_a_png_logo_is_kept_served_and_removed(tenant: Tenant) -> None:
    image = png(300, 90)

    put = await _put(tenant, image)

    assert put.status_code == 200, put.text
    assert put.json()["payload"] == {"contentType": "image/png", "size": len(image)}
    got = await tenant.get(LOGO)
    assert got.status_code == 200
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.content == image
    assert (await tenant.get("/api/v0/company")).json()["payload"]["logoContentType"] == "image/png"

    deleted = await tenant.delete(LOGO)

    assert deleted.status_code == 200, deleted.text
    assert_error(await tenant.get(LOGO), 404, "RECORD_NOT_FOUND")
    assert (await tenant.get("/api/v0/company")).json()["payload"]["logoContentType"] is None
    # Removing what is not there is not an error.
    assert (await tenant.delete(LOGO)).status_code == 200


async def test_an_svg_logo_as_a_multipart_file_replaces_the_png(tenant: Tenant) -> None:
    assert (await _put(tenant, png(40, 40))).status_code == 200

    put = await tenant.put(LOGO, files={"file": ("logo.svg", SVG_LOGO, "image/svg+xml")})

    assert put.status_code == 200, put.text
    assert put.json()["payload"] == {"contentType": "image/svg+xml", "size": len(SVG_LOGO)}
    got = await tenant.get(LOGO)
    assert got.headers["content-type"].startswith("image/svg+xml")
    assert "default-src 'none'" in got.headers["content-security-policy"]
    assert got.content == SVG_LOGO


async def test_what_the_bytes_are_decides_not_the_content_type(tenant: Tenant) -> None:
    put = await _put(tenant, SVG_LOGO, "application/octet-stream")

    assert put.status_code == 200, put.text
    assert put.json()["payload"]["contentType"] == "image/svg+xml"


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "is empty"),
        (b"GIF89a\x01\x00\x01\x00", "neither a PNG nor an SVG"),
        (b"%PDF-1.7 not an image", "neither a PNG nor an SVG"),
        (png(30, 10)[:-20], "PNG"),
        (png(5000, 1), "5000 × 1 pixels"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script>"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>',
            "onload",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>',
            "DOCTYPE",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg">'
            b'<image href="file:///etc/passwd" width="9" height="9"/></svg>',
            "outside itself",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="1"', "well-formed"),
        (b"<svg><rect width='1' height='1'/></svg>", "root must be"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0"/>', "could not be drawn"),
    ],
    ids=[
        "empty",
        "gif",
        "pdf",
        "cut-png",
        "huge-png",
        "script",
        "handler",
        "entities",
        "external-file",
        "broken-xml",
        "no-namespace",
        "no-size",
    ],
)
async def test_anything_but_a_drawable_png_or_svg_is_refused(
    tenant: Tenant, content: bytes, why: str
) -> None:
    assert why in _refused(await _put(tenant, content))
    assert_error(await tenant.get(LOGO), 404, "RECORD_NOT_FOUND")


async def test_a_logo_may_be_512_kb_and_no_more(tenant: Tenant) -> None:
    pad = b"<!-- " + b"x" * (512 * 1024) + b" -->"
    body = SVG_LOGO.replace(b"</svg>", pad + b"</svg>")
    assert len(body) > 512 * 1024

    assert "at most 524,288" in _refused(await _put(tenant, body, "image/svg+xml"))
    as_file = await tenant.put(LOGO, files={"file": ("logo.svg", body, "image/svg+xml")})
    assert "at most 524,288" in _refused(as_file)
    fits = SVG_LOGO.replace(b"</svg>", b"<!-- " + b"x" * (512 * 1024 - len(SVG_LOGO) - 10) + b" --></svg>")
    assert len(fits) <= 512 * 1024
    assert (await _put(tenant, fits, "image/svg+xml")).status_code == 200


async def test_a_multipart_form_without_a_file_names_it(tenant: Tenant) -> None:
    response = await tenant.put(LOGO, data={"logo": "x"}, files={"other": ("a.txt", b"x", "text/plain")})

    assert response.status_code == 422, response.text
    assert response.json()["errorResponse"]["apiSubErrors"][0]["field"] == "file"


async def test_only_an_admin_sets_or_removes_it_and_any_role_reads_it(
    tenant: Tenant, tenants: TenantFactory
) -> None:
    assert (await _put(tenant, png(10, 10))).status_code == 200
    viewer = await tenants.user(tenant, "VIEWER")
    maker = await tenants.user(tenant, "MAKER")

    for user in (viewer, maker):
        assert_error(await _put(user, png(20, 20)), 403, "INVALID_ACCESS")
        assert_error(await user.delete(LOGO), 403, "INVALID_ACCESS")
        assert (await user.get(LOGO)).content == png(10, 10)


async def test_another_company_neither_sees_nor_changes_it(tenant: Tenant, tenants: TenantFactory) -> None:
    assert (await _put(tenant, png(10, 10))).status_code == 200
    other = await tenants.create(name="Other Pvt Ltd")

    assert_error(await other.get(LOGO), 404, "RECORD_NOT_FOUND")
    assert (await other.delete(LOGO)).status_code == 200
    assert (await tenant.get(LOGO)).content == png(10, 10)


async def test_setting_and_removing_it_write_audit_rows(tenant: Tenant, db: Database) -> None:
    await _put(tenant, png(10, 10))
    await tenant.delete(LOGO)

    async with db.sessionmaker() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT before, after FROM audit_log WHERE company_id = :c AND entity_type = 'company' "
                    "ORDER BY id"
                ),
                {"c": tenant.company_id},
            )
        ).all()
    changes: list[tuple[Any, Any]] = [(r.before, r.after) for r in rows]
    size = len(png(10, 10))
    assert changes[-2:] == [
        ({"logo": None}, {"logo": {"contentType": "image/png", "size": size}}),
        ({"logo": {"contentType": "image/png", "size": size}}, {"logo": None}),
    ]


async def test_the_invoice_pdf_carries_the_logo(tenant: Tenant) -> None:
    customer = await tenant.create_customer(panOrGstin=gstin_for("27", 35))
    created = await tenant.post(
        "/api/v0/invoice",
        json={
            "customerId": customer["customerId"],
            "baseAmount": 1000,
            "invoiceDate": "2026-11-24",
            "dueDate": "2026-12-24",
        },
    )
    assert created.status_code == 200, created.text
    pdf_path = f"/api/v0/invoice/{created.json()['payload']['invoiceId']}/pdf"
    before = (await tenant.get(pdf_path)).content

    assert (await _put(tenant, png(300, 90))).status_code == 200
    after = (await tenant.get(pdf_path)).content

    def images(pdf: bytes) -> list[tuple[int, int]]:
        resources = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]
        found = [ref.get_object() for ref in resources.get("/XObject", {}).values()]
        return [(int(x["/Width"]), int(x["/Height"])) for x in found if x.get("/Subtype") == "/Image"]

    assert images(before) == []
    assert images(after) == [(300, 90)]
