"""The record of reminders sent is the arbiter: a scheduled occurrence is recorded once whoever writes it,
while manual sends never take its place, and the occurrence arithmetic the timeline uses."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

from dues.db import Database
from dues.reminders import repository
from dues.reminders.service import due_at, latest_due, upcoming
from tests.customers.helpers import payload
from tests.reminders.helpers import DUE, customer, ist
from tests.support import Tenant


def _send(send_id: str, invoice_id: str, kind: str = "STEP", occurrence: int | None = 0) -> dict[str, Any]:
    return {
        "send_id": send_id,
        "invoice_id": invoice_id,
        "reminder_id": "RMAAAAAAAAAAAAAA",
        "kind": kind,
        "occurrence": occurrence,
        "due_at": None,
        "channels": ["EMAIL"],
        "message_ids": [],
        "balance_amount": Decimal("10.00"),
    }


async def test_an_occurrence_is_recorded_once_and_manual_sends_never_conflict(
    db: Database, tenant: Tenant
) -> None:
    body = {"customerId": await customer(tenant), "dueDate": DUE, "baseAmount": 100}
    invoice_id = payload(await tenant.post("/api/v0/invoice", json=body))["invoiceId"]
    async with db.sessionmaker() as session:
        first = await repository.record_sends(session, tenant.company_id, "t", [_send("RS1", invoice_id)])
        again = await repository.record_sends(
            session,
            tenant.company_id,
            "t",
            [_send("RS2", invoice_id), _send("RS3", invoice_id, occurrence=7)],
        )
        manual = [_send(f"RSM{n}", invoice_id, kind="MANUAL", occurrence=None) for n in range(2)]
        manuals = await repository.record_sends(session, tenant.company_id, "t", manual)
    assert (first, again, manuals) == ({"RS1"}, {"RS3"}, {"RSM0", "RSM1"})


def test_the_occurrence_due_is_the_latest_passed() -> None:
    offsets = [-3, 0, 7]
    assert latest_due(offsets, None, -4) is None
    assert latest_due(offsets, None, -3) == -3
    assert latest_due(offsets, None, 6) == 0
    assert latest_due(offsets, None, 100) == 7
    assert (
        latest_due(offsets, 5, 11) == 7
        and latest_due(offsets, 5, 12) == 12
        and latest_due(offsets, 5, 21) == 17
    )
    assert upcoming(offsets, None, -10, 5) == [-3, 0, 7]
    assert upcoming(offsets, 5, 0, 4) == [7, 12, 17, 22]
    assert upcoming(offsets, 5, 13, 2) == [17, 22]
    assert due_at(date(2030, 6, 30), -3, time(10, 0)) == ist("2030-06-27 10:00")
