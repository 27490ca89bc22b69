"""Delivery of domain events to webhook endpoints over real HTTP, with real commits and a real job worker."""

from __future__ import annotations

import ipaddress
import json
from datetime import datetime
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import text

from dues.config import get_settings
from dues.db import Database
from dues.kit.timefmt import IST
from dues.webhooks import repository, service, targets
from tests.conftest import run_jobs
from tests.customers.helpers import payload
from tests.support import Tenant, TenantFactory, gstin_for
from tests.webhooks.receiver import Receiver

WEBHOOKS = "/api/v0/webhook"


@pytest_asyncio.fixture(loop_scope="session")
async def seller(live_tenants: TenantFactory) -> Tenant:
    return await live_tenants.create()


async def _subscribe(seller: Tenant, receiver: Receiver, *events: str) -> dict[str, Any]:
    body = {"url": receiver.url(), "events": list(events or ["invoice.created"]), "description": "test"}
    return payload(await seller.post(WEBHOOKS, json=body))  # type: ignore[no-any-return]


async def _invoice(seller: Tenant) -> str:
    customer = await seller.create_customer(panOrGstin=gstin_for("27", 7), state="Maharashtra")
    body = {
        "customerId": customer["customerId"],
        "dueDate": "2026-12-31",
        "invoiceDate": "2026-11-24",
        "baseAmount": "1000.10",
        "cgst": 90,
        "sgst": 90,
    }
    return str(payload(await seller.post("/api/v0/invoice", json=body))["invoiceId"])


async def _log(seller: Tenant, webhook_id: str) -> list[dict[str, Any]]:
    return payload(await seller.get(f"{WEBHOOKS}/{webhook_id}/deliveries"))["items"]  # type: ignore[no-any-return]


def _ist(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=IST)


