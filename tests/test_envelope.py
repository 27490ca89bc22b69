"""EnKash's envelope on every /api/ response (api.md §1.1), request ids and their log lines."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
import structlog
from fastapi import APIRouter, FastAPI

from dues.db import Database, DuesRoute
from dues.kit.timefmt import IST
from tests.support import Tenant

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
ERROR_TYPES = {
    "CLIENT_REQUEST_ABORT",
    "CLIENT_REQUEST_ERROR",
    "INVALID_ACCESS",
    "RECORD_NOT_FOUND",
    "SYSTEM_ERROR",
    "UNAUTHORIZED",
    "UNKNOWN_ERROR",
    "UNPROCESSABLE_REQUEST",
    "VALIDATION_ERROR",
}


def assert_error(response: httpx.Response, status: int, error_type: str) -> dict[str, Any]:
    """The response is the error envelope with that status and type; returns errorResponse."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"response_code", "response_message", "payload", "errorResponse"}, body
    assert body["response_code"] == status
    assert body["payload"] is None
    assert isinstance(body["response_message"], str) and body["response_message"]
    error = body["errorResponse"]
    assert set(error) == {"errorType", "errorMessage", "apiSubErrors", "requestId", "timestamp"}
    assert error["errorType"] == error_type and error_type in ERROR_TYPES
    assert error["errorMessage"]
    assert isinstance(error["apiSubErrors"], list)
    assert error["requestId"] == response.headers["x-request-id"]
    assert TIMESTAMP.match(error["timestamp"]), error["timestamp"]
    assert "Traceback" not in response.text and "detail" not in body
    return error  # type: ignore[no-any-return]


async def test_success_is_enveloped_with_a_request_id(tenant: Tenant) -> None:
    response = await tenant.get("/api/v0/company")
    assert response.status_code == 200
    body = response.json()
    assert body["response_code"] == 0
    assert body["response_message"] == "SUCCESS"
    assert body["errorResponse"] is None
    assert body["payload"]["companyId"] == tenant.company_id
    assert re.match(r"^[A-Za-z0-9._-]{8,64}$", response.headers["x-request-id"])


