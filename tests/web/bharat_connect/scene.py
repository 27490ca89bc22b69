"""A seller on the sandbox network with one invoice presented to its buyer and one purchase order from it,
made as the finance team and the buyer make them (the API, the sandbox's control API)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from dues.kit.timefmt import today_ist
from tests.bharat_connect.helpers import CONTROL, SEARCH, eventually, register
from tests.collection.helpers import dispatch
from tests.customers.helpers import payload
from tests.support import Tenant, gstin_for


@dataclass(frozen=True)
class Scene:
    supplier_b2b_id: str
    buyer_b2b_id: str
    customer_id: str
    invoice_id: str
    invoice_number: str
    po_id: str
    po_number: str


def rice(bags: int, price: int) -> dict[str, Any]:
    return {
        "description": "Basmati rice, 25 kg bags",
        "hsnSac": "1006",
        "quantity": bags,
        "unit": "BAG",
        "unitPrice": price,
        "gstRate": 5,
    }


async def trade(seller: Tenant, http: httpx.AsyncClient, *, registered: bool = True) -> Scene:
    supplier = await register(seller)
    gstin = gstin_for("29")
    kaveri = await seller.create_customer(
        legalName="Kaveri Foods Pvt Ltd", panOrGstin=gstin, state="Karnataka", email="ap@kaveri.example"
    )
    found = payload(await seller.post(SEARCH, json={"gstin": gstin, "customerId": kaveri["customerId"]}))
    buyer = found["entities"][0]["b2bId"]
    body = {
        "customerId": kaveri["customerId"],
        "invoiceDate": today_ist().isoformat(),
        "dueDate": today_ist().isoformat(),
        "lineItems": [rice(10, 2000)],
    }
    invoice = payload(await seller.post("/api/v0/invoice", json=body))
    assert (await dispatch(seller, [invoice["invoiceId"]]))[invoice["invoiceId"]]["success"]
    order = {
        "supplierB2BId": supplier,
        "buyerB2BId": buyer,
        "buyerPONumber": "KF/PO/2026/778",
        "lines": [rice(30, 2000)],
        "subject": "Rice for the Mysuru kitchen",
    }
    sent = await http.post(f"{CONTROL}/purchase-orders", json=order)
    assert sent.status_code == 200, sent.text
    assert sent.json()["payload"]["taken"], sent.text

    async def received() -> list[dict[str, Any]] | None:
        page = payload(await seller.post("/api/v0/purchase-order/search", json={}))
        return page["items"] or None  # type: ignore[no-any-return]

    [po] = await eventually(received, 60, "the purchase order received")
    return Scene(
        supplier, buyer, kaveri["customerId"], invoice["invoiceId"], invoice["invoiceNumber"], po["poId"],
        po["buyerPONumber"],
    )  # fmt: skip
