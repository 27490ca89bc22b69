"""Customer contacts (api.md §3.1): list, add, change, remove; exactly one primary whenever any exist."""

from __future__ import annotations

from typing import Any

from tests.customers.helpers import CUSTOMERS, assert_error, assert_invalid, payload
from tests.support import Tenant

ASHA = {"name": "Asha Rao", "email": "asha@acme.example", "designation": "CFO"}
BALA = {"name": "Bala K", "mobile": "+91 9876543210"}


def contacts_path(customer_id: str, contact_id: str | None = None) -> str:
    return f"{CUSTOMERS}/{customer_id}/contacts" + (f"/{contact_id}" if contact_id else "")


async def listed(tenant: Tenant, customer_id: str) -> list[dict[str, Any]]:
    return payload(await tenant.get(contacts_path(customer_id)))  # type: ignore[no-any-return]


def primaries(contacts: list[dict[str, Any]]) -> list[str]:
    return [c["contactId"] for c in contacts if c["primary"]]


async def add(tenant: Tenant, customer_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return payload(await tenant.post(contacts_path(customer_id), json=body))  # type: ignore[no-any-return]


async def test_list_is_empty_for_a_new_customer(tenant: Tenant) -> None:
    cid = (await tenant.create_customer())["customerId"]
    assert await listed(tenant, cid) == []


async def test_add_then_list_and_get(tenant: Tenant) -> None:
    cid = (await tenant.create_customer())["customerId"]
    asha = await add(tenant, cid, ASHA)
    assert asha["contactId"].startswith("CC") and asha["customerId"] == cid
    assert asha["primary"] is True  # the first contact
    assert asha["designation"] == "CFO" and asha["channels"] == ["EMAIL"]
    assert asha["receiveInvoices"] is True and asha["receiveReminders"] is True and asha["active"] is True
    bala = await add(tenant, cid, {**BALA, "channels": ["SMS", "WHATSAPP", "SMS"]})
    assert bala["primary"] is False and bala["channels"] == ["SMS", "WHATSAPP"]
    contacts = await listed(tenant, cid)
    assert [c["contactId"] for c in contacts] == [asha["contactId"], bala["contactId"]]
    assert contacts[0] == asha
    customer = payload(await tenant.get(f"{CUSTOMERS}/{cid}"))
    assert customer["customerKeyContacts"] == contacts


async def test_adding_a_primary_unsets_the_old_one(tenant: Tenant) -> None:
    cid = (await tenant.create_customer())["customerId"]
    asha = await add(tenant, cid, ASHA)
    bala = await add(tenant, cid, {**BALA, "primary": True})
    assert bala["primary"] is True
    assert primaries(await listed(tenant, cid)) == [bala["contactId"]]
    assert asha["contactId"] not in primaries(await listed(tenant, cid))


async def test_making_b_primary_unsets_a(tenant: Tenant) -> None:
    cid = (await tenant.create_customer())["customerId"]
    asha = await add(tenant, cid, ASHA)
    bala = await add(tenant, cid, BALA)
    changed = payload(await tenant.patch(contacts_path(cid, bala["contactId"]), json={"primary": True}))
    assert changed["primary"] is True
    assert primaries(await listed(tenant, cid)) == [bala["contactId"]]
    # Marking the primary primary again changes nothing.
    payload(await tenant.patch(contacts_path(cid, bala["contactId"]), json={"primary": True}))
    assert primaries(await listed(tenant, cid)) == [bala["contactId"]]
    assert asha["contactId"] != bala["contactId"]


async def test_the_only_primary_cannot_be_unmarked(tenant: Tenant) -> None:
    cid = (await tenant.create_customer())["customerId"]
    asha = await add(tenant, cid, ASHA)
    await add(tenant, cid, BALA)
    assert_invalid(
        await tenant.patch(contacts_path(cid, asha["contactId"]), json={"primary": False}), "primary"
    )
    assert primaries(await listed(tenant, cid)) == [asha["contactId"]]
    # Unmarking a contact that is not primary is a no-op.
    others = [c for c in await listed(tenant, cid) if not c["primary"]]
    payload(await tenant.patch(contacts_path(cid, others[0]["contactId"]), json={"primary": False}))


async def test_deleting_the_primary_promotes_another(tenant: Tenant) -> None:
    cid = (await tenant.create_customer())["customerId"]
    asha = await add(tenant, cid, ASHA)
    bala = await add(tenant, cid, BALA)
    response = await tenant.delete(contacts_path(cid, asha["contactId"]))
    assert payload(response) is None
    contacts = await listed(tenant, cid)
    assert [c["contactId"] for c in contacts] == [bala["contactId"]]
    assert primaries(contacts) == [bala["contactId"]]
    payload(await tenant.delete(contacts_path(cid, bala["contactId"])))
    assert await listed(tenant, cid) == []
    # A contact added after all were removed is primary again.
    assert (await add(tenant, cid, BALA))["primary"] is True


async def test_deleting_a_non_primary_keeps_the_primary(tenant: Tenant) -> None:
    cid = (await tenant.create_customer())["customerId"]
    asha = await add(tenant, cid, ASHA)
    bala = await add(tenant, cid, BALA)
    payload(await tenant.delete(contacts_path(cid, bala["contactId"])))
    assert primaries(await listed(tenant, cid)) == [asha["contactId"]]
    assert_error(await tenant.delete(contacts_path(cid, bala["contactId"])), 404, "RECORD_NOT_FOUND")


async def test_patch_contact_fields(tenant: Tenant) -> None:
    cid = (await tenant.create_customer())["customerId"]
    asha = await add(tenant, cid, ASHA)
    changed = payload(
        await tenant.patch(
            contacts_path(cid, asha["contactId"]),
            json={
                "designation": None,
                "mobile": "9876543210",
                "channels": ["EMAIL", "WHATSAPP"],
                "receiveReminders": False,
                "active": False,
            },
        )
    )
    assert changed["designation"] is None
    assert changed["mobile"] == "9876543210"
    assert changed["channels"] == ["EMAIL", "WHATSAPP"]
    assert changed["receiveReminders"] is False and changed["receiveInvoices"] is True
    assert changed["active"] is False
    assert changed["name"] == ASHA["name"] and changed["email"] == ASHA["email"]
    assert (await listed(tenant, cid))[0] == changed


async def test_patch_contact_rules(tenant: Tenant) -> None:
    cid = (await tenant.create_customer())["customerId"]
    asha = await add(tenant, cid, ASHA)
    path = contacts_path(cid, asha["contactId"])
    # The email is its only way to be reached, and its EMAIL channel needs it.
    assert_invalid(await tenant.patch(path, json={"email": None}), "email")
    assert_invalid(await tenant.patch(path, json={"channels": ["SMS"]}), "channels")
    assert_invalid(await tenant.patch(path, json={"name": None}), "name")
    assert_invalid(await tenant.patch(path, json={"receiveInvoices": None}), "receiveInvoices")
    assert_invalid(await tenant.patch(path, json={"mobile": "12345"}), "mobile")
    assert_invalid(await tenant.patch(path, json={"channels": ["FAX"]}), "channels[0]")
    assert_invalid(await tenant.patch(path, json={"contactId": "CC00000000000000"}), "contactId")
    assert (await listed(tenant, cid))[0] == asha


async def test_add_contact_rules(tenant: Tenant) -> None:
    cid = (await tenant.create_customer())["customerId"]
    path = contacts_path(cid)
    assert_invalid(await tenant.post(path, json={"name": "Nobody"}), "email")
    assert_invalid(await tenant.post(path, json={**ASHA, "channels": ["SMS"]}), "channels")
    assert_invalid(await tenant.post(path, json={**BALA, "channels": ["EMAIL"]}), "channels")
    assert_invalid(await tenant.post(path, json={"email": "x@acme.example"}), "name")
    assert_invalid(await tenant.post(path, json={**ASHA, "email": "not-mail"}), "email")
    assert await listed(tenant, cid) == []


async def test_contact_of_another_customer_is_not_found(tenant: Tenant) -> None:
    first = (await tenant.create_customer())["customerId"]
    second = (await tenant.create_customer())["customerId"]
    asha = await add(tenant, first, ASHA)
    wrong = contacts_path(second, asha["contactId"])
    assert_error(await tenant.patch(wrong, json={"name": "Hijack"}), 404, "RECORD_NOT_FOUND")
    assert_error(await tenant.delete(wrong), 404, "RECORD_NOT_FOUND")
    assert (await listed(tenant, first))[0] == asha


async def test_unknown_customer_or_contact_is_not_found(tenant: Tenant) -> None:
    cid = (await tenant.create_customer())["customerId"]
    assert_error(await tenant.get(contacts_path("KC00000000000000")), 404, "RECORD_NOT_FOUND")
    assert_error(await tenant.post(contacts_path("KC00000000000000"), json=ASHA), 404, "RECORD_NOT_FOUND")
    missing = contacts_path(cid, "CC00000000000000")
    assert_error(await tenant.patch(missing, json={"name": "x"}), 404, "RECORD_NOT_FOUND")
    assert_error(await tenant.delete(missing), 404, "RECORD_NOT_FOUND")
    assert_error(await tenant.delete(contacts_path(cid, "CC%00")), 404, "RECORD_NOT_FOUND")


async def test_contacts_of_a_deleted_customer_are_frozen(tenant: Tenant) -> None:
    cid = (await tenant.create_customer())["customerId"]
    asha = await add(tenant, cid, ASHA)
    payload(await tenant.delete(f"{CUSTOMERS}/{cid}"))
    assert await listed(tenant, cid) == [asha]
    assert_error(await tenant.post(contacts_path(cid), json=BALA), 422, "UNPROCESSABLE_REQUEST")
    path = contacts_path(cid, asha["contactId"])
    assert_error(await tenant.patch(path, json={"name": "x"}), 422, "UNPROCESSABLE_REQUEST")
    assert_error(await tenant.delete(path), 422, "UNPROCESSABLE_REQUEST")
    assert await listed(tenant, cid) == [asha]
