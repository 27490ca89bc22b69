"""Background jobs on procrastinate, queued as rows in the caller's own transaction.

A job deferred through ``enqueue`` is part of the request's transaction: it exists only if the change that
caused it commits, and a rolled-back request leaves no phantom job behind.
"""

from __future__ import annotations

import asyncio
import gc
import json
from datetime import datetime
from typing import Any

import procrastinate
import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from dues.config import get_settings
from dues.db import Database, libpq_url

log = structlog.get_logger("dues.jobs")

TASK_MODULES = [
    "dues.uploads.tasks",
    "dues.collection.tasks",
    "dues.webhooks.tasks",
    "dues.pay.tasks",
    "dues.invoices.tasks",
    "dues.reminders.tasks",
    "dues.statements.tasks",
    "dues.bharat_connect.tasks",
    "dues.disputes.tasks",
]

job_app = procrastinate.App(connector=procrastinate.PsycopgConnector(), import_paths=TASK_MODULES)

_database: Database | None = None


def bind(database: Database) -> None:
    """The database the tasks of this process use."""
    global _database
    _database = database


def database() -> Database:
    if _database is None:
        raise RuntimeError("jobs.bind(database) was not called in this process")
    return _database


_DEFER = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, :lock, :queueing_lock, "
    "CAST(:args AS jsonb), :at)::procrastinate_job_to_defer_v1])"
)


async def enqueue(
    session: AsyncSession,
    task: str,
    *,
    queue: str = "default",
    lock: str | None = None,
    queueing_lock: str | None = None,
    at: datetime | None = None,
    **args: Any,
) -> None:
    """Queue ``task`` in the session's transaction, to run at once or at ``at``. With a queueing lock, a
    second job while one holding it waits is refused by procrastinate's unique index (the caller decides)."""
    params = {
        "queue": queue,
        "task": task,
        "lock": lock,
        "queueing_lock": queueing_lock,
        "args": json.dumps(args),
        "at": at,
    }
    await session.execute(_DEFER, params)


def freeze_heap() -> None:
    """Move everything alive after start-up out of the garbage collector's sight.

    Bulk jobs allocate millions of short-lived objects; every full collection would otherwise walk the whole
    import-time object graph again. Measured on a 10,000-row upload: the job's Python CPU fell by a quarter.
    """
    gc.collect()
    gc.freeze()


async def run_worker(
    database: Database,
    *,
    concurrency: int = 4,
    wait: bool = True,
    install_signal_handlers: bool = True,
    name: str = "worker",
) -> None:
    """Process jobs until stopped (or, with wait=False, until the queue is empty)."""
    freeze_heap()
    bind(database)
    # The tasks are registered on job_app itself, so it is job_app that gets the real connector (a copy made
    # with with_connector would leave the tasks, and periodic deferral, on the unopened original).
    connector = procrastinate.PsycopgConnector(conninfo=libpq_url(database.url))
    heartbeat = get_settings().worker_heartbeat_seconds
    with job_app.replace_connector(connector) as app:
        async with app.open_async():
            await _look_for_the_dead(app)
            await app.run_worker_async(
                concurrency=concurrency,
                wait=wait,
                install_signal_handlers=install_signal_handlers,
                name=name,
                fetch_job_polling_interval=1.0,
                update_heartbeat_interval=heartbeat,
                stalled_worker_timeout=dead_after(),
            )


def dead_after() -> float:
    """Seconds without a heartbeat after which a worker is taken for dead."""
    return 3 * get_settings().worker_heartbeat_seconds


# The tasks that take up what a dead worker held. Each also runs every minute under a periodic task of its
# own, whose queueing lock these must not share: a sweep already queued might run before the dead worker
# counts as dead, and this one would then never be queued.
RECOVERY_TASKS = ("dues.collection.recover", "dues.uploads.recover")


async def _look_for_the_dead(app: procrastinate.App) -> None:
    """A worker that starts is often the replacement of one that was killed: recovery runs as soon as that
    one would count as dead, rather than at the next whole minute."""
    for task in RECOVERY_TASKS:
        await app.configure_task(task, schedule_in={"seconds": dead_after() + 1}).defer_async()


# Seconds before the in-process worker starts again after stopping on an error.
RESTART_SECONDS = 2.0


def start_in_process(database: Database) -> asyncio.Task[None]:
    """A worker inside the API process (embedded mode), so `make run` needs nothing else running."""
    return asyncio.create_task(_in_process(database), name="dues-worker")


async def _in_process(database: Database) -> None:
    """The in-process worker, started again whenever it stops: procrastinate stops a worker whose database
    connection fails (the database restarted or away for a while), and the API process outlives that, so its
    worker must too. A separate `dues worker` exits instead and its supervisor starts it again."""
    while True:
        try:
            await run_worker(database, concurrency=2, install_signal_handlers=False, name="in-process")
        except Exception as exc:
            log.warning("in-process worker stopped; starting it again", error=str(exc).strip() or repr(exc))
        else:
            log.warning("in-process worker stopped; starting it again")
        await asyncio.sleep(RESTART_SECONDS)
