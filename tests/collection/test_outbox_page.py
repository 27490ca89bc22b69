"""GET /outbox (api.md §5): the page a signed-in ADMIN reads the company's messages on, filtered and paged,
through the real app; and once in a real browser (headless Chromium) signing in through the form."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
import pytest_asyncio
from sqlalchemy import event

from dues.auth import tokens
from dues.collection import pages
from dues.companies import service as companies
from dues.config import get_settings
from dues.db import Database
from tests.collection.helpers import customer, dispatch, get_invoice, invoice, sql
from tests.conftest import run_jobs
from tests.support import Tenant, TenantFactory, served

SESSION = "dues_session"
PAGE = "/outbox"
MESSAGE_ROW = re.compile(r'<tr id="(MS[A-Z0-9]{14})" data-status="([A-Z]+)" data-channel="([A-Z]+)">')


async def sign_in(user: Tenant) -> dict[str, str]:
    """Sign in through the form; the Cookie header that carries the session."""
    response = await user.http.post(
        "/login", data={"companyId": user.company_id, "email": user.username, "password": user.password}
    )
    user.http.cookies.clear()
    assert response.status_code == 303, response.text
    match = re.match(rf"{SESSION}=([^;]+);", response.headers["set-cookie"])
    assert match
    return {"Cookie": f"{SESSION}={match.group(1)}"}


async def page(user: Tenant, cookie: dict[str, str], **params: str) -> httpx.Response:
    return await user.http.get(PAGE, params=params, headers=cookie)


def rows(response: httpx.Response) -> list[tuple[str, str, str]]:
    """(messageId, status, channel) of each message shown, in order."""
    assert response.status_code == 200, response.text
    return MESSAGE_ROW.findall(response.text)


def link(response: httpx.Response, rel: str) -> dict[str, str] | None:
    """The query of the page's Newer (prev) or Older (next) link."""
    match = re.search(rf'rel="{rel}" href="/outbox\?([^"]*)"', response.text)
    if match is None:
        return None
    return {k: v[0] for k, v in parse_qs(html.unescape(match.group(1))).items()}


@pytest_asyncio.fixture(loop_scope="session")
async def admin(tenant: Tenant) -> dict[str, str]:
    return await sign_in(tenant)


async def _dispatched(seller: Tenant, n: int = 1, **buyer: Any) -> list[dict[str, Any]]:
    buyer_id = await customer(seller, **buyer)
    made = [await invoice(seller, buyer_id) for _ in range(n)]
    await dispatch(seller, [i["invoiceId"] for i in made])
    return [await get_invoice(seller, i["invoiceId"]) for i in made]


# Who may see it --------------------------------------------------------------------------------------


async def test_without_signing_in_the_page_sends_to_the_login_form(client: httpx.AsyncClient) -> None:
    bare = await client.get(PAGE)
    filtered = await client.get(PAGE, params={"channel": "SMS"})

    assert bare.status_code == 303 and bare.headers["location"] == "/login?next=/outbox"
    assert filtered.status_code == 303
    assert filtered.headers["location"] == "/login?next=/outbox%3Fchannel%3DSMS"
    form = await client.get(filtered.headers["location"])
    assert '<input type="hidden" name="next" value="/outbox?channel=SMS">' in form.text


