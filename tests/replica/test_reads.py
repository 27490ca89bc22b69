"""Searches and the ledger read on a streaming replica while it answers and keeps up, and on the primary when
it is stopped, frozen, paused or cut off from its primary; back on it as soon as it is well again.

Where each read ran is read from the servers' statement logs (ReplicaCluster.assert_ran_on_replica).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dues.config import Settings
from dues.replica import (
    CHECK_EVERY_SECONDS,
    RETRY_AFTER_SECONDS,
    ReadReplica,
    ReplicaMonitor,
    ReplicaState,
)
from tests.processes import free_port, until
from tests.replica.cluster import ReplicaCluster
from tests.replica.conftest import DB_TIMEOUT, MAX_LAG, Api


def token() -> str:
    return secrets.token_hex(6)


@dataclass
class Seeded:
    customer_id: str
    name_marker: str  # a part of the customer's name, lower case, as the search sends it
    invoice_id: str
    tan: str  # a deductor TAN nobody used: the TDS search's marker


def create_customer(api: Api, marker: str) -> str:
    answer = api.post(
        "/api/v0/customer", json={"legalName": f"Replica {marker} Pvt Ltd", "state": "Maharashtra"}
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["payload"]["customerId"])


@pytest.fixture(scope="module")
def seeded(replica_api: Api) -> Seeded:
    marker = token()
    customer_id = create_customer(replica_api, marker)
    answer = replica_api.post(
        "/api/v0/invoice",
        json={
            "customerId": customer_id,
            "invoiceDate": "2026-11-24",
            "dueDate": "2026-12-31",
            "baseAmount": 1000,
            "cgst": 90,
            "sgst": 90,
        },
    )
    assert answer.status_code == 200, answer.text
    tan = (
        "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(4))
        + f"{secrets.randbelow(10**5):05d}Z"
    )
    return Seeded(customer_id, marker, answer.json()["payload"]["invoiceId"], tan)


@dataclass(frozen=True)
class Read:
    name: str
    method: str
    path: str
    body: dict[str, Any] | None
    marker: str  # what the read's SQL carries and nothing else sent since the mark
    check: Callable[[Any], None]  # on the answer's payload


def reads(seeded: Seeded) -> list[Read]:
    def finds_customer(page: Any) -> None:
        assert [c["customerId"] for c in page["items"]] == [seeded.customer_id]

    def finds_invoice(page: Any) -> None:
        assert [i["invoiceId"] for i in page["items"]] == [seeded.invoice_id]

    def nothing(page: Any) -> None:
        assert page["items"] == []

    def ledger(payload: Any) -> None:
        assert [e["type"] for e in payload["entries"]] == ["INVOICE"]
        assert Decimal(str(payload["closingBalance"])) == Decimal("1180")

    def aging(payload: Any) -> None:
        [row] = payload["customers"]["items"]
        assert row["customerId"] == seeded.customer_id
        assert Decimal(str(row["current"])) == Decimal(str(row["net"])) == Decimal("1180")

    def statement(payload: Any) -> None:
        assert Decimal(str(payload["closingBalance"])) == Decimal("1180")

    def overview(payload: Any) -> None:
        assert Decimal(str(payload["outstanding"])) >= Decimal("1180")

    customer = seeded.customer_id
    return [
        Read(
            "customers",
            "POST",
            "/api/v0/customer/search",
            {"legalName": seeded.name_marker},
            seeded.name_marker,
            finds_customer,
        ),
        Read(
            "invoices", "POST", "/api/v0/invoice/search", {"customerIds": [customer]}, customer, finds_invoice
        ),
        Read(
            "credit notes",
            "POST",
            "/api/v0/credit-note/search",
            {"customerIds": [customer]},
            customer,
            nothing,
        ),
        Read("tds", "POST", "/api/v0/tds/search", {"deductorTan": seeded.tan}, seeded.tan, nothing),
        Read("ledger", "GET", f"/api/v0/customer/{customer}/ledger", None, customer, ledger),
        Read(
            "aging",
            "GET",
            f"/api/v0/reports/aging?customerIds={customer}",
            None,
            customer,
            aging,
        ),
        Read("statement", "GET", f"/api/v0/customer/{customer}/statement", None, customer, statement),
        # Only the overview's SQL names the day totals (the triggers that keep them are not logged).
        Read("overview", "GET", "/api/v0/reports/overview", None, "ledger_day_totals", overview),
    ]


def read(api: Api, how: Read) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    answer = api.call(how.method, how.path, json=how.body)
    took = time.monotonic() - started
    assert answer.status_code == 200, (how.name, answer.text)
    how.check(answer.json()["payload"])
    return answer, took


def assert_all_on_replica(api: Api, seeded: Seeded) -> None:
    for how in reads(seeded):
        since = api.cluster.mark()
        read(api, how)
        api.cluster.assert_ran_on_replica(how.marker, since)


def assert_all_on_primary(api: Api, seeded: Seeded) -> None:
    """Every read answers, from the primary, without waiting out the request's database timeout (which a read
    stuck on the replica would)."""
    for how in reads(seeded):
        since = api.cluster.mark()
        _, took = read(api, how)
        api.cluster.assert_ran_on_primary(how.marker, since)
        assert took < DB_TIMEOUT, (how.name, took)


def log_count(api: Api, event: str) -> int:
    return api.serve.stderr().count(f'"event": "{event}"')


@pytest.fixture
def well_again(replica_api: Api, replica_cluster: ReplicaCluster) -> Iterator[None]:
    """Whatever a test did to the replica is undone, and dues reads on it again, before the next test."""
    replica_api.caught_up()
    yield
    replica_cluster.thaw()
    if not replica_cluster.replica.running():
        replica_cluster.replica.start()
    replica_cluster.replica.execute("SELECT pg_wal_replay_resume()")
    replica_api.caught_up()


def test_searches_and_the_ledger_read_on_the_replica(
    replica_api: Api, seeded: Seeded, well_again: None
) -> None:
    state = replica_api.replica_state()
    assert (state["configured"], state["usable"], state["detail"]) == (True, True, None)
    assert 0 <= state["lagSeconds"] <= MAX_LAG
    assert_all_on_replica(replica_api, seeded)
    # The caller's token and company are read on the primary; only the route's own reads move.
    since = replica_api.cluster.mark()
    read(replica_api, reads(seeded)[0])
    assert "FROM users" in replica_api.cluster.primary.log_since(since.primary)
    assert "FROM users" not in replica_api.cluster.replica.log_since(since.replica)


def test_the_lag_is_checked_once_a_second_not_per_request(
    replica_api: Api, seeded: Seeded, well_again: None
) -> None:
    since = replica_api.cluster.mark()
    started = time.monotonic()
    searches = 0
    while time.monotonic() - started < 3 * CHECK_EVERY_SECONDS:
        read(replica_api, reads(seeded)[0])
        searches += 1
    took = time.monotonic() - started
    replica_log = replica_api.cluster.replica.log_since(since.replica)
    # every search on the replica
    assert replica_log.count("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY") == searches
    checks = replica_log.count("pg_last_wal_replay_lsn")
    assert 1 <= checks <= took / CHECK_EVERY_SECONDS + 1, (checks, searches, took)


def test_a_stopped_replica_leaves_reads_to_the_primary_until_it_is_back(
    replica_api: Api, replica_cluster: ReplicaCluster, seeded: Seeded, well_again: None
) -> None:
    downs, backs = (
        log_count(replica_api, "replica down: reads on the primary"),
        log_count(replica_api, "replica back"),
    )
    replica_cluster.replica.stop("immediate")
    assert_all_on_primary(replica_api, seeded)
    state = replica_api.replica_state()
    assert (state["configured"], state["usable"], state["lagSeconds"]) == (True, False, None)
    assert "did not answer" in state["detail"]
    assert_all_on_primary(replica_api, seeded)  # and again, while it is left alone

    replica_cluster.replica.start()
    replica_api.caught_up()
    assert_all_on_replica(replica_api, seeded)
    # Each change of state logged once, however many reads met it.
    assert log_count(replica_api, "replica down: reads on the primary") == downs + 1
    assert log_count(replica_api, "replica back") == backs + 1


def test_a_frozen_replica_leaves_reads_to_the_primary_without_holding_them(
    replica_api: Api, replica_cluster: ReplicaCluster, seeded: Seeded, well_again: None
) -> None:
    replica_cluster.replica.freeze()
    assert_all_on_primary(replica_api, seeded)
    # Left alone for a while, then checked again while still frozen: the reads do not wait for that check.
    time.sleep(RETRY_AFTER_SECONDS)
    assert_all_on_primary(replica_api, seeded)
    state = replica_api.replica_state()
    assert (state["usable"], state["lagSeconds"]) == (False, None)

    replica_cluster.thaw()
    replica_api.caught_up()
    assert_all_on_replica(replica_api, seeded)


def test_a_replica_behind_by_more_than_the_limit_is_not_read(
    replica_api: Api, replica_cluster: ReplicaCluster, seeded: Seeded, well_again: None
) -> None:
    replica_cluster.replica.execute("SELECT pg_wal_replay_pause()")
    marker = token()
    customer_id = create_customer(replica_api, marker)  # written on the primary, not replayed
    state = until(
        lambda: (s := replica_api.replica_state())["lagSeconds"] is not None and not s["usable"] and s,
        30,
        "dues to see the replica lagging",
    )
    assert state["lagSeconds"] > MAX_LAG
    assert "behind the primary" in state["detail"]
    since = replica_cluster.mark()
    answer = replica_api.post("/api/v0/customer/search", json={"legalName": marker})
    assert [c["customerId"] for c in answer.json()["payload"]["items"]] == [customer_id]
    replica_cluster.assert_ran_on_primary(marker, since)

    replica_cluster.replica.execute("SELECT pg_wal_replay_resume()")
    replica_api.caught_up()
    since = replica_cluster.mark()
    answer = replica_api.post("/api/v0/customer/search", json={"legalName": marker})
    assert [c["customerId"] for c in answer.json()["payload"]["items"]] == [customer_id]
    replica_cluster.assert_ran_on_replica(marker, since)


def test_a_replica_cut_off_from_its_primary_lags_though_it_replayed_all_it_received(
    replica_api: Api, replica_cluster: ReplicaCluster, seeded: Seeded, well_again: None
) -> None:
    replica = replica_cluster.replica
    ((conninfo,),) = replica.execute("SHOW primary_conninfo")
    replica.execute("ALTER SYSTEM SET primary_conninfo = ''")
    replica.execute("SELECT pg_reload_conf()")
    try:
        until(lambda: not replica_cluster.streaming(), 30, "the replica to stop streaming")
        marker = token()
        create_customer(replica_api, marker)
        received, replayed = replica.execute("SELECT pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()")[0]
        assert received == replayed  # on its own, the replica looks caught up
        until(lambda: not replica_api.replica_state()["usable"], 30, "dues to see the replica lagging")
        since = replica_cluster.mark()
        replica_api.post("/api/v0/customer/search", json={"legalName": marker})
        replica_cluster.assert_ran_on_primary(marker, since)
    finally:
        replica.execute(f"ALTER SYSTEM SET primary_conninfo = '{conninfo.replace(chr(39), chr(39) * 2)}'")
        replica.execute("SELECT pg_reload_conf()")
    replica_api.caught_up()
    since = replica_cluster.mark()
    replica_api.post("/api/v0/customer/search", json={"legalName": marker})
    replica_cluster.assert_ran_on_replica(marker, since)


def test_an_idle_primary_is_no_lag(replica_api: Api, seeded: Seeded, well_again: None) -> None:
    # Nothing written for longer than the limit: the replica's last replayed commit is older than the limit,
    # and yet it misses nothing.
    time.sleep(MAX_LAG + 1.5)
    state = until(lambda: (s := replica_api.replica_state())["usable"] and s, 5, "the replica usable")
    assert state["lagSeconds"] < MAX_LAG
    assert_all_on_replica(replica_api, seeded)


async def settled(monitor: ReplicaMonitor) -> ReplicaState:
    """The monitor's verdict once a check has finished (a first check opens connections, which may take longer
    than a request would wait for it)."""
    deadline = time.monotonic() + 10
    while True:
        state = await monitor.current()
        if "taking too long" not in (state.detail or "") or time.monotonic() > deadline:
            return state
        await asyncio.sleep(0.1)


async def _write_through_a_read_session(primary_url: str, replica_url: str) -> tuple[bool, str | None]:
    """Where a read session lands (in recovery: the replica), and the SQLSTATE a write there gets."""
    settings = Settings(
        replica_url=replica_url, replica_max_lag_seconds=MAX_LAG, db_timeout_seconds=DB_TIMEOUT
    )
    replica = ReadReplica.connect(settings, primary_url)
    try:
        await settled(replica.monitor)
        async with replica.session() as session:
            on_replica = bool((await session.execute(text("SELECT pg_is_in_recovery()"))).scalar())
            with pytest.raises(DBAPIError) as failure:
                await session.execute(text("CREATE TABLE written_by_a_read (x int)"))
        return on_replica, getattr(failure.value.orig, "sqlstate", None)
    finally:
        await replica.dispose()


def test_a_write_through_a_read_session_fails_alike_on_the_replica_and_the_primary(
    replica_cluster: ReplicaCluster, replica_api: Api, well_again: None
) -> None:
    primary_url = replica_cluster.primary.url()
    on_replica = asyncio.run(_write_through_a_read_session(primary_url, replica_cluster.replica.url()))
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/dues"  # a replica that is down
    on_primary = asyncio.run(_write_through_a_read_session(primary_url, nowhere))
    # 25006: read_only_sql_transaction, on both.
    assert on_replica == (True, "25006")
    assert on_primary == (False, "25006")


def test_a_server_that_is_not_a_standby_is_not_taken_for_a_replica(replica_cluster: ReplicaCluster) -> None:
    async def check() -> Any:
        primary = replica_cluster.primary.url()
        monitor = ReplicaMonitor(primary, primary, MAX_LAG)  # DUES_REPLICA_URL set to the primary by mistake
        try:
            return await settled(monitor)
        finally:
            await monitor.close()

    state = asyncio.run(check())
    assert (state.usable, state.lag_seconds) == (False, None)
    assert state.detail is not None and "not a standby" in state.detail
