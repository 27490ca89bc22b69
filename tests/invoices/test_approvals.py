"""Approvals (api.md §4.2): the three chains, roles, never your own invoice, an audit row for every step."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from dues.db import Database
from tests.customers.helpers import assert_error
from tests.support import Tenant, TenantFactory, gstin_for

INVOICES = "/api/v0/invoice"


async def _chain(admin: Tenant, chain: str) -> None:
    response = await admin.patch("/api/v0/company", json={"approvalChain": chain})
    assert response.status_code == 200, response.text


async def _invoice(maker: Tenant, customer: str) -> dict[str, Any]:
    body = {"customerId": customer, "baseAmount": 100, "dueDate": "2026-12-31", "invoiceDate": "2026-11-24"}
    response = await maker.post(INVOICES, json=body)
    assert response.status_code == 200, response.text
    return response.json()["payload"]  # type: ignore[no-any-return]


async def _act(user: Tenant, invoice_id: str, action: str, remarks: str | None = None) -> Any:
    return await user.post(f"{INVOICES}/{invoice_id}/approval", json={"action": action, "remarks": remarks})


async def _status(response: Any) -> str:
    assert response.status_code == 200, response.text
    return str(response.json()["payload"]["approvalStatus"])


@pytest.fixture
async def team(tenant: Tenant, tenants: TenantFactory) -> dict[str, Tenant]:
    return {
        "admin": tenant,
        "maker": await tenants.user(tenant, "MAKER"),
        "checker": await tenants.user(tenant, "CHECKER"),
        "approver": await tenants.user(tenant, "APPROVER"),
    }


async def _customer(admin: Tenant) -> str:
    return str((await admin.create_customer(panOrGstin=gstin_for("27", 21)))["customerId"])


async def test_with_no_chain_an_invoice_is_approved_when_created(team: dict[str, Tenant]) -> None:
    invoice = await _invoice(team["maker"], await _customer(team["admin"]))

    assert invoice["approvalStatus"] == "APPROVER_APPROVED"
    error = assert_error(
        await _act(team["checker"], invoice["invoiceId"], "APPROVE"), 422, "UNPROCESSABLE_REQUEST"
    )
    assert "no approval chain" in error["errorMessage"]


async def test_maker_checker_ends_with_the_checker(team: dict[str, Tenant]) -> None:
    await _chain(team["admin"], "MAKER_CHECKER")
    invoice = await _invoice(team["maker"], await _customer(team["admin"]))
    assert invoice["approvalStatus"] == "CHECKER_APPROVAL_PENDING"

    assert (
        await _status(await _act(team["checker"], invoice["invoiceId"], "APPROVE", "ok"))
        == "CHECKER_APPROVED"
    )
    assert_error(await _act(team["approver"], invoice["invoiceId"], "APPROVE"), 422, "UNPROCESSABLE_REQUEST")


async def test_maker_checker_approver_needs_both_in_order(team: dict[str, Tenant], db: Database) -> None:
    await _chain(team["admin"], "MAKER_CHECKER_APPROVER")
    invoice_id = (await _invoice(team["maker"], await _customer(team["admin"])))["invoiceId"]

    # The approver cannot go first, and the checker cannot take the approver's step.
    assert_error(await _act(team["approver"], invoice_id, "APPROVE"), 403, "INVALID_ACCESS")
    assert await _status(await _act(team["checker"], invoice_id, "APPROVE")) == "APPROVER_APPROVAL_PENDING"
    assert_error(await _act(team["checker"], invoice_id, "APPROVE"), 403, "INVALID_ACCESS")
    assert await _status(await _act(team["approver"], invoice_id, "APPROVE", "fine")) == "APPROVER_APPROVED"

    async with db.sessionmaker() as session:
        steps = (
            await session.execute(
                text(
                    "SELECT action, before->>'approval_status', after->>'approval_status', reason "
                    "FROM audit_log WHERE entity_id = :i AND action IN ('APPROVE','REJECT','SUBMIT') "
                    "ORDER BY id"
                ),
                {"i": invoice_id},
            )
        ).all()
        events = (
            (
                await session.execute(
                    text("SELECT event_type FROM events WHERE entity_id = :i ORDER BY id"), {"i": invoice_id}
                )
            )
            .scalars()
            .all()
        )
    assert [tuple(s) for s in steps] == [
        ("APPROVE", "CHECKER_APPROVAL_PENDING", "APPROVER_APPROVAL_PENDING", None),
        ("APPROVE", "APPROVER_APPROVAL_PENDING", "APPROVER_APPROVED", "fine"),
    ]
    assert list(events) == ["invoice.created", "invoice.approved"]


async def test_a_rejected_invoice_is_edited_and_submitted_again(team: dict[str, Tenant]) -> None:
    await _chain(team["admin"], "MAKER_CHECKER_APPROVER")
    invoice_id = (await _invoice(team["maker"], await _customer(team["admin"])))["invoiceId"]
    assert await _status(await _act(team["checker"], invoice_id, "APPROVE")) == "APPROVER_APPROVAL_PENDING"
    assert (
        await _status(await _act(team["approver"], invoice_id, "REJECT", "wrong amount"))
        == "APPROVER_REJECTED"
    )

    edited = await team["maker"].patch(f"{INVOICES}/{invoice_id}", json={"baseAmount": 120})
    assert await _status(edited) == "APPROVER_REJECTED"
    assert_error(await _act(team["checker"], invoice_id, "SUBMIT"), 403, "INVALID_ACCESS")
    assert await _status(await _act(team["maker"], invoice_id, "SUBMIT")) == "CHECKER_APPROVAL_PENDING"
    assert await _status(await _act(team["checker"], invoice_id, "REJECT")) == "CHECKER_REJECTED"


async def test_nobody_approves_their_own_invoice(team: dict[str, Tenant], tenants: TenantFactory) -> None:
    await _chain(team["admin"], "MAKER_CHECKER")
    # A CHECKER cannot create; so the creator here is the admin, who then also holds a checker login.
    invoice_id = (await _invoice(team["admin"], await _customer(team["admin"])))["invoiceId"]

    error = assert_error(await _act(team["admin"], invoice_id, "APPROVE"), 403, "INVALID_ACCESS")
    assert "You created this invoice" in error["errorMessage"]
    assert_error(await _act(team["maker"], invoice_id, "APPROVE"), 403, "INVALID_ACCESS")
    assert await _status(await _act(team["checker"], invoice_id, "APPROVE")) == "CHECKER_APPROVED"


async def test_an_approved_invoice_that_changes_is_checked_again(team: dict[str, Tenant]) -> None:
    await _chain(team["admin"], "MAKER_CHECKER")
    invoice_id = (await _invoice(team["maker"], await _customer(team["admin"])))["invoiceId"]
    assert await _status(await _act(team["checker"], invoice_id, "APPROVE")) == "CHECKER_APPROVED"

    note = await team["maker"].patch(f"{INVOICES}/{invoice_id}", json={"description": "just a note"})
    assert await _status(note) == "CHECKER_APPROVED"
    money = await team["maker"].patch(f"{INVOICES}/{invoice_id}", json={"baseAmount": 150})
    assert await _status(money) == "CHECKER_APPROVAL_PENDING"
