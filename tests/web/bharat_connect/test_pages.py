"""The Bharat Connect pages against the sandbox network: the registration, an invoice presented to the buyer
(listed with its network status, its messages, a status change sent from the page), a purchase order received
(listed, opened, accepted from the page); a VIEWER sees all of it and can do none of it."""

from __future__ import annotations

import httpx

from dues.db import Database
from tests.bharat_connect.helpers import eventually
from tests.customers.helpers import payload
from tests.support import Tenant, TenantFactory
from tests.web.bharat_connect.scene import trade
from tests.web.test_shell import sign_in

HOME = "/app/bharat-connect"


async def test_the_page_lists_the_presented_invoice_and_the_purchase_order(
    seller: Tenant, http: httpx.AsyncClient
) -> None:
    cookie = await sign_in(seller)
    before = await seller.http.get(HOME, headers=cookie)
    assert before.status_code == 200, before.text
    assert 'id="test-mode"' in before.text and 'id="not-registered"' in before.text
    assert 'action="/app/bharat-connect/registration"' in before.text

    scene = await trade(seller, http)
    page = await seller.http.get(HOME, headers=cookie)
    assert f'id="b2b-id">{scene.supplier_b2b_id}<' in page.text
    row = page.text[page.text.index(f'id="bc-{scene.invoice_id}"') :]
    assert f'<a href="/app/invoices/{scene.invoice_id}">{scene.invoice_number}</a>' in row
    assert "Kaveri Foods Pvt Ltd" in row and "₹21,000.00" in row
    assert "badge-presented" in row or "badge-accepted" in row
    assert 'action="/app/bharat-connect/registration"' not in page.text  # registered: nothing to ask

    filtered = await seller.http.get(HOME, headers=cookie, params={"status": "CANCELLED"})
    assert scene.invoice_id not in filtered.text and 'id="none-presented"' in filtered.text

    orders = await seller.http.get(f"{HOME}/purchase-orders", headers=cookie)
    assert orders.status_code == 200
    assert f'href="/app/bharat-connect/purchase-orders/{scene.po_id}">{scene.po_number}</a>' in orders.text
    assert "₹63,000.00" in orders.text  # 30 bags at 2,000 + 5 % GST
    detail = await seller.http.get(f"{HOME}/purchase-orders/{scene.po_id}", headers=cookie)
    assert "Basmati rice, 25 kg bags" in detail.text and "Rice for the Mysuru kitchen" in detail.text
    assert f'href="/app/customers/{scene.customer_id}"' in detail.text

    # The supplier accepts the order from the page: the API says so, and the buyer is told.
    accepted = await seller.http.post(
        f"{HOME}/purchase-orders/{scene.po_id}/confirm",
        headers=cookie,
        data={"response": "ACCEPT", "remarks": "Delivering on Friday"},
    )
    assert accepted.status_code == 303, accepted.text
    po = payload(await seller.get(f"/api/v0/purchase-order/{scene.po_id}"))
    assert (po["status"], po["supplierRemarks"]) == ("ACCEPTED", "Delivering on Friday")

    # The invoice's page on the network: its messages, and a cancellation sent from it.
    shown = await seller.http.get(f"{HOME}/invoices/{scene.invoice_id}", headers=cookie)
    assert "req-send-invoice" in shown.text and 'value="CANCEL"' in shown.text
    cancelled = await seller.http.post(
        f"{HOME}/invoices/{scene.invoice_id}/status",
        headers=cookie,
        data={"action": "CANCEL", "remarks": "Raised twice"},
    )
    assert cancelled.status_code == 303, cancelled.text
    network = payload(await seller.get(f"/api/v0/invoice/{scene.invoice_id}/bharat-connect"))
    assert network["status"] == "CANCELLED"

    # An action the status does not allow is refused on the page with the service's words.
    again = await seller.http.post(
        f"{HOME}/invoices/{scene.invoice_id}/status", headers=cookie, data={"action": "MARK_PAID_OFFLINE"}
    )
    assert again.status_code == 422
    assert "is CANCELLED on the network" in again.text and 'id="form-error"' in again.text


async def test_a_registration_refused_shows_why_with_the_input_kept(seller: Tenant) -> None:
    cookie = await sign_in(seller)
    response = await seller.http.post(
        f"{HOME}/registration", headers=cookie, data={"pan": "NOTAPAN", "gstin": "", "registeredName": ""}
    )
    assert response.status_code == 422
    assert 'id="e-pan"' in response.text and 'value="NOTAPAN"' in response.text


async def test_registering_from_the_page_ends_registered(seller: Tenant) -> None:
    cookie = await sign_in(seller)
    gstin = payload(await seller.get("/api/v0/company"))["gstin"]
    asked = await seller.http.post(
        f"{HOME}/registration",
        headers=cookie,
        data={"pan": gstin[2:12], "gstin": gstin, "registeredName": ""},
    )
    assert asked.status_code == 303, asked.text

    async def registered() -> str | None:
        page = (await seller.http.get(HOME, headers=cookie)).text
        return page if "badge-registered" in page else None

    page = await eventually(registered, 60, "the page shows REGISTERED")
    assert payload(await seller.get("/api/v0/bharat-connect/registration"))["b2bId"] in page


async def test_a_viewer_sees_the_network_and_changes_nothing(
    seller: Tenant, http: httpx.AsyncClient, committed: Database
) -> None:
    scene = await trade(seller, http)
    viewer = await TenantFactory(committed, seller.http).user(seller, "VIEWER")
    cookie = await sign_in(viewer)
    page = await viewer.http.get(HOME, headers=cookie)
    assert scene.invoice_number in page.text and '<form method="post" action="/app/bharat' not in page.text
    shown = await viewer.http.get(f"{HOME}/invoices/{scene.invoice_id}", headers=cookie)
    assert shown.status_code == 200 and 'action="/app/bharat-connect/invoices' not in shown.text
    detail = await viewer.http.get(f"{HOME}/purchase-orders/{scene.po_id}", headers=cookie)
    assert "Accept the order" not in detail.text and "Make the invoice" not in detail.text
    for path, data in (
        (f"{HOME}/registration", {"pan": "AAAAA1111A"}),
        (f"{HOME}/invoices/{scene.invoice_id}/status", {"action": "CANCEL"}),
        (f"{HOME}/purchase-orders/{scene.po_id}/confirm", {"response": "ACCEPT"}),
        (f"{HOME}/purchase-orders/{scene.po_id}/invoice", {}),
    ):
        assert (await viewer.http.post(path, headers=cookie, data=data)).status_code == 403, path
    assert payload(await seller.get(f"/api/v0/purchase-order/{scene.po_id}"))["status"] == "RECEIVED"
