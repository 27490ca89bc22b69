"""What concurrent requests over real HTTP must not beat: the lockout's count of password checks, and the
single use of a refresh token."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import text

from dues.db import Database
from tests.support import Tenant, TenantFactory


async def _wrong_password(http: httpx.AsyncClient, tenant: Tenant) -> httpx.Response:
    return await http.post(
        "/oauth/token",
        data={"grant_type": "password", "username": tenant.username, "password": "wrong-password"},
        auth=(tenant.client_id, tenant.client_secret),
    )


async def test_thirty_concurrent_wrong_passwords_get_exactly_three_checks(
    server: str, live_tenants: TenantFactory, committed: Database
) -> None:
    tenant = await live_tenants.create()
    async with httpx.AsyncClient(base_url=server, timeout=60) as http:
        answers = await asyncio.gather(*(_wrong_password(http, tenant) for _ in range(30)))
        right = await http.post(
            "/oauth/token",
            data={"grant_type": "password", "username": tenant.username, "password": tenant.password},
            auth=(tenant.client_id, tenant.client_secret),
        )

    assert [a.status_code for a in answers] == [400] * 30
    assert {a.json()["error"] for a in answers} == {"invalid_grant"}
    descriptions = [a.json()["error_description"] for a in answers]
    # Three were checked and found wrong; the other 27 were refused as locked without a check.
    assert descriptions.count("Wrong username or password.") == 3, descriptions
    assert sum("locked" in d for d in descriptions) == 27, descriptions
    async with committed.sessionmaker() as session:
        checked = (
            await session.execute(
                text(
                    "SELECT count(*) FROM audit_log "
                    "WHERE company_id = :c AND entity_type = 'user' AND action = 'LOGIN_FAILED'"
                ),
                {"c": tenant.company_id},
            )
        ).scalar_one()
        failed, locked_until = (
            await session.execute(
                text("SELECT failed_logins, locked_until FROM users WHERE company_id = :c AND email = :e"),
                {"c": tenant.company_id, "e": tenant.username},
            )
        ).one()
    assert checked == 3
    assert failed == 3 and locked_until is not None
    # Locked: even the right password is refused.
    assert right.status_code == 400 and "locked" in right.json()["error_description"]


async def test_concurrent_uses_of_one_refresh_token_let_one_win_and_revoke_the_family(
    server: str, live_tenants: TenantFactory
) -> None:
    tenant = await live_tenants.create()
    async with httpx.AsyncClient(base_url=server, timeout=60) as http:
        answers = await asyncio.gather(
            *(
                http.post(
                    "/oauth/token",
                    data={"grant_type": "refresh_token", "refresh_token": tenant.refresh_token},
                    auth=(tenant.client_id, tenant.client_secret),
                )
                for _ in range(10)
            )
        )
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200] + [400] * 9, [a.text for a in answers]
        assert all(
            "already been used" in a.json()["error_description"] for a in answers if a.status_code == 400
        )
        winner = next(a for a in answers if a.status_code == 200).json()

        # The others were reuse: the family is revoked, the winner's tokens with it.
        again = await http.post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": winner["refresh_token"]},
            auth=(tenant.client_id, tenant.client_secret),
        )
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
        me = await http.get("/api/v0/company", headers={"Authorization": f"Bearer {winner['access_token']}"})
        assert me.status_code == 401
        assert me.headers["www-authenticate"] == 'Bearer realm="dues", error="invalid_token"'
        old = await http.get("/api/v0/company", headers={"Authorization": f"Bearer {tenant.token}"})
        assert old.status_code == 401
