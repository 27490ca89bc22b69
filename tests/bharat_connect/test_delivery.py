"""dues's messages to the network: queued with the change, sent by the job worker, retried with backoff when
the network does not take them, every attempt logged; ACKED when the resp-* comes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from dues.bharat_connect import messages
from dues.bharat_connect.repository import Claimed
from dues.config import get_settings
from dues.db import Database
from tests.bharat_connect.helpers import (
    acked,
    attempts,
    control,
    eventually,
    invoice_body,
    out_message,
    present,
    register,
    sandbox_invoice,
)
from tests.support import Tenant

# As shipped: the autouse fixture of conftest.py shortens it for the tests that wait on retries.
SHIPPED_BACKOFF = messages.BACKOFF


async def test_a_message_the_network_refuses_four_times_is_delivered_on_the_fifth(
    committed: Database, seller: Tenant, http: httpx.AsyncClient
) -> None:
    supplier = await register(seller)
    await control(http, "POST", "/rules", json={"action": "fail-next", "n": 4})
    body = invoice_body(supplier, "BCBUYER0000000001")

    message_id = await present(committed, seller.company_id, body)

    shown = await acked(committed, message_id)
    assert shown["state"] == "ACKED" and shown["attempt_count"] == 5
    logged = await attempts(committed, message_id)
    assert [(a["attempt_no"], a["status_code"], a["outcome"]) for a in logged] == [
        (1, 503, "ERROR"),
        (2, 503, "ERROR"),
        (3, 503, "ERROR"),
        (4, 503, "ERROR"),
        (5, 200, "OK"),
    ]
    assert "failing on purpose" in logged[0]["detail"]
    # The sandbox kept the invoice once, and saw the same reqMsgId five times.
    assert (await sandbox_invoice(http, body["invoice"]["objectId"]))["status"] == "PRESENTED"
    seen = await control(http, "GET", "/messages?direction=IN&path=/api/v0/invoice/req-send-invoice")
    assert [(m["reqMsgId"], m["statusCode"]) for m in seen] == [(body["reqMsgId"], 503)] * 4 + [
        (body["reqMsgId"], 200)
    ]
    assert (await control(http, "GET", "/rules"))[0]["remaining"] == 0


async def test_a_network_that_never_answers_fails_the_message_after_the_last_attempt(
    committed: Database, seller: Tenant, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    supplier = await register(seller)
    monkeypatch.setattr(messages, "MAX_ATTEMPTS", 3)
    # Nothing listens on the discard port: the connection is refused at once.
    monkeypatch.setenv("DUES_BHARAT_CONNECT_URL", "http://127.0.0.1:9/bc-sandbox")
    get_settings.cache_clear()

    message_id = await present(committed, seller.company_id, invoice_body(supplier, "BCBUYER0000000002"))

    async def failed() -> dict[str, object] | None:
        shown = await out_message(committed, message_id)
        return shown if shown["state"] == "FAILED" else None

    shown = await eventually(failed, what="the message FAILED")
    assert shown["error_cd"] == "NOT_DELIVERED" and shown["attempt_count"] == 3
    assert shown["next_attempt_at"] is None and shown["sent_on"] is None
    logged = await attempts(committed, message_id)
    assert [(a["status_code"], a["outcome"]) for a in logged] == [(None, "UNREACHABLE")] * 3
    assert "ConnectError" in str(logged[0]["detail"])


def test_backoff_grows_and_stops_after_three_days(monkeypatch: pytest.MonkeyPatch) -> None:
    """The schedule itself (the tests above shorten it): 5 s, 30 s, 2 min … and nothing past 3 days."""
    monkeypatch.setattr(messages, "BACKOFF", SHIPPED_BACKOFF)
    now = datetime(2026, 12, 1, tzinfo=UTC)

    def claimed(attempts_made: int, queued: datetime) -> Claimed:
        path = "/api/v0/invoice/req-send-invoice"
        return Claimed("CEK0000001", "BCM0000000000001", path, "{}", attempts_made, queued)

    assert messages.next_state(claimed(0, now), True, now) == ("SENT", None)
    assert messages.next_state(claimed(0, now), False, now) == ("QUEUED", now + timedelta(seconds=5))
    assert messages.next_state(claimed(1, now), False, now) == ("QUEUED", now + timedelta(seconds=30))
    assert messages.next_state(claimed(2, now), False, now) == ("QUEUED", now + timedelta(minutes=2))
    assert messages.next_state(claimed(11, now), False, now) == ("FAILED", None)
    old = now - timedelta(days=3)
    assert messages.next_state(claimed(3, old), False, now) == ("FAILED", None)


async def test_queue_needs_the_messages_network_id(committed: Database, seller: Tenant) -> None:
    body = invoice_body("BCSUPPLIER", "BCBUYER")
    del body["reqMsgId"]
    async with committed.sessionmaker() as session:
        with pytest.raises(ValueError, match="reqMsgId"):
            await messages.queue(session, seller.company_id, "/api/v0/invoice/req-send-invoice", body)
