"""Fixtures for reads on a replica: a real primary and streaming replica (tests/replica/cluster.py),
`dues serve` pointed at both, and a company to call it as.

For a route switched to ReadSessionDep (the reports):

    def test_aging_reads_on_the_replica(replica_cluster, replica_api):
        replica_api.caught_up()                      # what was just written is on the replica
        since = replica_cluster.mark()
        answer = replica_api.get(f"/api/v0/reports/aging?customerIds={customer_id}")
        replica_cluster.assert_ran_on_replica(customer_id, since)

The marker is any text the route's SQL carries, in its text or its parameters (a customer id, a searched
name), that no other statement carried since the mark.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from dues.companies import service as companies
from dues.db import Database
from tests.processes import Serve, until
from tests.replica.cluster import ReplicaCluster, binaries
from tests.support import gstin_for

MAX_LAG = 2  # DUES_REPLICA_MAX_LAG_SECONDS of the server under test
DB_TIMEOUT = 5  # its DUES_DB_TIMEOUT_SECONDS


@pytest.fixture(scope="module")
def replica_cluster() -> Iterator[ReplicaCluster]:
    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip(
            "pgserver's PostgreSQL binaries (initdb, pg_ctl, pg_basebackup, postgres) are not installed"
        )
    cluster = ReplicaCluster(bin_dir)
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def replica_serve(
    replica_cluster: ReplicaCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Serve]:
    env = {
        "DATABASE_URL": replica_cluster.primary.url(),
        "DUES_DATABASE_URL": None,
        "DUES_REPLICA_URL": replica_cluster.replica.url(),
        "DUES_REPLICA_MAX_LAG_SECONDS": str(MAX_LAG),
        "DUES_DB_TIMEOUT_SECONDS": str(DB_TIMEOUT),
        "DUES_INPROCESS_WORKER": "false",
        # Every request reads its caller (on the primary), so a test can see where that read ran too.
        "DUES_AUTH_CACHE_SECONDS": "0",
        "DUES_LOG_LEVEL": "INFO",
        "DUES_LOG_JSON": "true",
    }
    server = Serve(env, tmp_path_factory.mktemp("replica-serve") / "serve.log", "--no-demo")
    try:
        server.wait_up()
        yield server
    finally:
        server.stop()


@dataclass
class Api:
    """A company's calls to `dues serve`, with its token."""

    serve: Serve
    cluster: ReplicaCluster
    token: str
    company_id: str

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.request(method, self.serve.base + path, headers=headers, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("POST", path, **kwargs)

    def replica_state(self) -> dict[str, Any]:
        answer = self.serve.get("/readyz", timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()["replica"]  # type: ignore[no-any-return]

    def caught_up(self) -> None:
        """Wait until the replica has what was written so far and dues reads on it again."""
        until(self.cluster.caught_up, 30, "the replica to replay what the primary wrote")
        until(lambda: self.replica_state()["usable"], 30, "dues to read on the replica")


@pytest.fixture(scope="module")
def replica_api(replica_cluster: ReplicaCluster, replica_serve: Serve) -> Api:
    async def create() -> Any:
        database = Database.connect(replica_cluster.primary.url(), pool_size=1)
        try:
            async with database.sessionmaker() as session:
                name = f"Replica Readers {secrets.token_hex(3)} Pvt Ltd"
                created = await companies.create_company(session, name, "Maharashtra", gstin_for("27"))
                await session.commit()
                return created
        finally:
            await database.dispose()

    created = asyncio.run(create())
    answer = httpx.post(
        replica_serve.base + "/oauth/token",
        data={"grant_type": "password", "username": created.username, "password": created.password},
        auth=(created.client_id, created.client_secret),
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return Api(replica_serve, replica_cluster, str(answer.json()["access_token"]), created.company_id)
