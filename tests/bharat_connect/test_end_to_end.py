"""Issue 14's acceptance, end to end over real HTTP: a supplier (Shree Ganesh Traders, on dues) and its buyer
(Kaveri Foods, played by the sandbox network) through a season of trade on Bharat Connect.

Every step is taken as a person or a program would take it: the finance team through dues's API, the buyer
through the sandbox's buyer page (its control API: what the page's buttons do), the seller's ERP through the
webhooks it receives. What follows asynchronously is waited for (polled, with generous deadlines), and what
is checked is what a user sees: the invoice, its state on the network, its payments, its reminders.

Every message dues and the network exchange here is kept by the sandbox, and the ``network`` fixture checks
each body against the JSON Schemas written from EnKash's facts when the test ends; the last step makes sure
that log holds every message dues itself sent and received.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from standardwebhooks.webhooks import Webhook

from dues.bharat_connect import wire
from dues.bharat_connect.sandbox.entities import b2b_id_of
from dues.config import get_settings
from dues.db import Database
from dues.kit.timefmt import today_ist
from tests.bharat_connect.helpers import CONTROL, REGISTRATION, SEARCH, eventually
from tests.bharat_connect.wire_schemas import problems
from tests.collection.helpers import dispatch
from tests.customers.helpers import assert_error
from tests.reminders.helpers import DUE, YEAR, reminder, run_at, set_default
from tests.support import Tenant, gstin_for
from tests.webhooks.receiver import Received, Receiver

INVOICES = "/api/v0/invoice"
WEBHOOKS = "/api/v0/webhook"
PURCHASE_ORDERS = "/api/v0/purchase-order"
ERP_URL_PATH = "/erp/bharat-connect"
# Generous: the machine is slow and shared; each wait ends as soon as what it waits for is there.
PATIENCE = 120.0


# ------------------------------------------------------------------------------------ reading what is seen


def seen(response: httpx.Response) -> Any:
    """The answer's payload, amounts exact (as a finance person reads them, not as floats)."""
    assert response.status_code == 200, response.text
    body = json.loads(response.content, parse_float=Decimal)
    assert body["response_code"] == 0, body
    return body["payload"]


def exact(raw: bytes | str) -> Any:
    return json.loads(raw, parse_float=Decimal)


async def the_invoice(finance: Tenant, invoice_id: str) -> dict[str, Any]:
    return seen(await finance.get(f"{INVOICES}/{invoice_id}"))  # type: ignore[no-any-return]


async def on_the_network(finance: Tenant, invoice_id: str) -> dict[str, Any]:
    """What dues shows of the invoice on Bharat Connect: objectId, version, status, the buyer's answer."""
    return seen(await finance.get(f"{INVOICES}/{invoice_id}/bharat-connect"))  # type: ignore[no-any-return]


async def payments_of(finance: Tenant, invoice_id: str) -> list[dict[str, Any]]:
    return seen(await finance.get(f"{INVOICES}/{invoice_id}/payments"))  # type: ignore[no-any-return]


async def reminders_of(finance: Tenant, invoice_id: str) -> dict[str, Any]:
    return seen(await finance.get(f"{INVOICES}/{invoice_id}/reminders"))  # type: ignore[no-any-return]


async def acknowledged(finance: Tenant, invoice_id: str, kind: str) -> dict[str, Any]:
    """Wait until the network has answered dues's last message of this kind about the invoice (its resp-*
    came back without an error): the message as the invoice's conversation shows it."""

    async def answered() -> dict[str, Any] | None:
        sent = [
            m
            for m in (await on_the_network(finance, invoice_id))["messages"]
            if m["direction"] == "OUT" and m["type"] == kind
        ]
        assert not sent or sent[-1]["state"] != "FAILED", sent[-1]
        return sent[-1] if sent and sent[-1]["state"] == "ACKED" else None

    return await eventually(answered, PATIENCE, f"{kind} of {invoice_id} acknowledged by the network")


# ------------------------------------------------------------------------------------------------ the buyer


