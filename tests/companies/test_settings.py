"""Company settings (api.md §1.7): GET and PATCH /api/v0/company, with JsonNullable PATCH and an audit row."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text

from dues.db import Database
from tests.support import Tenant, TenantFactory, gstin_for

FIELDS = {
    "companyId",
    "legalName",
    "gstin",
    "state",
    "address",
    "pinCode",
    "email",
    "upiVpa",
    "upiPayeeName",
    "approvalChain",
    "invoiceNumberPrefix",
    "parentCompanyId",
    "defaultReminderId",
    "phone",
    "bankAccount",
    "upiMaxAmount",
    "creditNotePrefix",
    "debitNotePrefix",
    "tdsSanityPercent",
}

SETTINGS = {
    "legalName": "Seller Industries Pvt Ltd",
    "address": "12 Nariman Point, Mumbai",
    "pinCode": "400021",
    "email": "accounts@seller.example.com",
    "upiVpa": "seller.collect@okaxis",
    "upiPayeeName": "Seller Industries",
    "approvalChain": "MAKER_CHECKER",
    "invoiceNumberPrefix": "SI/",
    "phone": "+91 9876543210",
    "bankAccount": {
        "accountName": "Seller Industries Pvt Ltd",
        "accountNumber": "50200012345678",
        "ifsc": "HDFC0000060",
        "bankName": "HDFC Bank, Fort",
    },
    "upiMaxAmount": 200000.0,
    "creditNotePrefix": "SCN/",
    "debitNotePrefix": "SDN/",
    "tdsSanityPercent": 5.0,
}


async def _settings(tenant: Tenant) -> dict[str, Any]:
    """SETTINGS with a defaultReminderId: one of the company's own reminders (only those are accepted)."""
    body = {"name": "Standard", "steps": [{"offsetDays": 0, "channels": ["EMAIL"]}]}
    reminder = await tenant.post("/api/v0/customer/reminder", json=body)
    assert reminder.status_code == 200, reminder.text
    return {**SETTINGS, "defaultReminderId": reminder.json()["payload"]["reminderId"]}


async def _patch(tenant: Tenant, body: dict[str, Any]) -> httpx.Response:
    return await tenant.patch("/api/v0/company", json=body)


def _sub_fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    error = response.json()["errorResponse"]
    assert error["errorType"] == "VALIDATION_ERROR"
    return [s["field"] for s in error["apiSubErrors"]]


async def _audit_rows(db: Database, company_id: str) -> list[Any]:
    async with db.sessionmaker() as session:
        result = await session.execute(
            text(
                "SELECT actor, action, before, after, request_id FROM audit_log "
                "WHERE company_id = :c AND entity_type = 'company' AND action = 'UPDATE' ORDER BY id"
            ),
            {"c": company_id},
        )
        return list(result.all())


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


async def test_get_returns_every_setting(tenant: Tenant) -> None:
    response = await tenant.get("/api/v0/company")
    assert response.status_code == 200, response.text
    payload = response.json()["payload"]
    assert FIELDS <= set(payload)
    assert payload["companyId"] == tenant.company_id
    assert payload["legalName"] == "Seller Pvt Ltd"
    assert payload["state"] == "Maharashtra"
    assert payload["approvalChain"] == "NONE"
    assert payload["parentCompanyId"] is None
    assert payload["gstin"].startswith("27")  # the tests' sellers are registered in their state
    assert payload["upiMaxAmount"] == 100000.0  # UPI's usual per-transaction limit
    assert payload["tdsSanityPercent"] == 10.0  # TDS above 10 % of a taxable value is a typing error
    constant = {
        "companyId",
        "legalName",
        "state",
        "approvalChain",
        "gstin",
        "upiMaxAmount",
        "tdsSanityPercent",
    }
    for field in FIELDS - constant:
        assert payload[field] is None, field


async def test_a_child_company_shows_its_parent(tenants: TenantFactory) -> None:
    parent = await tenants.create("Group Holdings Ltd")
    child = await tenants.create("Group Retail Ltd", parent=parent.company_id)
    payload = (await child.get("/api/v0/company")).json()["payload"]
    assert payload["parentCompanyId"] == parent.company_id


async def test_patch_sets_the_fields_it_names_and_leaves_the_rest(tenant: Tenant) -> None:
    settings = await _settings(tenant)
    response = await _patch(tenant, settings)
    assert response.status_code == 200, response.text
    payload = response.json()["payload"]
    for field, value in settings.items():
        assert payload[field] == value, field
    assert payload["state"] == "Maharashtra"
    again = (await tenant.get("/api/v0/company")).json()["payload"]
    assert again == payload

    one = await _patch(tenant, {"address": "Unit 4, BKC, Mumbai"})
    assert one.status_code == 200
    after = one.json()["payload"]
    assert after["address"] == "Unit 4, BKC, Mumbai"
    assert {k: v for k, v in after.items() if k not in {"address", "updatedOn"}} == {
        k: v for k, v in payload.items() if k not in {"address", "updatedOn"}
    }


