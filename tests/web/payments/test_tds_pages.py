"""The TDS register's pages: entries by quarter and status, an entry's page, recording its Form 16A
certificate (the register's status follows the amount), and who may record one."""

from __future__ import annotations

import re

from dues.kit.tds import quarter_of
from dues.kit.timefmt import today_ist
from tests.customers.helpers import payload
from tests.support import Tenant, TenantFactory
from tests.web.payments.helpers import TAN, follow, scene
from tests.web.test_shell import sign_in


async def tds_entry(seller: Tenant) -> tuple[str, str]:
    """A payment with ₹200.00 TDS recorded through the API: its id and its register entry's."""
    s = await scene(seller)
    body = {
        "mode": "NEFT",
        "amount": 11600,
        "reference": "UTR-TDS-1",
        "paidOn": today_ist().isoformat(),
        "customerId": s.customer_id,
        "tdsSection": "194J",
        "deductorTan": TAN,
        "allocations": [{"invoiceId": s.older["invoiceId"], "amount": 11600, "tdsAmount": 200}],
    }
    made = payload(await seller.post("/api/v0/payment", json=body))
    [entry] = payload(await seller.post("/api/v0/tds/search", json={}))["items"]
    return made["paymentId"], entry["tdsId"]


async def test_the_register_lists_entries_and_records_a_certificate(tenant: Tenant) -> None:
    payment_id, tds_id = await tds_entry(tenant)
    cookie = await sign_in(tenant)
    quarter = quarter_of(today_ist())
    listed = await tenant.http.get(f"/app/tds?quarter={quarter}&status=AWAITING_CERTIFICATE", headers=cookie)
    assert listed.status_code == 200 and tds_id in listed.text and "Vayu Logistics Pvt Ltd" in listed.text
    other = await tenant.http.get("/app/tds?status=MATCHED", headers=cookie)
    assert tds_id not in other.text and "0 entries" in other.text
    wrong = await tenant.http.get("/app/tds?quarter=2026-Q9", headers=cookie)
    assert "is not a quarter like" in wrong.text and tds_id in wrong.text
    page = await tenant.http.get(f"/app/payments/{payment_id}", headers=cookie)
    assert f'href="/app/tds?quarter={quarter}">{tds_id}' in page.text

    entry_page = await tenant.http.get(f"/app/tds/{tds_id}", headers=cookie)
    assert "Record the Form 16A certificate" in entry_page.text
    certificate = {
        "certificateNumber": "ABCD1234",
        "certificateDate": today_ist().isoformat(),
        "amount": "200",
    }
    done = await tenant.http.post(f"/app/tds/{tds_id}/certificate", data=certificate, headers=cookie)
    shown = await follow(tenant.http, done, cookie)
    assert "Certificate ABCD1234 recorded" in shown.text and "agrees with the register" in shown.text
    assert payload(await tenant.get(f"/api/v0/tds/{tds_id}"))["status"] == "CERTIFICATE_RECEIVED"

    differs = {**certificate, "amount": "250"}
    done = await tenant.http.post(f"/app/tds/{tds_id}/certificate", data=differs, headers=cookie)
    assert done.status_code == 303
    assert payload(await tenant.get(f"/api/v0/tds/{tds_id}"))["status"] == "MISMATCHED"


async def test_a_refused_certificate_keeps_the_input(tenant: Tenant) -> None:
    _, tds_id = await tds_entry(tenant)
    cookie = await sign_in(tenant)
    future = {"certificateNumber": "ABCD1234", "certificateDate": "2099-01-01", "amount": "200"}
    response = await tenant.http.post(f"/app/tds/{tds_id}/certificate", data=future, headers=cookie)
    assert response.status_code == 422
    assert 'id="e-certificateDate">must not be in the future' in response.text
    assert re.search(r'name="certificateNumber"[^>]*value="ABCD1234"', response.text)
    assert payload(await tenant.get(f"/api/v0/tds/{tds_id}"))["status"] == "AWAITING_CERTIFICATE"


async def test_a_viewer_sees_the_register_but_records_nothing(tenants: TenantFactory, tenant: Tenant) -> None:
    _, tds_id = await tds_entry(tenant)
    viewer = await sign_in(await tenants.user(tenant, "VIEWER"))
    page = await tenant.http.get(f"/app/tds/{tds_id}", headers=viewer)
    assert page.status_code == 200 and "Record certificate" not in page.text
    certificate = {
        "certificateNumber": "ABCD1234",
        "certificateDate": today_ist().isoformat(),
        "amount": "200",
    }
    posted = await tenant.http.post(f"/app/tds/{tds_id}/certificate", data=certificate, headers=viewer)
    assert posted.status_code == 403
    other = await sign_in(await tenants.create(name="Other Traders Pvt Ltd"))
    assert (await tenant.http.get(f"/app/tds/{tds_id}", headers=other)).status_code == 404