async def test_signing_in_from_the_redirect_comes_back_to_the_page(tenant: Tenant) -> None:
    response = await tenant.http.post(
        "/login",
        data={
            "companyId": tenant.company_id,
            "email": tenant.username,
            "password": tenant.password,
            "next": "/outbox?channel=SMS",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/outbox?channel=SMS"
    tenant.http.cookies.clear()


async def test_a_bad_expired_or_revoked_cookie_sends_to_the_login_form(
    tenant: Tenant, admin: dict[str, str], db: Database
) -> None:
    claims = jwt.decode(admin["Cookie"].split("=", 1)[1], options={"verify_signature": False})
    expired = tokens.issue(claims["sub"], claims["cid"], claims["tv"], "access", -5)
    refresh = tokens.issue(claims["sub"], claims["cid"], claims["tv"], "refresh", 3600)

    for value in ("garbage", expired, refresh):
        response = await tenant.http.get(PAGE, headers={"Cookie": f"{SESSION}={value}"})
        assert response.status_code == 303 and response.headers["location"] == "/login?next=/outbox"
        assert f'{SESSION}=""' in response.headers["set-cookie"]  # dropped

    assert (await page(tenant, admin)).status_code == 200
    async with db.sessionmaker() as session:
        await companies.set_password(session, tenant.company_id, tenant.username, "A-new-password-1")
        await session.commit()
    revoked = await page(tenant, admin)
    assert revoked.status_code == 303 and revoked.headers["location"] == "/login?next=/outbox"


@pytest.mark.parametrize("role", ["VIEWER", "MAKER"])
async def test_a_user_who_is_not_an_admin_gets_a_clear_403(
    tenant: Tenant, tenants: TenantFactory, role: str
) -> None:
    await _dispatched(tenant, email="secret-payer@buyer.example")
    user = await tenants.user(tenant, role)

    response = await page(user, await sign_in(user))

    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "Only an admin can see the outbox" in response.text
    assert f"a {role} user" in response.text
    assert "secret-payer@buyer.example" not in response.text and not MESSAGE_ROW.search(response.text)


# What it shows ---------------------------------------------------------------------------------------


async def test_an_admin_sees_the_company_messages_and_not_another_company(
    tenant: Tenant, tenants: TenantFactory, admin: dict[str, str]
) -> None:
    ours = await _dispatched(tenant, 2, email="ap@buyer.example", contactNumber="9000000001")
    other = await tenants.create("Other Seller Pvt Ltd")
    theirs = await _dispatched(other, email="theirs@elsewhere.example", contactNumber="9000000999")

    response = await page(tenant, admin)

    shown = rows(response)
    assert len(shown) == 4 and {channel for _, _, channel in shown} == {"EMAIL", "SMS"}
    text = html.unescape(response.text)
    assert "ap@buyer.example" in text and "9000000001" in text
    for inv in ours:
        assert inv["paymentLink"] in text  # in each message's body
        assert inv["invoiceNumber"] in text  # the subject and the invoice column
    assert "invoice-" in text and ".pdf" in text  # the attachment's name
    assert "<details>" in response.text and "Show message" in text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d IST", text)
    # Nothing of the other company's.
    assert "theirs@elsewhere.example" not in text and "9000000999" not in text
    assert theirs[0]["invoiceId"] not in text and theirs[0]["paymentLink"] not in text
    assert rows(await page(tenant, admin, invoiceId=theirs[0]["invoiceId"])) == []
    # The page's headers: never cached, never framed, nothing loaded from elsewhere.
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "http" not in csp
    assert "<script" not in response.text and "https://" not in response.text.split("<body>")[0]


async def test_a_failed_message_shows_its_attempts_and_last_error(
    tenant: Tenant, admin: dict[str, str], db: Database
) -> None:
    [inv] = await _dispatched(tenant, email="ap@buyer.example")
    await sql(
        db,
        "UPDATE messages SET status = 'FAILED', attempts = 5, last_error = :e"
        " WHERE company_id = :c AND invoice_id = :i",
        e="550 <ap@buyer.example>: mailbox unavailable",
        c=tenant.company_id,
        i=inv["invoiceId"],
    )

    response = await page(tenant, admin)

    assert [status for _, status, _ in rows(response)] == ["FAILED"]
    assert "5 attempts: 550 &lt;ap@buyer.example&gt;: mailbox unavailable" in response.text


async def test_what_a_message_says_is_escaped(tenant: Tenant, admin: dict[str, str], db: Database) -> None:
    await _dispatched(tenant, email="ap@buyer.example")
    await sql(
        db,
        "UPDATE messages SET body = '<script>alert(1)</script>', subject = '<b>x</b>' WHERE company_id = :c",
        c=tenant.company_id,
    )

    response = await page(tenant, admin)

    assert "<script>" not in response.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<b>x</b>" not in response.text


# Filters ---------------------------------------------------------------------------------------------


async def test_filters_by_channel_status_and_invoice(
    tenant: Tenant, admin: dict[str, str], db: Database
) -> None:
    first, second = await _dispatched(tenant, 2, email="ap@buyer.example", contactNumber="9000000001")
    await sql(
        db,
        "UPDATE messages SET status = 'OUTBOX' WHERE company_id = :c AND invoice_id = :i",
        c=tenant.company_id,
        i=first["invoiceId"],
    )

    sms = rows(await page(tenant, admin, channel="SMS"))
    outbox = rows(await page(tenant, admin, status="OUTBOX"))
    one = rows(await page(tenant, admin, invoiceId=second["invoiceId"]))
    combined = rows(await page(tenant, admin, channel="email", status="outbox", invoiceId=first["invoiceId"]))
    none = await page(tenant, admin, status="CANCELLED")

    assert len(sms) == 2 and {c for _, _, c in sms} == {"SMS"}
    assert len(outbox) == 2 and {s for _, s, _ in outbox} == {"OUTBOX"}
    assert len(one) == 2 and {s for _, s, _ in one} == {"PENDING"}
    assert [(s, c) for _, s, c in combined] == [("OUTBOX", "EMAIL")]
    assert rows(none) == [] and "No messages match these filters." in none.text
    # The form shows the filters in force.
    filtered = await page(tenant, admin, channel="SMS", status="OUTBOX", invoiceId=first["invoiceId"])
    assert '<option value="SMS" selected>' in filtered.text
    assert '<option value="OUTBOX" selected>' in filtered.text
    assert f'value="{first["invoiceId"]}"' in filtered.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"invoiceId": "INV123"}, "An invoice ID is INV followed by 13"),
        ({"invoiceId": "INV\x00AAAAAAAAAAAA"}, "An invoice ID is INV followed by 13"),
        ({"channel": "FAX"}, "Channel must be one of EMAIL, SMS, WHATSAPP."),
        ({"status": "LOST"}, "Status must be one of PENDING, SENDING, SENT, OUTBOX, FAILED, CANCELLED."),
    ],
)
async def test_a_bad_filter_is_explained_on_the_page(
    tenant: Tenant, admin: dict[str, str], params: dict[str, str], message: str
) -> None:
    response = await page(tenant, admin, **params)

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert message in response.text and 'role="alert"' in response.text


