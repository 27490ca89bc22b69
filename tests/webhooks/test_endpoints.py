"""Registering, listing and deleting webhook endpoints (api.md §6): secrets, validation, SSRF, tenancy."""

from __future__ import annotations

import base64
import ipaddress

import pytest
from sqlalchemy import select

from dues.db import Database
from dues.models import AuditLog
from dues.webhooks import targets
from tests.customers.helpers import assert_error, assert_invalid, payload
from tests.support import Tenant, TenantFactory

WEBHOOKS = "/api/v0/webhook"
PUBLIC = "https://8.8.8.8/hooks/dues"  # an address literal: no DNS needed for the check


def _body(url: str = PUBLIC, **fields: object) -> dict[str, object]:
    return {"url": url, "events": ["invoice.created", "invoice.paid"], "description": "ERP sync", **fields}


async def test_created_webhook_shows_its_secret_once(tenant: Tenant, refuse_private: None) -> None:
    created = payload(await tenant.post(WEBHOOKS, json=_body()))

    assert created["webhookId"].startswith("WH") and len(created["webhookId"]) == 16
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 24
    assert (created["url"], created["events"]) == (PUBLIC, ["invoice.created", "invoice.paid"])

    listed = payload(await tenant.get(WEBHOOKS))
    assert [w["webhookId"] for w in listed] == [created["webhookId"]]
    assert "secret" not in listed[0]
    assert listed[0]["description"] == "ERP sync"


async def test_each_webhook_gets_its_own_secret(tenant: Tenant, refuse_private: None) -> None:
    first = payload(await tenant.post(WEBHOOKS, json=_body()))
    second = payload(await tenant.post(WEBHOOKS, json=_body()))

    assert first["secret"] != second["secret"]
    assert first["webhookId"] != second["webhookId"]


async def test_deleted_webhook_is_gone(tenant: Tenant, refuse_private: None) -> None:
    created = payload(await tenant.post(WEBHOOKS, json=_body()))

    deleted = payload(await tenant.delete(f"{WEBHOOKS}/{created['webhookId']}"))

    assert deleted["webhookId"] == created["webhookId"]
    assert payload(await tenant.get(WEBHOOKS)) == []
    assert_error(await tenant.delete(f"{WEBHOOKS}/{created['webhookId']}"), 404, "RECORD_NOT_FOUND")
    assert_error(await tenant.get(f"{WEBHOOKS}/{created['webhookId']}/deliveries"), 404, "RECORD_NOT_FOUND")


async def test_unknown_event_types_are_refused(tenant: Tenant) -> None:
    assert_invalid(
        await tenant.post(WEBHOOKS, json=_body(events=["invoice.created", "invoice.eaten"])), "events[1]"
    )
    assert_invalid(await tenant.post(WEBHOOKS, json=_body(events=[])), "events")


@pytest.mark.parametrize(
    "url", ["ftp://8.8.8.8/x", "file:///etc/passwd", "8.8.8.8/hook", "https://user:pw@8.8.8.8/x", "http:///x"]
)
async def test_only_plain_http_urls_are_accepted(tenant: Tenant, url: str) -> None:
    assert_invalid(await tenant.post(WEBHOOKS, json=_body(url=url)), "url")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://10.0.0.1/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://192.168.1.10:8080/x",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://100.64.0.1/",
        "http://localhost:9000/",
        "http://2130706433/",
    ],
)
async def test_private_targets_are_refused(tenant: Tenant, refuse_private: None, url: str) -> None:
    errors = assert_invalid(await tenant.post(WEBHOOKS, json=_body(url=url)), "url")

    assert "private network" in errors["url"]["message"]
    assert payload(await tenant.get(WEBHOOKS)) == []


async def test_private_targets_are_accepted_when_the_operator_allows_them(
    tenant: Tenant, allow_private: None
) -> None:
    created = payload(await tenant.post(WEBHOOKS, json=_body(url="http://127.0.0.1:9/hook")))

    assert created["url"] == "http://127.0.0.1:9/hook"


async def test_a_host_that_does_not_resolve_is_refused(tenant: Tenant, refuse_private: None) -> None:
    errors = assert_invalid(
        await tenant.post(WEBHOOKS, json=_body(url="https://no-such-host.invalid/x")), "url"
    )

    assert "cannot be resolved" in errors["url"]["message"]


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("169.254.169.254", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
        ("64:ff9b::7f00:1", False),
        ("2002:7f00:1::", False),
        ("240.0.0.1", False),
    ],
)
def test_address_rules(address: str, public: bool) -> None:
    assert (targets.refusal(ipaddress.ip_address(address)) is None) is public


