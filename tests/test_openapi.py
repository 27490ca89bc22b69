"""The API documentation a caller relies on: the OpenAPI document is complete (every operation has a summary
and a description, every field a description, every POST under /api/ the Idempotency-Key header, each
operation its own error answers, the OAuth2 password flow), and /docs and /redoc work from files dues serves,
in a real Chromium with the network off: the Authorize button gets a token and "Try it out" answers 200.

A field without a description fails here with its schema and name: give it ``Field(description=...)`` or an
entry in ``src/dues/kit/glossary.py``. Screenshots go to ``$DUES_SCREENSHOTS`` (default: the temp folder).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from pydantic import BaseModel

from dues import apidocs
from dues.app import create_app
from dues.config import Settings
from dues.db import Database
from dues.kit.envelope import Envelope
from tests.customers.helpers import cheap_password_hashes
from tests.support import Tenant, TenantFactory, served

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(os.environ.get("DUES_SCREENSHOTS", tempfile.gettempdir()))
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    app = create_app(Settings(jwt_secret=os.environ["DUES_JWT_SECRET"], inprocess_worker=False))
    return app.openapi()


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method.upper(), path, operation


# --- what the document holds ----------------------------------------------------------------------------


def undescribed_fields(spec: dict[str, Any]) -> list[str]:
    """Every property (in components.schemas and in inline request and response schemas) and every parameter
    without a description, named as ``Schema.field`` (nested: ``Schema.field.sub``) or by its operation."""
    missing: list[str] = []

    def walk(where: str, schema: Any) -> None:
        if not isinstance(schema, dict):
            return
        for name, prop in (schema.get("properties") or {}).items():
            if not isinstance(prop, dict):
                continue
            if not str(prop.get("description", "")).strip():
                missing.append(f"{where}.{name}")
            walk(f"{where}.{name}", prop)
        for key in ("items", "additionalProperties"):
            walk(where, schema.get(key))
        for key in ("anyOf", "oneOf", "allOf"):
            for option in schema.get(key, []):
                walk(where, option)

    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        walk(name, schema)
    for method, path, operation in _operations(spec):
        for parameter in operation.get("parameters", []):
            if not str(parameter.get("description", "")).strip():
                missing.append(f"{method} {path}: parameter {parameter['name']}")
        bodies = [("request", m) for m in operation.get("requestBody", {}).get("content", {}).values()]
        for status, response in operation.get("responses", {}).items():
            bodies += [(f"response {status}", m) for m in response.get("content", {}).values()]
        for label, media in bodies:
            if "$ref" not in media.get("schema", {}):
                walk(f"{method} {path} {label}", media.get("schema"))
    return missing


def test_every_field_and_parameter_has_a_description(spec: dict[str, Any]) -> None:
    missing = undescribed_fields(spec)
    assert not missing, (
        "Fields without a description (add Field(description=...) or an entry to src/dues/kit/glossary.py):\n"
        + "\n".join(missing)
    )


class Gadget(BaseModel):
    zzzUndocumented: str
    legalName: str


def test_the_check_names_the_schema_and_the_field_it_misses() -> None:
    """The check above reports what it should: a field neither the model nor the glossary describes."""
    app = FastAPI()

    @app.post("/api/v0/gadget", response_model=Envelope[Gadget], summary="s", description="d")
    async def gadget(body: Gadget) -> None: ...

    apidocs.install(app)
    missing = undescribed_fields(app.openapi())
    assert "Gadget.zzzUndocumented" in missing
    assert "Gadget.legalName" not in missing  # the glossary's entry


def test_every_operation_has_a_summary_and_a_description(spec: dict[str, Any]) -> None:
    bare = [
        f"{method} {path}: {'summary' if not op.get('summary') else 'description'}"
        for method, path, op in _operations(spec)
        if not op.get("summary") or not str(op.get("description", "")).strip()
    ]
    assert not bare, "Operations without a summary or a description:\n" + "\n".join(bare)


def test_enkash_operations_carry_enkash_names(spec: dict[str, Any]) -> None:
    names = {(method, path): op["summary"] for method, path, op in _operations(spec)}
    for key, name in {
        ("POST", "/api/v0/customer"): "createCustomer",
        ("POST", "/api/v0/customer/search"): "searchCustomer",
        ("PATCH", "/api/v0/customer/{customerId}"): "updateCustomer",
        ("PUT", "/api/v0/customer/activate/{customerId}"): "Activate customer",
        ("DELETE", "/api/v0/customer/{customerId}"): "deleteCustomerByCustomerId",
        ("POST", "/api/v0/customer/bulk"): "createBulkCustomer",
        ("POST", "/api/v0/customer/bulk/update"): "bulkUpdate",
        ("GET", "/api/v0/customer/{customerId}/contacts"): "getCustomerContactDetails",
        ("POST", "/api/v0/invoice"): "createInvoice",
        ("GET", "/api/v0/invoice/{invoiceId}"): "getInvoice",
        ("PATCH", "/api/v0/invoice/{invoiceId}"): "updateInvoice",
        ("POST", "/api/v0/invoice/search"): "searchCollectionInvoices",
        ("POST", "/api/v0/invoice/bulk/create"): "invoiceBulkUpload",
        ("POST", "/api/v0/invoice/bulk/dispatch"): "Dispatch Invoice Collection",
        ("POST", "/api/v0/invoice/bulk/delete"): "Delete Invoice Collection",
        ("POST", "/api/v0/customer/reminder"): "createCustomerReminder",
        ("GET", "/api/v0/customer/reminder"): "getCustomerReminders",
    }.items():
        assert names.get(key) == name, (key, names.get(key))


def test_every_post_under_api_takes_an_idempotency_key(spec: dict[str, Any]) -> None:
    without = [
        f"POST {path}"
        for method, path, op in _operations(spec)
        if method == "POST"
        and path.startswith("/api/")
        and not any(
            p["in"] == "header" and p["name"].lower() == "idempotency-key" for p in op.get("parameters", [])
        )
    ]
    assert not without, "POSTs under /api/ without the Idempotency-Key header:\n" + "\n".join(without)
    # Only POSTs: the header does nothing on other methods (api.md §1.6), so it is not offered there.
    others = [
        f"{method} {path}"
        for method, path, op in _operations(spec)
        if method != "POST" and any(p["name"] == "Idempotency-Key" for p in op.get("parameters", []))
    ]
    assert not others


def test_each_operation_lists_its_own_errors_in_the_envelope(spec: dict[str, Any]) -> None:
    ops = {(method, path): op for method, path, op in _operations(spec)}
    statuses = {key: set(op["responses"]) for key, op in ops.items()}
    # No id in the path, no role, no company scope, no body: none of 400, 403, 404, 409, 413.
    assert statuses[("GET", "/api/v0/company")] == {"200", "401", "422", "500", "503"}
    assert {"404", "403"} <= statuses[("GET", "/api/v0/customer/{customerId}")]
    assert "409" not in statuses[("GET", "/api/v0/customer/{customerId}")]
    assert "404" not in statuses[("POST", "/api/v0/customer")]
    assert {"400", "409", "413"} <= statuses[("POST", "/api/v0/customer")]
    assert {"400", "413"} <= statuses[("POST", "/api/v0/customer/bulk")]
    assert "409" in statuses[("DELETE", "/api/v0/customer/reminder/{reminderId}")]  # a reminder in use
    for (method, path), op in ops.items():
        if not path.startswith("/api/"):
            continue
        assert {"401", "500"} <= set(op["responses"]), (method, path)
        for status, response in op["responses"].items():
            if status.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}, (method, path, status)
                assert re.match(r"[A-Z_]+\b", response["description"]), (method, path, status)
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_oauth2_password_flow_guards_every_api_operation(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes == {"OAuth2": schemes["OAuth2"]}
    assert schemes["OAuth2"]["flows"]["password"]["tokenUrl"] == "/oauth/token"
    for method, path, op in _operations(spec):
        if path.startswith("/api/"):
            assert op.get("security") == [{"OAuth2": []}], (method, path)
    assert "security" not in spec["paths"]["/oauth/token"]["post"]


# --- the pages ------------------------------------------------------------------------------------------


async def test_docs_pages_load_only_what_dues_serves(client: httpx.AsyncClient) -> None:
    for page, style in (("/docs", "style-src 'self'"), ("/redoc", "style-src 'self' 'unsafe-inline'")):
        response = await client.get(page)
        assert response.status_code == 200
        html = response.text
        assert not re.search(r"(src|href)=\"https?:", html), html  # no CDN
        policy = response.headers["content-security-policy"].split("; ")
        assert "default-src 'none'" in policy and style in policy
        for url in re.findall(r"(?:src|href)=\"(/[^\"]+)\"", html):
            asset = await client.get(url)
            assert asset.status_code == 200 and len(asset.content) > 1000, url
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "dues"


# --- in a browser, the network off ----------------------------------------------------------------------

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not installed: {CHROMIUM}")


@pytest.fixture
def _cheap_hashes(cheap_password_hashes: None) -> None:
    """Cheap argon2 parameters: a company is made and logged in (tests.customers.helpers)."""


@pytest_asyncio.fixture(loop_scope="session")
async def server(committed: Database, app_factory: Callable[[Database], object]) -> AsyncIterator[str]:
    """The app on a real uvicorn on 127.0.0.1, on the test's event loop (where the database engine lives)."""
    async with served(app_factory(committed)) as url:
        yield url


