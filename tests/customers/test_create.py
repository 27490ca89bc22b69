"""createCustomer (api.md §3): every field rule answers 422 VALIDATION_ERROR naming the camelCase field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.customers.helpers import CUSTOMERS, assert_invalid, payload
from tests.support import Tenant, TenantFactory, gstin_for, pan_for


async def create(tenant: Tenant, **fields: Any) -> Any:
    body = {"legalName": "Acme Traders Pvt Ltd", **fields}
    return await tenant.post(CUSTOMERS, json=body)


async def test_every_field_round_trips_through_get(tenant: Tenant) -> None:
    gstin = gstin_for("29")
    created = payload(
        await create(
            tenant,
            legalName="  Acme Traders Pvt Ltd ",
            customerCompanyId="ERP-77",
            panOrGstin=gstin.lower(),
            email="ap@acme.example",
            contactNumber="+91 9876543210",
            address="12 MG Road\nBengaluru",
            state="karnataka",
            pinCode="560001",
            accountNumber="000123456789",
            ifsc="hdfc0001234",
            uniqueRefNo="ACME-1",
            assignedAgent="Ravi",
            branchCodes=["BLR", "MUM"],
            bharatConnectB2BId="BC-1",
        )
    )
    assert created["customerId"].startswith("KC") and len(created["customerId"]) == 16
    assert created["companyId"] == tenant.company_id
    got = payload(await tenant.get(f"{CUSTOMERS}/{created['customerId']}"))
    assert got == created
    assert got["legalName"] == "Acme Traders Pvt Ltd"
    assert got["panOrGstin"] == gstin
    assert got["state"] == "Karnataka"
    assert got["ifsc"] == "HDFC0001234"
    assert got["contactNumber"] == "+91 9876543210"
    assert got["branchCodes"] == ["BLR", "MUM"]
    assert got["bharatConnectB2BId"] == "BC-1"
    assert got["status"] == "ACTIVE" and got["deleted"] is False
    assert got["customerKeyContacts"] == [] and got["customerReminders"] == []
    assert got["creditBalance"] == 0
    assert len(got["createdOn"]) == 19  # yyyy-MM-dd HH:mm:ss


@pytest.mark.parametrize("value", ["ABCDE1234", "ABCD01234F", "ABCDE12345", "12345ABCDF", "ABCDE1234F1"])
async def test_pan_must_match_the_pattern(tenant: Tenant, value: str) -> None:
    subs = assert_invalid(await create(tenant, panOrGstin=value), "panOrGstin")
    assert subs["panOrGstin"]["rejectedValue"] is not None


async def test_pan_is_accepted_in_any_case_and_stored_upper(tenant: Tenant) -> None:
    pan = pan_for()
    created = payload(await create(tenant, panOrGstin=pan.lower(), state="Goa"))
    assert created["panOrGstin"] == pan
    assert created["state"] == "Goa"


async def test_gstin_with_a_wrong_check_character_is_refused(tenant: Tenant) -> None:
    gstin = gstin_for("27")
    wrong = gstin[:14] + ("A" if gstin[14] != "A" else "B")
    subs = assert_invalid(await create(tenant, panOrGstin=wrong, state="Maharashtra"), "panOrGstin")
    assert "check character" in subs["panOrGstin"]["message"]
    payload(await create(tenant, panOrGstin=gstin, state="Maharashtra"))


async def test_gstin_with_an_unknown_state_code_is_refused(tenant: Tenant) -> None:
    from dues.kit import india

    fake = india.make_gstin("99", pan_for())
    assert_invalid(await create(tenant, panOrGstin=fake), "panOrGstin")


async def test_gstin_of_another_state_than_state_is_refused(tenant: Tenant) -> None:
    subs = assert_invalid(await create(tenant, panOrGstin=gstin_for("29"), state="Maharashtra"), "state")
    assert "Karnataka" in subs["state"]["message"]


async def test_gstin_without_state_gives_the_state(tenant: Tenant) -> None:
    created = payload(await create(tenant, panOrGstin=gstin_for("33")))
    assert created["state"] == "Tamil Nadu"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("Maharashtra", "Maharashtra"),
        ("  tamil   nadu ", "Tamil Nadu"),
        ("Orissa", "Odisha"),
        ("07", "Delhi"),
    ],
)
async def test_state_by_name_alias_or_gst_code(tenant: Tenant, given: str, stored: str) -> None:
    assert payload(await create(tenant, state=given))["state"] == stored


@pytest.mark.parametrize("value", ["Atlantis", "", "Maharashtra State", "99"])
async def test_unknown_state_is_refused(tenant: Tenant, value: str) -> None:
    assert_invalid(await create(tenant, state=value), "state")


@pytest.mark.parametrize("value", ["012345", "40001", "4000011", "40000A", "400 001", "४००००१"])
async def test_pin_code_must_be_six_digits_not_starting_with_zero(tenant: Tenant, value: str) -> None:
    assert_invalid(await create(tenant, pinCode=value), "pinCode")


async def test_valid_pin_code_is_kept(tenant: Tenant) -> None:
    assert payload(await create(tenant, pinCode="400001"))["pinCode"] == "400001"


@pytest.mark.parametrize("value", ["HDFC1234567", "HDF00012345", "HDFC000123", "HDFC00012345", "HDFC0-01234"])
async def test_ifsc_must_match_the_pattern(tenant: Tenant, value: str) -> None:
    assert_invalid(await create(tenant, ifsc=value), "ifsc")


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("9876543210", "9876543210"),
        ("+919876543210", "+919876543210"),
        ("+91 9876543210", "+91 9876543210"),
        ("0091-9876543210", "0091-9876543210"),
        ("", None),
    ],
)
async def test_contact_number_accepts_enkash_forms(tenant: Tenant, value: str, stored: str | None) -> None:
    assert payload(await create(tenant, contactNumber=value))["contactNumber"] == stored


# "١٢٣..." are Arabic-Indic digits: Python's \d takes them unless the pattern is ASCII, Java's does not.
@pytest.mark.parametrize(
    "value", ["98765", "98765432101", "+91 98765 43210", "+9199 9876543210", "phone", "١٢٣٤٥٦٧٨٩٠"]
)
async def test_contact_number_must_match_the_pattern(tenant: Tenant, value: str) -> None:
    assert_invalid(await create(tenant, contactNumber=value), "contactNumber")


@pytest.mark.parametrize("value", ["not-an-email", "a@b", "a b@c.in", "@acme.in", "ap@acme.in\nbcc@x.in"])
async def test_email_must_be_an_address(tenant: Tenant, value: str) -> None:
    assert_invalid(await create(tenant, email=value), "email")


async def test_blank_email_is_absent(tenant: Tenant) -> None:
    assert payload(await create(tenant, email=""))["email"] is None


@pytest.mark.parametrize("value", ["12345678", "A" * 37, "1234-5678-90", "१२३४५६७८९"])
async def test_account_number_must_be_9_to_36_letters_or_digits(tenant: Tenant, value: str) -> None:
    assert_invalid(await create(tenant, accountNumber=value), "accountNumber")


@pytest.mark.parametrize(("value", "stored"), [("123456789", "123456789"), ("A" * 36, "A" * 36), ("", None)])
async def test_account_number_valid_forms(tenant: Tenant, value: str, stored: str | None) -> None:
    assert payload(await create(tenant, accountNumber=value))["accountNumber"] == stored


async def test_legal_name_is_required(tenant: Tenant) -> None:
    assert_invalid(await tenant.post(CUSTOMERS, json={"state": "Goa"}), "legalName")
    assert_invalid(await tenant.post(CUSTOMERS, json={"legalName": "   "}), "legalName")
    assert_invalid(await tenant.post(CUSTOMERS, json={"legalName": None}), "legalName")


@pytest.mark.parametrize("value", ["Acme\x00Traders", "Acme\nTraders", "Acme\ud800"])
async def test_legal_name_refuses_characters_that_cannot_be_stored(tenant: Tenant, value: str) -> None:
    # A NUL reached PostgreSQL and came back as a 500 before text fields refused it.
    content = json.dumps({"legalName": value}).encode()  # \u0000, \ud800: valid JSON escapes
    response = await tenant.post(CUSTOMERS, content=content, headers={"Content-Type": "application/json"})
    assert_invalid(response, "legalName")


async def test_unknown_field_is_ignored_and_named(tenant: Tenant) -> None:
    # api.md §1.1a: EnKash ignores fields it does not know; dues does too, and says which in a header.
    response = await create(tenant, gstNumber="x", legal_name="Snake Case Ltd")
    created = payload(response)
    assert created["legalName"] == "Acme Traders Pvt Ltd"
    assert response.headers["X-Ignored-Fields"] == "gstNumber,legal_name"
    assert "X-Ignored-Fields" not in (await create(tenant)).headers


async def test_several_bad_fields_give_one_sub_error_each(tenant: Tenant) -> None:
    response = await tenant.post(
        CUSTOMERS,
        json={
            "panOrGstin": "NOTAPAN",
            "pinCode": "0",
            "ifsc": "X",
            "contactNumber": "12",
            "email": "nope",
            "accountNumber": "1",
            "state": "Narnia",
        },
    )
    subs = assert_invalid(
        response,
        "legalName",
        "panOrGstin",
        "pinCode",
        "ifsc",
        "contactNumber",
        "email",
        "accountNumber",
        "state",
    )
    assert subs["pinCode"]["rejectedValue"] == "0"
    assert all(sub["message"] for sub in subs.values())
    assert response.json()["errorResponse"]["requestId"] == response.headers["x-request-id"]


async def test_unique_ref_no_is_unique_within_a_company(tenant: Tenant, tenants: TenantFactory) -> None:
    first = payload(await create(tenant, uniqueRefNo="ERP-1"))
    subs = assert_invalid(await create(tenant, uniqueRefNo="ERP-1"), "uniqueRefNo")
    assert first["customerId"] in subs["uniqueRefNo"]["message"]
    # Another company's keys are its own.
    other = await tenants.create(name="Other Seller")
    assert payload(await create(other, uniqueRefNo="ERP-1"))["uniqueRefNo"] == "ERP-1"
    # Refs differ by case: the caller's key is kept exactly.
    payload(await create(tenant, uniqueRefNo="erp-1"))


async def test_first_contact_becomes_primary_when_none_is_marked(tenant: Tenant) -> None:
    created = payload(
        await create(
            tenant,
            customerKeyContacts=[
                {"name": "Asha", "email": "asha@acme.example"},
                {"name": "Bala", "mobile": "9876543210"},
            ],
        )
    )
    contacts = {c["name"]: c for c in created["customerKeyContacts"]}
    assert contacts["Asha"]["primary"] is True and contacts["Bala"]["primary"] is False
    assert contacts["Asha"]["channels"] == ["EMAIL"]
    assert contacts["Bala"]["channels"] == ["SMS"]
    assert all(c["contactId"].startswith("CC") and len(c["contactId"]) == 16 for c in contacts.values())
    assert all(c["customerId"] == created["customerId"] for c in contacts.values())


async def test_the_marked_contact_is_the_only_primary(tenant: Tenant) -> None:
    created = payload(
        await create(
            tenant,
            customerKeyContacts=[
                {"name": "Asha", "email": "asha@acme.example"},
                {"name": "Bala", "email": "bala@acme.example", "primary": True},
            ],
        )
    )
    primaries = [c["name"] for c in created["customerKeyContacts"] if c["primary"]]
    assert primaries == ["Bala"]


async def test_two_primary_contacts_are_refused(tenant: Tenant) -> None:
    response = await create(
        tenant,
        customerKeyContacts=[
            {"name": "Asha", "email": "asha@acme.example", "primary": True},
            {"name": "Bala", "email": "bala@acme.example", "primary": True},
        ],
    )
    assert_invalid(response, "customerKeyContacts")
    search = payload(await tenant.post(f"{CUSTOMERS}/search", json={}))
    assert search["total"] == 0


async def test_contact_needs_an_email_or_a_mobile(tenant: Tenant) -> None:
    response = await create(tenant, customerKeyContacts=[{"name": "Asha", "designation": "CFO"}])
    assert_invalid(response, "customerKeyContacts[0].email")


async def test_sms_channel_needs_a_mobile(tenant: Tenant) -> None:
    response = await create(
        tenant,
        customerKeyContacts=[
            {"name": "Asha", "mobile": "9876543210"},
            {"name": "Bala", "email": "bala@acme.example", "channels": ["EMAIL", "SMS"]},
        ],
    )
    assert_invalid(response, "customerKeyContacts[1].channels")


async def test_bad_contact_fields_are_named_with_their_index(tenant: Tenant) -> None:
    response = await create(
        tenant,
        customerKeyContacts=[{"name": "Asha", "email": "asha@acme.example", "mobile": "123"}],
    )
    assert_invalid(response, "customerKeyContacts[0].mobile")


async def test_viewer_may_not_create(tenant: Tenant, tenants: TenantFactory) -> None:
    viewer = await tenants.user(tenant, "VIEWER")
    response = await create(viewer)
    assert response.status_code == 403
    assert response.json()["errorResponse"]["errorType"] == "INVALID_ACCESS"


async def test_no_token_is_unauthorized(tenant: Tenant) -> None:
    response = await tenant.http.post(CUSTOMERS, json={"legalName": "Acme"})
    assert response.status_code == 401
    assert response.json()["errorResponse"]["errorType"] == "UNAUTHORIZED"
