"""The audit trail and GET /api/v0/audit: who changed what, from what to what, in which request."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from dues.db import Database
from tests.support import Tenant, TenantFactory

ITEM_FIELDS = {
    "entityType",
    "entityId",
    "action",
    "actor",
    "before",
    "after",
    "reason",
    "requestId",
    "createdOn",
}


async def _audit(tenant: Tenant, **params: Any) -> dict[str, Any]:
    response = await tenant.get("/api/v0/audit", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["response_code"] == 0
    payload: dict[str, Any] = body["payload"]
    for item in payload["items"]:
        assert set(item) == ITEM_FIELDS, item
        assert re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", item["createdOn"])
    return payload


async def _user_id(db: Database, tenant: Tenant) -> str:
    async with db.sessionmaker() as session:
        return str(
            (
                await session.execute(
                    text("SELECT user_id FROM users WHERE company_id = :c AND email = :e"),
                    {"c": tenant.company_id, "e": tenant.username},
                )
            ).scalar_one()
        )


async def test_creating_a_customer_is_audited_with_its_values(tenant: Tenant, db: Database) -> None:
    response = await tenant.post(
        "/api/v0/customer",
        json={
            "legalName": "Audit Traders",
            "state": "Goa",
            "customerKeyContacts": [{"name": "Ravi", "email": "ravi@example.com"}],
        },
    )
    assert response.status_code == 200, response.text
    customer = response.json()["payload"]
    rows = (await _audit(tenant, entityType="customer", entityId=customer["customerId"]))["items"]
    assert len(rows) == 1
    row = rows[0]
    assert row["action"] == "CREATE"
    assert row["actor"] == await _user_id(db, tenant)
    assert row["before"] is None
    assert row["after"]["legalName"] == "Audit Traders" and row["after"]["state"] == "Goa"
    assert row["requestId"] == response.headers["x-request-id"]
    contact_id = customer["customerKeyContacts"][0]["contactId"]
    contact_rows = (await _audit(tenant, entityType="contact", entityId=contact_id))["items"]
    assert [r["action"] for r in contact_rows] == ["CREATE"]
    assert contact_rows[0]["after"]["name"] == "Ravi"
    assert contact_rows[0]["requestId"] == response.headers["x-request-id"]


async def test_patching_and_deleting_a_customer_are_audited(tenant: Tenant) -> None:
    customer = await tenant.create_customer(legalName="Before Ltd", address="Old Road")
    cid = customer["customerId"]
    patched = await tenant.patch(
        f"/api/v0/customer/{cid}", json={"legalName": "After Ltd", "address": None, "state": "Maharashtra"}
    )
    assert patched.status_code == 200, patched.text
    deleted = await tenant.delete(f"/api/v0/customer/{cid}")
    assert deleted.status_code == 200, deleted.text

    rows = (await _audit(tenant, entityType="customer", entityId=cid))["items"]
    assert [r["action"] for r in rows] == ["DELETE", "UPDATE", "CREATE"]  # newest first
    delete, update, _ = rows
    # Only what changed (state was sent unchanged).
    assert update["before"] == {"legalName": "Before Ltd", "address": "Old Road"}
    assert update["after"] == {"legalName": "After Ltd", "address": None}
    assert update["requestId"] == patched.headers["x-request-id"]
    assert delete["before"] == {"deleted": False} and delete["after"] == {"deleted": True}
    assert delete["requestId"] == deleted.headers["x-request-id"]


async def test_adding_a_contact_is_audited(tenant: Tenant) -> None:
    customer = await tenant.create_customer()
    response = await tenant.post(
        f"/api/v0/customer/{customer['customerId']}/contacts",
        json={"name": "Meera", "mobile": "9876543210", "designation": "CFO"},
    )
    assert response.status_code == 200, response.text
    contact = response.json()["payload"]
    rows = (await _audit(tenant, entityType="contact", entityId=contact["contactId"]))["items"]
    assert len(rows) == 1
    assert rows[0]["action"] == "CREATE" and rows[0]["before"] is None
    assert rows[0]["after"]["name"] == "Meera"
    assert rows[0]["after"]["mobile"] == "9876543210"
    assert rows[0]["after"]["designation"] == "CFO"


async def test_company_settings_changes_use_api_field_names(tenant: Tenant) -> None:
    assert (await tenant.patch("/api/v0/company", json={"approvalChain": "MAKER_CHECKER"})).status_code == 200
    rows = (await _audit(tenant, entityType="company", entityId=tenant.company_id))["items"]
    assert rows[0]["action"] == "UPDATE"
    assert rows[0]["before"] == {"approvalChain": "NONE"}
    assert rows[0]["after"] == {"approvalChain": "MAKER_CHECKER"}
    assert rows[-1]["action"] == "CREATE" and rows[-1]["actor"] == "cli"


async def test_secrets_never_reach_the_audit_trail(tenant: Tenant) -> None:
    payload = await _audit(tenant, limit=5000)
    assert payload["items"]
    dumped = str(payload)
    assert "password_hash" not in dumped and "passwordHash" not in dumped
    assert "secret" not in dumped.lower()


async def test_paging_and_filters(tenant: Tenant) -> None:
    for n in range(3):
        await tenant.create_customer(legalName=f"Paged {n}")
    everything = await _audit(tenant)
    customers = await _audit(tenant, entityType="customer")
    assert customers["total"] == 3 and len(customers["items"]) == 3
    assert everything["total"] > customers["total"]
    page = await _audit(tenant, entityType="customer", limit=2, offset=1)
    assert page["total"] == 3 and page["limit"] == 2 and page["offset"] == 1
    assert page["items"] == customers["items"][1:3]
    assert (await _audit(tenant, entityId="KC0000000000000Z"))["total"] == 0


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 5001}, {"offset": -1}, {"entityId": "x" * 33}])
async def test_bad_paging_is_422(tenant: Tenant, params: dict[str, Any]) -> None:
    response = await tenant.get("/api/v0/audit", params=params)
    assert response.status_code == 422, response.text
    assert [s["field"] for s in response.json()["errorResponse"]["apiSubErrors"]] == list(params)


@pytest.mark.parametrize("role", ["MAKER", "CHECKER", "APPROVER", "VIEWER"])
async def test_only_an_admin_may_read_the_audit_trail(
    tenants: TenantFactory, tenant: Tenant, role: str
) -> None:
    user = await tenants.user(tenant, role)
    response = await user.get("/api/v0/audit")
    assert response.status_code == 403
    assert response.json()["errorResponse"]["errorType"] == "INVALID_ACCESS"


async def test_the_audit_trail_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v0/audit")
    assert response.status_code == 401


async def test_a_company_sees_only_its_own_audit_rows(tenants: TenantFactory) -> None:
    a = await tenants.create("A Pvt Ltd")
    b = await tenants.create("B Pvt Ltd")
    customer = await a.create_customer()
    assert (await _audit(a, entityId=customer["customerId"]))["total"] == 1
    assert (await _audit(b, entityId=customer["customerId"]))["total"] == 0
    seen_by_b = await _audit(b, limit=5000)
    assert seen_by_b["items"]
    assert all(item["entityId"] != customer["customerId"] for item in seen_by_b["items"])
    assert all(item["entityId"] != a.company_id for item in seen_by_b["items"])