async def test_null_clears_optional_fields(tenant: Tenant) -> None:
    assert (await _patch(tenant, await _settings(tenant))).status_code == 200
    clearable = [
        "address",
        "pinCode",
        "email",
        "upiVpa",
        "upiPayeeName",
        "invoiceNumberPrefix",
        "phone",
        "bankAccount",
        "creditNotePrefix",
        "debitNotePrefix",
    ]
    response = await _patch(
        tenant, dict.fromkeys([*clearable, "defaultReminderId", "upiMaxAmount", "tdsSanityPercent"])
    )
    assert response.status_code == 200, response.text
    payload = response.json()["payload"]
    for field in [*clearable, "defaultReminderId"]:
        assert payload[field] is None, field
    assert payload["legalName"] == SETTINGS["legalName"]
    # upiMaxAmount cleared is UPI's usual limit again; tdsSanityPercent its default.
    assert payload["upiMaxAmount"] == 100000.0
    assert payload["tdsSanityPercent"] == 10.0


@pytest.mark.parametrize("field", ["legalName", "state", "approvalChain"])
async def test_clearing_a_required_field_is_422(tenant: Tenant, field: str) -> None:
    response = await _patch(tenant, {field: None, "address": "Somewhere"})
    assert _sub_fields(response) == [field]
    assert (await tenant.get("/api/v0/company")).json()["payload"]["address"] is None


async def test_state_is_normalised(tenant: Tenant) -> None:
    response = await _patch(tenant, {"state": "  karnataka ", "gstin": None})
    assert response.status_code == 200, response.text
    assert response.json()["payload"]["state"] == "Karnataka"


async def test_gstin_must_belong_to_the_state(tenant: Tenant) -> None:
    karnataka = gstin_for("29")
    refused = await _patch(tenant, {"gstin": karnataka})
    assert _sub_fields(refused) == ["gstin"]
    assert "Karnataka" in refused.json()["errorResponse"]["errorMessage"]

    both = await _patch(tenant, {"gstin": karnataka.lower(), "state": "Karnataka"})
    assert both.status_code == 200, both.text
    assert both.json()["payload"]["gstin"] == karnataka
    assert both.json()["payload"]["state"] == "Karnataka"

    # Moving the state away from the GSTIN's is the state's fault.
    moved = await _patch(tenant, {"state": "Goa"})
    assert _sub_fields(moved) == ["state"]
    assert (await tenant.get("/api/v0/company")).json()["payload"]["state"] == "Karnataka"

    cleared = await _patch(tenant, {"gstin": None, "state": "Goa"})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["payload"]["gstin"] is None


async def test_a_gstin_with_a_wrong_check_character_is_422(tenant: Tenant) -> None:
    good = gstin_for("27")
    bad = good[:14] + ("A" if good[14] != "A" else "B")
    response = await _patch(tenant, {"gstin": bad})
    assert _sub_fields(response) == ["gstin"]
    sub = response.json()["errorResponse"]["apiSubErrors"][0]
    assert sub["rejectedValue"] == bad
    assert "check character" in sub["message"]
    assert (await _patch(tenant, {"gstin": good})).status_code == 200


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("parentCompanyId", "CEK0000001", False),
        ("companyId", "CEK0000001", False),
        ("createdOn", "2026-01-01 00:00:00", False),
        ("nickname", "x", True),
    ],
)
async def test_read_only_fields_are_dropped_and_unknown_ones_named(
    tenant: Tenant, field: str, value: str, named: bool
) -> None:
    # api.md §1.1a: what a client read may be sent back (read-only fields are dropped); a field nobody
    # documents is ignored and named in X-Ignored-Fields. Never a 422 for either.
    response = await _patch(tenant, {field: value, "address": "Somewhere"})
    assert response.status_code == 200, response.text
    assert response.headers.get("X-Ignored-Fields") == (field if named else None)
    settings = (await tenant.get("/api/v0/company")).json()["payload"]
    assert settings["address"] == "Somewhere"
    assert settings["companyId"] == tenant.company_id and settings["parentCompanyId"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pinCode", "012345"),
        ("email", "accounts"),
        ("upiVpa", "no-at-sign"),
        ("approvalChain", "EVERYONE"),
        ("invoiceNumberPrefix", "TOO-LONG-PREFIX"),
        ("creditNotePrefix", "TOO-LONG-PREFIX"),
        ("debitNotePrefix", "CN 01"),
        ("defaultReminderId", "KC0000000000000A"),
        ("legalName", "   "),
        ("state", "Atlantis"),
        ("phone", "call me"),
        ("upiMaxAmount", 0),
        ("upiMaxAmount", "100000.001"),
        ("tdsSanityPercent", 0),
        ("tdsSanityPercent", 100.01),
        ("tdsSanityPercent", "2.001"),
    ],
)
async def test_bad_values_are_422_naming_the_field(tenant: Tenant, field: str, value: object) -> None:
    assert _sub_fields(await _patch(tenant, {field: value})) == [field]


