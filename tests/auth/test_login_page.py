"""The browser's sign-in (GET/POST /login) and sign-out (POST /logout): the service's rules behind a form,
the session cookie's flags, refusal of another site's forms and of redirects off the site."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from http.cookies import SimpleCookie

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text

from dues.companies import service as companies
from dues.db import Database
from tests.support import Tenant, TenantFactory

SESSION = "dues_session"
# The one answer to a sign-in refused for its credentials, whatever was wrong.
WRONG = "Wrong company ID, e-mail or password."


def _form(tenant: Tenant, password: str | None = None, **more: str) -> dict[str, str]:
    return {
        "companyId": tenant.company_id,
        "email": tenant.username,
        "password": tenant.password if password is None else password,
        **more,
    }


async def _sign_in(tenant: Tenant, password: str | None = None, **more: str) -> httpx.Response:
    response = await tenant.http.post("/login", data=_form(tenant, password, **more))
    tenant.http.cookies.clear()  # each test says which cookie it sends
    return response


def _cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    """Each Set-Cookie of the response, parsed, by cookie name."""
    found: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(header)
        found.update({name: parsed for name in parsed})
    return found


def _raw_set_cookie(response: httpx.Response, name: str) -> str:
    matching = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert len(matching) == 1, response.headers
    return matching[0]


def _assert_page(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "Traceback" not in response.text and "errorResponse" not in response.text
    return response.text


def _error(html: str) -> str:
    match = re.search(r'<div class="error" role="alert" id="login-error">\s*<p[^>]*>([^<]*)</p>', html)
    assert match, html
    return match.group(1)


async def test_the_form_asks_for_company_email_and_password(client: httpx.AsyncClient) -> None:
    html = _assert_page(await client.get("/login"), 200)

    for field in ('name="companyId"', 'name="email"', 'name="password"', 'type="password"'):
        assert field in html
    assert '<input type="hidden" name="next" value="/app">' in html
    response = await client.get("/login")
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "form-action 'self'" in csp and "http" not in csp
    assert response.headers["x-frame-options"] == "DENY"


async def test_right_password_sets_a_strict_httponly_cookie_and_goes_to_the_app(tenant: Tenant) -> None:
    response = await _sign_in(tenant)

    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/app"
    raw = _raw_set_cookie(response, SESSION)
    cookie = _cookies(response)[SESSION][SESSION]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "strict"
    assert cookie["path"] == "/"
    assert cookie["max-age"] == "3600"  # the access token's lifetime
    assert "secure" not in raw.lower()  # plain http: a Secure cookie would never come back
    # The cookie holds a working access token of this user.
    me = await tenant.http.get("/api/v0/company", headers={"Authorization": f"Bearer {cookie.value}"})
    assert me.status_code == 200 and me.json()["payload"]["companyId"] == tenant.company_id


async def test_the_cookie_is_secure_over_https(
    db: Database, app_factory: Callable[[Database], object], tenant: Tenant
) -> None:
    transport = httpx.ASGITransport(app=app_factory(db))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://dues.test") as https:
        response = await https.post("/login", data=_form(tenant))

    assert response.status_code == 303, response.text
    cookie = _cookies(response)[SESSION][SESSION]
    assert cookie["secure"] is True and cookie["httponly"] is True and cookie["samesite"] == "strict"


async def test_e_mail_is_matched_without_regard_to_case_and_company_id_trimmed(tenant: Tenant) -> None:
    response = await tenant.http.post(
        "/login",
        data=_form(tenant, companyId=f"  {tenant.company_id.lower()} ", email=tenant.username.upper()),
    )
    assert response.status_code == 303, response.text


async def test_wrong_password_shows_the_form_again_with_a_message(tenant: Tenant) -> None:
    response = await _sign_in(tenant, "not-the-password")

    html = _assert_page(response, 401)
    assert _error(html) == WRONG
    assert SESSION not in _cookies(response)
    # What was typed comes back, except the password.
    assert f'value="{tenant.company_id}"' in html and f'value="{tenant.username}"' in html
    assert "not-the-password" not in html


async def test_unknown_company_or_user_gets_the_same_answer(tenant: Tenant, tenants: TenantFactory) -> None:
    other = await tenants.create("Other Seller Pvt Ltd")
    wrong_company = await tenant.http.post("/login", data=_form(tenant, companyId=other.company_id))
    no_company = await tenant.http.post("/login", data=_form(tenant, companyId="CEKNOSUCH1"))
    no_user = await tenant.http.post("/login", data=_form(tenant, email="nobody@example.com"))

    for response in (wrong_company, no_company, no_user):
        assert _error(_assert_page(response, 401)) == WRONG


async def test_three_wrong_passwords_lock_the_user_but_the_form_says_only_wrong_login(
    tenant: Tenant, db: Database
) -> None:
    wrong = [await _sign_in(tenant, "wrong") for _ in range(3)]

    locked = await _sign_in(tenant)  # even the right password

    # To a caller who has not proven the client secret, locked is a wrong login: same status, same page.
    assert [_error(_assert_page(r, 401)) for r in wrong] == [WRONG] * 3
    assert _error(_assert_page(locked, 401)) == WRONG
    assert locked.text == wrong[0].text
    assert SESSION not in _cookies(locked)
    # The form counted its failures like the OAuth endpoint does, and the API (client secret proven) says
    # the user is locked.
    async with db.sessionmaker() as session:
        row = (
            await session.execute(
                text("SELECT failed_logins, locked_until FROM users WHERE company_id = :c AND email = :e"),
                {"c": tenant.company_id, "e": tenant.username},
            )
        ).one()
    assert row[0] == 3 and row[1] is not None
    api = await tenant.login()
    assert api.status_code == 400 and "locked" in api.json()["error_description"]


async def test_the_form_does_not_tell_which_e_mails_exist_or_are_locked(
    tenant: Tenant, tenants: TenantFactory
) -> None:
    locked_user = await tenants.user(tenant, "MAKER")
    for _ in range(3):
        await _sign_in(locked_user, "wrong")
    answers = {
        "unknown e-mail": await _sign_in(tenant, email="nobody@example.com"),
        "wrong password": await _sign_in(tenant, "wrong"),
        "locked, right password": await _sign_in(locked_user),
        "locked, wrong password": await _sign_in(locked_user, "wrong"),
    }
    for what, response in answers.items():
        assert response.status_code == 401, what
        assert _error(response.text) == WRONG, what
        assert set(response.headers) == set(answers["wrong password"].headers), what


async def test_a_deactivated_user_cannot_sign_in(
    tenants: TenantFactory, tenant: Tenant, db: Database
) -> None:
    maker = await tenants.user(tenant, "MAKER")
    async with db.sessionmaker() as session:
        await companies.deactivate_user(session, tenant.company_id, maker.username)
        await session.commit()

    assert _error(_assert_page(await _sign_in(maker), 401)) == WRONG


@pytest.mark.parametrize(
    "form",
    [
        {"companyId": "", "email": "a@b.example", "password": "x"},
        {"companyId": "CEK1234567", "email": " ", "password": "x"},
        {"companyId": "CEK1234567", "email": "a@b.example"},
        {},
    ],
)
async def test_missing_fields_are_asked_for(client: httpx.AsyncClient, form: dict[str, str]) -> None:
    html = _assert_page(await client.post("/login", data=form), 400)
    assert _error(html) == "Enter your company ID, e-mail and password."


async def test_characters_no_database_takes_are_refused_as_a_wrong_login(tenant: Tenant) -> None:
    for form in (
        _form(tenant, email=tenant.username + "\x00"),
        _form(tenant, companyId="CEK\x00"),
        _form(tenant, companyId="C" * 5000),
    ):
        response = await tenant.http.post("/login", data=form)
        assert _error(_assert_page(response, 401)) == WRONG


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/outbox?channel=SMS&status=FAILED", "/outbox?channel=SMS&status=FAILED"),
        ("/outbox", "/outbox"),
        ("", "/app"),
        ("https://evil.example/phish", "/app"),
        ("//evil.example/phish", "/app"),
        ("/\\evil.example", "/app"),
        ("/\t/evil.example", "/app"),
        ("javascript:alert(1)", "/app"),
        ("outbox", "/app"),
        ("http:/evil.example", "/app"),
        ("/login", "/app"),
    ],
)
async def test_next_goes_only_to_a_path_of_this_site(tenant: Tenant, given: str, expected: str) -> None:
    response = await _sign_in(tenant, next=given)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == expected


async def test_the_form_carries_only_a_safe_next(client: httpx.AsyncClient) -> None:
    kept = await client.get("/login", params={"next": "/outbox?channel=SMS"})
    refused = await client.get("/login", params={"next": "//evil.example"})

    assert '<input type="hidden" name="next" value="/outbox?channel=SMS">' in kept.text
    assert '<input type="hidden" name="next" value="/app">' in refused.text
    assert "evil" not in refused.text


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/page"},
        {"Origin": "http://dues.test.evil.example"},
    ],
)
async def test_a_sign_in_form_posted_from_another_site_is_refused(
    tenant: Tenant, headers: dict[str, str]
) -> None:
    response = await tenant.http.post("/login", data=_form(tenant), headers=headers)

    html = _assert_page(response, 403)
    assert "another site" in _error(html)
    assert SESSION not in _cookies(response)


async def test_a_sign_in_form_posted_from_this_site_is_accepted(tenant: Tenant) -> None:
    same_origin = await tenant.http.post("/login", data=_form(tenant), headers={"Origin": "http://dues.test"})
    same_referer = await tenant.http.post(
        "/login", data=_form(tenant), headers={"Referer": "http://dues.test/login?next=/outbox"}
    )
    assert same_origin.status_code == 303 and same_referer.status_code == 303


@pytest_asyncio.fixture(loop_scope="session")
async def signed_in(tenant: Tenant) -> AsyncIterator[str]:
    response = await _sign_in(tenant)
    assert response.status_code == 303
    yield _cookies(response)[SESSION][SESSION].value


async def test_logout_clears_the_cookie_and_goes_to_the_form(tenant: Tenant, signed_in: str) -> None:
    response = await tenant.http.post(
        "/logout", headers={"Cookie": f"{SESSION}={signed_in}", "Origin": "http://dues.test"}
    )

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    cleared = _cookies(response)[SESSION][SESSION]
    assert cleared.value in ("", '""') and cleared["max-age"] == "0"
    assert cleared["httponly"] is True and cleared["samesite"] == "strict"
    form = await tenant.http.get(response.headers["location"])
    assert "You are signed out." in form.text


async def test_logout_ends_the_sign_in_so_a_copy_of_the_cookie_stops_working(
    tenant: Tenant, signed_in: str
) -> None:
    bearer = {"Authorization": f"Bearer {signed_in}"}
    assert (await tenant.http.get("/api/v0/company", headers=bearer)).status_code == 200
    out = await tenant.http.post(
        "/logout", headers={"Cookie": f"{SESSION}={signed_in}", "Origin": "http://dues.test"}
    )
    assert out.status_code == 303

    assert (await tenant.http.get("/api/v0/company", headers=bearer)).status_code == 401
    page = await tenant.http.get("/outbox", headers={"Cookie": f"{SESSION}={signed_in}"})
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    # The user's other tokens (an integration's) carry on.
    assert (await tenant.get("/api/v0/company")).status_code == 200


async def test_logout_from_another_site_is_refused(tenant: Tenant, signed_in: str) -> None:
    response = await tenant.http.post(
        "/logout", headers={"Cookie": f"{SESSION}={signed_in}", "Origin": "https://evil.example"}
    )

    _assert_page(response, 403)
    assert SESSION not in _cookies(response)


async def test_the_company_id_is_offered_at_the_next_sign_in(tenant: Tenant) -> None:
    response = await _sign_in(tenant)
    company = _cookies(response)["dues_company"]["dues_company"]
    assert company.value == tenant.company_id and company["httponly"] is True

    form = await tenant.http.get("/login", headers={"Cookie": f"dues_company={company.value}"})
    assert f'id="company-id" name="companyId" value="{tenant.company_id}"' in form.text


async def test_the_api_is_not_signed_in_by_the_cookie(tenant: Tenant, signed_in: str) -> None:
    """The cookie is for the pages only: an API call still needs the Authorization header, so a cross-site
    request that carried the cookie could not act through the API."""
    response = await tenant.http.get("/api/v0/company", headers={"Cookie": f"{SESSION}={signed_in}"})
    assert response.status_code == 401


@pytest.fixture(autouse=True)
def _no_cookie_jar_leaks(client: httpx.AsyncClient) -> None:
    client.cookies.clear()
