"""tds.matched (api.md §9.2) is delivered over real HTTP with the documented keys, and verifies with the
Standard Webhooks library a receiver would use."""

from __future__ import annotations

import json
from decimal import Decimal

from standardwebhooks.webhooks import Webhook

from dues.db import Database
from dues.kit.timefmt import today_ist
from dues.webhooks.payloads import SHAPES
from tests.collection.helpers import get_invoice
from tests.conftest import run_jobs
from tests.customers.helpers import payload
from tests.payments.helpers import customer, invoice
from tests.support import TenantFactory
from tests.tds.helpers import TAN, pay_with_tds, statement_csv, upload
from tests.webhooks.receiver import Receiver


async def test_a_matched_deduction_is_delivered_and_verifies(
    live_tenants: TenantFactory, committed: Database, receiver: Receiver, allow_private: None
) -> None:
    seller = await live_tenants.create()
    hook = payload(
        await seller.post("/api/v0/webhook", json={"url": receiver.url(), "events": ["tds.matched"]})
    )
    buyer = await customer(seller)
    made = await invoice(
        seller, buyer, base="100000", cgst=9000, sgst=9000, invoiceDate=today_ist().isoformat()
    )
    assert (await get_invoice(seller, made["invoiceId"]))["totalAmount"] == 118000
    paid_on = today_ist().isoformat()
    payment = await pay_with_tds(seller, buyer, made["invoiceId"], 117900, 100, paid_on)
    row = ["1", "Buyer", TAN, "194Q", paid_on, "100000.00", "100.00", "100.00"]
    assert (await upload(seller, "26as.csv", statement_csv([row]))).status_code == 200

    await run_jobs(committed)

    [message] = receiver.received
    Webhook(hook["secret"]).verify(message.body, message.headers)  # raises when the signature does not hold
    body = json.loads(message.body, parse_float=Decimal)
    assert body["type"] == "tds.matched"
    assert sorted(body["data"]) == sorted(SHAPES["tds.matched"])
    data = body["data"]
    assert (data["paymentId"], data["status"], data["section"], data["deductorTan"]) == (
        payment["paymentId"],
        "MATCHED",
        "194Q",
        TAN,
    )
    assert (data["amount"], data["matchedAmount"]) == (Decimal("100.00"), Decimal("100.00"))