async def test_invoice_created_is_delivered_signed(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    webhook = await _subscribe(seller, receiver, "invoice.created")
    invoice_id = await _invoice(seller)

    await run_jobs(committed)

    assert len(receiver.received) == 1
    message = receiver.received[0]
    assert message.method == "POST" and message.path == "/hook"
    assert message.headers["content-type"] == "application/json"
    assert message.verified(webhook["secret"])
    assert message.headers["webhook-id"].startswith("msg_")
    body = message.json()
    assert body["type"] == "invoice.created"
    assert body["timestamp"].endswith("Z")
    async with committed.sessionmaker() as session:
        stored = (
            await session.execute(
                text("SELECT payload::text FROM events WHERE company_id = :c AND event_type = :t"),
                {"c": seller.company_id, "t": "invoice.created"},
            )
        ).scalar_one()
    # The data is the event as stored, digit for digit (amounts are not rounded through floats).
    assert message.body.endswith(b',"data":' + stored.encode() + b"}")
    assert invoice_id in stored

    log = await _log(seller, webhook["webhookId"])
    assert [(d["eventType"], d["status"], d["attemptCount"]) for d in log] == [
        ("invoice.created", "DELIVERED", 1)
    ]
    assert log[0]["deliveryId"] == message.headers["webhook-id"]
    attempt = log[0]["attempts"][0]
    assert attempt["statusCode"] == 200 and attempt["error"] is None and attempt["durationMs"] >= 0
    assert log[0]["nextAttemptAt"] is None and log[0]["deliveredOn"] is not None


async def test_a_forged_signature_does_not_verify(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    webhook = await _subscribe(seller, receiver, "invoice.created")
    await _invoice(seller)
    await run_jobs(committed)

    message = receiver.received[0]
    assert message.verified(webhook["secret"])
    message.body = message.body.replace(b"invoice.created", b"invoice.paid")
    assert not message.verified(webhook["secret"])


async def test_an_endpoint_gets_only_the_types_it_subscribed_to(
    committed: Database,
    seller: Tenant,
    receiver: Receiver,
    second_receiver: Receiver,
    allow_private: None,
) -> None:
    paid_only = await _subscribe(seller, receiver, "invoice.paid")
    created = await _subscribe(seller, second_receiver, "invoice.created")

    await _invoice(seller)
    await run_jobs(committed)

    assert receiver.received == []
    assert await _log(seller, paid_only["webhookId"]) == []
    assert [m.json()["type"] for m in second_receiver.received] == ["invoice.created"]
    assert second_receiver.received[0].verified(created["secret"])


async def test_another_companys_events_never_reach_this_companys_endpoints(
    committed: Database,
    seller: Tenant,
    live_tenants: TenantFactory,
    receiver: Receiver,
    second_receiver: Receiver,
    allow_private: None,
) -> None:
    other = await live_tenants.create(name="Other Pvt Ltd")
    await _subscribe(seller, receiver, "invoice.created")
    await _subscribe(other, second_receiver, "invoice.created")

    invoice_id = await _invoice(other)
    await run_jobs(committed)

    assert receiver.received == []
    assert len(second_receiver.received) == 1
    assert invoice_id in second_receiver.received[0].body.decode()


async def test_a_failing_receiver_is_retried_later_then_retried_by_hand(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    webhook = await _subscribe(seller, receiver, "invoice.created")
    receiver.status = 500
    await _invoice(seller)

    await run_jobs(committed)

    [delivery] = await _log(seller, webhook["webhookId"])
    assert (delivery["status"], delivery["attemptCount"]) == ("PENDING", 1)
    assert delivery["attempts"][0]["statusCode"] == 500
    # The next attempt waits (exponential backoff), so the worker did not hammer the receiver.
    assert _ist(delivery["nextAttemptAt"]) > _ist(delivery["attempts"][0]["attemptedOn"])
    assert len(receiver.received) == 1

    receiver.status = 200
    retried = await seller.post(
        f"{WEBHOOKS}/{webhook['webhookId']}/deliveries/{delivery['deliveryId']}/retry"
    )
    assert payload(retried)["status"] == "PENDING"
    await run_jobs(committed)

    [delivery] = await _log(seller, webhook["webhookId"])
    assert (delivery["status"], delivery["attemptCount"]) == ("DELIVERED", 2)
    assert [a["statusCode"] for a in delivery["attempts"]] == [500, 200]
    # Both attempts carry the same message id, so the receiver can tell a retry from a new event.
    assert [m.headers["webhook-id"] for m in receiver.received] == [delivery["deliveryId"]] * 2
    assert all(m.verified(webhook["secret"]) for m in receiver.received)


async def test_a_receiver_that_does_not_answer_is_logged_with_the_error(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    closed = Receiver()
    await closed.start()
    url = closed.url()
    await closed.stop()  # nothing listens there any more: the connection is refused
    body = {"url": url, "events": ["invoice.created"]}
    webhook = payload(await seller.post(WEBHOOKS, json=body))

    await _invoice(seller)
    await run_jobs(committed)

    [delivery] = await _log(seller, webhook["webhookId"])
    assert delivery["status"] == "PENDING"
    assert delivery["attempts"][0]["statusCode"] is None
    assert "Connect" in delivery["attempts"][0]["error"]


async def test_redirects_are_not_followed(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    webhook = await _subscribe(seller, receiver, "invoice.created")
    receiver.status = 302
    await _invoice(seller)

    await run_jobs(committed)

    [delivery] = await _log(seller, webhook["webhookId"])
    assert delivery["attempts"][0]["statusCode"] == 302 and delivery["status"] == "PENDING"
    assert len(receiver.received) == 1


async def test_a_target_that_became_private_is_refused_at_delivery(
    committed: Database,
    seller: Tenant,
    receiver: Receiver,
    allow_private: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    webhook = await _subscribe(seller, receiver, "invoice.created")
    monkeypatch.setattr(get_settings(), "webhooks_allow_private", False)
    await _invoice(seller)

    await run_jobs(committed)

    assert receiver.received == []
    [delivery] = await _log(seller, webhook["webhookId"])
    assert delivery["attempts"][0]["statusCode"] is None
    assert "private network" in delivery["attempts"][0]["error"]


async def _insert_events(committed: Database, company_id: str, n: int, start: int = 0) -> None:
    rows = [{"invoiceId": f"INV{i:013d}", "amount": "10.50"} for i in range(start, start + n)]
    async with committed.sessionmaker() as session:
        await session.execute(
            text(
                "INSERT INTO events (company_id, event_type, entity_id, payload) "
                "SELECT :c, 'invoice.created', e ->> 'invoiceId', e "
                "FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS e"
            ),
            {"c": company_id, "rows": json.dumps(rows)},
        )
        await session.commit()


async def test_events_inserted_in_bulk_are_each_delivered(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    await _subscribe(seller, receiver, "invoice.created")

    await _insert_events(committed, seller.company_id, 120)  # one statement, as the bulk upload does
    await run_jobs(committed)

    entities = sorted(m.json()["data"]["invoiceId"] for m in receiver.received)
    assert entities == [f"INV{i:013d}" for i in range(120)]


async def test_an_event_committed_after_a_later_one_is_still_delivered(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    await _subscribe(seller, receiver, "invoice.created")
    insert = text(
        "INSERT INTO events (company_id, event_type, entity_id, payload) "
        "VALUES (:c, 'invoice.created', :e, CAST(:p AS jsonb))"
    )
    async with committed.sessionmaker() as slow:
        # The slow transaction takes the lower id but commits last.
        await slow.execute(insert, {"c": seller.company_id, "e": "EARLY", "p": '{"n": 1}'})
        async with committed.sessionmaker() as fast:
            await fast.execute(insert, {"c": seller.company_id, "e": "LATE", "p": '{"n": 2}'})
            await fast.commit()
        await run_jobs(committed)
        await slow.commit()
    await run_jobs(committed)

    assert [m.json()["data"]["n"] for m in receiver.received] == [2, 1]


async def test_a_delivery_claimed_by_a_worker_that_died_is_sent_again(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    webhook = await _subscribe(seller, receiver, "invoice.created")
    await _invoice(seller)
    async with committed.sessionmaker() as session:
        # A worker claims the delivery and dies before sending or recording anything.
        [claimed] = await repository.claim_due(session, 10, lease_seconds=0)
        await session.commit()

    await run_jobs(committed)  # the lease has run out: the next sender takes it

    assert [m.headers["webhook-id"] for m in receiver.received] == [claimed.delivery_id]
    assert [d["status"] for d in await _log(seller, webhook["webhookId"])] == ["DELIVERED"]


async def test_deleting_a_webhook_stops_its_deliveries(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    webhook = await _subscribe(seller, receiver, "invoice.created")
    await _invoice(seller)
    payload(await seller.delete(f"{WEBHOOKS}/{webhook['webhookId']}"))

    await run_jobs(committed)

    assert receiver.received == []


def test_backoff_grows_and_gives_up_after_three_days() -> None:
    delays = [d.total_seconds() for d in service.BACKOFF]
    assert delays[:3] == [5, 30, 120]
    assert delays == sorted(delays)
    assert sum(delays) < service.RETRY_WINDOW.total_seconds()


async def test_the_attempt_connects_to_the_address_that_was_checked(
    committed: Database,
    seller: Tenant,
    receiver: Receiver,
    refuse_private: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # "receiver.example" exists only in this fake DNS, and 127.0.0.1 counts as public here: the request can
    # only reach the receiver if the sender connects to the resolved, checked address, not resolving again.
    async def fake_dns(host: str, port: int) -> list[targets.IPAddress]:
        assert host == "receiver.example"
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(targets, "_resolve", fake_dns)
    monkeypatch.setattr(targets, "refusal", lambda ip: None)
    body = {"url": f"http://receiver.example:{receiver.port}/hook", "events": ["invoice.created"]}
    webhook = payload(await seller.post(WEBHOOKS, json=body))

    await _invoice(seller)
    await run_jobs(committed)

    [message] = receiver.received
    assert message.headers["host"] == f"receiver.example:{receiver.port}"
    assert message.verified(webhook["secret"])


async def test_the_delivery_log_pages_and_filters_by_status(
    committed: Database, seller: Tenant, receiver: Receiver, allow_private: None
) -> None:
    webhook = await _subscribe(seller, receiver, "invoice.created")
    await _insert_events(committed, seller.company_id, 3)
    receiver.status = 500
    await run_jobs(committed)
    await _insert_events(committed, seller.company_id, 2, start=3)
    receiver.status = 200
    await run_jobs(committed)
    deliveries = f"{WEBHOOKS}/{webhook['webhookId']}/deliveries"

    page = payload(await seller.get(deliveries, params={"limit": 2}))
    pending = payload(await seller.get(deliveries, params={"status": "PENDING"}))
    delivered = payload(await seller.get(deliveries, params={"status": "DELIVERED"}))

    assert (page["total"], len(page["items"]), page["limit"]) == (5, 2, 2)
    assert (pending["total"], delivered["total"]) == (3, 2)
    assert {d["status"] for d in pending["items"]} == {"PENDING"}
