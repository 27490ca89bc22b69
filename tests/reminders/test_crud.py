"""createCustomerReminder and the rest of §7's CRUD: validation naming fields, company scoping, roles, and
the checks customers and company settings make of the reminder ids they name."""

from __future__ import annotations

from typing import Any

from tests.customers.helpers import assert_error, assert_invalid, payload
from tests.reminders.helpers import REMINDERS, customer, reminder, set_default, steps
from tests.support import Tenant, TenantFactory


async def test_create_read_list_update_delete(tenant: Tenant) -> None:
    made = await reminder(
        tenant,
        name="Gentle",
        steps=[
            {"offsetDays": 7, "channels": ["SMS", "EMAIL"], "template": "Pay {balanceAmount}: {paymentLink}"},
            {"offsetDays": -3, "channels": ["EMAIL"]},
        ],
        repeatEveryDays=5,
    )
    assert made["reminderId"].startswith("RM") and len(made["reminderId"]) == 16
    assert [s["offsetDays"] for s in made["steps"]] == [-3, 7]  # stored in order
    assert (made["sendAt"], made["repeatEveryDays"], made["active"], made["customerId"]) == (
        "10:00",
        5,
        True,
        None,
    )
    assert made["companyId"] == tenant.company_id

    path = f"{REMINDERS}/{made['reminderId']}"
    assert payload(await tenant.get(path)) == made
    page = payload(await tenant.get(REMINDERS))
    assert page["total"] == 1 and page["items"] == [made]

    body = {"name": "Firm", "steps": steps(0), "sendAt": "09:30", "active": False}
    updated = payload(await tenant.put(path, json=body))
    assert (updated["name"], updated["sendAt"], updated["active"], updated["repeatEveryDays"]) == (
        "Firm",
        "09:30",
        False,
        None,
    )
    assert payload(await tenant.delete(path))["reminderId"] == made["reminderId"]
    assert_error(await tenant.get(path), 404, "RECORD_NOT_FOUND")


async def test_the_reminder_paths_are_not_taken_for_a_customer_id(tenant: Tenant) -> None:
    response = await tenant.get(REMINDERS, params={"limit": 10})
    assert payload(response)["items"] == []
    assert_error(await tenant.get(f"{REMINDERS}/RMAAAAAAAAAAAAAA"), 404, "RECORD_NOT_FOUND")
    assert "No reminder" in (await tenant.get(f"{REMINDERS}/RMAAAAAAAAAAAAAA")).json()["response_message"]