# Pages -----------------------------------------------------------------------------------------------


async def _many(db: Database, company_id: str, n: int, same_time_every: int = 7) -> list[str]:
    """n messages (no invoice), groups of ``same_time_every`` sharing a created_on as one dispatch's do;
    their ids newest first, as the page orders them."""
    await sql(
        db,
        """
        INSERT INTO messages (company_id, message_id, channel, recipient, subject, body, status, created_on)
        SELECT :c, 'MS' || lpad(g::text, 14, '0'), CASE WHEN g % 2 = 0 THEN 'EMAIL' ELSE 'SMS' END,
               'payer' || g || '@buyer.example', 'Invoice ' || g, 'Pay at https://pay.example/' || g,
               'OUTBOX',
               TIMESTAMPTZ '2026-01-01 00:00:00+00' + make_interval(secs => g / :k)
          FROM generate_series(1, :n) AS g
        """,
        c=company_id,
        n=n,
        k=same_time_every,
    )
    ordered = await sql(
        db,
        "SELECT message_id FROM messages WHERE company_id = :c ORDER BY created_on DESC, message_id DESC",
        c=company_id,
    )
    return [r[0] for r in ordered]


async def test_pages_walk_every_message_once_newest_first_and_back(
    tenant: Tenant, admin: dict[str, str], db: Database
) -> None:
    expected = await _many(db, tenant.company_id, 2 * pages.PAGE_SIZE + 17)

    seen: list[str] = []
    visited: list[httpx.Response] = []
    params: dict[str, str] = {}
    while True:
        response = await page(tenant, admin, **params)
        visited.append(response)
        seen += [m for m, _, _ in rows(response)]
        older = link(response, "next")
        if older is None:
            break
        params = older
    assert seen == expected and len(visited) == 3
    assert [len(rows(r)) for r in visited] == [pages.PAGE_SIZE, pages.PAGE_SIZE, 17]
    assert link(visited[0], "prev") is None

    # Newer from the last page gives the middle one again, and from there the first.
    middle = await page(tenant, admin, **(link(visited[2], "prev") or {}))
    assert rows(middle) == rows(visited[1])
    first = await page(tenant, admin, **(link(middle, "prev") or {}))
    assert rows(first) == rows(visited[0]) and link(first, "prev") is None


