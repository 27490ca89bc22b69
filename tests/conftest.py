"""Tests run on a real PostgreSQL: DUES_TEST_DATABASE_URL when set, else an embedded one (pgserver).

Each run makes its own database on that server, migrates it once, and drops it at the end. Each test runs
inside a transaction rolled back afterwards (the app's commits become savepoints), except tests that take
the ``committed`` fixture: those need real commits (background jobs, concurrent requests) and the tables
they touched are emptied afterwards.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

os.environ.setdefault("DUES_JWT_SECRET", "test-secret-" + "x" * 40)
os.environ.setdefault("DUES_ENV", "test")
os.environ.setdefault("DUES_PASSWORD_HASH_PROFILE", "fast")

import httpx
import psycopg
import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from dues import jobs
from dues.app import create_app
from dues.config import Settings, get_settings
from dues.db import Database, libpq_url, make_sessionmaker, sqlalchemy_url, start_embedded
from dues.migrations import upgrade
from tests.support import Tenant, TenantFactory
from tests.webhooks.receiver import Receiver


def _server_url() -> str:
    url = os.environ.get("DUES_TEST_DATABASE_URL")
    if url:
        return url
    home = Path(os.environ.get("DUES_TEST_PG_HOME", Path(tempfile.gettempdir()) / "dues-test-pg"))
    return start_embedded(home, database="postgres")


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    server = _server_url()
    name = f"dues_test_{secrets.token_hex(4)}"
    admin = libpq_url(server)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(sqlalchemy_url(server)).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_async_engine(sqlalchemy_url(database_url), pool_size=20, max_overflow=20)
    yield eng
    await eng.dispose()


@pytest.fixture
def no_message_providers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No mail or SMS provider, so messages stay in the outbox (the embedded default); settings re-read."""
    monkeypatch.delenv("DUES_SMTP_URL", raising=False)
    monkeypatch.delenv("DUES_SMS_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path, jwt_secret=os.environ["DUES_JWT_SECRET"], inprocess_worker=False)


@pytest_asyncio.fixture(loop_scope="session")
async def db(engine: AsyncEngine, database_url: str) -> AsyncIterator[Database]:
    """A database view whose every commit is a savepoint of one transaction rolled back after the test."""
    async with engine.connect() as conn:
        trans = await conn.begin()
        database = Database(
            url=database_url,
            engine=engine,
            sessionmaker=make_sessionmaker(conn, join_transaction_mode="create_savepoint"),
        )
        yield database
        await trans.rollback()


_TABLES = (
    "upload_chunks, upload_rows, uploads, customer_contacts, customers, audit_log, idempotency_keys, users, "
    "api_clients, companies, procrastinate_jobs, procrastinate_events"
)


@pytest_asyncio.fixture(loop_scope="session")
async def committed(engine: AsyncEngine, database_url: str) -> AsyncIterator[Database]:
    """Real commits, for background jobs and concurrency; tables are emptied afterwards."""
    database = Database.on(database_url, engine)
    yield database
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {_TABLES} CASCADE"))


@pytest.fixture
def app_factory(settings: Settings) -> Callable[[Database], object]:
    def make(database: Database) -> object:
        jobs.bind(database)
        return create_app(settings, database)

    return make


@pytest_asyncio.fixture(loop_scope="session")
async def client(db: Database, app_factory: Callable[[Database], object]) -> AsyncIterator[httpx.AsyncClient]:
    app = app_factory(db)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://dues.test") as c:
        yield c


@pytest.fixture
def tenants(db: Database, client: httpx.AsyncClient) -> TenantFactory:
    return TenantFactory(db, client)


@pytest_asyncio.fixture(loop_scope="session")
async def tenant(tenants: TenantFactory) -> Tenant:
    return await tenants.create()


@pytest_asyncio.fixture(loop_scope="session")
async def live(
    committed: Database, app_factory: Callable[[Database], object]
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on an app whose requests really commit: for background jobs and concurrent requests."""
    transport = httpx.ASGITransport(app=app_factory(committed))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://dues.test") as c:
        yield c


@pytest.fixture
def live_tenants(committed: Database, live: httpx.AsyncClient) -> TenantFactory:
    return TenantFactory(committed, live)


async def run_jobs(database: Database) -> None:
    """Run every queued job to completion with a real procrastinate worker, then return."""
    await jobs.run_worker(database, concurrency=2, wait=False, install_signal_handlers=False)


RunJobs = Callable[[Database], Awaitable[None]]


@pytest.fixture
def allow_private(monkeypatch: pytest.MonkeyPatch) -> None:
    """The webhook receiver listens on 127.0.0.1, which only an operator's DUES_WEBHOOKS_ALLOW_PRIVATE
    permits."""
    monkeypatch.setattr(get_settings(), "webhooks_allow_private", True)


@pytest_asyncio.fixture(loop_scope="session")
async def receiver() -> AsyncIterator[Receiver]:
    """A real HTTP server on 127.0.0.1 that records the webhook deliveries it gets."""
    r = Receiver()
    await r.start()
    yield r
    await r.stop()
