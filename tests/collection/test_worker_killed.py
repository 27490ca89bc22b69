"""A `dues worker` process killed with SIGKILL while it sends 1,000 dispatch e-mails, then started again:
every invoice's e-mail arrives, and none twice but the one that was on the wire when the worker died."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from dues.db import Database
from tests.collection.helpers import copies, customer, dispatch, invoice, sql
from tests.collection.providers import Inbox, smtp_server
from tests.support import Tenant, TenantFactory

N = 1000
KILL_AFTER = 250
# A heartbeat every half second: the restarted worker takes the dead one for dead after 1.5 s, not 30.
HEARTBEAT_SECONDS = "0.5"


@pytest.fixture
async def seller(live_tenants: TenantFactory) -> Tenant:
    return await live_tenants.create()


async def _worker(database_url: str, smtp_port: int, log: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DUES_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "DUES_WORKER_HEARTBEAT_SECONDS": HEARTBEAT_SECONDS,
        "DUES_LOG_LEVEL": "WARNING",
    }
    env.pop("DUES_SMS_URL", None)
    dues = Path(sys.executable).with_name("dues")
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            str(dues), "worker", "--concurrency", "4", env=env, stdout=out, stderr=out
        )


async def _until(condition: object, seconds: float, what: str) -> None:
    assert callable(condition)
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_a_killed_worker_loses_no_mail_and_repeats_at_most_the_one_in_flight(
    committed: Database, seller: Tenant, database_url: str, tmp_path: Path
) -> None:
    buyer = await customer(seller, email="ap@buyer.example")
    template = (await invoice(seller, buyer))["invoiceId"]
    ids = [template, *await copies(committed, template, N - 1)]
    await sql(committed, "ANALYZE invoices")
    inbox = Inbox()
    log = tmp_path / "worker.log"
    for port in smtp_server(inbox):
        worker = await _worker(database_url, port, log)
        try:
            answers = await dispatch(seller, ids)
            assert all(answers[i]["success"] for i in ids)
            [(queued,)] = await sql(
                committed, "SELECT count(*) FROM messages WHERE company_id = :c", c=seller.company_id
            )
            assert queued == N  # one e-mail per invoice, to the customer's address

            async def some_arrived() -> bool:
                return len(inbox.mails) >= KILL_AFTER

            started = time.monotonic()
            await _until(some_arrived, 120, f"{KILL_AFTER} mails before the kill")
            killed_at = time.monotonic() - started
            worker.send_signal(signal.SIGKILL)
            assert await worker.wait() == -signal.SIGKILL
            at_kill = len(inbox.mails)
            assert at_kill < N, "the worker finished before it could be killed"

            worker = await _worker(database_url, port, log)

            async def all_sent() -> bool:
                [(unsent,)] = await sql(
                    committed,
                    "SELECT count(*) FROM messages WHERE company_id = :c AND status <> 'SENT'",
                    c=seller.company_id,
                )
                return bool(unsent == 0)

            await _until(all_sent, 180, "every message SENT after the restart")
            done_at = time.monotonic() - started
        finally:
            worker.send_signal(signal.SIGTERM)
            await worker.wait()

    message_ids = {
        f"<{m}@dues>"
        for (m,) in await sql(
            committed, "SELECT message_id FROM messages WHERE company_id = :c", c=seller.company_id
        )
    }
    received = Counter(mail["Message-ID"] for _, mail in inbox.mails)
    assert set(received) == message_ids, "an invoice's e-mail never arrived"
    twice = [m for m, n in received.items() if n > 1]
    assert len(twice) <= 1, f"sent more than once: {twice} (worker log: {log.read_text()[-2000:]})"
    assert max(received.values()) <= 2
    print(
        f"\nkilled after {at_kill} mails ({killed_at:.1f} s); all sent {done_at:.1f} s after the dispatch; "
        f"{len(inbox.mails)} received for {N} invoices, twice: {len(twice)}"
    )
