"""Starting a payment and the gateway's callback (api.md §5 "Gateways", "Rules that always hold"), over HTTP
against the app: amounts checked before any attempt exists, callbacks verified, a success applied once."""

from __future__ import annotations

import html
import re

import httpx
from sqlalchemy import text

from dues.db import Database
from tests.customers.helpers import payload
from tests.pay.helpers import checkout, dispatched, money, send_callback, session_of
from tests.support import Tenant


async def _attempts(db: Database, invoice_id: str) -> list[tuple[str, str, str | None, str | None]]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            text(
                "SELECT amount::text, status, payment_id, failure_reason FROM payment_attempts "
                "WHERE invoice_id = :i ORDER BY created_on"
            ),
            {"i": invoice_id},
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _error(response: httpx.Response) -> str:
    match = re.search(r'<p class="error" role="alert" id="amount-error">(.*?)</p>', response.text, re.S)
    assert match, response.text
    return html.unescape(match.group(1)).strip()


async def test_checkout_records_an_attempt_and_sends_the_payer_to_the_sandbox(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    inv, token = await dispatched(tenant, partial=True)

    response = await checkout(client, token, "500.50")

    assert response.status_code == 303
    location = response.headers["location"]
    assert "/pay/sandbox/checkout?session=" in location
    session = session_of(location)
    assert session["amount"] == "500.50"
    assert session["returnUrl"].endswith(f"/pay/{token}/receipt/{session['attemptId']}")
    assert await _attempts(db, inv["invoiceId"]) == [("500.50", "STARTED", None, None)]

    page = await client.get(location.removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200
    assert "TEST MODE — sandbox gateway, no money moves" in html.unescape(page.text)
    assert 'id="succeed"' in page.text and 'id="fail"' in page.text


async def test_checkout_refuses_more_than_the_balance(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    inv, token = await dispatched(tenant, partial=True)

    response = await checkout(client, token, "1180.01")

    assert response.status_code == 422
    assert _error(response) == "The amount is more than what is due (₹1,180.00)."
    assert 'value="1180.01"' in response.text  # what the payer typed stays in the field
    assert await _attempts(db, inv["invoiceId"]) == []


async def test_checkout_refuses_a_part_below_the_minimum(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    inv, token = await dispatched(tenant, partial=True, minimumPartialAmount=250)

    response = await checkout(client, token, "249.99")

    assert response.status_code == 422
    assert _error(response) == "The smallest part-payment this invoice takes is ₹250.00."
    assert await _attempts(db, inv["invoiceId"]) == []
    assert (await checkout(client, token, "250")).status_code == 303


async def test_checkout_refuses_a_part_when_part_payment_is_not_allowed(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    inv, token = await dispatched(tenant, partial=False)

    response = await checkout(client, token, "100")

    assert response.status_code == 422
    assert _error(response) == "This invoice must be paid in full: the amount due is ₹1,180.00."
    assert await _attempts(db, inv["invoiceId"]) == []


async def test_checkout_refuses_amounts_that_are_not_money(client: httpx.AsyncClient, tenant: Tenant) -> None:
    _, token = await dispatched(tenant, partial=True)
    for typed, message in (
        ("abc", "Enter the amount as a number, such as 1500.00."),
        ("0", "Enter an amount above zero."),
        ("-5", "Enter an amount above zero."),
        ("10.005", "Enter the amount in rupees and paise, with at most 2 decimals."),
        ("NaN", "Enter the amount as a number, such as 1500.00."),
    ):
        response = await checkout(client, token, typed)
        assert response.status_code == 422, typed
        assert _error(response) == message


async def test_checkout_with_a_bad_token_is_a_404(client: httpx.AsyncClient) -> None:
    response = await checkout(client, "B" * 43, "100")
    assert response.status_code == 404


async def test_a_callback_with_a_bad_signature_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    inv, token = await dispatched(tenant)
    session = session_of((await checkout(client, token, "1180")).headers["location"])

    forged = await send_callback(client, session, signature="0" * 64)
    unsigned = await client.post("/pay/callback/sandbox", content=b'{"status":"SUCCEEDED"}')
    tampered = await client.post(
        "/pay/callback/sandbox",
        content=b'{"attemptId":"' + session["attemptId"].encode() + b'"}',
        headers={"X-Sandbox-Signature": "abc"},
    )

    assert [forged.status_code, unsigned.status_code, tampered.status_code] == [401, 401, 401]
    assert await _attempts(db, inv["invoiceId"]) == [("1180.00", "STARTED", None, None)]
    assert payload(await tenant.get(f"/api/v0/invoice/{inv['invoiceId']}"))["balanceAmount"] == 1180


async def test_a_success_replayed_five_times_is_applied_once(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    inv, token = await dispatched(tenant, partial=True)
    session = session_of((await checkout(client, token, "400")).headers["location"])

    answers = [await send_callback(client, session) for _ in range(5)]

    assert [a.status_code for a in answers] == [200] * 5
    assert [a.json()["replay"] for a in answers] == [False, True, True, True, True]
    shown = payload(await tenant.get(f"/api/v0/invoice/{inv['invoiceId']}"))
    assert (money(shown["paidAmount"]), money(shown["balanceAmount"])) == (400, 780)
    assert shown["status"] == "PARTIALLY_PAID"
    payments = payload(await tenant.get(f"/api/v0/invoice/{inv['invoiceId']}/payments"))
    assert len(payments) == 1
    assert payments[0]["mode"] == "UPI"
    assert payments[0]["reference"] == session["attemptId"]
    assert payments[0]["createdBy"] == "gateway:sandbox"
    assert [a[:3] for a in await _attempts(db, inv["invoiceId"])] == [
        ("400.00", "SUCCEEDED", payments[0]["paymentId"])
    ]
    async with db.sessionmaker() as s:
        events = (
            await s.execute(
                text("SELECT event_type FROM events WHERE entity_id = :i ORDER BY id"),
                {"i": inv["invoiceId"]},
            )
        ).scalars()
        assert [e for e in events if e.startswith("invoice.pa")] == ["invoice.payment_received"]


async def test_paying_the_whole_balance_pays_the_invoice(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    inv, token = await dispatched(tenant)
    session = session_of((await checkout(client, token, "1180.00")).headers["location"])

    assert (await send_callback(client, session)).json()["status"] == "SUCCEEDED"

    shown = payload(await tenant.get(f"/api/v0/invoice/{inv['invoiceId']}"))
    assert shown["status"] == "PAID"
    assert money(shown["balanceAmount"]) == 0
    async with db.sessionmaker() as s:
        events = list(
            (
                await s.execute(
                    text("SELECT event_type FROM events WHERE entity_id = :i ORDER BY id"),
                    {"i": inv["invoiceId"]},
                )
            ).scalars()
        )
    assert events[-2:] == ["invoice.payment_received", "invoice.paid"]


async def test_a_declined_payment_fails_the_attempt_and_offers_trying_again(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    inv, token = await dispatched(tenant)
    session = session_of((await checkout(client, token, "1180")).headers["location"])

    answer = await send_callback(client, session, succeeded=False)

    assert answer.json()["status"] == "FAILED"
    assert await _attempts(db, inv["invoiceId"]) == [("1180.00", "FAILED", None, "declined in test")]
    receipt = await client.get(f"/pay/{token}/receipt/{session['attemptId']}")
    assert "Payment failed" in receipt.text
    assert "declined in test" in receipt.text
    assert f'href="/pay/{token}"' in receipt.text and "Try again" in receipt.text
    assert payload(await tenant.get(f"/api/v0/invoice/{inv['invoiceId']}"))["balanceAmount"] == 1180


async def test_a_success_for_an_invoice_paid_meanwhile_is_recorded_failed_and_answered_200(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    inv, token = await dispatched(tenant)
    session = session_of((await checkout(client, token, "1180")).headers["location"])
    paid = await tenant.post(
        "/api/v0/payment",
        json={
            "mode": "NEFT",
            "amount": 1180,
            "reference": "UTR42",
            "paidOn": "2026-11-24",
            "customerId": inv["customerId"],
            "allocations": [{"invoiceId": inv["invoiceId"], "amount": 1180}],
        },
    )
    assert paid.status_code == 200

    answer = await send_callback(client, session)

    assert answer.status_code == 200
    assert answer.json()["status"] == "FAILED"
    [(amount, status, payment_id, reason)] = await _attempts(db, inv["invoiceId"])
    assert (amount, status, payment_id) == ("1180.00", "FAILED", None)
    assert reason == "Paid at the gateway but not applied: The invoice is already paid."
    assert len(payload(await tenant.get(f"/api/v0/invoice/{inv['invoiceId']}/payments"))) == 1


async def test_a_receipt_of_another_invoices_attempt_is_a_404(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    _, token = await dispatched(tenant)
    _, other = await dispatched(tenant)
    session = session_of((await checkout(client, other, "1180")).headers["location"])

    assert (await client.get(f"/pay/{token}/receipt/{session['attemptId']}")).status_code == 404
    assert (await client.get(f"/pay/{other}/receipt/{session['attemptId']}")).status_code == 200
    assert (await client.get(f"/pay/{other}/receipt/PAXXXXXXXXXXXXXX")).status_code == 404


async def test_the_sandbox_refuses_a_session_changed_on_the_way(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    inv, token = await dispatched(tenant, partial=True)
    location = (await checkout(client, token, "500")).headers["location"]
    sealed = location.split("session=", 1)[1]
    data, mac = sealed.split(".")
    forged = f"{data[:-2]}xx.{mac}"

    page = await client.get(f"/pay/sandbox/checkout?session={forged}")
    chosen = await client.post("/pay/sandbox/complete", data={"session": forged, "outcome": "succeed"})

    assert (page.status_code, chosen.status_code) == (404, 404)
    assert await _attempts(db, inv["invoiceId"]) == [("500.00", "STARTED", None, None)]
