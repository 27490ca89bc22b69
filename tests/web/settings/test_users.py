"""Users and roles through the real app: an ADMIN adds a user (its password shown once, and it signs in with
it), changes a role (the API obeys the new one at once), deactivates (its tokens stop working) and
reactivates; the company keeps an ADMIN; a non-ADMIN sees the list and no form, and its posts are refused."""

from __future__ import annotations

import re

from sqlalchemy import text

from dues.db import Database
from tests.support import Tenant, TenantFactory
from tests.web.test_shell import sign_in

USERS = "/app/settings/users"


def user_id_of(page: str, email: str) -> str:
    found = re.search(rf'<tr id="user-(US[A-Z0-9]+)">\s*<td data-label="E-mail">{re.escape(email)}', page)
    assert found, email
    return found.group(1)


async def test_an_admin_adds_a_user_who_signs_in_with_the_password_shown_once(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    response = await tenant.http.post(
        USERS, headers=cookie, data={"email": "checker@ganesh.example", "role": "CHECKER"}
    )
    assert response.status_code == 201, response.text
    password = re.search(r'id="new-password">([^<]+)<', response.text)
    assert password
    assert 'id="users"' in response.text and "checker@ganesh.example" in response.text
    email, secret = "checker@ganesh.example", password.group(1)
    checker = Tenant(tenant.company_id, tenant.client_id, tenant.client_secret, email, secret, tenant.http)
    assert (await checker.login()).status_code == 200
    assert (await checker.get("/api/v0/company")).status_code == 200
    listed = await tenant.http.get(USERS, headers=cookie)
    assert password.group(1) not in listed.text  # once
    row = listed.text[listed.text.index("checker@ganesh.example") :]
    assert '<td data-label="Role" class="role">CHECKER</td>' in row[:400]


async def test_a_user_who_exists_or_a_bad_e_mail_is_refused_with_the_input_kept(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    bad = await tenant.http.post(USERS, headers=cookie, data={"email": "not-an-email", "role": "MAKER"})
    assert bad.status_code == 422
    assert 'id="e-email"' in bad.text and 'value="not-an-email"' in bad.text
    assert '<option value="MAKER" selected>' in bad.text
    again = await tenant.http.post(USERS, headers=cookie, data={"email": tenant.username, "role": "MAKER"})
    assert again.status_code == 422 and "already exists" in again.text


async def test_a_role_change_holds_at_once_on_the_api(tenants: TenantFactory, tenant: Tenant) -> None:
    viewer = await tenants.user(tenant, "VIEWER")
    assert (
        await viewer.post("/api/v0/customer", json={"legalName": "A Pvt Ltd", "state": "Goa"})
    ).status_code == 403
    cookie = await sign_in(tenant)
    user_id = user_id_of((await tenant.http.get(USERS, headers=cookie)).text, viewer.username)
    changed = await tenant.http.post(f"{USERS}/{user_id}/role", headers=cookie, data={"role": "MAKER"})
    assert changed.status_code == 303, changed.text
    made = await viewer.post("/api/v0/customer", json={"legalName": "A Pvt Ltd", "state": "Goa"})
    assert made.status_code == 200, made.text
    listed = await tenant.http.get(USERS, headers=cookie)
    assert f'id="role-{user_id}" name="role">' in listed.text
    row = listed.text[listed.text.index(f'id="user-{user_id}"') :]
    assert '<td data-label="Role" class="role">MAKER</td>' in row[:500]


async def test_deactivation_ends_every_token_and_reactivation_lets_them_sign_in(
    tenants: TenantFactory, tenant: Tenant, db: Database
) -> None:
    maker = await tenants.user(tenant, "MAKER")
    cookie = await sign_in(tenant)
    user_id = user_id_of((await tenant.http.get(USERS, headers=cookie)).text, maker.username)
    off = await tenant.http.post(f"{USERS}/{user_id}/active", headers=cookie, data={"active": "false"})
    assert off.status_code == 303
    assert (await maker.get("/api/v0/company")).status_code == 401
    assert (await maker.login()).status_code != 200
    listed = await tenant.http.get(USERS, headers=cookie)
    row = listed.text[listed.text.index(f'id="user-{user_id}"') :]
    assert "Deactivated" in row[:800] and "Reactivate" in row[:2500]
    on = await tenant.http.post(f"{USERS}/{user_id}/active", headers=cookie, data={"active": "true"})
    assert on.status_code == 303
    assert (await maker.login()).status_code == 200
    async with db.sessionmaker() as session:
        actions = (
            await session.execute(
                text("SELECT action FROM audit_log WHERE entity_id = :u ORDER BY 1"), {"u": user_id}
            )
        ).scalars()
        assert {"DEACTIVATE", "REACTIVATE"} <= set(actions)


async def test_the_only_admin_cannot_demote_or_deactivate_itself(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    me = user_id_of((await tenant.http.get(USERS, headers=cookie)).text, tenant.username)
    demoted = await tenant.http.post(f"{USERS}/{me}/role", headers=cookie, data={"role": "VIEWER"})
    assert demoted.status_code == 422 and "only active ADMIN" in demoted.text
    off = await tenant.http.post(f"{USERS}/{me}/active", headers=cookie, data={"active": "false"})
    assert off.status_code == 422
    assert (await tenant.get("/api/v0/company")).status_code == 200


async def test_a_user_of_another_company_is_not_found(tenants: TenantFactory, tenant: Tenant) -> None:
    stranger = await tenants.create(name="Other Pvt Ltd")
    cookie = await sign_in(stranger)
    theirs = user_id_of((await stranger.http.get(USERS, headers=cookie)).text, stranger.username)
    mine = await sign_in(tenant)
    response = await tenant.http.post(f"{USERS}/{theirs}/role", headers=mine, data={"role": "VIEWER"})
    assert response.status_code == 404


async def test_a_non_admin_sees_the_users_and_may_change_none(tenants: TenantFactory, tenant: Tenant) -> None:
    maker = await tenants.user(tenant, "MAKER")
    cookie = await sign_in(maker)
    page = await maker.http.get(USERS, headers=cookie)
    assert page.status_code == 200
    assert tenant.username in page.text and 'id="read-only"' in page.text
    assert "<form" not in page.text.split("<main", 1)[1]
    me = user_id_of(page.text, maker.username)
    for path, data in (
        (USERS, {"email": "x@example.com", "role": "ADMIN"}),
        (f"{USERS}/{me}/role", {"role": "ADMIN"}),
        (f"{USERS}/{me}/active", {"active": "false"}),
    ):
        assert (await maker.http.post(path, headers=cookie, data=data)).status_code == 403, path
    assert (
        await maker.post("/api/v0/customer", json={"legalName": "B Pvt Ltd", "state": "Goa"})
    ).status_code == 200
