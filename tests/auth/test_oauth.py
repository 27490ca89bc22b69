"""POST /oauth/token (api.md §2): the password and refresh grants, RFC 6749 errors and the lockout."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import jwt
import pytest
from sqlalchemy import text

from dues.config import get_settings
from dues.db import Database
from dues.kit.timefmt import now
from tests.support import Tenant, TenantFactory

# RFC 6749's names and EnKash's camelCase ones (api.md §1.1a).
TOKEN_KEYS = {
    "access_token",
    "token_type",
    "refresh_token",
    "expires_in",
    "scope",
    "accessToken",
    "tokenType",
    "refreshToken",
    "expiresIn",
}


async def _token(http: httpx.AsyncClient, auth: tuple[str, str] | None, **form: str) -> httpx.Response:
    return await http.post("/oauth/token", data=form, auth=auth)


async def _password(tenant: Tenant, password: str) -> httpx.Response:
    return await _token(
        tenant.http,
        (tenant.client_id, tenant.client_secret),
        grant_type="password",
        username=tenant.username,
        password=password,
    )


def _assert_oauth_error(response: httpx.Response, status: int, error: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "error_description"}, body
    assert body["error"] == error
    assert body["error_description"]
    assert response.headers["cache-control"] == "no-store"
    return str(body["error_description"])


async def test_password_grant_answers_oauth2_tokens_not_enveloped(tenant: Tenant) -> None:
    response = await _password(tenant, tenant.password)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == TOKEN_KEYS
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert isinstance(body["scope"], str) and body["scope"]
    assert body["access_token"] and body["refresh_token"] and body["access_token"] != body["refresh_token"]
    assert response.headers["cache-control"] == "no-store"
    me = await tenant.http.get("/api/v0/company", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["payload"]["companyId"] == tenant.company_id


@pytest.mark.parametrize("grant", ["password", "refresh_token"])
async def test_the_token_answer_has_both_spellings_with_the_same_values(tenant: Tenant, grant: str) -> None:
    auth = (tenant.client_id, tenant.client_secret)
    if grant == "password":
        response = await _token(
            tenant.http, auth, grant_type="password", username=tenant.username, password=tenant.password
        )
    else:
        response = await _token(
            tenant.http, auth, grant_type="refresh_token", refresh_token=tenant.refresh_token
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accessToken"] == body["access_token"]
    assert body["tokenType"] == body["token_type"] == "bearer"
    assert body["refreshToken"] == body["refresh_token"]
    assert body["expiresIn"] == body["expires_in"] == 3600
    me = await tenant.http.get("/api/v0/company", headers={"Authorization": f"Bearer {body['accessToken']}"})
    assert me.status_code == 200, me.text


async def test_password_grant_accepts_the_client_id_form_field(tenant: Tenant) -> None:
    response = await _token(
        tenant.http,
        (tenant.client_id, tenant.client_secret),
        grant_type="password",
        username=tenant.username,
        password=tenant.password,
        clientId=tenant.client_id,
    )
    assert response.status_code == 200, response.text


async def test_username_is_matched_without_regard_to_case(tenant: Tenant) -> None:
    response = await _token(
        tenant.http,
        (tenant.client_id, tenant.client_secret),
        grant_type="password",
        username=tenant.username.upper(),
        password=tenant.password,
    )
    assert response.status_code == 200, response.text


async def test_refresh_grant_issues_a_new_working_access_token(tenant: Tenant) -> None:
    response = await _token(
        tenant.http,
        (tenant.client_id, tenant.client_secret),
        grant_type="refresh_token",
        refresh_token=tenant.refresh_token,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == TOKEN_KEYS
    assert body["access_token"] != tenant.token
    me = await tenant.http.get("/api/v0/company", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200, me.text


async def test_an_access_token_is_not_a_refresh_token(tenant: Tenant) -> None:
    response = await _token(
        tenant.http,
        (tenant.client_id, tenant.client_secret),
        grant_type="refresh_token",
        refresh_token=tenant.token,
    )
    _assert_oauth_error(response, 400, "invalid_grant")


async def test_a_refresh_token_is_not_an_access_token(tenant: Tenant) -> None:
    response = await tenant.http.get(
        "/api/v0/company", headers={"Authorization": f"Bearer {tenant.refresh_token}"}
    )
    assert response.status_code == 401
    assert response.json()["errorResponse"]["errorType"] == "UNAUTHORIZED"


async def test_refresh_token_of_another_company_is_refused(tenants: TenantFactory) -> None:
    a = await tenants.create("A Pvt Ltd")
    b = await tenants.create("B Pvt Ltd")
    response = await _token(
        b.http, (b.client_id, b.client_secret), grant_type="refresh_token", refresh_token=a.refresh_token
    )
    _assert_oauth_error(response, 400, "invalid_grant")


async def test_wrong_client_secret_is_invalid_client(tenant: Tenant) -> None:
    response = await _token(
        tenant.http,
        (tenant.client_id, tenant.client_secret + "x"),
        grant_type="password",
        username=tenant.username,
        password=tenant.password,
    )
    _assert_oauth_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].lower().startswith("basic")


async def test_unknown_client_is_invalid_client(tenant: Tenant) -> None:
    response = await _token(
        tenant.http,
        ("CEKNOSUCH1", tenant.client_secret),
        grant_type="password",
        username=tenant.username,
        password=tenant.password,
    )
    _assert_oauth_error(response, 401, "invalid_client")


async def test_missing_basic_credentials_is_invalid_client(tenant: Tenant) -> None:
    response = await _token(
        tenant.http, None, grant_type="password", username=tenant.username, password=tenant.password
    )
    _assert_oauth_error(response, 401, "invalid_client")
    garbage = await tenant.http.post(
        "/oauth/token",
        data={"grant_type": "password", "username": tenant.username, "password": tenant.password},
        headers={"Authorization": "Basic %%%not-base64%%%"},
    )
    _assert_oauth_error(garbage, 401, "invalid_client")


async def test_wrong_password_and_unknown_user_are_the_same_invalid_grant(tenant: Tenant) -> None:
    wrong = await _password(tenant, tenant.password + "x")
    unknown = await _token(
        tenant.http,
        (tenant.client_id, tenant.client_secret),
        grant_type="password",
        username="nobody@example.com",
        password=tenant.password,
    )
    assert _assert_oauth_error(wrong, 400, "invalid_grant") == _assert_oauth_error(
        unknown, 400, "invalid_grant"
    )


async def test_unsupported_grant_type(tenant: Tenant) -> None:
    response = await _token(
        tenant.http, (tenant.client_id, tenant.client_secret), grant_type="client_credentials"
    )
    _assert_oauth_error(response, 400, "unsupported_grant_type")


async def test_missing_fields_are_invalid_request(tenant: Tenant) -> None:
    auth = (tenant.client_id, tenant.client_secret)
    no_grant = await _token(tenant.http, auth, username=tenant.username, password=tenant.password)
    _assert_oauth_error(no_grant, 400, "invalid_request")
    no_password = await _token(tenant.http, auth, grant_type="password", username=tenant.username)
    _assert_oauth_error(no_password, 400, "invalid_request")
    no_username = await _token(tenant.http, auth, grant_type="password", password=tenant.password)
    _assert_oauth_error(no_username, 400, "invalid_request")
    no_refresh = await _token(tenant.http, auth, grant_type="refresh_token")
    _assert_oauth_error(no_refresh, 400, "invalid_request")


async def test_client_id_field_must_match_basic_credentials(tenants: TenantFactory) -> None:
    a = await tenants.create("A Pvt Ltd")
    b = await tenants.create("B Pvt Ltd")
    response = await _token(
        a.http,
        (a.client_id, a.client_secret),
        grant_type="password",
        username=a.username,
        password=a.password,
        clientId=b.client_id,
    )
    _assert_oauth_error(response, 400, "invalid_request")


async def test_a_user_cannot_log_in_through_another_companys_client(tenants: TenantFactory) -> None:
    a = await tenants.create("A Pvt Ltd")
    b = await tenants.create("B Pvt Ltd")
    response = await _token(
        a.http,
        (b.client_id, b.client_secret),
        grant_type="password",
        username=a.username,
        password=a.password,
    )
    _assert_oauth_error(response, 400, "invalid_grant")


async def test_token_endpoint_answers_errors_for_a_json_body(tenant: Tenant) -> None:
    response = await tenant.http.post(
        "/oauth/token",
        json={"grant_type": "password", "username": tenant.username, "password": tenant.password},
        auth=(tenant.client_id, tenant.client_secret),
    )
    _assert_oauth_error(response, 400, "invalid_request")


async def _lock_state(db: Database, tenant: Tenant) -> tuple[int, object]:
    async with db.sessionmaker() as session:
        row = (
            await session.execute(
                text("SELECT failed_logins, locked_until FROM users WHERE company_id = :c AND email = :e"),
                {"c": tenant.company_id, "e": tenant.username},
            )
        ).one()
    return int(row[0]), row[1]


async def test_three_wrong_passwords_lock_the_user_until_the_lock_expires(
    tenant: Tenant, db: Database
) -> None:
    for attempt in range(1, 3):
        _assert_oauth_error(await _password(tenant, "wrong-password"), 400, "invalid_grant")
        # Each count is committed although the answer is an error.
        assert (await _lock_state(db, tenant))[0] == attempt
    _assert_oauth_error(await _password(tenant, "wrong-password"), 400, "invalid_grant")
    _, locked_until = await _lock_state(db, tenant)
    assert locked_until is not None

    refused = await _password(tenant, tenant.password)
    assert "locked" in _assert_oauth_error(refused, 400, "invalid_grant").lower()

    # Move the clock: the lock ran out a second ago.
    async with db.sessionmaker() as session:
        await session.execute(
            text("UPDATE users SET locked_until = :t WHERE company_id = :c AND email = :e"),
            {"t": now() - timedelta(seconds=1), "c": tenant.company_id, "e": tenant.username},
        )
        await session.commit()
    ok = await _password(tenant, tenant.password)
    assert ok.status_code == 200, ok.text
    assert await _lock_state(db, tenant) == (0, None)


async def test_lock_is_about_fifteen_minutes(tenant: Tenant, db: Database) -> None:
    for _ in range(3):
        await _password(tenant, "wrong-password")
    _, locked_until = await _lock_state(db, tenant)
    assert isinstance(locked_until, type(now()))
    remaining = locked_until - now()
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)


async def test_a_locked_user_is_refused_even_after_more_wrong_passwords(tenant: Tenant) -> None:
    for _ in range(5):
        await _password(tenant, "wrong-password")
    refused = await _password(tenant, tenant.password)
    assert "locked" in _assert_oauth_error(refused, 400, "invalid_grant").lower()


async def test_a_successful_login_resets_the_count(tenant: Tenant, db: Database) -> None:
    for _ in range(2):
        await _password(tenant, "wrong-password")
    assert (await _password(tenant, tenant.password)).status_code == 200
    assert await _lock_state(db, tenant) == (0, None)
    for _ in range(2):
        await _password(tenant, "wrong-password")
    # Only two consecutive failures since the last success: not locked.
    assert (await _password(tenant, tenant.password)).status_code == 200


async def test_lockout_of_one_user_does_not_lock_another(tenants: TenantFactory, tenant: Tenant) -> None:
    other = await tenants.user(tenant, "MAKER")
    for _ in range(3):
        await _password(tenant, "wrong-password")
    assert (await _password(other, other.password)).status_code == 200


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set DUES_* variables for one test; settings are read again on the next call."""
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


