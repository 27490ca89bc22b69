"""Every change to a customer or a contact leaves an audit row: who, which request, before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dues.db import Database
from dues.models import AuditLog
from tests.customers.helpers import CUSTOMERS, assert_invalid, payload
from tests.support import Tenant, TenantFactory


async def trail(db: Database, company_id: str, entity_id: str | None = None) -> list[AuditLog]:
    stmt = select(AuditLog).where(
        AuditLog.company_id == company_id, AuditLog.entity_type.in_(("customer", "contact"))
    )
    if entity_id:
        stmt = stmt.where(AuditLog.entity_id == entity_id)
    async with db.sessionmaker() as session:
        return list((await session.execute(stmt.order_by(AuditLog.id))).scalars())


def actions(rows: list[AuditLog]) -> list[tuple[str, str]]:
    return [(r.entity_type, r.action) for r in rows]


async def test_customer_lifecycle_is_audited(tenant: Tenant, db: Database) -> None:
    response = await tenant.post(
        CUSTOMERS,
        json={
            "legalName": "Acme",
            "email": "ap@acme.example",
            "customerKeyContacts": [{"name": "Asha", "email": "asha@acme.example"}],
        },
    )
    created = payload(response)
    cid = created["customerId"]
    contact_id = created["customerKeyContacts"][0]["contactId"]
    rows = await trail(db, tenant.company_id)
    assert actions(rows) == [("customer", "CREATE"), ("contact", "CREATE")]
    create_row = rows[0]
    assert create_row.entity_id == cid
    assert create_row.before is None and create_row.after is not None
    assert create_row.after["legal_name"] == "Acme" and create_row.after["email"] == "ap@acme.example"
    assert create_row.actor.startswith("US")
    assert create_row.request_id == response.headers["x-request-id"]
    assert rows[1].entity_id == contact_id

    update = await tenant.patch(f"{CUSTOMERS}/{cid}", json={"legalName": "Acme Ltd", "email": None})
    payload(update)
    row = (await trail(db, tenant.company_id, cid))[-1]
    assert row.action == "UPDATE"
    assert row.before == {"legal_name": "Acme", "email": "ap@acme.example"}
    assert row.after == {"legal_name": "Acme Ltd", "email": None}
    assert row.request_id == update.headers["x-request-id"]

    payload(await tenant.put(f"{CUSTOMERS}/deactivate/{cid}"))
    payload(await tenant.put(f"{CUSTOMERS}/activate/{cid}"))
    payload(await tenant.delete(f"{CUSTOMERS}/{cid}"))
    rows = await trail(db, tenant.company_id, cid)
    assert [r.action for r in rows] == ["CREATE", "UPDATE", "DEACTIVATE", "ACTIVATE", "DELETE"]
    assert (rows[-1].before, rows[-1].after) == ({"deleted": False}, {"deleted": True})


async def test_no_change_and_refused_change_leave_no_row(tenant: Tenant, db: Database) -> None:
    cid = (await tenant.create_customer(legalName="Same"))["customerId"]
    payload(await tenant.patch(f"{CUSTOMERS}/{cid}", json={"legalName": "Same"}))
    payload(await tenant.put(f"{CUSTOMERS}/activate/{cid}"))  # already active
    assert_invalid(await tenant.patch(f"{CUSTOMERS}/{cid}", json={"legalName": None}), "legalName")
    assert [r.action for r in await trail(db, tenant.company_id, cid)] == ["CREATE"]


async def test_contact_changes_are_audited(tenant: Tenant, db: Database) -> None:
    cid = (await tenant.create_customer())["customerId"]
    path = f"{CUSTOMERS}/{cid}/contacts"
    asha: dict[str, Any] = payload(await tenant.post(path, json={"name": "Asha", "email": "a@acme.example"}))
    bala: dict[str, Any] = payload(await tenant.post(path, json={"name": "Bala", "mobile": "9876543210"}))
    payload(await tenant.patch(f"{path}/{asha['contactId']}", json={"designation": "CFO"}))
    payload(await tenant.delete(f"{path}/{asha['contactId']}"))

    asha_rows = await trail(db, tenant.company_id, asha["contactId"])
    assert [r.action for r in asha_rows] == ["CREATE", "UPDATE", "DELETE"]
    assert (asha_rows[1].before, asha_rows[1].after) == ({"designation": None}, {"designation": "CFO"})
    assert asha_rows[2].before is not None and asha_rows[2].before["name"] == "Asha"
    assert asha_rows[2].after is None
    # Bala took over as primary when Asha, the primary, was removed: that change is on record too.
    bala_rows = await trail(db, tenant.company_id, bala["contactId"])
    assert [r.action for r in bala_rows] == ["CREATE", "UPDATE"]
    assert bala_rows[1].after == {"primary": True}
    assert bala_rows[1].reason is not None and asha["contactId"] in bala_rows[1].reason


async def test_audit_rows_stay_with_their_company(
    tenant: Tenant, tenants: TenantFactory, db: Database
) -> None:
    parent = await tenants.create(name="Parent")
    child = await tenants.create(name="Child", parent=parent.company_id)
    created = payload(
        await parent.post(
            CUSTOMERS, json={"legalName": "Child's"}, params={"parentCompanyId": child.company_id}
        )
    )
    assert [r.entity_id for r in await trail(db, child.company_id)] == [created["customerId"]]
    assert await trail(db, parent.company_id) == []
