"""Test helpers: tenants (a company, its credentials and a token) making real HTTP calls to the app."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn

from dues.companies import service as companies
from dues.db import Database
from dues.kit import india

_counter = itertools.count(1)


@asynccontextmanager
async def served(app: Any) -> AsyncIterator[str]:
    """The app on a real uvicorn at 127.0.0.1 and an ephemeral port, on the running event loop (where the
    test's database engine lives); yields its base URL and stops the server afterwards."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    instance = uvicorn.Server(config)
    task = asyncio.create_task(instance.serve())
    for _ in range(500):
        if instance.started:
            break
        await asyncio.sleep(0.01)
    assert instance.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{instance.servers[0].sockets[0].getsockname()[1]}"
    finally:
        instance.should_exit = True
        await task


def gstin_for(state_code: str = "27", n: int | None = None) -> str:
    """A valid GSTIN (correct check character) for the state code; distinct for each n."""
    n = next(_counter) if n is None else n
    letters = "".join(chr(ord("A") + (n // 26**i) % 26) for i in range(3))
    pan = f"AA{letters}{n % 10000:04d}F"
    return india.make_gstin(state_code, pan)


def state_code(state: str) -> str:
    """The GST code of a state given by name, alias or code (the current one where a state has two)."""
    name = india.normalize_state(state)
    return {full: code for code, full in india.STATE_CODES.items()}[name or state]


def pan_for(n: int | None = None) -> str:
    return gstin_for("27", n)[2:12]


@dataclass
class Tenant:
    company_id: str
    client_id: str
    client_secret: str
    username: str
    password: str
    http: httpx.AsyncClient
    token: str = ""
    refresh_token: str = ""
    extra_headers: dict[str, str] = field(default_factory=dict)

    async def login(self, password: str | None = None) -> httpx.Response:
        response = await self.http.post(
            "/oauth/token",
            data={"grant_type": "password", "username": self.username, "password": password or self.password},
            auth=(self.client_id, self.client_secret),
        )
        if response.status_code == 200:
            self.token = response.json()["access_token"]
            self.refresh_token = response.json()["refresh_token"]
        return response

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **self.extra_headers, **(extra or {})}

    async def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        return await self.http.request(method, path, headers=self.headers(headers), **kw)

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, **kw: Any) -> httpx.Response:
        return await self.request("POST", path, **kw)

    async def patch(self, path: str, **kw: Any) -> httpx.Response:
        return await self.request("PATCH", path, **kw)

    async def put(self, path: str, **kw: Any) -> httpx.Response:
        return await self.request("PUT", path, **kw)

    async def delete(self, path: str, **kw: Any) -> httpx.Response:
        return await self.request("DELETE", path, **kw)

    async def create_customer(self, **fields: Any) -> dict[str, Any]:
        body = {"legalName": f"Customer {next(_counter)} Pvt Ltd", "state": "Maharashtra", **fields}
        response = await self.post("/api/v0/customer", json=body)
        assert response.status_code == 200, response.text
        return response.json()["payload"]  # type: ignore[no-any-return]


class TenantFactory:
    def __init__(self, db: Database, http: httpx.AsyncClient) -> None:
        self.db = db
        self.http = http

    async def create(
        self,
        name: str = "Seller Pvt Ltd",
        state: str = "Maharashtra",
        parent: str | None = None,
        *,
        registered: bool = True,
    ) -> Tenant:
        """A company, GST-registered (a GSTIN of its state) unless ``registered`` is False: only a registered
        seller charges GST."""
        gstin = gstin_for(state_code(state)) if registered else None
        async with self.db.sessionmaker() as session:
            created = await companies.create_company(session, name, state, gstin, parent=parent)
            await session.commit()
        tenant = Tenant(
            created.company_id,
            created.client_id,
            created.client_secret,
            created.username,
            created.password,
            self.http,
        )
        response = await tenant.login()
        assert response.status_code == 200, response.text
        return tenant

    async def user(self, of: Tenant, role: str, email: str | None = None) -> Tenant:
        """Another user of the same company, logged in."""
        email = email or f"{role.lower()}{next(_counter)}@example.com"
        async with self.db.sessionmaker() as session:
            created = await companies.create_user(session, of.company_id, email, role)
            await session.commit()
        tenant = Tenant(
            of.company_id, of.client_id, of.client_secret, created.username, created.password, self.http
        )
        response = await tenant.login()
        assert response.status_code == 200, response.text
        return tenant


def with_ledger(update: str) -> str:
    """``update`` (an ``UPDATE invoices SET ... WHERE invoice_id = :i`` that moves one invoice's balance, as
    a test writes straight to the table to set a scene) with the ledger entry that keeps api.md §9.4's
    invariant: without it the database refuses the commit."""
    return (
        "WITH old AS (SELECT invoice_id, balance_amount FROM invoices WHERE invoice_id = :i), "  # noqa: S608 (a test's own statement)
        f"upd AS ({update} RETURNING company_id, customer_id, invoice_id, balance_amount, posted) "
        "INSERT INTO ledger_entries (company_id, customer_id, effective_date, entry_type, document_id, "
        "invoice_id, amount) SELECT u.company_id, u.customer_id, current_date, 'PAYMENT', 'PAYTEST', "
        "u.invoice_id, u.balance_amount - o.balance_amount FROM upd u JOIN old o USING (invoice_id) "
        "WHERE u.posted AND u.balance_amount <> o.balance_amount"
    )
