from tests.support import Tenant


async def test_a_body_over_the_upload_limit_is_refused_before_it_is_read(tenant: Tenant) -> None:
    too_big = b"legalName\n" + b"x" * (22 * 1024 * 1024)
    response = await tenant.post("/api/v0/customer/bulk", files={"file": ("big.csv", too_big, "text/csv")})
    assert response.status_code == 413
    body = response.json()
    assert body["errorResponse"]["errorType"] == "CLIENT_REQUEST_ERROR"
    assert "larger than 21 MB" in body["errorResponse"]["errorMessage"]
    assert response.headers["x-request-id"] == body["errorResponse"]["requestId"]


async def test_a_body_within_the_limit_reaches_the_endpoint(tenant: Tenant) -> None:
    response = await tenant.post(
        "/api/v0/customer/bulk", files={"file": ("ok.csv", b"legalName\nAcme Ltd\n", "text/csv")}
    )
    assert response.status_code == 200
    assert response.json()["payload"]["status"] == "PROCESSING"