@pytest.mark.parametrize(
    ("account", "field"),
    [
        (
            {"accountNumber": "12AB", "accountName": "S", "ifsc": "HDFC0000060", "bankName": "HDFC"},
            "accountNumber",
        ),
        (
            {"accountNumber": "50200012345678", "accountName": "S", "ifsc": "HDFC000006", "bankName": "B"},
            "ifsc",
        ),
        ({"accountNumber": "50200012345678", "ifsc": "HDFC0000060", "bankName": "HDFC"}, "accountName"),
    ],
)
async def test_a_bank_account_is_checked_whole(tenant: Tenant, account: dict[str, str], field: str) -> None:
    assert _sub_fields(await _patch(tenant, {"bankAccount": account})) == [f"bankAccount.{field}"]
    assert (await tenant.get("/api/v0/company")).json()["payload"]["bankAccount"] is None


async def test_a_bank_account_is_replaced_whole_and_its_ifsc_upper_cased(
    tenant: Tenant, db: Database
) -> None:
    first = {"accountName": "A", "accountNumber": "111122223333", "ifsc": "sbin0001234", "bankName": "SBI"}
    response = await _patch(tenant, {"bankAccount": first})
    assert response.status_code == 200, response.text
    assert response.json()["payload"]["bankAccount"] == {**first, "ifsc": "SBIN0001234"}
    second = {"accountName": "B", "accountNumber": "999988887777", "ifsc": "UTIB0000100", "bankName": "Axis"}
    assert (await _patch(tenant, {"bankAccount": second})).json()["payload"]["bankAccount"] == second
    rows = await _audit_rows(db, tenant.company_id)
    assert rows[-1][2]["bank_account_number"] == "111122223333"
    assert rows[-1][3]["bank_account_number"] == "999988887777"


async def test_a_patch_writes_one_audit_row_with_the_changed_fields_only(
    tenant: Tenant, db: Database
) -> None:
    assert (await _patch(tenant, {"address": "Old Address"})).status_code == 200
    response = await _patch(
        tenant, {"address": "New Address", "approvalChain": "MAKER_CHECKER", "legalName": "Seller Pvt Ltd"}
    )
    assert response.status_code == 200, response.text
    rows = await _audit_rows(db, tenant.company_id)
    assert len(rows) == 2
    actor, action, before, after, request_id = rows[-1]
    assert actor == await _user_id(db, tenant)
    assert action == "UPDATE"
    # legalName was sent unchanged, so it is not a change.
    assert before == {"address": "Old Address", "approval_chain": "NONE"}
    assert after == {"address": "New Address", "approval_chain": "MAKER_CHECKER"}
    assert request_id == response.headers["x-request-id"]


async def test_a_patch_that_changes_nothing_writes_no_audit_row(tenant: Tenant, db: Database) -> None:
    assert (await _patch(tenant, {})).status_code == 200
    assert (await _patch(tenant, {"legalName": "Seller Pvt Ltd"})).status_code == 200
    assert await _audit_rows(db, tenant.company_id) == []


async def test_a_refused_patch_writes_no_audit_row(tenant: Tenant, db: Database) -> None:
    assert (await _patch(tenant, {"address": "X", "gstin": gstin_for("29")})).status_code == 422
    assert await _audit_rows(db, tenant.company_id) == []


async def test_one_company_cannot_touch_anothers_settings(tenants: TenantFactory) -> None:
    a = await tenants.create("A Pvt Ltd")
    b = await tenants.create("B Pvt Ltd")
    assert (await _patch(b, {"address": "B's address"})).status_code == 200
    assert (await a.get("/api/v0/company")).json()["payload"]["address"] is None


@pytest.mark.parametrize("raw", ["1e-999999999", "1e999999999", "0.001"])
async def test_an_upi_limit_no_account_can_hold_is_422(tenant: Tenant, raw: str) -> None:
    body = '{"upiMaxAmount": ' + raw + "}"
    response = await tenant.patch(
        "/api/v0/company", content=body, headers={"Content-Type": "application/json"}
    )
    assert _sub_fields(response) == ["upiMaxAmount"]
    assert (await tenant.get("/api/v0/company")).json()["payload"]["upiMaxAmount"] == 100000.0
