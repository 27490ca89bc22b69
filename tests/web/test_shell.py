"""The app's shell, through the real app: signing in lands on /app; a page without a session sends to the
sign-in form; errors on pages are pages (never the JSON envelope); every form post from another site is
refused; the pages' headers (CSP, no framing, no caching)."""

from __future__ import annotations

import re

import httpx

from dues.auth.pages import SESSION_COOKIE
from tests.support import Tenant, TenantFactory


async def sign_in(user: Tenant) -> dict[str, str]:
    """Sign in through the form; the Cookie header that carries the session."""
    response = await user.http.post(
        "/login", data={"companyId": user.company_id, "email": user.username, "password": user.password}
    )
    user.http.cookies.clear()
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/app"
    match = re.match(rf"{SESSION_COOKIE}=([^;]+);", response.headers["set-cookie"])
    assert match
    return {"Cookie": f"{SESSION_COOKIE}={match.group(1)}"}


async def test_without_a_session_a_page_sends_to_the_sign_in_form(client: httpx.AsyncClient) -> None:
    response = await client.get("/app?from=2026-04-01")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/app%3Ffrom%3D2026-04-01"


async def test_the_overview_is_a_page_with_strict_headers(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    response = await tenant.http.get("/app", headers=cookie)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert 'id="outstanding"' in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    css = await tenant.http.get("/app/static/app.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


async def test_an_unknown_page_is_a_404_page_not_json(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    response = await tenant.http.get("/app/no-such-page", headers=cookie)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "There is no such page here" in response.text
    assert "Traceback" not in response.text


async def test_a_form_post_from_another_site_is_refused(tenants: TenantFactory, tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    foreign = {**cookie, "Origin": "https://evil.example"}
    response = await tenant.http.post("/app/customers", headers=foreign, data={"legalName": "Forged Pvt Ltd"})
    assert response.status_code == 403
    assert "sent from another site" in response.text
    portal = await tenant.http.post("/portal/anything/dispute", headers={"Origin": "https://evil.example"})
    assert portal.status_code == 403


async def test_every_page_carries_the_same_menu_the_outbox_too(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    overview = (await tenant.http.get("/app", headers=cookie)).text
    assert '<a href="/app" aria-current="page">Overview</a>' in overview
    outbox = await tenant.http.get("/outbox", headers=cookie)
    assert outbox.status_code == 200, outbox.text
    assert '<a href="/outbox" aria-current="page">Outbox</a>' in outbox.text
    assert '<a href="/app/invoices">Invoices</a>' in outbox.text
