"""The webhooks pages through the app: registering an endpoint (its secret shown once), refusals kept on the
form, deleting, the deliveries log and "Retry" on a failed delivery; ADMIN only, as the API."""

from __future__ import annotations

import re

from sqlalchemy import text

from tests.customers.helpers import payload
from tests.support import Tenant, TenantFactory
from tests.web.test_shell import sign_in

PUBLIC = "https://8.8.8.8/hooks/dues"  # an address literal: the check needs no DNS


async def register(tenant: Tenant, cookie: dict[str, str], **fields: object) -> str:
    data = {"url": PUBLIC, "description": "ERP sync", "format": "standard", "events": ["customer.created"]}
    response = await tenant.http.post("/app/webhooks", headers=cookie, data={**data, **fields})
    assert response.status_code == 201, response.text
    secret = re.search(r'id="webhook-secret" type="text" readonly value="(whsec_[^"]+)"', response.text)
    assert secret and "shown only this once" in response.text
    listed = payload(await tenant.get("/api/v0/webhook"))
    assert len(listed) >= 1
    return str(listed[0]["webhookId"])


async def test_an_endpoint_is_registered_with_its_secret_shown_once(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    empty = await tenant.http.get("/app/webhooks", headers=cookie)
    assert empty.status_code == 200 and 'id="no-webhooks"' in empty.text

    webhook_id = await register(tenant, cookie, events=["customer.created", "invoice.paid"])

    listed = payload(await tenant.get("/api/v0/webhook"))
    assert [(w["url"], w["events"], w["format"]) for w in listed] == [
        (PUBLIC, ["customer.created", "invoice.paid"], "standard")
    ]
    page = await tenant.http.get("/app/webhooks", headers=cookie)
    assert f'id="webhook-{webhook_id}"' in page.text and PUBLIC in page.text
    assert "whsec_" not in page.text
    detail = await tenant.http.get(f"/app/webhooks/{webhook_id}", headers=cookie)
    assert detail.status_code == 200 and "whsec_" not in detail.text and 'id="no-deliveries"' in detail.text


async def test_a_refused_endpoint_comes_back_with_the_reasons_and_the_input(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    private = await tenant.http.post(
        "/app/webhooks",
        headers=cookie,
        data={"url": "http://127.0.0.1:9/x", "description": "mine", "events": ["invoice.paid"]},
    )
    assert private.status_code == 422 and 'id="form-error"' in private.text and 'id="e-url"' in private.text
    assert 'value="http://127.0.0.1:9/x"' in private.text and 'value="mine"' in private.text
    assert 'value="invoice.paid" checked' in private.text
    no_events = await tenant.http.post("/app/webhooks", headers=cookie, data={"url": PUBLIC})
    assert no_events.status_code == 422 and 'id="e-events"' in no_events.text
    enkash = await tenant.http.post(
        "/app/webhooks", headers=cookie, data={"url": PUBLIC, "format": "enkash", "events": ["invoice.paid"]}
    )
    assert enkash.status_code == 422 and "has no EnKash webhook" in enkash.text
    assert payload(await tenant.get("/api/v0/webhook")) == []


async def test_deleting_an_endpoint_stops_it(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    webhook_id = await register(tenant, cookie)
    deleted = await tenant.http.post(f"/app/webhooks/{webhook_id}/delete", headers=cookie)
    assert deleted.status_code == 303 and deleted.headers["location"] == "/app/webhooks"
    assert "deleted" in deleted.headers["set-cookie"]
    assert payload(await tenant.get("/api/v0/webhook")) == []
    gone = await tenant.http.get(f"/app/webhooks/{webhook_id}", headers=cookie)
    assert gone.status_code == 404 and "text/html" in gone.headers["content-type"]


async def test_a_failed_delivery_is_listed_and_retried(tenants: TenantFactory, tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    webhook_id = await register(tenant, cookie)
    await tenant.create_customer()
    async with tenants.db.sessionmaker() as session:
        # As the sender leaves a delivery after three days of refusals.
        delivery_id = (
            await session.execute(
                text(
                    "UPDATE webhook_deliveries SET status = 'FAILED', next_attempt_at = NULL, "
                    "attempt_count = 9 "
                    "WHERE company_id = :c AND webhook_id = :w RETURNING delivery_id"
                ),
                {"c": tenant.company_id, "w": webhook_id},
            )
        ).scalar_one()
        await session.commit()

    page = await tenant.http.get(f"/app/webhooks/{webhook_id}", headers=cookie)
    row = re.search(rf'<tr id="delivery-{delivery_id}">.*?</tr>', page.text, re.S)
    assert row and "customer.created" in row.group(0) and "Failed" in row.group(0)
    assert f"/deliveries/{delivery_id}/retry" in row.group(0)
    pending_only = await tenant.http.get(f"/app/webhooks/{webhook_id}?status=PENDING", headers=cookie)
    assert delivery_id not in pending_only.text

    retried = await tenant.http.post(
        f"/app/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", headers=cookie
    )
    assert retried.status_code == 303 and retried.headers["location"] == f"/app/webhooks/{webhook_id}"
    log = payload(await tenant.get(f"/api/v0/webhook/{webhook_id}/deliveries"))
    assert [(d["deliveryId"], d["status"]) for d in log["items"]] == [(delivery_id, "PENDING")]
    unknown = await tenant.http.post(
        f"/app/webhooks/{webhook_id}/deliveries/msg_{'0' * 32}/retry", headers=cookie
    )
    assert unknown.status_code == 404


async def test_webhooks_are_for_admins_only(tenants: TenantFactory, tenant: Tenant) -> None:
    webhook_id = await register(tenant, await sign_in(tenant))
    for role in ("VIEWER", "MAKER"):
        cookie = await sign_in(await tenants.user(tenant, role))
        for path in ("/app/webhooks", f"/app/webhooks/{webhook_id}"):
            page = await tenant.http.get(path, headers=cookie)
            assert page.status_code == 403 and "text/html" in page.headers["content-type"], (role, path)
        posted = await tenant.http.post(
            "/app/webhooks", headers=cookie, data={"url": PUBLIC, "events": ["invoice.paid"]}
        )
        assert posted.status_code == 403
        deleted = await tenant.http.post(f"/app/webhooks/{webhook_id}/delete", headers=cookie)
        assert deleted.status_code == 403
    assert len(payload(await tenant.get("/api/v0/webhook"))) == 1


async def test_another_companys_endpoint_is_not_found(tenants: TenantFactory, tenant: Tenant) -> None:
    webhook_id = await register(tenant, await sign_in(tenant))
    other = await sign_in(await tenants.create())
    assert (await tenant.http.get(f"/app/webhooks/{webhook_id}", headers=other)).status_code == 404
    assert (await tenant.http.post(f"/app/webhooks/{webhook_id}/delete", headers=other)).status_code == 404
    assert len(payload(await tenant.get("/api/v0/webhook"))) == 1


async def test_forms_sent_from_another_site_are_refused(tenant: Tenant) -> None:
    foreign = {**await sign_in(tenant), "Origin": "https://evil.example"}
    for path in ("/app/webhooks", "/app/reminders", "/app/uploads"):
        response = await tenant.http.post(path, headers=foreign, data={"url": PUBLIC, "name": "Forged"})
        assert response.status_code == 403 and "sent from another site" in response.text, path
    assert payload(await tenant.get("/api/v0/webhook")) == []
