"""Readiness: the database answers and its schema is the one this version of dues was built for.

Each check opens a connection of its own rather than taking one from the request pool: a pool taken up by
requests waiting on the database must not make the check wait too (nor the check take a connection a
request needs), and a fresh connection proves what a restarted pool will need. Checks arriving while one
runs share its answer, so a burst of probes opens one connection.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import cache

import structlog
from alembic.script import ScriptDirectory

from dues import migrations
from dues.db import connect_bounded, database_trouble, first_line
from dues.health import repository
from dues.replica import NOT_CONFIGURED, ReadReplica, ReplicaState

log = structlog.get_logger("dues.health")

# A load balancer's probe gives up after a few seconds (Kubernetes: 1 s by default, AWS: 5 s); readiness
# answers within this, even when the database answers nothing. libpq opens connections in whole seconds, 2
# at least.
READY_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Readiness:
    ready: bool
    schema: str | None  # the revision the database is at, when it answered
    expected: str
    problem: str | None = None  # "database" or "schema"
    detail: str | None = None


@cache
def head_revision() -> str:
    """The schema revision this version of dues needs (the migrations' head)."""
    heads = ScriptDirectory(str(migrations.HERE)).get_heads()
    return ",".join(sorted(heads))


class ReadinessCheck:
    def __init__(self, url: str, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        self.url = url
        self.timeout = timeout
        self._running: asyncio.Future[Readiness] | None = None

    async def check(self) -> Readiness:
        if self._running is None or self._running.done():
            self._running = asyncio.ensure_future(self._check())
        # Shielded: a probe that disconnects does not cancel the check the others are waiting for.
        return await asyncio.shield(self._running)

    async def _check(self) -> Readiness:
        expected = head_revision()
        try:
            connection = await connect_bounded(self.url, self.timeout, autocommit=True)
            try:
                schema = await repository.schema_revision(connection)
            finally:
                await connection.close()
        except Exception as exc:
            log.warning("not ready: the database", error=first_line(exc))
            detail = database_trouble(exc, self.timeout) or "The database refused the readiness check."
            return Readiness(False, None, expected, "database", detail)
        if schema != expected:
            detail = (
                "The database has no schema yet: run `dues migrate`."
                if schema is None
                else f"The schema is at revision {schema}; this version of dues needs {expected}: "
                "run `dues migrate` (or deploy the version that matches)."
            )
            return Readiness(False, schema, expected, "schema", detail)
        return Readiness(True, schema, expected)


async def replica_state(replica: ReadReplica | None) -> ReplicaState:
    """The read replica's state as reads see it (checked again if the last check is over a second old)."""
    return NOT_CONFIGURED if replica is None else await replica.state()