async def test_error_timestamp_is_now_in_india(client: httpx.AsyncClient) -> None:
    error = assert_error(await client.get("/api/v0/company"), 401, "UNAUTHORIZED")
    stamped = datetime.strptime(error["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=IST)
    assert abs(stamped - datetime.now(IST)) < timedelta(minutes=1)


async def test_each_request_gets_its_own_id(tenant: Tenant) -> None:
    first = await tenant.get("/api/v0/company")
    second = await tenant.get("/api/v0/company")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_a_sane_incoming_request_id_is_echoed(tenant: Tenant) -> None:
    ok = await tenant.get("/api/v0/company", headers={"X-Request-Id": "erp-batch-42.7_a"})
    assert ok.headers["x-request-id"] == "erp-batch-42.7_a"
    failed = await tenant.get("/api/v0/customer/KCNOSUCH", headers={"X-Request-Id": "erp-batch-43"})
    assert assert_error(failed, 404, "RECORD_NOT_FOUND")["requestId"] == "erp-batch-43"


@pytest.mark.parametrize("incoming", ["has spaces in it", "x" * 65, "semi;colon", "<script>"])
async def test_an_unsafe_incoming_request_id_is_replaced(tenant: Tenant, incoming: str) -> None:
    response = await tenant.get("/api/v0/company", headers={"X-Request-Id": incoming})
    assert response.headers["x-request-id"] != incoming
    assert re.match(r"^[A-Za-z0-9._-]{8,64}$", response.headers["x-request-id"])


@pytest.mark.parametrize("path", ["/api/v0/nothing-here", "/api/v1/customer", "/api/v0/customer/KC1/nope"])
async def test_unknown_route_is_a_404_envelope(tenant: Tenant, path: str) -> None:
    assert_error(await tenant.get(path), 404, "RECORD_NOT_FOUND")


async def test_unknown_route_without_a_token_is_still_an_envelope(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/v0/nothing-here"), 404, "RECORD_NOT_FOUND")


@pytest.mark.parametrize(("method", "path"), [("DELETE", "/api/v0/company"), ("PUT", "/api/v0/customer")])
async def test_wrong_method_is_an_envelope(tenant: Tenant, method: str, path: str) -> None:
    # 405 keeps HTTP's meaning (with Allow); the envelope says CLIENT_REQUEST_ERROR, a type §1.1 lists.
    response = await tenant.request(method, path)
    assert_error(response, 405, "CLIENT_REQUEST_ERROR")
    assert response.headers["allow"]


@pytest.mark.parametrize(
    "content", [b"{bad json", b'{"legalName": "x",}', b"\xff\xfe", b"[1, 2]", b'"a string"', b"null"]
)
async def test_malformed_json_is_400(tenant: Tenant, content: bytes) -> None:
    response = await tenant.post(
        "/api/v0/customer", content=content, headers={"Content-Type": "application/json"}
    )
    assert "JSON" in assert_error(response, 400, "CLIENT_REQUEST_ERROR")["errorMessage"]


async def test_an_empty_body_is_400(tenant: Tenant) -> None:
    response = await tenant.post("/api/v0/customer", headers={"Content-Type": "application/json"})
    assert_error(response, 400, "CLIENT_REQUEST_ERROR")


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("text/plain", b'{"legalName": "Acme", "state": "Goa"}'),
        ("application/x-www-form-urlencoded", b"legalName=Acme&state=Goa"),
        ("application/xml", b"<customer/>"),
    ],
)
async def test_wrong_content_type_is_400(tenant: Tenant, content_type: str, content: bytes) -> None:
    response = await tenant.post("/api/v0/customer", content=content, headers={"Content-Type": content_type})
    assert_error(response, 400, "CLIENT_REQUEST_ERROR")
    search = await tenant.post("/api/v0/customer/search", json={})
    assert search.json()["payload"]["total"] == 0


async def test_validation_error_names_each_offending_field_once_in_camel_case(tenant: Tenant) -> None:
    response = await tenant.post(
        "/api/v0/customer",
        json={
            "state": "Nowhere",
            "pinCode": "012345",
            "email": "not-an-email",
            "panOrGstin": 12345,
            "customerKeyContacts": [{"name": "Asha", "email": "asha@example.com"}, {"name": ""}],
        },
    )
    error = assert_error(response, 422, "VALIDATION_ERROR")
    subs = error["apiSubErrors"]
    for sub in subs:
        assert set(sub) == {"field", "rejectedValue", "message"}
        assert sub["message"]
    fields = [s["field"] for s in subs]
    assert len(fields) == len(set(fields)), fields
    assert set(fields) == {
        "legalName",
        "state",
        "pinCode",
        "email",
        "panOrGstin",
        "customerKeyContacts[1].name",
    }
    by_field = {s["field"]: s for s in subs}
    assert by_field["pinCode"]["rejectedValue"] == "012345"
    assert by_field["state"]["rejectedValue"] == "Nowhere"
    assert by_field["legalName"]["rejectedValue"] is None


async def test_query_parameter_errors_are_422_naming_the_parameter(tenant: Tenant) -> None:
    response = await tenant.post("/api/v0/customer/search", params={"limit": 0, "direction": "UP"}, json={})
    error = assert_error(response, 422, "VALIDATION_ERROR")
    assert sorted(s["field"] for s in error["apiSubErrors"]) == ["direction", "limit"]


async def test_errors_raised_by_services_are_enveloped(tenant: Tenant) -> None:
    assert_error(await tenant.get("/api/v0/customer/KC00000000000000"), 404, "RECORD_NOT_FOUND")


@pytest_asyncio.fixture(loop_scope="session")
async def boom_client(
    db: Database, app_factory: Callable[[Database], object]
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app plus test-only routes that fail the way a bug would."""
    app = app_factory(db)
    assert isinstance(app, FastAPI)
    router = APIRouter(route_class=DuesRoute)

    @router.get("/api/v0/test-boom")
    async def boom() -> None:
        structlog.get_logger("dues.test").info("about to fail")
        raise RuntimeError("secret internals: password=hunter2")

    @router.post("/api/v0/test-boom")
    async def boom_post() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    plain = APIRouter()

    @plain.get("/api/v0/test-boom-plain")
    async def boom_plain() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app.include_router(router)
    app.include_router(plain)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://dues.test") as c:
        yield c


@pytest.mark.parametrize("path", ["/api/v0/test-boom", "/api/v0/test-boom-plain"])
async def test_an_unexpected_exception_is_a_500_without_internals(
    boom_client: httpx.AsyncClient, path: str
) -> None:
    response = await boom_client.get(path, headers={"X-Request-Id": "boom-1"})
    error = assert_error(response, 500, "SYSTEM_ERROR")
    assert error["requestId"] == "boom-1"
    assert "hunter2" not in response.text and "RuntimeError" not in response.text


async def test_a_failed_request_with_an_idempotency_key_is_a_500_envelope(
    boom_client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await boom_client.post(
        "/api/v0/test-boom", headers={**tenant.headers(), "Idempotency-Key": "boom-key"}
    )
    assert_error(response, 500, "SYSTEM_ERROR")


async def test_the_request_id_is_on_every_log_line_of_the_request(boom_client: httpx.AsyncClient) -> None:
    with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        response = await boom_client.get("/api/v0/test-boom", headers={"X-Request-Id": "trace-me-1"})
    assert response.status_code == 500
    events = {entry["event"] for entry in logs}
    assert {"about to fail", "unexpected error", "request"} <= events, logs
    for entry in logs:
        assert entry.get("request_id") == "trace-me-1", entry
    request_line = next(e for e in logs if e["event"] == "request")
    assert request_line["status"] == 500 and request_line["path"] == "/api/v0/test-boom"
    assert any(e["event"] == "unexpected error" and e.get("exc_info") for e in logs)


async def test_log_lines_carry_the_caller(tenant: Tenant) -> None:
    with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        response = await tenant.get("/api/v0/company")
    request_line = next(e for e in logs if e["event"] == "request")
    assert request_line["request_id"] == response.headers["x-request-id"]
    assert request_line["company_id"] == tenant.company_id
    assert request_line["status"] == 200


async def test_the_request_id_does_not_leak_into_the_next_request(tenant: Tenant) -> None:
    await tenant.get("/api/v0/company", headers={"X-Request-Id": "first-request"})
    with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        structlog.get_logger("dues.test").info("between requests")
    assert logs[0].get("request_id") in (None, "-")


async def test_oauth_responses_carry_a_request_id_too(tenant: Tenant) -> None:
    response = await tenant.login()
    assert response.headers["x-request-id"]
