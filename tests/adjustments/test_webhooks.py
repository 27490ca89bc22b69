"""invoice.written_off, payment.reversed and customer.refunded (api.md §9.3) are delivered over real HTTP,
with the documented keys, and verify with the Standard Webhooks library a receiver would use."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from standardwebhooks.webhooks import Webhook

from dues.db import Database
from dues.kit.timefmt import today_ist
from dues.webhooks.payloads import SHAPES
from tests.adjustments.helpers import refund_path, reverse, write_off
from tests.conftest import run_jobs
from tests.customers.helpers import payload
from tests.payments.helpers import customer, invoice, pay
from tests.support import TenantFactory
from tests.webhooks.receiver import Receiver

EVENTS = ("invoice.written_off", "payment.reversed", "customer.refunded")


async def test_adjustment_events_are_delivered_and_verify(
    live_tenants: TenantFactory, committed: Database, receiver: Receiver, allow_private: None
) -> None:
    seller = await live_tenants.create()
    approver = await live_tenants.user(seller, "APPROVER")
    hook = payload(await seller.post("/api/v0/webhook", json={"url": receiver.url(), "events": list(EVENTS)}))
    buyer = await customer(seller)
    written = (await invoice(seller, buyer))["invoiceId"]
    bounced = (await invoice(seller, buyer))["invoiceId"]
    write_off_id = payload(await write_off(approver, written, 1180, reason="customer closed down"))[
        "writeOffId"
    ]
    earlier = (today_ist() - timedelta(days=3)).isoformat()
    credit_id = payload(await pay(seller, buyer, 20, paidOn=earlier))["paymentId"]  # nothing open: credit
    payment_id = payload(await pay(seller, buyer, 1500, [(bounced, 1180)], mode="CHEQUE"))["paymentId"]
    refund = {"amount": 20, "mode": "UPI", "reference": "UPIBACK1", "paidOn": today_ist().isoformat()}
    refund_id = payload(await seller.post(refund_path(buyer), json=refund))["refundId"]
    payload(await reverse(approver, payment_id, "CHEQUE_BOUNCED", remarks="signature differs"))

    await run_jobs(committed)

    got: dict[str, dict[str, Any]] = {}
    verifier = Webhook(hook["secret"])
    for message in receiver.received:
        verifier.verify(message.body, message.headers)  # raises when the signature does not hold
        body = json.loads(message.body, parse_float=Decimal)
        assert sorted(body["data"]) == sorted(SHAPES[body["type"]]), body
        got[body["type"]] = body["data"]
    assert sorted(got) == sorted(EVENTS)

    written_off = got["invoice.written_off"]
    assert (written_off["invoiceId"], written_off["writeOffId"], written_off["status"]) == (
        written,
        write_off_id,
        "WRITTEN_OFF",
    )
    assert str(written_off["amount"]) == "1180.00" and written_off["automatic"] is False
    assert written_off["reason"] == "customer closed down"

    reversed_ = got["payment.reversed"]
    assert (reversed_["paymentId"], reversed_["status"], reversed_["reversalReason"]) == (
        payment_id,
        "REVERSED",
        "CHEQUE_BOUNCED",
    )
    assert (
        reversed_["reversalRemarks"] == "signature differs" and reversed_["reversalChargeInvoiceId"] is None
    )
    assert str(reversed_["creditRemoved"]) == "320.00"
    [restored] = reversed_["invoices"]
    assert (restored["invoiceId"], restored["status"], str(restored["balanceAmount"])) == (
        bounced,
        "CREATED",
        "1180.00",
    )

    refunded = got["customer.refunded"]
    assert (refunded["refundId"], refunded["customerId"], str(refunded["amount"])) == (
        refund_id,
        buyer,
        "20.00",
    )
    assert refunded["sources"] == [
        {"sourceType": "PAYMENT", "sourceId": credit_id, "amount": Decimal("20.00")}
    ]
    async with committed.sessionmaker() as session:
        stored = (
            await session.execute(
                text(
                    "SELECT event_type, entity_id FROM events WHERE company_id = :c AND event_type = ANY(:t)"
                ),
                {"c": seller.company_id, "t": list(EVENTS)},
            )
        ).all()
    assert sorted(map(tuple, stored)) == sorted(
        [("customer.refunded", buyer), ("invoice.written_off", written), ("payment.reversed", payment_id)]
    )
