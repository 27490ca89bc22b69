"""HTTP-level answers every path gives the same way (issue 11): nosniff, NUL in a query, OPTIONS and 405."""

from __future__ import annotations

import httpx
import pytest

from tests.support import Tenant
from tests.test_envelope import assert_error


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v0/company"),
        ("GET", "/api/v0/nothing-here"),
        ("POST", "/api/v0/customer"),
        ("GET", "/pay/not-a-token"),
        ("GET", "/openapi.json"),
        ("OPTIONS", "/api/v0/company"),
    ],
)
async def test_every_answer_forbids_mime_sniffing(tenant: Tenant, method: str, path: str) -> None:
    response = await tenant.request(method, path)
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_nul_in_a_query_parameter_is_named_in_a_422(tenant: Tenant) -> None:
    admin = await tenant.get("/api/v0/audit", params={"entityId": "KC\x00x"})
    error = assert_error(admin, 422, "VALIDATION_ERROR")
    assert error["apiSubErrors"][0]["field"] == "entityId"
    assert "NUL" in error["apiSubErrors"][0]["message"]

    # Raw in the query string too, on every endpoint, whatever it does with the parameter.
    for query in ("entityType=a%00", "limit=1&x%00=1", "invoiceId=INV%00"):
        response = await tenant.get(f"/api/v0/audit?{query}")
        assert_error(response, 422, "VALIDATION_ERROR")
    response = await tenant.get("/api/v0/outbox?invoiceId=%00")
    assert_error(response, 422, "VALIDATION_ERROR")


async def test_options_lists_every_method_the_path_takes(client: httpx.AsyncClient) -> None:
    response = await client.options("/api/v0/customer/KC00000000000000")
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["allow"] == "GET, PATCH, DELETE, OPTIONS"

    response = await client.options("/oauth/token")
    assert response.status_code == 204
    assert response.headers["allow"] == "POST, OPTIONS"

    response = await client.options("/api/v0/no/such/path")
    assert_error(response, 404, "RECORD_NOT_FOUND")


async def test_a_405_lists_allow_across_routes_sharing_the_path(tenant: Tenant) -> None:
    # GET, PATCH and DELETE of /customer/{customerId} are three routes: all three are named.
    response = await tenant.request("PUT", "/api/v0/customer/KC00000000000000", json={})
    assert_error(response, 405, "CLIENT_REQUEST_ERROR")
    assert response.headers["allow"] == "GET, PATCH, DELETE, OPTIONS"
