"""The Bharat Connect flows driven as the network would drive them: a registered supplier, customers with B2B
ids, invoices dispatched through the real API, and the buyer's messages built as the network sends them and
handed to the handlers the inbound router calls (stored first as the router stores them)."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from decimal import Decimal
from itertools import count
from typing import Any

from sqlalchemy import text

from dues.bharat_connect import inbound, purchase_orders, service, wire  # noqa: F401 (handlers register)
from dues.db import Database
from tests.collection.helpers import dispatch
from tests.customers.helpers import payload
from tests.support import Tenant, gstin_for

INVOICES = "/api/v0/invoice"
STATUS_CHANGE = "/api/v0/invoice/status-change"
PAYMENT_CONFIRMATION = "/api/v0/invoice/payment-confirmation"
PURCHASE_ORDERS = "/api/v0/purchase-order"
DUE_DATE = "2026-12-31"

_n = count(7000)


async def sql(database: Database, statement: str, **params: Any) -> list[Any]:
    async with database.sessionmaker() as session:
        result = await session.execute(text(statement), params)
        rows = list(result.all()) if result.returns_rows else []
        await session.commit()
    return rows


async def register(database: Database, seller: Tenant, b2b_id: str | None = None) -> str:
    """The seller registered on the network (what onboarding ends with): its B2B id."""
    b2b_id = b2b_id or f"SUP{secrets.token_hex(6).upper()}"
    await sql(
        database,
        "INSERT INTO bc_registrations (company_id, status, pan, registered_name, b2b_id) "
        "VALUES (:c, 'REGISTERED', 'AAAPL1234C', 'Seller Pvt Ltd', :b)",
        c=seller.company_id,
        b=b2b_id,
    )
    return b2b_id


async def buyer(seller: Tenant, b2b_id: str | None = None, **fields: Any) -> tuple[str, str]:
    """A customer on the network: (customerId, its B2B id)."""
    b2b_id = b2b_id or f"BUY{secrets.token_hex(6).upper()}"
    created = await seller.create_customer(
        panOrGstin=gstin_for("27", next(_n)),
        email="ap@buyer.example",
        address="1 MG Road, Pune",
        pinCode="411001",
        bharatConnectB2BId=b2b_id,
        **fields,
    )
    return str(created["customerId"]), b2b_id


async def invoice(seller: Tenant, customer_id: str, **fields: Any) -> dict[str, Any]:
    body = {
        "customerId": customer_id,
        "invoiceDate": "2026-11-24",
        "dueDate": DUE_DATE,
        "lineItems": [
            {"description": "Steel rods", "hsnSac": "7214", "quantity": 10, "unitPrice": 80, "gstRate": 18},
            {"description": "Delivery", "hsnSac": "996511", "quantity": 1, "unitPrice": 200, "gstRate": 18},
        ],
        **fields,
    }
    return payload(await seller.post(INVOICES, json=body))  # type: ignore[no-any-return]


async def presented(seller: Tenant, customer_id: str, **fields: Any) -> str:
    """An invoice of 1,000 + 18 % GST (1,180.00) to the customer, dispatched (so presented)."""
    invoice_id = str((await invoice(seller, customer_id, **fields))["invoiceId"])
    answer = await dispatch(seller, [invoice_id], partialPaymentAllowed=True)
    assert answer[invoice_id]["success"], answer
    return invoice_id


def exact(raw: str) -> Any:
    return json.loads(raw, parse_float=Decimal)


async def sent(database: Database, company_id: str, path: str) -> list[dict[str, Any]]:
    """The bodies of the OUT messages queued for ``path``, oldest first, amounts exact."""
    rows = await sql(
        database,
        "SELECT body::text FROM bc_messages WHERE company_id = :c AND direction = 'OUT' AND path = :p "
        "ORDER BY created_on, message_id",
        c=company_id,
        p=path,
    )
    return [exact(r[0]) for r in rows]


async def network_row(database: Database, invoice_id: str) -> tuple[Any, ...] | None:
    """(object_id, version, status, buyer_response, buyer_remarks) of the invoice on the network."""
    rows = await sql(
        database,
        "SELECT object_id, version, status, buyer_response, buyer_remarks FROM bc_invoices "
        "WHERE invoice_id = :i",
        i=invoice_id,
    )
    return tuple(rows[0]) if rows else None


async def events(database: Database, company_id: str, event_type: str) -> list[dict[str, Any]]:
    rows = await sql(
        database,
        "SELECT payload::text FROM events WHERE company_id = :c AND event_type = :t ORDER BY id",
        c=company_id,
        t=event_type,
    )
    return [exact(r[0]) for r in rows]


async def deliver(database: Database, company_id: str, path: str, body: dict[str, Any]) -> None:
    """A network message received: stored as the inbound router stores it, then applied by the handler
    registered for its path, in one transaction (an error rolls both back, as the router's does)."""
    async with database.sessionmaker() as session:
        await session.execute(
            text(
                "INSERT INTO bc_messages (company_id, message_id, direction, path, req_msg_id, body, state) "
                "VALUES (:c, :m, 'IN', :p, :r, CAST(:b AS jsonb), 'APPLIED')"
            ),
            {
                "c": company_id,
                "m": "BCM" + secrets.token_hex(7).upper()[:13],
                "p": path,
                "r": body["reqMsgId"],
                "b": json.dumps(body, default=str),
            },
        )
        try:
            await inbound.HANDLERS[path](session, company_id, body)
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


# ------------------------------------------------------------------------- bodies, as the network sends them


def _envelope(supplier_b2b_id: str, buyer_b2b_id: str, **objects: Any) -> dict[str, Any]:
    return {
        "reqMsgId": "NET" + secrets.token_hex(12).upper(),
        "device": {"tag": {"name": "GEOCODE", "value": "18.52,73.85"}},
        "b2bIds": {"buyerB2BId": buyer_b2b_id, "supplierB2BId": supplier_b2b_id},
        **objects,
    }


def confirmation(presented_body: dict[str, Any], response: str, remarks: str | None = None) -> dict[str, Any]:
    """The buyer's req-confirm-invoice answering a req-send-invoice (or edit) dues sent."""
    sent_invoice = presented_body["invoice"]
    version = sent_invoice["objectVersion"]["newVersion"]
    status = {"ACCEPT": "ACCEPTED", "REJECT": "REJECTED", "RETURN": "RETURNED"}[response]
    answer: dict[str, Any] = {
        "objectId": sent_invoice["objectId"],
        "supplierInvoiceNumber": sent_invoice["supplierInvoiceNumber"],
        "objectVersion": {"currentVersion": version, "newVersion": version},
        "buyerResponse": response,
        "statusTransition": {"currentStatus": "PRESENTED", "newStatus": status},
    }
    if remarks:
        answer["buyerRemarks"] = remarks
    ids = presented_body["b2bIds"]
    return _envelope(ids["supplierB2BId"], ids["buyerB2BId"], invoiceConfirmation=answer)


def pay_info(
    presented_body: dict[str, Any],
    paid: str,
    adjustment: str = "0",
    splits: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    sent_invoice = presented_body["invoice"]
    version = sent_invoice["objectVersion"]["newVersion"]
    total = sent_invoice["valueDetails"]["totalAmount"]
    return {
        "objectId": sent_invoice["objectId"],
        "supplierInvoiceNumber": sent_invoice["supplierInvoiceNumber"],
        "objectVersion": {"currentVersion": version, "newVersion": version},
        "statusTransition": {"currentStatus": "ACCEPTED", "newStatus": "PAID"},
        "invoiceAmount": {"dueAmount": sent_invoice["valueDetails"]["dueAmount"], "totalAmount": total},
        "invoicePaymentAmount": {
            "netPaidAmount": Decimal(paid),
            "netAdjustmentAmount": Decimal(adjustment),
            "totalAmount": Decimal(paid) + Decimal(adjustment),
            "currency": "INR",
            "splits": splits or [],
        },
    }


def payment(
    presented_body: dict[str, Any],
    paid: str,
    kind: str = "ONPLATFORM",
    mode: str = "INTERNET BANKING",
    utr: str | None = None,
    infos: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The buyer's req-pay paying ``paid`` of a presented invoice (or the ``infos`` given)."""
    infos = infos or [pay_info(presented_body, paid)]
    net = sum((Decimal(str(i["invoicePaymentAmount"]["netPaidAmount"])) for i in infos), Decimal(0))
    adjustment = sum(
        (Decimal(str(i["invoicePaymentAmount"]["netAdjustmentAmount"])) for i in infos), Decimal(0)
    )
    ids = presented_body["b2bIds"]
    body = {
        "objectId": "PMT" + secrets.token_hex(16).upper(),
        "ts": datetime.now(UTC).isoformat(),
        "type": kind,
        "mode": mode,
        "utr": utr or f"UTR{next(_n)}{secrets.token_hex(4).upper()}",
        "currency": "INR",
        "paymentAmount": {
            "netPaidAmount": net,
            "netAdjustmentAmount": adjustment,
            "totalAmount": net + adjustment,
            "currency": "INR",
        },
        "invoicesPayInfos": infos,
    }
    return _envelope(ids["supplierB2BId"], ids["buyerB2BId"], payment=body)


def purchase_order(
    supplier_b2b_id: str, buyer_b2b_id: str, number: str = "PO-4471", version: int = 1
) -> dict[str, Any]:
    """A buyer's req-send (purchase order): 10 rods at 80 and delivery at 200, 18 % GST."""
    order = {
        "objectId": "POR" + secrets.token_hex(16).upper(),
        "buyerPONumber": number,
        "ts": datetime.now(UTC).isoformat(),
        "orderDate": "2026-11-20",
        "deliveryDate": "2026-12-05",
        "subject": "Rods for the Pune site",
        "objectVersion": {"currentVersion": version - 1, "newVersion": version},
        "poStatusTransition": {"currentStatus": "CREATED", "newStatus": "SENT"},
        "supplierDetails": {"b2bId": supplier_b2b_id, "legalName": "Seller Pvt Ltd"},
        "buyerDetails": {"b2bId": buyer_b2b_id, "legalName": "Buyer Pvt Ltd"},
        "itemLists": [
            {
                "slNo": 1,
                "description": "Steel rods",
                "hsnSac": "7214",
                "quantity": Decimal(10),
                "unit": "NOS",
                "unitPrice": Decimal("80.00"),
                "taxableValue": Decimal("800.00"),
                "gstRate": Decimal(18),
                "cgst": Decimal("72.00"),
                "sgst": Decimal("72.00"),
                "total": Decimal("944.00"),
            },
            {
                "slNo": 2,
                "description": "Delivery",
                "hsnSac": "996511",
                "quantity": Decimal(1),
                "unitPrice": Decimal("200.00"),
                "taxableValue": Decimal("200.00"),
                "gstRate": Decimal(18),
                "cgst": Decimal("18.00"),
                "sgst": Decimal("18.00"),
                "total": Decimal("236.00"),
            },
        ],
        "poValueDetails": {
            "taxableValue": Decimal("1000.00"),
            "totalTax": Decimal("180.00"),
            "totalAmount": Decimal("1180.00"),
        },
    }
    return _envelope(supplier_b2b_id, buyer_b2b_id, purchaseOrder=order)
