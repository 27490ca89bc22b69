"""Bearer tokens on /api/ (api.md §2): 401 for anything but a live token, revocation, and roles."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator

import httpx
import jwt
import pytest
from sqlalchemy import text

from dues.auth import tokens
from dues.companies import service as companies
from dues.config import get_settings
from dues.db import Database
from tests.support import Tenant, TenantFactory


def _assert_unauthorized(response: httpx.Response, error: str | None = "invalid_token") -> None:
    """A 401 in the envelope with RFC 6750's challenge: ``error`` names why a token that was sent failed."""
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["response_code"] == 401
    assert body["payload"] is None
    assert body["errorResponse"]["errorType"] == "UNAUTHORIZED"
    assert body["errorResponse"]["requestId"] == response.headers["x-request-id"]
    challenge = 'Bearer realm="dues"' + (f', error="{error}"' if error else "")
    assert response.headers["www-authenticate"] == challenge


# No bearer token in them: the challenge carries no error code (RFC 6750 §3.1).
_NO_TOKEN = {None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"}


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Token abc",
        "Bearer not-a-jwt",
        "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
    ],
)
async def test_missing_malformed_or_garbage_token_is_401(
    client: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    error = None if authorization in _NO_TOKEN else "invalid_token"
    _assert_unauthorized(await client.get("/api/v0/company", headers=headers), error)
    _assert_unauthorized(
        await client.post("/api/v0/customer", headers=headers, json={"legalName": "X", "state": "Goa"}),
        error,
    )


async def test_every_api_operation_answers_401_with_a_bearer_challenge(client: httpx.AsyncClient) -> None:
    """Every operation under /api/, asked without a token and with a bad one (RFC 6750 §3)."""
    document = (await client.get("/openapi.json")).json()
    operations = [
        (method.upper(), re.sub(r"\{[^}]+\}", "X", path))
        for path, item in document["paths"].items()
        if path.startswith("/api/")
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) > 20
    for method, path in operations:
        bare = await client.request(method, path)
        assert bare.status_code == 401, (method, path, bare.text)
        assert bare.headers["www-authenticate"] == 'Bearer realm="dues"', (method, path)
        bad = await client.request(method, path, headers={"Authorization": "Bearer not-a-jwt"})
        assert bad.headers["www-authenticate"] == 'Bearer realm="dues", error="invalid_token"', (method, path)


async def test_expired_token_is_401(tenant: Tenant, db: Database) -> None:
    async with db.sessionmaker() as session:
        user_id, version = (
            await session.execute(
                text("SELECT user_id, token_version FROM users WHERE company_id = :c"),
                {"c": tenant.company_id},
            )
        ).one()
    expired = tokens.issue(user_id, tenant.company_id, version, "access", ttl_seconds=-10)
    live = tokens.issue(user_id, tenant.company_id, version, "access", ttl_seconds=60)
    ok = await tenant.http.get("/api/v0/company", headers={"Authorization": f"Bearer {live}"})
    assert ok.status_code == 200, ok.text
    _assert_unauthorized(
        await tenant.http.get("/api/v0/company", headers={"Authorization": f"Bearer {expired}"})
    )


async def test_token_signed_with_another_key_is_401(tenant: Tenant) -> None:
    claims = jwt.decode(tenant.token, options={"verify_signature": False})
    forged = jwt.encode(claims, "another-secret-" + "y" * 40, algorithm="HS256")
    _assert_unauthorized(
        await tenant.http.get("/api/v0/company", headers={"Authorization": f"Bearer {forged}"})
    )


async def test_an_unsigned_token_is_401(tenant: Tenant) -> None:
    claims = jwt.decode(tenant.token, options={"verify_signature": False})
    unsigned = jwt.encode(claims, None, algorithm="none")
    _assert_unauthorized(
        await tenant.http.get("/api/v0/company", headers={"Authorization": f"Bearer {unsigned}"})
    )


async def test_bearer_scheme_is_case_insensitive(tenant: Tenant) -> None:
    response = await tenant.http.get("/api/v0/company", headers={"Authorization": f"bearer {tenant.token}"})
    assert response.status_code == 200, response.text


async def _refresh(tenant: Tenant) -> httpx.Response:
    return await tenant.http.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tenant.refresh_token},
        auth=(tenant.client_id, tenant.client_secret),
    )


async def test_deactivating_a_user_revokes_its_tokens(
    tenants: TenantFactory, tenant: Tenant, db: Database
) -> None:
    maker = await tenants.user(tenant, "MAKER")
    assert (await maker.get("/api/v0/company")).status_code == 200
    async with db.sessionmaker() as session:
        await companies.deactivate_user(session, tenant.company_id, maker.username)
        await session.commit()
    _assert_unauthorized(await maker.get("/api/v0/company"))
    refreshed = await _refresh(maker)
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    login = await maker.login()
    assert login.status_code == 400 and login.json()["error"] == "invalid_grant"
    # The company's other users are untouched.
    assert (await tenant.get("/api/v0/company")).status_code == 200


async def test_changing_the_password_revokes_older_tokens(tenant: Tenant, db: Database) -> None:
    old = Tenant(**{**tenant.__dict__})
    async with db.sessionmaker() as session:
        new_password = await companies.set_password(session, tenant.company_id, tenant.username)
        await session.commit()
    _assert_unauthorized(await old.get("/api/v0/company"))
    refreshed = await _refresh(old)
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    assert (await tenant.login(tenant.password)).status_code == 400
    assert (await tenant.login(new_password)).status_code == 200
    assert (await tenant.get("/api/v0/company")).status_code == 200


