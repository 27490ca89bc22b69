"""Refresh token rotation and reuse detection (OAuth 2.0 Security BCP; api.md §2): each refresh answers a new
refresh token and retires the old one; a retired one used again revokes every token of that sign-in."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from dues.auth import tokens
from dues.db import Database
from tests.support import Tenant, TenantFactory


async def _refresh(tenant: Tenant, refresh_token: str) -> httpx.Response:
    return await tenant.http.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(tenant.client_id, tenant.client_secret),
    )


async def _me(tenant: Tenant, access_token: str) -> httpx.Response:
    return await tenant.http.get("/api/v0/company", headers={"Authorization": f"Bearer {access_token}"})


def _pair(response: httpx.Response) -> tuple[str, str]:
    assert response.status_code == 200, response.text
    body = response.json()
    return body["access_token"], body["refresh_token"]


def _reuse_refused(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant"
    assert "already been used" in response.json()["error_description"]


async def test_each_refresh_answers_a_new_refresh_token_and_retires_the_old(tenant: Tenant) -> None:
    first = tenant.refresh_token
    access1, second = _pair(await _refresh(tenant, first))
    assert second != first
    access2, third = _pair(await _refresh(tenant, second))
    assert third not in (first, second)
    assert (await _me(tenant, access1)).status_code == 200
    assert (await _me(tenant, access2)).status_code == 200
    # Each token of the chain belongs to the sign-in it descends from.
    families = {tokens.decode(t, "refresh").family for t in (first, second, third)}  # type: ignore[union-attr]
    assert len(families) == 1 and None not in families


async def test_a_retired_refresh_token_used_again_revokes_its_whole_family(
    tenants: TenantFactory, tenant: Tenant
) -> None:
    # A second sign-in of the same user: another family, which must not suffer.
    other = await tenants.user(tenant, "ADMIN")
    elsewhere = Tenant(**{**tenant.__dict__})
    assert (await elsewhere.login()).status_code == 200
    first_access, first_refresh = tenant.token, tenant.refresh_token
    assert (await _me(tenant, first_access)).status_code == 200  # seen once: cached for a moment
    access, refresh = _pair(await _refresh(tenant, first_refresh))

    # The retired token comes back (a thief's copy, or the client's retry): refused, family revoked.
    _reuse_refused(await _refresh(tenant, first_refresh))

    # So the current refresh token is dead too, and every access token of the family.
    _reuse_refused(await _refresh(tenant, refresh))
    for token in (first_access, access):
        revoked = await _me(tenant, token)
        assert revoked.status_code == 401, revoked.text
        assert revoked.headers["www-authenticate"] == 'Bearer realm="dues", error="invalid_token"'
    # The user's other sign-in and the company's other users carry on; a new sign-in works.
    assert (await elsewhere.get("/api/v0/company")).status_code == 200
    assert _pair(await _refresh(elsewhere, elsewhere.refresh_token))
    assert (await other.get("/api/v0/company")).status_code == 200
    assert (await tenant.login()).status_code == 200
    assert (await tenant.get("/api/v0/company")).status_code == 200


async def test_reuse_is_recorded_in_the_audit_trail(tenant: Tenant, db: Database) -> None:
    _pair(await _refresh(tenant, tenant.refresh_token))
    _reuse_refused(await _refresh(tenant, tenant.refresh_token))
    _reuse_refused(await _refresh(tenant, tenant.refresh_token))
    async with db.sessionmaker() as session:
        actions = (
            await session.execute(
                text("SELECT action FROM audit_log WHERE company_id = :c AND entity_type = 'user'"),
                {"c": tenant.company_id},
            )
        ).scalars()
        revoked = (
            await session.execute(
                text(
                    "SELECT count(*) FROM refresh_token_families "
                    "WHERE company_id = :c AND revoked_on IS NOT NULL"
                ),
                {"c": tenant.company_id},
            )
        ).scalar_one()
    assert list(actions).count("REFRESH_REUSED") == 1  # revoked once
    assert revoked == 1


async def test_a_refresh_token_made_before_families_is_refused(tenant: Tenant) -> None:
    claims = tokens.decode(tenant.token, "access")
    assert claims is not None
    legacy = tokens.issue(claims.user_id, claims.company_id, claims.token_version, "refresh", 3600)
    response = await _refresh(tenant, legacy)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert "sign in again" in response.json()["error_description"]


async def test_a_sign_in_clears_the_users_expired_families(tenant: Tenant, db: Database) -> None:
    async with db.sessionmaker() as session:
        await session.execute(
            text(
                "UPDATE refresh_token_families SET expires_on = now() - interval '1 second' "
                "WHERE company_id = :c"
            ),
            {"c": tenant.company_id},
        )
        await session.commit()
    assert (await tenant.login()).status_code == 200
    async with db.sessionmaker() as session:
        left = (
            await session.execute(
                text("SELECT count(*) FROM refresh_token_families WHERE company_id = :c"),
                {"c": tenant.company_id},
            )
        ).scalar_one()
    assert left == 1  # the new sign-in's