class Buyer:
    """Kaveri Foods at the sandbox's buyer page: each action is what one of the page's buttons does, and
    each returns once dues has answered the message it sends (taken: dues applied it)."""

    def __init__(self, http: httpx.AsyncClient, b2b_id: str) -> None:
        self.http = http
        self.b2b_id = b2b_id

    async def _control(self, method: str, path: str, **kw: Any) -> Any:
        response = await self.http.request(method, CONTROL + path, **kw)
        assert response.status_code == 200, response.text
        return exact(response.content)["payload"]

    async def _act(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        delivery = await self._control("POST", path, json=body)
        assert delivery["taken"], delivery  # dues answered 200 with EnKash's response_code 0
        return delivery  # type: ignore[no-any-return]

    async def sees(self, object_id: str, **expected: Any) -> dict[str, Any]:
        """Wait until the buyer's page shows the invoice as expected (version, status, due ...)."""

        async def shown() -> dict[str, Any] | None:
            invoices = await self._control("GET", f"/invoices?buyer={self.b2b_id}")
            found = next((i for i in invoices if i["objectId"] == object_id), None)
            if found is None or any(found[k] != v for k, v in expected.items()):
                return None
            return found  # type: ignore[no-any-return]

        return await eventually(shown, PATIENCE, f"the buyer sees {object_id} with {expected}")

    async def accepts(self, object_id: str) -> None:
        await self._act(f"/invoices/{object_id}", {"action": "ACCEPT"})

    async def returns(self, object_id: str, remarks: str) -> None:
        await self._act(f"/invoices/{object_id}", {"action": "RETURN", "remarks": remarks})

    async def pays(self, object_id: str, amount: str, type: str, mode: str, utr: str) -> None:
        body = {"action": "PAY", "type": type, "amount": amount, "mode": mode, "utr": utr}
        await self._act(f"/invoices/{object_id}", body)

    async def accepts_the_note(self, object_id: str) -> None:
        await self._act(f"/cd-notes/{object_id}", {"response": "ACCEPT"})

    async def sends_a_purchase_order(
        self, supplier_b2b_id: str, number: str, lines: list[dict[str, Any]]
    ) -> None:
        body = {
            "supplierB2BId": supplier_b2b_id,
            "buyerB2BId": self.b2b_id,
            "buyerPONumber": number,
            "lines": lines,
            "subject": "Rice for the Mysuru kitchen",
        }
        await self._act("/purchase-orders", body)

    async def messages(self, direction: str, path: str | None = None) -> list[dict[str, Any]]:
        """The network's log: IN what the supplier sent it, OUT what it sent the supplier."""
        query = f"/messages?direction={direction}" + (f"&path={path}" if path else "")
        return await self._control("GET", query)  # type: ignore[no-any-return]

    async def receives(self, path: str, matching: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """Wait for the supplier's message at ``path`` whose body ``matching`` accepts; its body."""

        async def arrived() -> dict[str, Any] | None:
            found = [m for m in await self.messages("IN", path) if m["statusCode"] == 200]
            return next((m["body"] for m in found if matching(m["body"])), None)

        return await eventually(arrived, PATIENCE, f"the buyer receives {path}")


# ------------------------------------------------------------------------------------------- the ERP


@pytest.fixture
def webhooks_to_this_machine(network: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The ERP's receiver listens on 127.0.0.1, which only an operator's DUES_WEBHOOKS_ALLOW_PRIVATE permits
    (set after the network fixture has re-read the settings, so that they keep it)."""
    monkeypatch.setenv("DUES_WEBHOOKS_ALLOW_PRIVATE", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def erp_received(erp: Receiver, path: str, count: int) -> list[Received]:
    """Wait until the ERP's endpoint has had ``count`` webhooks of the network's messages at ``path``."""

    async def arrived() -> list[Received] | None:
        found = [m for m in erp.received if m.path == ERP_URL_PATH + path]
        return found if len(found) >= count else None

    return await eventually(arrived, PATIENCE, f"{count} webhooks at the ERP of {path}")


def message(webhook: Received) -> Any:
    """An EnKash-format webhook's body: the network's message itself, amounts exact."""
    return exact(webhook.body)


# ------------------------------------------------------------------------------------------------ the story


def bags_of(goods: str, bags: int, price: int) -> dict[str, Any]:
    """An invoice (or order) line: so many bags of rice or dal at a price, 5 % GST."""
    hsn = {"Basmati rice": "1006", "Sona masoori rice": "1006", "Toor dal": "0713"}[goods]
    return {
        "description": f"{goods}, 25 kg bags",
        "hsnSac": hsn,
        "quantity": bags,
        "unit": "BAG",
        "unitPrice": price,
        "gstRate": 5,
    }


async def test_a_season_of_trade_on_bharat_connect(
    committed: Database,
    seller: Tenant,
    http: httpx.AsyncClient,
    receiver: Receiver,
    webhooks_to_this_machine: None,
) -> None:
    finance, erp = seller, receiver
    today = today_ist().isoformat()

    # The seller's ERP subscribes to the buyer's answers and payments in EnKash's own webhook format, and the
    # company reminds its customers by a default schedule (3 days before the due date, on it, a week after).
    hook = seen(
        await finance.post(
            WEBHOOKS,
            json={
                "url": erp.url(ERP_URL_PATH),
                "events": ["bharat_connect.invoice.confirmed", "bharat_connect.payment.received"],
                "format": "enkash",
            },
        )
    )
    await set_default(finance, (await reminder(finance))["reminderId"])

    # ---- 1. The company registers on the network (an ADMIN, once): PENDING, then REGISTERED with its id.
    company = seen(await finance.get("/api/v0/company"))
    asked = seen(
        await finance.post(REGISTRATION, json={"pan": company["gstin"][2:12], "gstin": company["gstin"]})
    )
    assert asked["status"] == "PENDING"

    async def registered() -> dict[str, Any] | None:
        shown = seen(await finance.get(REGISTRATION))
        assert shown["status"] != "FAILED", shown
        return shown if shown["status"] == "REGISTERED" else None

    registration = await eventually(registered, PATIENCE, "the company REGISTERED on the network")
    supplier_b2b_id = registration["b2bId"]
    assert supplier_b2b_id == b2b_id_of(company["gstin"])  # the sandbox's id of that GSTIN
    assert registration["testMode"] is True

    # ---- 2. The customer, Kaveri Foods of Karnataka, is found on the network by its GSTIN, which fills in
    # its B2B id.
    kaveri_gstin = gstin_for("29")
    kaveri = await finance.create_customer(
        legalName="Kaveri Foods Pvt Ltd",
        panOrGstin=kaveri_gstin,
        state="Karnataka",
        email="payables@kaverifoods.example",
        address="14 Sayyaji Rao Road, Mysuru",
        pinCode="570001",
    )
    assert kaveri["bharatConnectB2BId"] is None
    found = seen(await finance.post(SEARCH, json={"gstin": kaveri_gstin, "customerId": kaveri["customerId"]}))
    [entity] = found["entities"]
    assert (entity["gstin"], found["filled"]) == (kaveri_gstin, True)
    kaveri = seen(await finance.get(f"/api/v0/customer/{kaveri['customerId']}"))
    assert kaveri["bharatConnectB2BId"] == entity["b2bId"]
    buyer = Buyer(http, entity["b2bId"])

    async def new_invoice(*lines: dict[str, Any]) -> dict[str, Any]:
        body = {
            "customerId": kaveri["customerId"],
            "invoiceDate": today,
            "dueDate": DUE,
            "lineItems": list(lines),
        }
        return seen(await finance.post(INVOICES, json=body))  # type: ignore[no-any-return]

    # ---- 3. An invoice for 10 bags of basmati (20,000 + 5 % IGST = 21,000), dispatched: presented to the
    # buyer, who accepts it.
    basmati = await new_invoice(bags_of("Basmati rice", 10, 2000))
    first = basmati["invoiceId"]
    assert basmati["totalAmount"] == Decimal("21000.00")
    assert (await dispatch(finance, [first], partialPaymentAllowed=True))[first]["success"]

    presented = await on_the_network(finance, first)
    assert (presented["status"], presented["version"], presented["buyerB2BId"]) == (
        "PRESENTED",
        1,
        buyer.b2b_id,
    )
    await acknowledged(finance, first, "req-send-invoice")
    first_object = presented["objectId"]
    on_page = await buyer.sees(first_object, status="PRESENTED", version=1)
    assert (on_page["supplierInvoiceNumber"], on_page["total"]) == (
        basmati["invoiceNumber"],
        Decimal("21000"),
    )

    await buyer.accepts(first_object)

    accepted = await on_the_network(finance, first)
    assert (accepted["status"], accepted["buyerResponse"]) == ("ACCEPTED", "ACCEPT")

    # ---- 4. It pays 8,000 through the network (ONPLATFORM): recorded in dues at once, part paid.
    await buyer.pays(first_object, "8000.00", "ONPLATFORM", "UPI", "UPI633120045511")

    invoice = await the_invoice(finance, first)
    assert (invoice["status"], invoice["paidAmount"], invoice["balanceAmount"]) == (
        "PARTIALLY_PAID",
        Decimal("8000.00"),
        Decimal("13000.00"),
    )
    [on_platform] = await payments_of(finance, first)
    assert (on_platform["amount"], on_platform["mode"], on_platform["reference"]) == (
        Decimal("8000.00"),
        "UPI",
        "UPI633120045511",
    )
    assert on_platform["createdBy"] == "network:bharat-connect"
    assert (await on_the_network(finance, first))["status"] == "PARTIALLY_PAID"
    # dues confirms it to the network by itself (req-pay-confirmation ACCEPT), and the buyer's page agrees.
    await acknowledged(finance, first, "req-pay-confirmation")
    await buyer.sees(first_object, status="PARTIALLY_PAID", due=Decimal("13000"))

    # ---- 5. It pays the other 13,000 by its own bank transfer (OFFPLATFORM): held, nothing recorded yet.
    await buyer.pays(first_object, "13000.00", "OFFPLATFORM", "NEFT", "HDFCN52026120700042")

    assert (await on_the_network(finance, first))["status"] == "PAYMENT_PENDING_CONFIRMATION"
    invoice = await the_invoice(finance, first)
    assert (invoice["status"], invoice["balanceAmount"]) == ("PARTIALLY_PAID", Decimal("13000.00"))
    assert len(await payments_of(finance, first)) == 1

    # The ERP hears of the held payment (EnKash's req-pay webhook); once the money shows in the bank, the
    # finance team confirms it (Payment Confirmation Request, ACCEPT): recorded, and the invoice is PAID.
    reported = [message(m)["payment"] for m in await erp_received(erp, wire.PAY, 2)]
    [held] = [p for p in reported if p["type"] == "OFFPLATFORM"]
    assert held["paymentAmount"]["netPaidAmount"] == Decimal("13000.00")
    # The finance team sees it too, on the invoice, waiting for them: the one payment not yet recorded.
    network_payments = (await on_the_network(finance, first))["payments"]
    assert [(p["type"], p["status"], p["paymentId"]) for p in network_payments] == [
        ("ONPLATFORM", "RECORDED", on_platform["paymentId"]),
        ("OFFPLATFORM", "HELD", None),
    ]
    assert network_payments[1]["objectId"] == held["objectId"]
    assert network_payments[1]["invoiceIds"] == [first]
    confirmation = seen(
        await finance.post(
            f"{INVOICES}/payment-confirmation",
            json={
                "invoiceIds": [first],
                "paymentId": held["objectId"],
                "remarks": "Seen in our HDFC account statement",
                "response": "ACCEPT",
                "type": "OFFPLATFORM",
            },
        )
    )
    assert (confirmation["status"], confirmation["type"]) == ("RECORDED", "OFFPLATFORM")

    invoice = await the_invoice(finance, first)
    assert (invoice["status"], invoice["paidAmount"], invoice["balanceAmount"]) == (
        "PAID",
        Decimal("21000.00"),
        Decimal("0.00"),
    )
    paid = {p["paymentId"]: p for p in await payments_of(finance, first)}
    assert sorted((p["amount"], p["mode"]) for p in paid.values()) == [
        (Decimal("8000.00"), "UPI"),
        (Decimal("13000.00"), "NEFT"),
    ]
    assert paid[confirmation["paymentId"]]["reference"] == "HDFCN52026120700042"
    assert (await on_the_network(finance, first))["status"] == "PAID"
    await buyer.sees(first_object, status="PAID", due=Decimal("0"))

    # ---- 6. Two more invoices go out together: toor dal, and sona masoori rice.
    toor_dal = await new_invoice(bags_of("Toor dal", 20, 3750))
    sona = await new_invoice(bags_of("Sona masoori rice", 40, 1500))
    second, third = toor_dal["invoiceId"], sona["invoiceId"]
    assert toor_dal["totalAmount"] == Decimal("78750.00")
    dispatched = await dispatch(finance, [second, third], partialPaymentAllowed=True)
    assert dispatched[second]["success"] and dispatched[third]["success"]
    second_object = (await on_the_network(finance, second))["objectId"]
    third_object = (await on_the_network(finance, third))["objectId"]
    await buyer.sees(second_object, status="PRESENTED", version=1)
    await buyer.sees(third_object, status="PRESENTED", version=1)

    # The buyer returns the toor dal invoice with remarks: dues shows them, and stops its reminders.
    remarks = "Billed 20 bags but 18 were delivered (GRN 4471)"
    await buyer.returns(second_object, remarks)

    returned = await on_the_network(finance, second)
    assert (returned["status"], returned["buyerResponse"], returned["buyerRemarks"]) == (
        "RETURNED",
        "RETURN",
        remarks,
    )
    timeline = await reminders_of(finance, second)
    assert timeline["planned"] == [] and remarks in timeline["note"]
    refused = assert_error(
        await finance.post(f"{INVOICES}/{second}/remind", json={}), 422, "UNPROCESSABLE_REQUEST"
    )
    assert remarks in refused["errorMessage"]
    # The reminder sweep, 3 days before the due date, reminds the buyer of the sona masoori invoice, not of
    # the returned one.
    await run_at(committed, f"{YEAR}-06-27 10:00")
    assert [s["kind"] for s in (await reminders_of(finance, third))["sent"]] == ["STEP"]
    assert (await reminders_of(finance, second))["sent"] == []

    # ---- 7. The finance team corrects it to 18 bags (an edit): version 2 on the network, presented again
    # and reminded again; the buyer sees version 2 and accepts it.
    corrected = seen(
        await finance.patch(
            f"{INVOICES}/{second}",
            json={"lineItems": [bags_of("Toor dal", 18, 3750)]},
        )
    )
    assert corrected["totalAmount"] == Decimal("70875.00")
    edited = await on_the_network(finance, second)
    assert (edited["version"], edited["status"], edited["buyerResponse"]) == (2, "PRESENTED", None)
    assert (await reminders_of(finance, second))["planned"] != []
    await acknowledged(finance, second, "req-edit-invoice")
    await buyer.sees(second_object, version=2, status="PRESENTED", total=Decimal("70875"))

    await buyer.accepts(second_object)

    accepted = await on_the_network(finance, second)
    assert (accepted["status"], accepted["version"], accepted["buyerResponse"]) == ("ACCEPTED", 2, "ACCEPT")

    # ---- 8. Two bags of sona masoori come back: a credit note against that presented invoice goes to the
    # buyer as a cd-note, and the buyer accepts it.
    note = seen(
        await finance.post(
            "/api/v0/credit-note",
            json={
                "customerId": kaveri["customerId"],
                "reason": "SALES_RETURN",
                "againstInvoices": [
                    {"invoiceId": third, "lineItems": [bags_of("Sona masoori rice", 2, 1500)]}
                ],
            },
        )
    )
    assert (note["status"], note["totalAmount"]) == ("ISSUED", Decimal("3150.00"))
    assert (await the_invoice(finance, third))["balanceAmount"] == Decimal("59850.00")
    cd_note = (
        await buyer.receives(
            wire.SEND_CD_NOTE, lambda body: body["cdNote"]["supplierCDNoteNumber"] == note["noteNumber"]
        )
    )["cdNote"]
    assert (cd_note["noteType"], cd_note["cdNoteValueDetails"]["totalAmount"]) == (
        "CREDIT",
        Decimal("3150.00"),
    )
    assert [i["objectId"] for i in cd_note["precedingInvoiceDetails"]] == [third_object]

    await buyer.accepts_the_note(cd_note["objectId"])

    audit = f"/api/v0/audit?entityType=credit_note&entityId={note['creditNoteId']}"
    trail = seen(await finance.get(audit))["items"]
    answered = [e for e in trail if e["action"] == "BHARAT_CONNECT_ACCEPT"]
    assert [(e["actor"], e["after"]["status"]) for e in answered] == [("network:bharat-connect", "ACCEPTED")]

    # ---- 9. The buyer sends a purchase order for 30 bags of basmati; the finance team accepts it and makes
    # the invoice from its lines, which goes out and is presented to the buyer.
    await buyer.sends_a_purchase_order(supplier_b2b_id, "KF/PO/2026/778", [bags_of("Basmati rice", 30, 2000)])
    search = {"buyerPONumber": "KF/PO/2026/778"}
    [order] = seen(await finance.post(f"{PURCHASE_ORDERS}/search", json=search))["items"]
    assert (order["status"], order["customerId"], order["totalAmount"]) == (
        "RECEIVED",
        kaveri["customerId"],
        Decimal("63000.00"),
    )
    po = f"{PURCHASE_ORDERS}/{order['poId']}"

    confirmed = seen(
        await finance.post(f"{po}/confirm", json={"response": "ACCEPT", "remarks": "Ships Monday"})
    )
    assert confirmed["status"] == "ACCEPTED"
    told = await buyer.receives(
        wire.CONFIRM_PURCHASE_ORDER, lambda body: body["poConfirmation"]["objectId"] == order["objectId"]
    )
    assert told["poConfirmation"]["supplierResponse"] == "ACCEPT"

    made = seen(await finance.post(f"{po}/invoice", json={"dueDate": DUE, "dispatchNow": True}))
    assert (made["customerId"], made["createdVia"], made["totalAmount"]) == (
        kaveri["customerId"],
        "BHARAT_CONNECT",
        Decimal("63000.00"),
    )
    assert [(line["description"], line["quantity"]) for line in made["lineItems"]] == [
        ("Basmati rice, 25 kg bags", Decimal("30"))
    ]
    order = seen(await finance.get(po))
    assert (order["status"], order["invoiceId"]) == ("INVOICED", made["invoiceId"])
    from_the_order = (await on_the_network(finance, made["invoiceId"]))["objectId"]
    shown = await buyer.sees(from_the_order, status="PRESENTED")
    assert shown["supplierInvoiceNumber"] == made["invoiceNumber"]

    # ---- 10. The ERP received each of the buyer's answers (accept, return, accept of version 2) and each
    # payment, at EnKash's paths under its URL, signed with the endpoint's secret: the network's message as
    # it was sent, which keeps the wire format's schemas.
    answers = await erp_received(erp, wire.CONFIRM_INVOICE, 3)
    payments = await erp_received(erp, wire.PAY, 2)
    verifier = Webhook(hook["secret"])
    sent_by_network = {m["reqMsgId"]: m["body"] for m in await buyer.messages("OUT")}
    for webhook, path in [(m, wire.CONFIRM_INVOICE) for m in answers] + [(m, wire.PAY) for m in payments]:
        assert webhook.method == "POST"
        verifier.verify(webhook.body, webhook.headers)  # raises unless signed with the endpoint's secret
        assert problems(path, json.loads(webhook.body)) == []
        assert message(webhook) == sent_by_network[message(webhook)["reqMsgId"]]
    assert sorted(
        (message(m)["invoiceConfirmation"]["objectId"], message(m)["invoiceConfirmation"]["buyerResponse"])
        for m in answers
    ) == sorted([(first_object, "ACCEPT"), (second_object, "RETURN"), (second_object, "ACCEPT")])
    assert sorted(message(m)["payment"]["type"] for m in payments) == ["OFFPLATFORM", "ONPLATFORM"]

    # ---- 11. Every message of the story, both ways, is in the network's log, which the fixture checks
    # against the schemas: each one dues sent was answered (ACKED) and each one it received was applied.
    async def all_answered() -> list[Any] | None:
        async with committed.sessionmaker() as session:
            rows = (
                await session.execute(
                    text(
                        "SELECT direction, path, req_msg_id, state, body->>'reqMsgId' AS sent_as "
                        "FROM bc_messages WHERE company_id = :c"
                    ),
                    {"c": finance.company_id},
                )
            ).all()
        done = all(r.state == ("ACKED" if r.direction == "OUT" else "APPLIED") for r in rows)
        return list(rows) if done else None

    dues_log = await eventually(all_answered, PATIENCE, "every message dues sent answered by the network")
    taken_by_network = {m["reqMsgId"] for m in await buyer.messages("IN") if m["statusCode"] == 200}
    given_by_network = {m["reqMsgId"] for m in await buyer.messages("OUT")}
    assert {r.req_msg_id for r in dues_log if r.direction == "OUT"} <= taken_by_network
    assert {r.sent_as for r in dues_log if r.direction == "IN"} <= given_by_network
    sent = [
        wire.CHECK_ENTITY,
        wire.REGISTER_ENTITY,
        wire.REGISTER_ID,
        wire.SEND_INVOICE,
        wire.PAY_CONFIRMATION,
        wire.EDIT_INVOICE,
        wire.SEND_CD_NOTE,
        wire.CONFIRM_PURCHASE_ORDER,
    ]
    received = [wire.CONFIRM_INVOICE, wire.PAY, wire.CONFIRM_CD_NOTE, wire.SEND_PURCHASE_ORDER]
    assert {r.path for r in dues_log} == {*sent, *(wire.RESPONSES[p] for p in sent), *received}
