"""Reconciliation of attempts whose callback never came (docs/paypage.md "Reconciliation"), over real HTTP
against a real uvicorn: the payer pays in the sandbox with its callbacks switched off, and the job asks the
sandbox for the outcome; a late callback, a second run at the same moment, and an abandoned checkout."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text

from dues import jobs
from dues.config import get_settings
from dues.db import Database
from dues.pay import reconcile
from dues.pay.gateway import CallbackResult, SandboxGateway, StatusQuery, seal_session
from dues.pay.sandbox import DECLINED
from dues.pay.service import NO_RESULT
from dues.pay.tasks import RECONCILE_TASK
from tests.conftest import run_jobs
from tests.customers.helpers import payload
from tests.pay.helpers import checkout, dispatched, money, pay_in_sandbox_session, send_callback, session_of
from tests.support import Tenant, TenantFactory

MINUTE = 60
HOUR = 3600


@pytest_asyncio.fixture(loop_scope="session")
async def http(server: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the real server, whose sandbox records each outcome but never calls back."""
    monkeypatch.setenv("DUES_SANDBOX_DROP_CALLBACKS", "true")
    get_settings.cache_clear()
    async with httpx.AsyncClient(base_url=server, timeout=20) as c:
        yield c


@pytest_asyncio.fixture(loop_scope="session")
async def seller(committed: Database, http: httpx.AsyncClient) -> Tenant:
    return await TenantFactory(committed, http).create()


