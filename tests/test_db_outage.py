"""A database that stops, freezes or makes a request wait on a lock: `dues serve` answers 503 within
DUES_DB_TIMEOUT_SECONDS instead of hanging, /readyz says so within 12 s, and both recover when it returns.

The database is a private PostgreSQL (the shared test server must not be stopped), the server a real
`dues serve` process on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from dues.companies import service as companies
from dues.db import Database, libpq_url
from dues.migrations import upgrade
from tests.processes import PrivatePostgres, Serve, until

TIMEOUT = 3  # DUES_DB_TIMEOUT_SECONDS of the server under test
SLACK = 1.5  # a cancel request to a server that answers nothing (0.5 s), and a loaded machine


@pytest.fixture(scope="module")
def postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    yield server
    server.close()


@pytest.fixture(scope="module")
def url(postgres: PrivatePostgres) -> str:
    url = postgres.create_database("dues")
    upgrade(url)
    return url


@pytest.fixture(scope="module")
def serve(url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    env = {
        "DATABASE_URL": url,
        "DUES_DB_TIMEOUT_SECONDS": str(TIMEOUT),
        "DUES_INPROCESS_WORKER": "false",
        "DUES_AUTH_CACHE_SECONDS": "0",  # every request reads its user: it needs the database
        "DUES_LOG_LEVEL": "WARNING",
    }
    server = Serve(env, tmp_path_factory.mktemp("serve") / "serve.log", "--no-demo")
    server.wait_up()
    yield server
    server.stop()


def login(url: str, server: Serve) -> str:
    async def create() -> Any:
        database = Database.connect(url, pool_size=1)
        try:
            async with database.sessionmaker() as session:
                created = await companies.create_company(session, "Outage Traders Pvt Ltd", "Goa")
                await session.commit()
                return created
        finally:
            await database.dispose()

    created = asyncio.run(create())
    answer = httpx.post(
        server.base + "/oauth/token",
        data={"grant_type": "password", "username": created.username, "password": created.password},
        auth=(created.client_id, created.client_secret),
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


@pytest.fixture(scope="module")
def token(url: str, serve: Serve) -> str:
    return login(url, serve)


def company(serve: Serve, token: str) -> httpx.Response:
    return serve.get("/api/v0/company", headers={"Authorization": f"Bearer {token}"}, timeout=60)


def timed(call: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    answer = call()
    return answer, time.monotonic() - started


def assert_503(answer: httpx.Response, *words: str) -> None:
    assert answer.status_code == 503, answer.text
    body = answer.json()
    assert body["response_code"] == 503
    assert body["payload"] is None
    assert body["errorResponse"]["errorType"] == "SYSTEM_ERROR"
    message = body["errorResponse"]["errorMessage"]
    assert "try again" in message
    for word in words:
        assert word in message, message
    assert answer.headers["x-request-id"] == body["errorResponse"]["requestId"]


def ready_again(serve: Serve, token: str) -> None:
    until(lambda: serve.get("/readyz", timeout=10).status_code == 200, 30, "/readyz 200 again")
    until(lambda: company(serve, token).status_code == 200, 30, "a request answered again")


def test_a_frozen_database_gets_503_within_the_timeout_and_readyz_follows(
    postgres: PrivatePostgres, serve: Serve, token: str
) -> None:
    assert company(serve, token).status_code == 200
    assert serve.get("/readyz").status_code == 200
    frozen = postgres.freeze()
    try:
        with ThreadPoolExecutor(4) as pool:
            # At once: requests whose connection waits for an answer, one that must open a connection.
            requests = [pool.submit(timed, lambda: company(serve, token)) for _ in range(3)]
            ready = pool.submit(timed, lambda: serve.get("/readyz", timeout=30))
            alive, alive_took = timed(lambda: serve.get("/healthz", timeout=5))
            assert (alive.status_code, alive.json()) == (200, {"status": "alive"})
            assert alive_took < 1, alive_took
            for done in requests:
                answer, took = done.result()
                assert_503(answer, f"within {TIMEOUT} s")
                assert took < TIMEOUT + SLACK, took
            answer, took = ready.result()
        assert answer.status_code == 503, answer.text
        assert took < 12, took
        assert answer.json()["problem"] == "database"
        assert answer.headers["cache-control"] == "no-store"
        # The pool's connections are gone; a new one cannot be opened either.
        answer, took = timed(lambda: company(serve, token))
        assert_503(answer, f"within {TIMEOUT} s")
        assert took < TIMEOUT + SLACK, took
    finally:
        postgres.thaw(frozen)
    ready_again(serve, token)


def test_a_stopped_database_gets_503_at_once_and_a_restarted_one_serves_again(
    postgres: PrivatePostgres, serve: Serve, token: str
) -> None:
    assert company(serve, token).status_code == 200
    postgres.stop()
    try:
        stopped_at = time.monotonic()
        answer = until(
            lambda: (r := serve.get("/readyz", timeout=30)).status_code == 503 and r, 12, "/readyz 503"
        )
        assert time.monotonic() - stopped_at < 12
        assert answer.json()["status"] == "not ready"
        answer, took = timed(lambda: company(serve, token))
        assert_503(answer)
        assert took < TIMEOUT, took
    finally:
        postgres.start()
    ready_again(serve, token)


def test_a_request_waiting_on_a_lock_gets_503_and_its_query_is_cancelled(
    url: str, serve: Serve, token: str
) -> None:
    company_id = company(serve, token).json()["payload"]["companyId"]
    with psycopg.connect(libpq_url(url)) as holder:
        holder.execute("SELECT 1 FROM companies WHERE company_id = %s FOR UPDATE", [company_id])
        answer, took = timed(
            lambda: httpx.patch(
                serve.base + "/api/v0/company",
                json={"legalName": "Renamed Traders Pvt Ltd"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
        )
        assert_503(answer, f"within {TIMEOUT} s")
        assert TIMEOUT - 0.5 < took < TIMEOUT + SLACK, took
        with psycopg.connect(libpq_url(url), autocommit=True) as watcher:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = 'dues'"
            ).fetchone()
        assert waiting == (0,)  # the server was told to stop waiting, not left holding a lock queue
        holder.rollback()
    assert company(serve, token).json()["payload"]["legalName"] == "Outage Traders Pvt Ltd"


def test_readyz_names_a_schema_behind_the_code(postgres: PrivatePostgres, tmp_path: Path) -> None:
    behind = postgres.create_database("behind")
    with psycopg.connect(libpq_url(behind), autocommit=True) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('0001')")
    from dues.health.service import ReadinessCheck, head_revision

    result = asyncio.run(ReadinessCheck(behind).check())
    assert (result.ready, result.problem, result.schema) == (False, "schema", "0001")
    assert result.detail is not None and "dues migrate" in result.detail and head_revision() in result.detail
    empty = postgres.create_database("empty")
    result = asyncio.run(ReadinessCheck(empty).check())
    assert (result.ready, result.problem, result.schema) == (False, "schema", None)


def test_the_in_process_worker_works_again_after_the_database_returns(
    postgres: PrivatePostgres, url: str, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": url, "DUES_INPROCESS_WORKER": "true", "DUES_LOG_LEVEL": "WARNING"}
    server = Serve(env, tmp_path / "worker.log", "--no-demo")
    try:
        server.wait_up()
        bearer = {"Authorization": f"Bearer {login(url, server)}"}
        postgres.stop()
        try:
            until(lambda: server.get("/readyz", timeout=10).status_code == 503, 12, "/readyz 503")
            time.sleep(3)  # long enough for the worker to notice and stop
        finally:
            postgres.start()
        until(lambda: server.get("/readyz", timeout=10).status_code == 200, 30, "/readyz 200 again")
        csv = "legalName,email,uniqueRefNo\nAfter Outage Traders,ap@after.example,AFTER-001\n"
        upload = until(
            lambda: (
                (
                    r := httpx.post(
                        server.base + "/api/v0/customer/bulk",
                        files={"file": ("customers.csv", csv, "text/csv")},
                        headers=bearer,
                        timeout=30,
                    )
                ).status_code
                == 200
                and r
            ),
            30,
            "the upload to be taken",
        )
        upload_id = upload.json()["payload"]["uploadId"]

        def completed() -> bool:
            answer = server.get(f"/api/v0/upload/{upload_id}", headers=bearer, timeout=30)
            return bool(answer.json()["payload"]["status"] == "COMPLETED")

        until(completed, 60, "the upload to be processed by the in-process worker", every=0.5)
    finally:
        server.stop()
