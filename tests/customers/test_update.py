"""updateCustomer (JsonNullable PATCH, api.md §1.4), activate, deactivate and the soft delete."""

from __future__ import annotations

from typing import Any

import pytest

from tests.customers.helpers import CUSTOMERS, assert_error, assert_invalid, payload
from tests.support import Tenant, TenantFactory, gstin_for, pan_for

FULL = {
    "legalName": "Acme Traders",
    "customerCompanyId": "ERP-9",
    "email": "ap@acme.example",
    "contactNumber": "9876543210",
    "address": "1 MG Road",
    "state": "Maharashtra",
    "pinCode": "400001",
    "accountNumber": "123456789012",
    "ifsc": "HDFC0001234",
    "uniqueRefNo": "REF-1",
    "assignedAgent": "Ravi",
    "branchCodes": ["MUM"],
    "bharatConnectB2BId": "BC-9",
}


async def patch(tenant: Tenant, customer_id: str, body: dict[str, Any]) -> Any:
    return await tenant.patch(f"{CUSTOMERS}/{customer_id}", json=body)


async def get(tenant: Tenant, customer_id: str) -> dict[str, Any]:
    return payload(await tenant.get(f"{CUSTOMERS}/{customer_id}"))  # type: ignore[no-any-return]


async def test_omitted_unchanged_null_clears_value_sets(tenant: Tenant) -> None:
    created = await tenant.create_customer(**FULL)
    cid = created["customerId"]
    updated = payload(await patch(tenant, cid, {"address": None, "pinCode": "560001", "branchCodes": None}))
    after = await get(tenant, cid)
    assert updated == after
    assert after["address"] is None
    assert after["pinCode"] == "560001"
    assert after["branchCodes"] == []
    untouched = {k: v for k, v in FULL.items() if k not in {"address", "pinCode", "branchCodes"}}
    assert {k: after[k] for k in untouched} == untouched


@pytest.mark.parametrize(
    "field",
    [
        "customerCompanyId",
        "email",
        "contactNumber",
        "accountNumber",
        "ifsc",
        "uniqueRefNo",
        "assignedAgent",
        "bharatConnectB2BId",
        "state",
    ],
)
async def test_each_optional_field_can_be_cleared(tenant: Tenant, field: str) -> None:
    cid = (await tenant.create_customer(**FULL))["customerId"]
    payload(await patch(tenant, cid, {field: None}))
    after = await get(tenant, cid)
    assert after[field] is None
    assert after["legalName"] == FULL["legalName"]


async def test_empty_body_changes_nothing(tenant: Tenant) -> None:
    created = await tenant.create_customer(**FULL)
    assert payload(await patch(tenant, created["customerId"], {})) == created


async def test_required_fields_cannot_be_cleared(tenant: Tenant) -> None:
    cid = (await tenant.create_customer(**FULL))["customerId"]
    assert_invalid(await patch(tenant, cid, {"legalName": None}), "legalName")
    assert_invalid(await patch(tenant, cid, {"status": None}), "status")
    assert (await get(tenant, cid))["legalName"] == "Acme Traders"


async def test_field_rules_apply_to_patch(tenant: Tenant) -> None:
    cid = (await tenant.create_customer(**FULL))["customerId"]
    response = await patch(tenant, cid, {"pinCode": "0", "ifsc": "X", "email": "nope", "legalName": ""})
    assert_invalid(response, "pinCode", "ifsc", "email", "legalName")
    # EnKash's updateCustomer carries customerId: it must be the path's (api.md §1.1a).
    assert_invalid(await patch(tenant, cid, {"customerId": "KC00000000000000"}), "customerId")
    assert payload(await patch(tenant, cid, {"customerId": cid, "city": "Pune"}))["customerId"] == cid


async def test_new_gstin_of_another_state_moves_the_state(tenant: Tenant) -> None:
    # Decision: the GSTIN is the registration, so a new GSTIN without a state in the same request decides the
    # state (as on create); a state in the same request must agree with it.
    cid = (await tenant.create_customer(panOrGstin=gstin_for("27"), state="Maharashtra"))["customerId"]
    karnataka = gstin_for("29")
    moved = payload(await patch(tenant, cid, {"panOrGstin": karnataka}))
    assert moved["panOrGstin"] == karnataka and moved["state"] == "Karnataka"
    assert (await get(tenant, cid))["state"] == "Karnataka"