async def test_pages_keep_the_filters(tenant: Tenant, admin: dict[str, str], db: Database) -> None:
    expected = await _many(db, tenant.company_id, 3 * pages.PAGE_SIZE)
    sms = [m for m in expected if int(m[2:]) % 2 == 1]

    first = await page(tenant, admin, channel="SMS")
    older = link(first, "next")
    assert older is not None and older["channel"] == "SMS"
    second = await page(tenant, admin, **older)
    assert [m for m, _, _ in rows(first) + rows(second)] == sms[: 2 * pages.PAGE_SIZE]
    assert {c for _, _, c in rows(second)} == {"SMS"}


async def test_a_mangled_cursor_shows_the_newest_page(
    tenant: Tenant, admin: dict[str, str], db: Database
) -> None:
    expected = await _many(db, tenant.company_id, 5)

    for cursor in ("x", "99999999999999999999.MS1", "1.<script>", "-5.MS00000000000001"):
        assert [m for m, _, _ in rows(await page(tenant, admin, before=cursor))] == expected
        assert [m for m, _, _ in rows(await page(tenant, admin, after=cursor))] == expected


async def test_the_page_query_uses_an_index_on_a_large_outbox(
    tenant: Tenant, tenants: TenantFactory, admin: dict[str, str], db: Database
) -> None:
    """100,000 messages (a tenth another company's): the newest page, a page deep down and one invoice's page
    are read through the indexes of migration 0009, never a scan of the table."""
    other = await tenants.create("Other Seller Pvt Ltd")
    await _many(db, tenant.company_id, 90_000, same_time_every=50)
    await _many(db, other.company_id, 10_000)
    [inv] = await _dispatched(tenant, email="ap@buyer.example")
    await sql(db, "ANALYZE messages")

    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "FROM messages" in statement and "LIMIT" in statement:
            captured.append((statement, parameters))

    sync_engine = db.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", capture)
    try:
        newest = await page(tenant, admin)
        deep = await page(tenant, admin, **(link(newest, "next") or {}))
        for _ in range(20):
            deep = await page(tenant, admin, **(link(deep, "next") or {}))
        one = await page(tenant, admin, invoiceId=inv["invoiceId"])
    finally:
        event.remove(sync_engine, "before_cursor_execute", capture)
    assert len(rows(newest)) == len(rows(deep)) == pages.PAGE_SIZE and len(rows(one)) == 1

    plans = []
    async with db.sessionmaker() as session:
        connection = await session.connection()
        for statement, parameters in (captured[0], captured[-2], captured[-1]):
            result = await connection.exec_driver_sql("EXPLAIN " + statement, parameters)
            plans.append("\n".join(r[0] for r in result.all()))
    newest_plan, deep_plan, one_plan = plans
    assert "ix_messages_company_created" in newest_plan and "Seq Scan on messages" not in newest_plan
    assert "ix_messages_company_created" in deep_plan and "Seq Scan on messages" not in deep_plan
    assert "created_on <=" in deep_plan  # the cursor bounds the index scan
    assert "ix_messages_invoice" in one_plan and "Seq Scan on messages" not in one_plan


