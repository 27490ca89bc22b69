"""The JSON Schemas hold EnKash's facts: a complete body keeps them, and each broken fact is caught (the
conftest checks every body sent in the other tests with them)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from dues.bharat_connect import wire
from dues.kit.envelope import dumps
from tests.bharat_connect.helpers import invoice_body
from tests.bharat_connect.wire_schemas import OBJECTS, SCHEMAS, problems


def _plain(body: dict[str, Any]) -> dict[str, Any]:
    return json.loads(dumps(body))  # type: ignore[no-any-return]


def _payment() -> dict[str, Any]:
    invoice = _plain(invoice_body("BCSUPPLIER01", "BCBUYER01"))["invoice"]
    amounts = {"netPaidAmount": 500.5, "netAdjustmentAmount": 0, "totalAmount": 500.5, "currency": "INR"}
    return {
        "reqMsgId": "BCS1",
        "device": wire.device(),
        "b2bIds": {"buyerB2BId": "BCBUYER01", "supplierB2BId": "BCSUPPLIER01"},
        "payment": {
            "objectId": wire.new_object_id("PMT"),
            "ts": "2026-12-07 10:00:00",
            "type": "ONPLATFORM",
            "mode": "INTERNET BANKING",
            "utr": "UTR0001",
            "currency": "INR",
            "paymentAmount": amounts,
            "invoicesPayInfos": [
                {
                    "objectId": invoice["objectId"],
                    "supplierInvoiceNumber": invoice["supplierInvoiceNumber"],
                    "objectVersion": {"currentVersion": 1, "newVersion": 1},
                    "statusTransition": {"currentStatus": "ACCEPTED", "newStatus": "PARTIALLY_PAID"},
                    "invoiceAmount": {"dueAmount": 11800, "totalAmount": 11800, "currency": "INR"},
                    "invoicePaymentAmount": {
                        **amounts,
                        "splits": [{"name": "TDS", "value": 0, "refNo": None}],
                    },
                }
            ],
        },
        "additionalInfos": [],
    }


def test_every_message_object_has_its_schema() -> None:
    names = {path.name.removesuffix(".schema.json") for path in SCHEMAS.glob("*.schema.json")}
    assert {name for _, name in OBJECTS.values()} <= names
    assert {"common", "resp", "response", "entity", "envelope"} <= names


def test_complete_bodies_keep_the_schemas() -> None:
    assert problems(wire.SEND_INVOICE, _plain(invoice_body("BCSUPPLIER01", "BCBUYER01"))) == []
    assert problems(wire.PAY, _payment()) == []
    resp = {"reqMsgId": "BCS2", "resp": {"reqMsgId": "DUES1", "result": "SUCCESS", "errorCd": None}}
    assert problems(wire.RESPONSES[wire.SEND_INVOICE], resp) == []


@pytest.mark.parametrize(
    ("where", "value", "caught"),
    [
        (("invoice", "objectId"), "INV123", "does not match"),
        (("invoice", "supplierInvoiceNumber"), "X" * 51, "does not match"),
        (("invoice", "statusTransition", "newStatus"), "DONE", "is not one of"),
        (("invoice", "transactionDetails", "currency"), "USD", "is not one of"),
        (("b2bIds", "buyerB2BId"), 'BC"1', "does not match"),
        (("device", "tag", "name"), "GPS", "was expected"),
    ],
)
def test_a_broken_invoice_is_caught(where: tuple[str, ...], value: Any, caught: str) -> None:
    body = _plain(invoice_body("BCSUPPLIER01", "BCBUYER01"))
    part = body
    for key in where[:-1]:
        part = part[key]
    part[where[-1]] = value
    found = problems(wire.SEND_INVOICE, body)
    assert found and caught in found[0], found


def test_a_broken_payment_is_caught() -> None:
    body = _payment()
    body["payment"]["mode"] = "BANK"
    assert any("is not one of" in p for p in problems(wire.PAY, body))
    body = _payment()
    del body["payment"]["invoicesPayInfos"][0]["invoiceAmount"]
    assert any("invoiceAmount" in p for p in problems(wire.PAY, body))
    body = _payment()
    body["payment"]["invoicesPayInfos"][0]["invoicePaymentAmount"]["netPaidAmount"] = -1
    assert problems(wire.PAY, body)


def test_a_supplier_rejects_only_an_off_platform_payment() -> None:
    body = {
        "reqMsgId": "DUES1",
        "paymentConfirmation": {
            "objectId": wire.new_object_id("PMT"),
            "ts": "2026-12-07 10:00:00",
            "type": "OFFPLATFORM",
            "supplierResponse": "REJECT",
            "supplierRemarks": "No such credit in our account",
            "invoiceInfos": [
                {
                    "objectId": wire.new_object_id("INV"),
                    "supplierInvoiceNumber": "INV/1",
                    "objectVersion": {"currentVersion": 1, "newVersion": 1},
                    "statusTransition": {
                        "currentStatus": "PAYMENT_PENDING_CONFIRMATION",
                        "newStatus": "ACCEPTED",
                    },
                }
            ],
        },
    }
    assert problems(wire.PAY_CONFIRMATION, body) == []
    on_platform = copy.deepcopy(body)
    on_platform["paymentConfirmation"]["type"] = "ONPLATFORM"
    assert problems(wire.PAY_CONFIRMATION, on_platform)
    quoted = copy.deepcopy(body)
    quoted["paymentConfirmation"]["supplierRemarks"] = 'said "no"'
    assert problems(wire.PAY_CONFIRMATION, quoted)