async def test_new_gstin_with_a_disagreeing_state_is_refused(tenant: Tenant) -> None:
    cid = (await tenant.create_customer(panOrGstin=gstin_for("27"), state="Maharashtra"))["customerId"]
    response = await patch(tenant, cid, {"panOrGstin": gstin_for("29"), "state": "Goa"})
    assert_invalid(response, "state")
    payload(await patch(tenant, cid, {"panOrGstin": gstin_for("30"), "state": "goa"}))
    assert (await get(tenant, cid))["state"] == "Goa"


async def test_state_alone_must_agree_with_the_existing_gstin(tenant: Tenant) -> None:
    gstin = gstin_for("27")
    cid = (await tenant.create_customer(panOrGstin=gstin, state="Maharashtra"))["customerId"]
    subs = assert_invalid(await patch(tenant, cid, {"state": "Goa"}), "state")
    assert "Maharashtra" in subs["state"]["message"]
    assert (await get(tenant, cid))["state"] == "Maharashtra"


async def test_state_cannot_be_cleared_while_there_is_a_gstin(tenant: Tenant) -> None:
    cid = (await tenant.create_customer(panOrGstin=gstin_for("27")))["customerId"]
    assert_invalid(await patch(tenant, cid, {"state": None}), "state")
    # Replacing the GSTIN with a PAN frees the state.
    payload(await patch(tenant, cid, {"panOrGstin": pan_for(), "state": None}))
    assert (await get(tenant, cid))["state"] is None


async def test_nothing_is_half_written_on_422(tenant: Tenant) -> None:
    before = await tenant.create_customer(**{**FULL, "panOrGstin": gstin_for("27")})
    cid = before["customerId"]
    # legalName and address pass their field rules; the state rule fails after they were applied in memory.
    response = await patch(tenant, cid, {"legalName": "Renamed", "address": None, "state": "Goa"})
    assert_invalid(response, "state")
    assert await get(tenant, cid) == before


async def test_unique_ref_no_stays_unique_on_patch(tenant: Tenant) -> None:
    first = await tenant.create_customer(uniqueRefNo="REF-A")
    second = await tenant.create_customer(uniqueRefNo="REF-B", legalName="Second")
    subs = assert_invalid(
        await patch(tenant, second["customerId"], {"uniqueRefNo": "REF-A", "legalName": "Renamed"}),
        "uniqueRefNo",
    )
    assert first["customerId"] in subs["uniqueRefNo"]["message"]
    assert await get(tenant, second["customerId"]) == second
    # Its own ref again, or a fresh one, is fine.
    payload(await patch(tenant, second["customerId"], {"uniqueRefNo": "REF-B"}))
    assert (
        payload(await patch(tenant, second["customerId"], {"uniqueRefNo": "REF-C"}))["uniqueRefNo"] == "REF-C"
    )
    # The freed ref can be taken by someone else.
    payload(await patch(tenant, first["customerId"], {"uniqueRefNo": "REF-B"}))


async def test_patch_unknown_customer_is_not_found(tenant: Tenant) -> None:
    assert_error(await patch(tenant, "KC00000000000000", {"legalName": "x"}), 404, "RECORD_NOT_FOUND")


async def test_status_can_be_patched(tenant: Tenant) -> None:
    cid = (await tenant.create_customer())["customerId"]
    assert payload(await patch(tenant, cid, {"status": "INACTIVE"}))["status"] == "INACTIVE"
    assert_invalid(await patch(tenant, cid, {"status": "DORMANT"}), "status")


async def test_deactivate_and_activate(tenant: Tenant) -> None:
    cid = (await tenant.create_customer())["customerId"]
    assert payload(await tenant.put(f"{CUSTOMERS}/deactivate/{cid}"))["status"] == "INACTIVE"
    assert (await get(tenant, cid))["status"] == "INACTIVE"
    # Repeating is harmless.
    assert payload(await tenant.put(f"{CUSTOMERS}/deactivate/{cid}"))["status"] == "INACTIVE"
    assert payload(await tenant.put(f"{CUSTOMERS}/activate/{cid}"))["status"] == "ACTIVE"
    assert (await get(tenant, cid))["status"] == "ACTIVE"
    assert_error(await tenant.put(f"{CUSTOMERS}/activate/KC00000000000000"), 404, "RECORD_NOT_FOUND")