async def test_token_lifetime_and_lockout_are_configurable(
    tenant: Tenant, db: Database, configured: pytest.MonkeyPatch
) -> None:
    configured.setenv("DUES_ACCESS_TOKEN_TTL_SECONDS", "120")
    configured.setenv("DUES_LOCKOUT_ATTEMPTS", "2")
    configured.setenv("DUES_LOCKOUT_MINUTES", "1")
    get_settings.cache_clear()
    response = await _password(tenant, tenant.password)
    assert response.json()["expires_in"] == 120
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 120
    for _ in range(2):
        await _password(tenant, "wrong-password")
    _, locked_until = await _lock_state(db, tenant)
    assert isinstance(locked_until, datetime)
    assert timedelta(seconds=50) < locked_until - now() <= timedelta(minutes=1)


async def test_after_a_lock_runs_out_the_count_starts_afresh(tenant: Tenant, db: Database) -> None:
    for _ in range(3):
        await _password(tenant, "wrong-password")
    async with db.sessionmaker() as session:
        await session.execute(
            text("UPDATE users SET locked_until = :t WHERE company_id = :c AND email = :e"),
            {"t": now() - timedelta(seconds=1), "c": tenant.company_id, "e": tenant.username},
        )
        await session.commit()
    # One wrong password after the lock: the first of a new count, not a fourth that locks again.
    _assert_oauth_error(await _password(tenant, "wrong-password"), 400, "invalid_grant")
    failed, locked_until = await _lock_state(db, tenant)
    assert failed == 1 and locked_until is None
    assert (await _password(tenant, tenant.password)).status_code == 200