async def test_a_viewer_may_read_but_not_write(tenants: TenantFactory, tenant: Tenant) -> None:
    customer = await tenant.create_customer()
    viewer = await tenants.user(tenant, "VIEWER")
    created = await viewer.post("/api/v0/customer", json={"legalName": "Nope Ltd", "state": "Goa"})
    assert created.status_code == 403, created.text
    assert created.json()["errorResponse"]["errorType"] == "INVALID_ACCESS"
    patched = await viewer.patch(f"/api/v0/customer/{customer['customerId']}", json={"address": "x"})
    assert patched.status_code == 403
    deleted = await viewer.delete(f"/api/v0/customer/{customer['customerId']}")
    assert deleted.status_code == 403
    got = await viewer.get(f"/api/v0/customer/{customer['customerId']}")
    assert got.status_code == 200, got.text
    found = await viewer.post("/api/v0/customer/search", json={})
    assert found.status_code == 200, found.text
    assert found.json()["payload"]["total"] == 1
    assert (await viewer.get("/api/v0/company")).status_code == 200


@pytest.mark.parametrize("role", ["MAKER", "CHECKER", "APPROVER", "VIEWER"])
async def test_only_an_admin_may_change_company_settings(
    tenants: TenantFactory, tenant: Tenant, role: str
) -> None:
    user = await tenants.user(tenant, role)
    response = await user.patch("/api/v0/company", json={"address": "1 MG Road"})
    assert response.status_code == 403, response.text
    assert response.json()["errorResponse"]["errorType"] == "INVALID_ACCESS"
    assert (await user.get("/api/v0/company")).json()["payload"]["address"] is None
    admin = await tenant.patch("/api/v0/company", json={"address": "1 MG Road"})
    assert admin.status_code == 200, admin.text
    assert admin.json()["payload"]["address"] == "1 MG Road"


async def test_a_maker_may_create_customers(tenants: TenantFactory, tenant: Tenant) -> None:
    maker = await tenants.user(tenant, "MAKER")
    response = await maker.post("/api/v0/customer", json={"legalName": "Maker Ltd", "state": "Goa"})
    assert response.status_code == 200, response.text


async def test_a_token_sees_only_its_own_company(tenants: TenantFactory) -> None:
    a = await tenants.create("A Pvt Ltd")
    b = await tenants.create("B Pvt Ltd")
    customer = await a.create_customer()
    assert (await b.get(f"/api/v0/customer/{customer['customerId']}")).status_code == 404
    assert (await b.get("/api/v0/company")).json()["payload"]["companyId"] == b.company_id
    other = await b.post("/api/v0/customer/search", json={}, params={"companyId": a.company_id})
    assert other.status_code == 403
    assert other.json()["errorResponse"]["errorType"] == "INVALID_ACCESS"


@pytest.fixture
def auth_window(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[float], None]]:
    """Set DUES_AUTH_CACHE_SECONDS for the test."""

    def set_window(seconds: float) -> None:
        monkeypatch.setenv("DUES_AUTH_CACHE_SECONDS", str(seconds))
        get_settings.cache_clear()

    yield set_window
    monkeypatch.delenv("DUES_AUTH_CACHE_SECONDS", raising=False)
    get_settings.cache_clear()


async def _deactivate_elsewhere(db: Database, company_id: str, email: str) -> None:
    """What the CLI or another worker process does: a change this process's sessions never see."""
    async with db.sessionmaker() as session:
        await session.execute(
            text(
                "UPDATE users SET active = false, token_version = token_version + 1 "
                "WHERE company_id = :c AND lower(email) = lower(:e)"
            ),
            {"c": company_id, "e": email},
        )
        await session.commit()


async def test_a_user_deactivated_by_another_process_is_refused_once_the_window_has_passed(
    tenants: TenantFactory, tenant: Tenant, db: Database, auth_window: Callable[[float], None]
) -> None:
    auth_window(0.4)
    maker = await tenants.user(tenant, "MAKER")
    assert (await maker.get("/api/v0/company")).status_code == 200
    await _deactivate_elsewhere(db, tenant.company_id, maker.username)
    # This process read the user a moment ago and goes by that for up to the window (documented).
    assert (await maker.get("/api/v0/company")).status_code == 200
    await asyncio.sleep(0.5)
    _assert_unauthorized(await maker.get("/api/v0/company"))
    assert (await tenant.get("/api/v0/company")).status_code == 200


async def test_with_no_window_a_change_made_elsewhere_applies_at_once(
    tenants: TenantFactory, tenant: Tenant, db: Database, auth_window: Callable[[float], None]
) -> None:
    auth_window(0)
    maker = await tenants.user(tenant, "MAKER")
    assert (await maker.get("/api/v0/company")).status_code == 200
    await _deactivate_elsewhere(db, tenant.company_id, maker.username)
    _assert_unauthorized(await maker.get("/api/v0/company"))


async def test_company_settings_changed_here_apply_to_the_very_next_request(
    tenant: Tenant, auth_window: Callable[[float], None]
) -> None:
    auth_window(60)
    customer = await tenant.create_customer()
    body = {
        "customerId": customer["customerId"],
        "invoiceDate": "2026-11-24",
        "dueDate": "2026-12-24",
        "baseAmount": "100.00",
        "cgst": "9.00",
        "sgst": "9.00",
    }
    first = await tenant.post("/api/v0/invoice", json=body)
    assert first.status_code == 200, first.text
    assert first.json()["payload"]["invoiceNumber"] == "INV2627-00000001"
    patched = await tenant.patch(
        "/api/v0/company", json={"invoiceNumberPrefix": "ACME", "approvalChain": "MAKER_CHECKER"}
    )
    assert patched.status_code == 200, patched.text
    second = (await tenant.post("/api/v0/invoice", json=body)).json()["payload"]
    assert second["invoiceNumber"].startswith("ACME2627-")
    assert second["approvalStatus"] != "APPROVER_APPROVED"