class Offline:
    """A browser context that lets through only requests to ``base`` and records every other one it stops,
    and every Content-Security-Policy violation the page reports."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.stopped: list[str] = []
        self.violations: list[str] = []

    async def open(self, browser: Any) -> Any:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})

        async def route(request_route: Any) -> None:
            url = request_route.request.url
            if url.startswith((self.base + "/", "data:", "blob:")):
                await request_route.continue_()
            else:
                self.stopped.append(url)
                await request_route.abort()

        await context.route("**/*", route)

        def report(violation: str) -> None:
            self.violations.append(violation)

        await context.expose_function("reportViolation", report)
        await context.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => "
            "window.reportViolation(e.violatedDirective + ' ' + e.blockedURI))"
        )
        return context


@pytest_asyncio.fixture(loop_scope="session")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        await launched.close()


@needs_chromium
@pytest.mark.usefixtures("_cheap_hashes")
async def test_swagger_ui_authorizes_and_tries_an_operation_offline(
    browser: Any, server: str, committed: Database
) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=20) as http:
        tenant: Tenant = await TenantFactory(committed, http).create(name="Docs Check Pvt Ltd")
    offline = Offline(server)
    context = await offline.open(browser)
    page = await context.new_page()
    await page.goto(server + "/docs")
    await page.wait_for_selector("#operations-tag-company")
    await page.screenshot(path=str(SHOTS / "dues-docs.png"))

    await page.click("button.authorize")
    await page.fill("#oauth_username", tenant.username)
    await page.fill("#oauth_password", tenant.password)
    await page.fill("#client_id_password", tenant.client_id)
    await page.fill("#client_secret_password", tenant.client_secret)
    async with page.expect_response(lambda r: r.url.endswith("/oauth/token")) as token:
        await page.click(".auth-btn-wrapper button.authorize")
    assert (await token.value).status == 200
    await page.click(".auth-btn-wrapper button.btn-done")

    operation = "#operations-company-get_company_api_v0_company_get"
    await page.click("#operations-tag-company")
    await page.click(f"{operation} .opblock-summary")
    await page.click(f"{operation} button.try-out__btn")
    async with page.expect_response(lambda r: r.url.endswith("/api/v0/company")) as answer:
        await page.click(f"{operation} button.execute")
    response = await answer.value
    assert response.status == 200
    assert (await response.request.all_headers())["authorization"].startswith("Bearer ")
    assert (await response.json())["payload"]["companyId"] == tenant.company_id
    shown = page.locator(f"{operation} .live-responses-table tbody .response-col_status")
    assert (await shown.inner_text()).strip() == "200"
    await page.screenshot(path=str(SHOTS / "dues-docs-try-it-out.png"))
    await context.close()
    assert offline.stopped == []
    assert offline.violations == []


@needs_chromium
async def test_redoc_renders_offline(browser: Any, server: str) -> None:
    offline = Offline(server)
    context = await offline.open(browser)
    page = await context.new_page()
    await page.goto(server + "/redoc")
    await page.get_by_role("heading", name="createInvoice").first.wait_for()
    await page.screenshot(path=str(SHOTS / "dues-redoc.png"))
    await context.close()
    assert offline.stopped == []
    # ReDoc's footer asks for Redocly's logo from its CDN; the policy stops it before any request is made
    # and ReDoc then leaves the logo out. Nothing else may be refused.
    assert [v for v in offline.violations if "cdn.redoc.ly" not in v] == []


__all__ = ["cheap_password_hashes"]