# In a browser ----------------------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
# Not in the repository: tests/collection/ has no .gitignore for screenshots.
SHOTS = Path("/tmp/dues-outbox-screenshots")  # noqa: S108 - a place for a person to look, nothing secret
PHONE: Any = {"width": 390, "height": 844}  # playwright's ViewportSize
DESKTOP: Any = {"width": 1280, "height": 800}


@pytest_asyncio.fixture(loop_scope="session")
async def server(
    committed: Database, app_factory: Callable[[Database], object], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """The app on a real uvicorn (127.0.0.1, an ephemeral port) on the test's event loop; its base URL."""
    async with served(app_factory(committed)) as url:
        monkeypatch.setenv("DUES_PUBLIC_URL", url)
        get_settings.cache_clear()
        yield url


@pytest.fixture
def shots() -> Path:
    SHOTS.mkdir(exist_ok=True)
    return SHOTS


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not installed: {CHROMIUM} is missing")
async def test_an_admin_signs_in_in_a_browser_and_reads_the_outbox(
    committed: Database, server: str, shots: Path
) -> None:
    from playwright.async_api import async_playwright

    async with httpx.AsyncClient(base_url=server, timeout=20) as http:
        seller = await TenantFactory(committed, http).create(name="Shree Ganesh Traders Pvt Ltd")
        invoices = await _dispatched(
            seller,
            2,
            legalName="Acme Buyers Pvt Ltd",
            email="accounts@acme.example",
            contactNumber="9876543210",
        )
        await run_jobs(committed)  # no provider: the messages settle in the outbox

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            tab = await browser.new_page(viewport=PHONE)
            await tab.goto(f"{server}/outbox?channel=EMAIL")
            assert urlsplit(tab.url).path == "/login"
            await tab.get_by_label("Company ID").fill(seller.company_id)
            await tab.get_by_label("E-mail").fill(seller.username)
            await tab.get_by_label("Password").fill("not the password")
            await tab.get_by_role("button", name="Sign in").click()
            assert "Wrong company ID, e-mail or password." in await tab.get_by_role("alert").inner_text()
            await _shoot(tab, "login-refused")

            await tab.get_by_label("Password").fill(seller.password)
            await tab.get_by_role("button", name="Sign in").click()
            await tab.wait_for_url(re.compile(r".*/outbox\?channel=EMAIL$"))
            assert await tab.locator("h1").inner_text() == "Outbox"
            messages = tab.locator("tr[data-status]")
            assert await messages.count() == 2
            assert await tab.locator("tr[data-status='OUTBOX'][data-channel='EMAIL']").count() == 2
            await messages.first.get_by_text("Show message").click()
            body = await messages.first.locator("pre.body").inner_text()
            assert any(inv["paymentLink"] in body for inv in invoices)
            await _shoot(tab, "outbox-email")

            await tab.get_by_label("Channel").select_option("")
            await tab.get_by_role("button", name="Filter").click()
            await tab.wait_for_url(re.compile(r".*/outbox\?.*"))
            assert await tab.locator("tr[data-status]").count() == 4
            await _shoot(tab, "outbox-all")

            await tab.get_by_role("button", name="Sign out").click()
            await tab.wait_for_url(re.compile(r".*/login\?signedOut=1$"))
            await tab.goto(f"{server}/outbox")
            assert urlsplit(tab.url).path == "/login"
        finally:
            await browser.close()


async def _shoot(tab: Any, name: str) -> None:
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await tab.set_viewport_size(size)
        await tab.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    await tab.set_viewport_size(PHONE)