async def _rows(db: Database, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    async with db.sessionmaker() as session:
        return [tuple(r) for r in await session.execute(text(sql), params)]


async def _attempt(db: Database, attempt_id: str) -> tuple[str, str | None, str | None]:
    [row] = await _rows(
        db,
        "SELECT status, payment_id, failure_reason FROM payment_attempts WHERE attempt_id = :a",
        a=attempt_id,
    )
    return row  # type: ignore[return-value]


async def _age(db: Database, attempt_id: str, seconds: int) -> None:
    """Let time pass for an attempt: its start, and when it was last asked about, move back together."""
    async with db.sessionmaker() as session:
        await session.execute(
            text(
                "UPDATE payment_attempts SET created_on = created_on - make_interval(secs => :s), "
                "checked_on = checked_on - make_interval(secs => :s) WHERE attempt_id = :a"
            ),
            {"s": seconds, "a": attempt_id},
        )
        await session.commit()


async def _invoice(seller: Tenant, invoice_id: str) -> tuple[str, Any, Any, int]:
    shown = payload(await seller.get(f"/api/v0/invoice/{invoice_id}"))
    payments = payload(await seller.get(f"/api/v0/invoice/{invoice_id}/payments"))
    return shown["status"], money(shown["paidAmount"]), money(shown["balanceAmount"]), len(payments)


async def test_a_success_whose_callback_was_lost_is_applied_once_by_reconciliation(
    http: httpx.AsyncClient, seller: Tenant, committed: Database
) -> None:
    inv, _ = await dispatched(seller, base="1000", partial=True)
    session, receipt = await pay_in_sandbox_session(http, inv["paymentLink"], "400.00", "succeed")
    attempt_id = session["attemptId"]

    assert "Waiting for the gateway" in receipt.text
    assert await _attempt(committed, attempt_id) == ("STARTED", None, None)
    assert await _invoice(seller, inv["invoiceId"]) == ("DISPATCHED", 0, 1180, 0)
    assert await _rows(
        committed,
        "SELECT attempt_id, amount::text, status, reason FROM sandbox_transactions WHERE company_id = :c",
        c=seller.company_id,
    ) == [(attempt_id, "400.00", "SUCCEEDED", None)]

    # Within the grace period the callback may still come: the gateway is not asked yet.
    assert (await reconcile.run(committed)).asked == 0
    await _age(committed, attempt_id, 3 * MINUTE)
    report = await reconcile.run(committed)

    assert (report.asked, report.settled) == (1, 1)
    status, payment_id, reason = await _attempt(committed, attempt_id)
    assert (status, reason) == ("SUCCEEDED", None)
    assert await _invoice(seller, inv["invoiceId"]) == ("PARTIALLY_PAID", 400, 780, 1)
    [paid] = payload(await seller.get(f"/api/v0/invoice/{inv['invoiceId']}/payments"))
    assert (paid["paymentId"], paid["reference"], paid["mode"]) == (payment_id, attempt_id, "UPI")
    assert paid["createdBy"] == "gateway:sandbox"
    assert await _rows(
        committed,
        "SELECT actor, action, reason FROM audit_log WHERE entity_id = :a ORDER BY id",
        a=attempt_id,
    ) == [
        ("payer", "START", None),
        ("gateway:sandbox", "SUCCEEDED", "reconciliation: status queried from the gateway"),
    ]
    shown = await http.get(f"/pay/{session['returnUrl'].split('/pay/', 1)[1]}")
    assert "Payment received" in shown.text and re.search(r'id="still-due">₹780.00<', shown.text)

    # The callback arrives after all: signed as the sandbox signs it, and it changes nothing.
    late = await send_callback(http, session)
    again = await reconcile.run(committed)

    assert late.status_code == 200
    assert late.json() == {"attemptId": attempt_id, "status": "SUCCEEDED", "replay": True}
    assert again.asked == 0
    assert await _attempt(committed, attempt_id) == ("SUCCEEDED", payment_id, None)
    assert await _invoice(seller, inv["invoiceId"]) == ("PARTIALLY_PAID", 400, 780, 1)
    events = await _rows(
        committed,
        "SELECT event_type FROM events WHERE entity_id = :i AND event_type LIKE 'invoice.pa%'",
        i=inv["invoiceId"],
    )
    assert events == [("invoice.payment_received",)]


async def test_paying_the_whole_balance_with_the_callback_lost_pays_the_invoice(
    http: httpx.AsyncClient, seller: Tenant, committed: Database
) -> None:
    inv, _ = await dispatched(seller, base="1000")
    session, _ = await pay_in_sandbox_session(http, inv["paymentLink"], "1180.00", "succeed")
    await _age(committed, session["attemptId"], 3 * MINUTE)

    assert (await reconcile.run(committed)).settled == 1

    assert await _invoice(seller, inv["invoiceId"]) == ("PAID", 1180, 0, 1)


async def test_a_decline_whose_callback_was_lost_fails_the_attempt_with_the_sandboxs_reason(
    http: httpx.AsyncClient, seller: Tenant, committed: Database
) -> None:
    inv, _ = await dispatched(seller, base="1000")
    session, _ = await pay_in_sandbox_session(http, inv["paymentLink"], "1180.00", "fail")
    await _age(committed, session["attemptId"], 3 * MINUTE)

    report = await reconcile.run(committed)

    assert (report.asked, report.settled) == (1, 1)
    assert await _attempt(committed, session["attemptId"]) == ("FAILED", None, DECLINED)
    assert await _invoice(seller, inv["invoiceId"]) == ("DISPATCHED", 0, 1180, 0)
    receipt = await http.get(session["returnUrl"])
    assert "Payment failed" in receipt.text and DECLINED in receipt.text and "Try again" in receipt.text


async def test_an_abandoned_checkout_stays_started_for_a_day_then_fails(
    http: httpx.AsyncClient, seller: Tenant, committed: Database
) -> None:
    inv, token = await dispatched(seller, base="1000")
    session = session_of((await checkout(http, token, "1180")).headers["location"])  # and the payer leaves
    attempt_id = session["attemptId"]
    await _age(committed, attempt_id, 3 * MINUTE)

    first = await reconcile.run(committed)
    soon_after = await reconcile.run(committed)

    assert (first.asked, first.pending) == (1, 1)
    assert soon_after.asked == 0  # asked again only after a wait that grows with the attempt's age
    assert await _attempt(committed, attempt_id) == ("STARTED", None, None)
    [(checked,)] = await _rows(
        committed, "SELECT checked_on IS NOT NULL FROM payment_attempts WHERE attempt_id = :a", a=attempt_id
    )
    assert checked

    await _age(committed, attempt_id, 23 * HOUR)  # 23 h 3 min old: the gateway is asked again, still nothing
    assert (await reconcile.run(committed)).pending == 1
    assert await _attempt(committed, attempt_id) == ("STARTED", None, None)

    await _age(committed, attempt_id, HOUR)  # past 24 h
    report = await reconcile.run(committed)

    assert (report.asked, report.gave_up) == (1, 1)
    assert await _attempt(committed, attempt_id) == ("FAILED", None, NO_RESULT)
    assert await _invoice(seller, inv["invoiceId"]) == ("DISPATCHED", 0, 1180, 0)
    assert (
        await _rows(
            committed, "SELECT actor FROM audit_log WHERE entity_id = :a AND action = 'FAILED'", a=attempt_id
        )
    ) == [("system:reconcile",)]

    # A success arriving after dues gave up is a replay: the attempt stays as it was settled.
    late = await send_callback(http, session)
    assert late.json() == {"attemptId": attempt_id, "status": "FAILED", "replay": True}
    assert await _invoice(seller, inv["invoiceId"]) == ("DISPATCHED", 0, 1180, 0)


async def test_two_reconciliations_at_once_record_one_payment(
    http: httpx.AsyncClient, seller: Tenant, committed: Database
) -> None:
    inv, _ = await dispatched(seller, base="1000", partial=True)
    paid = [await pay_in_sandbox_session(http, inv["paymentLink"], "100.00", "succeed") for _ in range(3)]
    for session, _ in paid:
        await _age(committed, session["attemptId"], 3 * MINUTE)

    reports = await asyncio.gather(*(reconcile.run(committed) for _ in range(4)))

    assert sum(r.settled for r in reports) == 3
    # Runs that found an attempt already settled by another one left it alone.
    assert all(r.settled + r.already == r.asked and r.errors == 0 for r in reports)
    assert await _invoice(seller, inv["invoiceId"]) == ("PARTIALLY_PAID", 300, 880, 3)
    for session, _ in paid:
        assert (await _attempt(committed, session["attemptId"]))[0] == "SUCCEEDED"


async def test_a_reconciliation_and_the_late_callback_at_once_record_one_payment(
    http: httpx.AsyncClient, seller: Tenant, committed: Database
) -> None:
    inv, _ = await dispatched(seller, base="1000", partial=True)
    session, _ = await pay_in_sandbox_session(http, inv["paymentLink"], "250.00", "succeed")
    await _age(committed, session["attemptId"], 3 * MINUTE)

    report, answer = await asyncio.gather(reconcile.run(committed), send_callback(http, session))

    assert answer.status_code == 200
    assert report.settled + (0 if answer.json()["replay"] else 1) == 1
    assert await _invoice(seller, inv["invoiceId"]) == ("PARTIALLY_PAID", 250, 930, 1)


async def test_the_periodic_job_reconciles(
    http: httpx.AsyncClient, seller: Tenant, committed: Database
) -> None:
    inv, _ = await dispatched(seller, base="1000")
    session, _ = await pay_in_sandbox_session(http, inv["paymentLink"], "1180.00", "succeed")
    await _age(committed, session["attemptId"], 3 * MINUTE)
    async with committed.sessionmaker() as s:
        await jobs.enqueue(s, RECONCILE_TASK, timestamp=0)
        await s.commit()

    await run_jobs(committed)

    assert (await _attempt(committed, session["attemptId"]))[0] == "SUCCEEDED"
    assert await _invoice(seller, inv["invoiceId"]) == ("PAID", 1180, 0, 1)


async def test_the_sandbox_says_when_it_drops_callbacks_and_keeps_the_first_choice(
    http: httpx.AsyncClient, seller: Tenant, committed: Database
) -> None:
    _, token = await dispatched(seller, base="1000")
    location = (await checkout(http, token, "1180")).headers["location"]
    page = await http.get(location)
    sealed = re.search(r'name="session" value="([^"]+)"', page.text)
    assert sealed

    assert 'id="drop-callbacks"' in page.text and "Callbacks are switched off" in page.text
    for outcome in ("succeed", "fail"):  # the payer goes back and chooses again
        answer = await http.post(
            "/pay/sandbox/complete", data={"session": sealed.group(1), "outcome": outcome}
        )
        assert answer.status_code == 303

    assert await _rows(
        committed,
        "SELECT status FROM sandbox_transactions WHERE company_id = :c",
        c=seller.company_id,
    ) == [("SUCCEEDED",)]


async def test_an_expired_sandbox_checkout_cannot_be_completed(
    http: httpx.AsyncClient, seller: Tenant, committed: Database
) -> None:
    _, token = await dispatched(seller, base="1000")
    session = session_of((await checkout(http, token, "1180")).headers["location"])
    expired = seal_session({**session, "expiresAt": "1700000000"})

    page = await http.get("/pay/sandbox/checkout", params={"session": expired})
    chosen = await http.post("/pay/sandbox/complete", data={"session": expired, "outcome": "succeed"})

    assert (page.status_code, chosen.status_code) == (410, 410)
    assert "This checkout has expired" in page.text
    assert (
        await _rows(
            committed, "SELECT 1 FROM sandbox_transactions WHERE company_id = :c", c=seller.company_id
        )
        == []
    )


async def test_a_gateway_that_cannot_be_asked_leaves_the_attempt_for_later(
    http: httpx.AsyncClient, seller: Tenant, committed: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    inv, _ = await dispatched(seller, base="1000")
    session, _ = await pay_in_sandbox_session(http, inv["paymentLink"], "1180.00", "succeed")
    await _age(committed, session["attemptId"], 3 * MINUTE)

    async def unreachable(self: SandboxGateway, attempt: StatusQuery) -> CallbackResult | None:
        raise httpx.ConnectError("the gateway is down")

    with monkeypatch.context() as patched:
        patched.setattr(SandboxGateway, "fetch_status", unreachable)
        report = await reconcile.run(committed)

    assert (report.asked, report.errors, report.settled) == (1, 1, 0)
    assert await _attempt(committed, session["attemptId"]) == ("STARTED", None, None)

    await _age(committed, session["attemptId"], 5 * MINUTE)  # the gateway is back by the next question
    assert (await reconcile.run(committed)).settled == 1
    assert await _invoice(seller, inv["invoiceId"]) == ("PAID", 1180, 0, 1)
