"""Requests queue for their turn in arrival order (db.FairGate), and many at once through a small gate all
finish."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from dues.config import Settings
from dues.db import FairGate
from tests.support import TenantFactory


async def test_waiters_get_the_slot_in_arrival_order_and_a_newcomer_queues_behind_them() -> None:
    gate = FairGate(1)
    order: list[str] = []

    async def take(name: str) -> None:
        await gate.acquire()
        order.append(name)

    await gate.acquire()  # held
    waiters = [asyncio.create_task(take(f"w{n}")) for n in range(3)]
    await asyncio.sleep(0)
    gate.release()  # handed to w0, which has not run yet
    late = asyncio.create_task(take("late"))  # arrives while w0 is being woken: must not take its slot
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert order == ["w0"]
    for _ in range(3):
        gate.release()
        await asyncio.sleep(0)
        await asyncio.sleep(0)
    assert order == ["w0", "w1", "w2", "late"]
    await asyncio.gather(*waiters, late)


async def test_a_cancelled_waiter_gives_up_its_place_and_a_slot_handed_to_it_goes_on() -> None:
    gate = FairGate(1)
    await gate.acquire()
    gone = asyncio.create_task(gate.acquire())
    handed = asyncio.create_task(gate.acquire())
    last = asyncio.create_task(gate.acquire())
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    gate.release()  # skips the cancelled one: goes to `handed`
    handed.cancel()  # cancelled after being handed the slot: it must pass it on to `last`
    await asyncio.gather(gone, handed, return_exceptions=True)
    await asyncio.wait_for(last, 1)
    # `last` holds the only slot: a further acquire waits until it is released.
    extra = asyncio.create_task(gate.acquire())
    await asyncio.sleep(0)
    assert not extra.done()
    gate.release()
    await asyncio.wait_for(extra, 1)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        home=tmp_path, jwt_secret=os.environ["DUES_JWT_SECRET"], inprocess_worker=False, max_active_requests=1
    )


async def test_many_requests_at_once_through_a_gate_of_one_all_finish(live_tenants: TenantFactory) -> None:
    seller = await live_tenants.create()
    body = {"state": "Goa"}
    answers = await asyncio.gather(
        *(seller.post("/api/v0/customer", json={**body, "legalName": f"Queue {n} Ltd"}) for n in range(12))
    )
    assert [a.status_code for a in answers] == [200] * 12, [a.text for a in answers if a.status_code != 200]
    found = await seller.post("/api/v0/customer/search", json={"legalName": "Queue"})
    assert found.json()["payload"]["total"] == 12