async def test_only_an_admin_manages_webhooks(tenant: Tenant, tenants: TenantFactory) -> None:
    maker = await tenants.user(tenant, "MAKER")

    assert_error(await maker.post(WEBHOOKS, json=_body()), 403, "INVALID_ACCESS")
    assert_error(await maker.get(WEBHOOKS), 403, "INVALID_ACCESS")


async def test_another_companys_webhook_is_not_found(
    tenant: Tenant, tenants: TenantFactory, refuse_private: None
) -> None:
    other = await tenants.create(name="Other Pvt Ltd")
    theirs = payload(await other.post(WEBHOOKS, json=_body()))["webhookId"]

    assert payload(await tenant.get(WEBHOOKS)) == []
    assert_error(await tenant.delete(f"{WEBHOOKS}/{theirs}"), 404, "RECORD_NOT_FOUND")
    assert_error(await tenant.get(f"{WEBHOOKS}/{theirs}/deliveries"), 404, "RECORD_NOT_FOUND")
    retry = f"{WEBHOOKS}/{theirs}/deliveries/msg_{'0' * 32}/retry"
    assert_error(await tenant.post(retry), 404, "RECORD_NOT_FOUND")
    assert [w["webhookId"] for w in payload(await other.get(WEBHOOKS))] == [theirs]


async def test_registration_and_deletion_are_audited_without_the_secret(
    tenant: Tenant, db: Database, refuse_private: None
) -> None:
    created = payload(await tenant.post(WEBHOOKS, json=_body()))
    payload(await tenant.delete(f"{WEBHOOKS}/{created['webhookId']}"))

    stmt = select(AuditLog).where(
        AuditLog.company_id == tenant.company_id, AuditLog.entity_id == created["webhookId"]
    )
    async with db.sessionmaker() as session:
        rows = list((await session.execute(stmt.order_by(AuditLog.id))).scalars())

    assert [(r.entity_type, r.action) for r in rows] == [("webhook", "CREATE"), ("webhook", "DELETE")]
    assert rows[0].after is not None and rows[0].after["url"] == PUBLIC
    assert rows[1].before is not None and rows[1].before["url"] == PUBLIC
    assert created["secret"] not in str(rows[0].after) + str(rows[1].before)
    assert "secret" not in rows[0].after and "secret" not in rows[1].before


async def test_a_company_has_at_most_twenty_webhooks(tenant: Tenant, refuse_private: None) -> None:
    for _ in range(20):
        payload(await tenant.post(WEBHOOKS, json=_body()))

    error = assert_error(await tenant.post(WEBHOOKS, json=_body()), 422, "UNPROCESSABLE_REQUEST")

    assert "at most 20" in error["errorMessage"]
    assert len(payload(await tenant.get(WEBHOOKS))) == 20


async def test_a_parent_admin_manages_a_childs_webhooks_and_no_one_elses(
    tenants: TenantFactory, refuse_private: None
) -> None:
    parent = await tenants.create(name="Group Holdings Pvt Ltd")
    child = await tenants.create(name="Group Retail Pvt Ltd", parent=parent.company_id)
    stranger = await tenants.create(name="Unrelated Pvt Ltd")

    made = payload(await parent.post("/api/v0/webhook", params={"companyId": child.company_id}, json=_body()))

    assert [w["webhookId"] for w in payload(await child.get("/api/v0/webhook"))] == [made["webhookId"]]
    assert payload(await parent.get("/api/v0/webhook")) == []  # the parent's own list is its own
    listed = payload(await parent.get("/api/v0/webhook", params={"companyId": child.company_id}))
    assert [w["webhookId"] for w in listed] == [made["webhookId"]]
    assert_error(
        await stranger.get("/api/v0/webhook", params={"companyId": child.company_id}), 403, "INVALID_ACCESS"
    )
    assert_error(
        await child.get("/api/v0/webhook", params={"companyId": parent.company_id}), 403, "INVALID_ACCESS"
    )
    gone = await parent.delete(f"/api/v0/webhook/{made['webhookId']}", params={"companyId": child.company_id})
    assert gone.status_code == 200
    assert payload(await child.get("/api/v0/webhook")) == []