async def test_list_by_customer(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    own = await reminder(tenant, customerId=buyer)
    await reminder(tenant)
    page = payload(await tenant.get(REMINDERS, params={"customerId": buyer}))
    assert [r["reminderId"] for r in page["items"]] == [own["reminderId"]]


async def _invalid(tenant: Tenant, *fields: str, **body: Any) -> dict[str, Any]:
    full = {"name": "x", "steps": steps(0), **body}
    return assert_invalid(await tenant.post(REMINDERS, json=full), *fields)


async def test_bad_reminders_are_refused_naming_the_field(tenant: Tenant) -> None:
    await _invalid(tenant, "steps", steps=[])
    await _invalid(tenant, "steps", steps=steps(*range(11)))
    subs = await _invalid(tenant, "steps", steps=steps(3, 3))
    assert "offsetDays 3" in subs["steps"]["message"]
    await _invalid(tenant, "steps[0].channels", steps=[{"offsetDays": 0, "channels": []}])
    await _invalid(tenant, "steps[0].channels", steps=[{"offsetDays": 0, "channels": ["EMAIL", "EMAIL"]}])
    await _invalid(tenant, "steps[0].channels[0]", steps=[{"offsetDays": 0, "channels": ["FAX"]}])
    await _invalid(tenant, "steps[1].offsetDays", steps=steps(0, 400))
    await _invalid(tenant, "steps[0].offsetDays", steps=steps(-91))
    subs = await _invalid(
        tenant, "steps[0].template", steps=[{"offsetDays": 0, "channels": ["SMS"], "template": "Hi {name}"}]
    )
    assert "{name}" in subs["steps[0].template"]["message"]
    await _invalid(tenant, "sendAt", sendAt="25:00")
    await _invalid(tenant, "sendAt", sendAt="9:00")
    await _invalid(tenant, "repeatEveryDays", repeatEveryDays=0)
    await _invalid(tenant, "name", name="")
    subs = await _invalid(tenant, "customerId", customerId="KCAAAAAAAAAAAAAA")
    assert "no such customer" in subs["customerId"]["message"]


async def test_another_companys_reminder_is_not_found_and_a_parent_acts_for_its_child(
    tenant: Tenant, tenants: TenantFactory
) -> None:
    other = await tenants.create()
    theirs = await reminder(other)
    path = f"{REMINDERS}/{theirs['reminderId']}"
    assert_error(await tenant.get(path), 404, "RECORD_NOT_FOUND")
    assert_error(await tenant.put(path, json={"name": "x", "steps": steps(0)}), 404, "RECORD_NOT_FOUND")
    assert_error(await tenant.delete(path), 404, "RECORD_NOT_FOUND")
    assert payload(await tenant.get(REMINDERS))["total"] == 0
    assert_error(await tenant.get(REMINDERS, params={"companyId": other.company_id}), 403, "INVALID_ACCESS")

    child = await tenants.create(parent=tenant.company_id)
    made = payload(
        await tenant.post(
            REMINDERS, params={"companyId": child.company_id}, json={"name": "c", "steps": steps(0)}
        )
    )
    assert made["companyId"] == child.company_id
    assert payload(await child.get(f"{REMINDERS}/{made['reminderId']}"))["name"] == "c"


async def test_a_viewer_reads_but_does_not_write(tenant: Tenant, tenants: TenantFactory) -> None:
    made = await reminder(tenant)
    viewer = await tenants.user(tenant, "VIEWER")
    assert payload(await viewer.get(f"{REMINDERS}/{made['reminderId']}"))["reminderId"] == made["reminderId"]
    assert_error(await viewer.post(REMINDERS, json={"name": "x", "steps": steps(0)}), 403, "INVALID_ACCESS")
    assert_error(await viewer.delete(f"{REMINDERS}/{made['reminderId']}"), 403, "INVALID_ACCESS")


async def test_a_reminder_in_use_is_not_deleted(tenant: Tenant) -> None:
    company_wide = await reminder(tenant)
    rid = company_wide["reminderId"]
    buyer = await customer(tenant, customerReminders=[rid])
    await set_default(tenant, rid)
    error = assert_error(await tenant.delete(f"{REMINDERS}/{rid}"), 409, "UNPROCESSABLE_REQUEST")
    assert "defaultReminderId" in error["errorMessage"] and buyer in error["errorMessage"]

    await set_default(tenant, None)
    payload(await tenant.patch(f"/api/v0/customer/{buyer}", json={"customerReminders": []}))
    assert payload(await tenant.delete(f"{REMINDERS}/{rid}"))["reminderId"] == rid


async def test_customers_and_company_settings_name_only_reminders_they_may_use(
    tenant: Tenant, tenants: TenantFactory
) -> None:
    other = await tenants.create()
    theirs = (await reminder(other))["reminderId"]
    ours = (await reminder(tenant))["reminderId"]

    body = {"legalName": "Buyer Ltd", "customerReminders": [ours, theirs]}
    subs = assert_invalid(await tenant.post("/api/v0/customer", json=body), "customerReminders")
    assert theirs in subs["customerReminders"]["message"]
    buyer = await customer(tenant, customerReminders=[ours])
    other_buyer = await customer(tenant)
    own = (await reminder(tenant, customerId=buyer))["reminderId"]
    assert payload(await tenant.patch(f"/api/v0/customer/{buyer}", json={"customerReminders": [own, ours]}))
    subs = assert_invalid(
        await tenant.patch(f"/api/v0/customer/{other_buyer}", json={"customerReminders": [own]}),
        "customerReminders",
    )
    assert buyer in subs["customerReminders"]["message"]

    assert_invalid(
        await tenant.patch("/api/v0/company", json={"defaultReminderId": theirs}), "defaultReminderId"
    )
    assert_invalid(
        await tenant.patch("/api/v0/company", json={"defaultReminderId": own}), "defaultReminderId"
    )
    await set_default(tenant, ours)
    assert payload(await tenant.get("/api/v0/company"))["defaultReminderId"] == ours

    # A customer's own reminder cannot be handed to the whole company while its customer uses it.
    error = assert_error(
        await tenant.put(
            f"{REMINDERS}/{own}", json={"name": "x", "steps": steps(0), "customerId": other_buyer}
        ),
        409,
        "UNPROCESSABLE_REQUEST",
    )
    assert buyer in error["errorMessage"]
