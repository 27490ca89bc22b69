"""Payments over the network (api.md §8): an ONPLATFORM payment is recorded at once and confirmed to the
network; an OFFPLATFORM one waits for the supplier's Payment Confirmation Request (ACCEPT records it, REJECT
puts the invoice back to awaiting payment); an ONPLATFORM one cannot be rejected."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from dues.bharat_connect import wire
from dues.db import Database
from dues.errors import ValidationFailed
from tests.bharat_connect.flows_helpers import (
    INVOICES,
    PAYMENT_CONFIRMATION,
    buyer,
    confirmation,
    deliver,
    events,
    network_row,
    pay_info,
    payment,
    presented,
    register,
    sent,
    sql,
)
from tests.customers.helpers import assert_error, payload
from tests.support import Tenant


async def _accepted(tenant: Tenant, db: Database) -> tuple[str, dict[str, Any]]:
    """An invoice of 1,180.00 presented and accepted by its buyer."""
    await register(db, tenant)
    customer_id, _ = await buyer(tenant, tdsSection="194C", tdsRate=2)
    invoice_id = await presented(tenant, customer_id)
    [body] = await sent(db, tenant.company_id, wire.SEND_INVOICE)
    await deliver(db, tenant.company_id, wire.CONFIRM_INVOICE, confirmation(body, "ACCEPT"))
    return invoice_id, body


async def _invoice(tenant: Tenant, invoice_id: str) -> dict[str, Any]:
    return payload(await tenant.get(f"{INVOICES}/{invoice_id}"))  # type: ignore[no-any-return]


async def _payments(tenant: Tenant, invoice_id: str) -> list[dict[str, Any]]:
    return payload(await tenant.get(f"{INVOICES}/{invoice_id}/payments"))  # type: ignore[no-any-return]


async def _confirm(tenant: Tenant, invoice_id: str, payment_id: str, response: str, kind: str) -> Any:
    body = {
        "invoiceIds": [invoice_id],
        "paymentId": payment_id,
        "remarks": "Checked against the bank statement",
        "response": response,
        "type": kind,
    }
    return await tenant.post(PAYMENT_CONFIRMATION, json=body)


async def test_a_part_payment_on_the_platform_is_recorded_at_once(tenant: Tenant, db: Database) -> None:
    invoice_id, body = await _accepted(tenant, db)
    paid = payment(body, "500.00", utr="UTR000111222")

    await deliver(db, tenant.company_id, wire.PAY, paid)

    [recorded] = await _payments(tenant, invoice_id)
    assert (recorded["amount"], recorded["mode"], recorded["reference"]) == (500.0, "NEFT", "UTR000111222")
    assert recorded["createdBy"] == "network:bharat-connect"
    shown = await _invoice(tenant, invoice_id)
    assert (shown["status"], shown["paidAmount"], shown["balanceAmount"]) == ("PARTIALLY_PAID", 500.0, 680.0)
    assert (await network_row(db, invoice_id) or ())[2] == "PARTIALLY_PAID"
    [(status, payment_id)] = await sql(db, "SELECT status, payment_id FROM bc_payments")
    assert (status, payment_id) == ("RECORDED", recorded["paymentId"])
    [confirmed] = await sent(db, tenant.company_id, wire.PAY_CONFIRMATION)
    wire.PayConfirmation.model_validate(confirmed)
    answer = confirmed["paymentConfirmation"]
    assert (answer["objectId"], answer["type"], answer["supplierResponse"]) == (
        paid["payment"]["objectId"],
        "ONPLATFORM",
        "ACCEPT",
    )
    assert answer["invoiceInfos"][0]["statusTransition"] == {
        "currentStatus": "ACCEPTED",
        "newStatus": "PARTIALLY_PAID",
    }
    [event] = await events(db, tenant.company_id, "bharat_connect.payment.received")
    assert (event["path"], event["paymentId"], event["invoiceIds"], event["status"]) == (
        wire.PAY,
        recorded["paymentId"],
        [invoice_id],
        "RECORDED",
    )
    assert event["message"]["payment"]["objectId"] == paid["payment"]["objectId"]

    # The rest, and the same payment reported again in another message: recorded once.
    rest = payment(body, "680.00")
    await deliver(db, tenant.company_id, wire.PAY, rest)
    again = {**rest, "reqMsgId": rest["reqMsgId"] + "X"}
    await deliver(db, tenant.company_id, wire.PAY, again)

    assert len(await _payments(tenant, invoice_id)) == 2
    assert (await _invoice(tenant, invoice_id))["status"] == "PAID"
    assert (await network_row(db, invoice_id) or ())[2] == "PAID"


async def test_an_off_platform_payment_waits_for_the_suppliers_accept(tenant: Tenant, db: Database) -> None:
    invoice_id, body = await _accepted(tenant, db)
    paid = payment(body, "1180.00", kind="OFFPLATFORM", mode="CHEQUE", utr="000451")
    object_id = paid["payment"]["objectId"]

    await deliver(db, tenant.company_id, wire.PAY, paid)

    assert await _payments(tenant, invoice_id) == []
    assert (await _invoice(tenant, invoice_id))["balanceAmount"] == 1180.0
    assert (await network_row(db, invoice_id) or ())[2] == "PAYMENT_PENDING_CONFIRMATION"
    assert await sent(db, tenant.company_id, wire.PAY_CONFIRMATION) == []

    # Held, it has no PAY id yet: its network id names it.
    answer = payload(await _confirm(tenant, invoice_id, object_id, "ACCEPT", "OFFPLATFORM"))

    [recorded] = await _payments(tenant, invoice_id)
    assert (answer["status"], answer["paymentId"], answer["objectId"]) == (
        "RECORDED",
        recorded["paymentId"],
        object_id,
    )
    assert (recorded["amount"], recorded["mode"], recorded["reference"]) == (1180.0, "CHEQUE", "000451")
    assert (await _invoice(tenant, invoice_id))["status"] == "PAID"
    assert (await network_row(db, invoice_id) or ())[2] == "PAID"
    [confirmed] = await sent(db, tenant.company_id, wire.PAY_CONFIRMATION)
    told = confirmed["paymentConfirmation"]
    assert (told["supplierResponse"], told["supplierRemarks"]) == (
        "ACCEPT",
        "Checked against the bank statement",
    )
    assert told["invoiceInfos"][0]["statusTransition"] == {
        "currentStatus": "PAYMENT_PENDING_CONFIRMATION",
        "newStatus": "PAID",
    }
    # Accepted, it can no longer be rejected; it may be confirmed again, by its PAY id.
    assert_error(
        await _confirm(tenant, invoice_id, recorded["paymentId"], "REJECT", "OFFPLATFORM"),
        422,
        "UNPROCESSABLE_REQUEST",
    )
    payload(await _confirm(tenant, invoice_id, recorded["paymentId"], "ACCEPT", "OFFPLATFORM"))
    assert len(await _payments(tenant, invoice_id)) == 1
    assert len(await sent(db, tenant.company_id, wire.PAY_CONFIRMATION)) == 2


async def test_a_rejected_off_platform_payment_leaves_the_invoice_awaiting_payment(
    tenant: Tenant, db: Database
) -> None:
    invoice_id, body = await _accepted(tenant, db)
    paid = payment(body, "1180.00", kind="OFFPLATFORM", mode="NEFT")

    await deliver(db, tenant.company_id, wire.PAY, paid)
    answer = payload(await _confirm(tenant, invoice_id, paid["payment"]["objectId"], "REJECT", "OFFPLATFORM"))

    assert (answer["status"], answer["paymentId"]) == ("REJECTED", None)
    assert await _payments(tenant, invoice_id) == []
    assert (await _invoice(tenant, invoice_id))["status"] == "DISPATCHED"
    assert (await network_row(db, invoice_id) or ())[2] == "ACCEPTED"
    [confirmed] = await sent(db, tenant.company_id, wire.PAY_CONFIRMATION)
    assert confirmed["paymentConfirmation"]["supplierResponse"] == "REJECT"
    assert confirmed["paymentConfirmation"]["invoiceInfos"][0]["statusTransition"] == {
        "currentStatus": "PAYMENT_PENDING_CONFIRMATION",
        "newStatus": "ACCEPTED",
    }
    assert_error(
        await _confirm(tenant, invoice_id, paid["payment"]["objectId"], "ACCEPT", "OFFPLATFORM"),
        422,
        "UNPROCESSABLE_REQUEST",
    )


async def test_an_on_platform_payment_cannot_be_rejected(tenant: Tenant, db: Database) -> None:
    invoice_id, body = await _accepted(tenant, db)
    await deliver(db, tenant.company_id, wire.PAY, payment(body, "1180.00"))
    [recorded] = await _payments(tenant, invoice_id)

    error = assert_error(
        await _confirm(tenant, invoice_id, recorded["paymentId"], "REJECT", "ONPLATFORM"),
        422,
        "UNPROCESSABLE_REQUEST",
    )

    assert "ONPLATFORM" in error["errorMessage"]
    assert (await _invoice(tenant, invoice_id))["status"] == "PAID"
    assert len(await sent(db, tenant.company_id, wire.PAY_CONFIRMATION)) == 1


async def test_a_confirmation_names_the_payments_invoices_and_its_type(tenant: Tenant, db: Database) -> None:
    invoice_id, body = await _accepted(tenant, db)
    paid = payment(body, "1180.00", kind="OFFPLATFORM")
    await deliver(db, tenant.company_id, wire.PAY, paid)
    object_id = paid["payment"]["objectId"]
    other = await presented(tenant, (await buyer(tenant))[0])

    assert_error(await _confirm(tenant, other, object_id, "ACCEPT", "OFFPLATFORM"), 422, "VALIDATION_ERROR")
    assert_error(
        await _confirm(tenant, invoice_id, object_id, "ACCEPT", "ONPLATFORM"), 422, "VALIDATION_ERROR"
    )
    assert_error(
        await _confirm(tenant, invoice_id, "PMT" + "9" * 32, "ACCEPT", "OFFPLATFORM"), 404, "RECORD_NOT_FOUND"
    )
    assert (await network_row(db, invoice_id) or ())[2] == "PAYMENT_PENDING_CONFIRMATION"


async def test_tds_the_buyer_deducted_settles_the_invoice_beside_the_cash(
    tenant: Tenant, db: Database
) -> None:
    invoice_id, body = await _accepted(tenant, db)
    tds = {"name": "TDS", "value": Decimal("20.00"), "refNo": "PNEB12345C"}
    info = pay_info(body, "1160.00", adjustment="20.00", splits=[tds])

    await deliver(db, tenant.company_id, wire.PAY, payment(body, "1160.00", infos=[info]))

    [recorded] = await _payments(tenant, invoice_id)
    assert (recorded["amount"], recorded["tdsAmount"], recorded["deductorTan"], recorded["tdsSection"]) == (
        1160.0,
        20.0,
        "PNEB12345C",
        "194C",
    )
    shown = await _invoice(tenant, invoice_id)
    assert (shown["status"], shown["tdsAmount"], shown["balanceAmount"]) == ("PAID", 20.0, 0.0)


async def test_a_payment_dues_cannot_apply_is_refused_and_leaves_nothing(
    tenant: Tenant, db: Database
) -> None:
    invoice_id, body = await _accepted(tenant, db)

    with pytest.raises(ValidationFailed):
        await deliver(db, tenant.company_id, wire.PAY, payment(body, "1500.00"))

    assert await _payments(tenant, invoice_id) == []
    assert await sql(db, "SELECT 1 FROM bc_payments") == []
    assert (await network_row(db, invoice_id) or ())[2] == "ACCEPTED"


async def test_tds_without_the_deductors_tan_stays_owed(tenant: Tenant, db: Database) -> None:
    invoice_id, body = await _accepted(tenant, db)
    info = pay_info(body, "1160.00", adjustment="20.00", splits=[{"name": "tds", "value": Decimal("20.00")}])

    await deliver(db, tenant.company_id, wire.PAY, payment(body, "1160.00", infos=[info]))

    [recorded] = await _payments(tenant, invoice_id)
    assert (recorded["amount"], recorded["tdsAmount"], recorded["deductorTan"]) == (1160.0, 0.0, None)
    shown = await _invoice(tenant, invoice_id)
    assert (shown["status"], shown["balanceAmount"]) == ("PARTIALLY_PAID", 20.0)
    assert (await network_row(db, invoice_id) or ())[2] == "PARTIALLY_PAID"
