"""The connection pool and the driver helpers: closed connections are replaced, busy ones not pinged."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from sqlalchemy import text

from dues.db import Database


async def test_a_connection_closed_while_idle_is_replaced(database_url: str) -> None:
    database = Database.connect(database_url, pool_size=1, idle_ping_seconds=0.05)
    try:
        async with database.sessionmaker() as session:
            first = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with database.sessionmaker() as session:
            # Another session ends it, as a server restart or an idle timeout would.
            killer = Database.connect(database_url, pool_size=1)
            async with killer.sessionmaker() as other:
                await other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first})
            await killer.dispose()
        await asyncio.sleep(0.1)

        async with database.sessionmaker() as session:
            second = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()

        assert second != first
    finally:
        await database.dispose()


async def _last_statement_after_checkout(database_url: str, idle_ping_seconds: float, pause: float) -> str:
    """What the pooled connection last ran, seen from another connection, once it is checked out again."""
    database = Database.connect(database_url, pool_size=1, idle_ping_seconds=idle_ping_seconds)
    watcher = Database.connect(database_url, pool_size=1)
    try:
        async with database.sessionmaker() as session:
            pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await session.commit()
        await asyncio.sleep(pause)
        async with database.sessionmaker() as session:
            await session.connection()  # checked out; nothing of its own sent yet
            async with watcher.sessionmaker() as other:
                query = await other.execute(
                    text("SELECT query FROM pg_stat_activity WHERE pid = :p"), {"p": pid}
                )
                return str(query.scalar_one())
    finally:
        await database.dispose()
        await watcher.dispose()


async def test_a_connection_in_steady_use_is_handed_out_without_a_ping(database_url: str) -> None:
    assert await _last_statement_after_checkout(database_url, idle_ping_seconds=60, pause=0) == "COMMIT"


async def test_a_connection_idle_for_a_while_is_pinged_first(database_url: str) -> None:
    assert "marker" not in await _last_statement_after_checkout(
        database_url, idle_ping_seconds=0.05, pause=0.1
    )


def test_a_new_process_reads_a_detached_row_before_any_query() -> None:
    # A second server process may serve a createInvoice before it has run any ORM query.
    script = (
        "from dues.db import detached\n"
        "from dues.models import Company\n"
        "company = detached(Company, ['company_id', 'state'], ['CEKX', 'Goa'])\n"
        "print(company.company_id, company.state)\n"
    )
    command = [sys.executable, "-c", script]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (our script)
    assert (done.returncode, done.stdout.strip()) == (0, "CEKX Goa"), done.stderr