async def test_delete_is_soft(tenant: Tenant) -> None:
    created = await tenant.create_customer(**FULL)
    cid = created["customerId"]
    deleted = payload(await tenant.delete(f"{CUSTOMERS}/{cid}"))
    assert deleted["deleted"] is True
    after = await get(tenant, cid)
    assert after["deleted"] is True
    assert {k: after[k] for k in FULL} == FULL
    # Deleting again answers the same.
    assert payload(await tenant.delete(f"{CUSTOMERS}/{cid}"))["deleted"] is True
    search = payload(await tenant.post(f"{CUSTOMERS}/search", json={"deleted": True}))
    assert [c["customerId"] for c in search["items"]] == [cid]


async def test_deleted_customer_cannot_be_changed(tenant: Tenant) -> None:
    cid = (await tenant.create_customer())["customerId"]
    payload(await tenant.delete(f"{CUSTOMERS}/{cid}"))
    assert_error(await patch(tenant, cid, {"legalName": "Back"}), 422, "UNPROCESSABLE_REQUEST")
    assert_error(await tenant.put(f"{CUSTOMERS}/activate/{cid}"), 422, "UNPROCESSABLE_REQUEST")
    assert_error(await tenant.put(f"{CUSTOMERS}/deactivate/{cid}"), 422, "UNPROCESSABLE_REQUEST")
    assert (await get(tenant, cid))["legalName"] != "Back"


async def test_deleted_customer_keeps_its_unique_ref_no(tenant: Tenant) -> None:
    cid = (await tenant.create_customer(uniqueRefNo="REF-GONE"))["customerId"]
    payload(await tenant.delete(f"{CUSTOMERS}/{cid}"))
    subs = assert_invalid(
        await tenant.post(CUSTOMERS, json={"legalName": "New", "uniqueRefNo": "REF-GONE"}), "uniqueRefNo"
    )
    assert cid in subs["uniqueRefNo"]["message"]


async def test_viewer_may_read_but_not_change(tenant: Tenant, tenants: TenantFactory) -> None:
    cid = (await tenant.create_customer())["customerId"]
    viewer = await tenants.user(tenant, "VIEWER")
    payload(await viewer.get(f"{CUSTOMERS}/{cid}"))
    payload(await viewer.post(f"{CUSTOMERS}/search", json={}))
    assert_error(await patch(viewer, cid, {"legalName": "x"}), 403, "INVALID_ACCESS")
    assert_error(await viewer.put(f"{CUSTOMERS}/deactivate/{cid}"), 403, "INVALID_ACCESS")
    assert_error(await viewer.delete(f"{CUSTOMERS}/{cid}"), 403, "INVALID_ACCESS")
    assert (await get(tenant, cid))["deleted"] is False


async def test_customer_key_contacts_replace_the_contact_list(tenant: Tenant) -> None:
    # EnKash's updateCustomer carries the contact list: it replaces the customer's, with create's rules.
    asha = {"name": "Asha", "email": "asha@acme.example"}
    cid = (await tenant.create_customer(customerKeyContacts=[asha]))["customerId"]
    bala = {"name": "Bala", "mobile": "9876543210"}
    chitra = {"name": "Chitra", "email": "chitra@acme.example", "primary": True}
    changed = payload(await patch(tenant, cid, {"customerKeyContacts": [bala, chitra]}))
    contacts = {c["name"]: c for c in changed["customerKeyContacts"]}
    assert set(contacts) == {"Bala", "Chitra"}
    assert contacts["Chitra"]["primary"] and not contacts["Bala"]["primary"]
    listed = payload(await tenant.get(f"{CUSTOMERS}/{cid}/contacts"))
    assert {c["name"] for c in listed} == {"Bala", "Chitra"}
    two_primaries = [{**bala, "primary": True}, chitra]
    assert_invalid(await patch(tenant, cid, {"customerKeyContacts": two_primaries}), "customerKeyContacts")
    assert_invalid(
        await patch(tenant, cid, {"customerKeyContacts": [{"name": "Nobody"}]}),
        "customerKeyContacts[0].email",
    )
    # Left out: the contacts stay; null or []: the customer has none.
    assert len(payload(await patch(tenant, cid, {"address": "Pune"}))["customerKeyContacts"]) == 2
    assert payload(await patch(tenant, cid, {"customerKeyContacts": None}))["customerKeyContacts"] == []


async def test_deleted_true_in_a_patch_is_refused(tenant: Tenant) -> None:
    cid = (await tenant.create_customer())["customerId"]
    assert_invalid(await patch(tenant, cid, {"deleted": True}), "deleted")
    assert payload(await patch(tenant, cid, {"deleted": False, "address": "Pune"}))["deleted"] is False
