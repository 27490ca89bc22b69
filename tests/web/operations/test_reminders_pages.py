"""The reminders page through the app: creating and editing a rule from the form, refusals shown beside the
fields with the input kept, switching a rule off and on, a rule in use kept from deletion, the reminders
sent lately with their invoices, roles, and another company's rules out of reach."""

from __future__ import annotations

import re

from tests.customers.helpers import payload
from tests.reminders.helpers import REMINDERS, customer, open_invoice, reminder, set_default
from tests.support import Tenant, TenantFactory
from tests.web.test_shell import sign_in


def rule_form(**fields: object) -> dict[str, object]:
    return {
        "name": "Gentle nudge",
        "sendAt": "09:30",
        "repeatEveryDays": "",
        "active": "on",
        "steps[0].offsetDays": "-3",
        "steps[0].channels": ["EMAIL"],
        "steps[0].template": "",
        "steps[1].offsetDays": "",
        "steps[2].offsetDays": "7",
        "steps[2].channels": ["EMAIL", "SMS"],
        "steps[2].template": "{customerName}, {balanceAmount} is overdue.",
        **fields,
    }


async def test_a_rule_is_created_and_edited_from_the_form(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    blank = await tenant.http.get("/app/reminders/new", headers=cookie)
    assert blank.status_code == 200 and 'id="reminder-form"' in blank.text

    created = await tenant.http.post("/app/reminders", headers=cookie, data=rule_form())
    assert created.status_code == 303 and created.headers["location"] == "/app/reminders"
    [rule] = payload(await tenant.get(REMINDERS))["items"]
    assert (rule["name"], rule["sendAt"], rule["active"], rule["customerId"]) == (
        "Gentle nudge", "09:30", True, None
    )  # fmt: skip
    assert [(s["offsetDays"], s["channels"], s["template"]) for s in rule["steps"]] == [
        (-3, ["EMAIL"], None),
        (7, ["EMAIL", "SMS"], "{customerName}, {balanceAmount} is overdue."),
    ]

    listed = await tenant.http.get("/app/reminders", headers=cookie)
    row = re.search(rf'<tr id="rule-{rule["reminderId"]}">.*?</tr>', listed.text, re.S)
    assert row and "3 days before" in row.group(0) and "7 days after" in row.group(0)
    assert "09:30 IST" in row.group(0) and "Company-wide" in row.group(0)

    page = await tenant.http.get(f"/app/reminders/{rule['reminderId']}", headers=cookie)
    assert page.status_code == 200 and 'value="Gentle nudge"' in page.text and 'value="09:30"' in page.text
    edited = await tenant.http.post(
        f"/app/reminders/{rule['reminderId']}",
        headers=cookie,
        data=rule_form(name="Firm nudge", repeatEveryDays="5", **{"steps[0].offsetDays": "0"}),
    )
    assert edited.status_code == 303
    after = payload(await tenant.get(f"{REMINDERS}/{rule['reminderId']}"))
    assert (after["name"], after["repeatEveryDays"]) == ("Firm nudge", 5)
    assert [s["offsetDays"] for s in after["steps"]] == [0, 7]


async def test_a_refused_rule_shows_why_beside_each_field_and_keeps_the_input(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    refused = await tenant.http.post(
        "/app/reminders",
        headers=cookie,
        data=rule_form(name="", **{"steps[2].channels": [], "steps[2].template": "Pay {amount}"}),
    )
    assert refused.status_code == 422
    assert 'id="form-error"' in refused.text and 'id="e-name"' in refused.text
    # The body's second step is the form's third row (the second was left empty): the message is there.
    assert 'id="e-step2-template"' in refused.text and "unknown placeholder" in refused.text
    assert "Pay {amount}" in refused.text and 'value="-3"' in refused.text
    unknown_customer = await tenant.http.post(
        "/app/reminders", headers=cookie, data=rule_form(customerId="KC00000000000000")
    )
    assert unknown_customer.status_code == 422 and 'id="e-customerId"' in unknown_customer.text
    no_steps = await tenant.http.post(
        "/app/reminders",
        headers=cookie,
        data={"name": "Empty", "sendAt": "10:00", "steps[0].offsetDays": ""},
    )
    assert no_steps.status_code == 422 and 'id="form-error"' in no_steps.text
    assert payload(await tenant.get(REMINDERS))["items"] == []


async def test_a_rule_is_switched_off_and_on_and_kept_from_deletion_while_in_use(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    rule = await reminder(tenant)
    off = await tenant.http.post(
        f"/app/reminders/{rule['reminderId']}/active", headers=cookie, data={"active": "false"}
    )
    assert off.status_code == 303 and "off" in off.headers["set-cookie"]
    assert payload(await tenant.get(f"{REMINDERS}/{rule['reminderId']}"))["active"] is False
    listed = await tenant.http.get("/app/reminders", headers=cookie)
    assert "Switch on" in listed.text
    on = await tenant.http.post(
        f"/app/reminders/{rule['reminderId']}/active", headers=cookie, data={"active": "true"}
    )
    assert on.status_code == 303
    assert payload(await tenant.get(f"{REMINDERS}/{rule['reminderId']}"))["active"] is True

    await set_default(tenant, rule["reminderId"])
    in_use = await tenant.http.post(f"/app/reminders/{rule['reminderId']}/delete", headers=cookie)
    assert (
        in_use.status_code == 409 and 'id="form-error"' in in_use.text and "defaultReminderId" in in_use.text
    )
    await set_default(tenant, None)
    deleted = await tenant.http.post(f"/app/reminders/{rule['reminderId']}/delete", headers=cookie)
    assert deleted.status_code == 303
    assert payload(await tenant.get(REMINDERS))["items"] == []


async def test_reminders_sent_are_listed_with_their_invoices(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    invoice_id = await open_invoice(tenant, await customer(tenant, legalName="Kaveri Textiles Pvt Ltd"))
    payload(await tenant.post(f"/api/v0/invoice/{invoice_id}/remind"))
    page = await tenant.http.get("/app/reminders", headers=cookie)
    row = re.search(r'<table class="stack" id="sends">.*?</table>', page.text, re.S)
    assert row and f'href="/app/invoices/{invoice_id}"' in row.group(0)
    assert "Kaveri Textiles Pvt Ltd" in row.group(0) and "Sent by hand" in row.group(0)
    assert "₹1,180.00" in row.group(0)


async def test_a_viewer_reads_rules_but_has_no_controls_and_cannot_post(
    tenants: TenantFactory, tenant: Tenant
) -> None:
    rule = await reminder(tenant)
    viewer = await sign_in(await tenants.user(tenant, "VIEWER"))
    listed = await tenant.http.get("/app/reminders", headers=viewer)
    assert listed.status_code == 200 and rule["name"] in listed.text
    assert 'id="new-reminder"' not in listed.text and "Switch off" not in listed.text
    page = await tenant.http.get(f"/app/reminders/{rule['reminderId']}", headers=viewer)
    assert page.status_code == 200 and 'id="reminder-form"' not in page.text and "Delete" not in page.text
    assert (await tenant.http.get("/app/reminders/new", headers=viewer)).status_code == 403
    for path, data in (
        ("/app/reminders", rule_form()),
        (f"/app/reminders/{rule['reminderId']}", rule_form()),
        (f"/app/reminders/{rule['reminderId']}/active", {"active": "false"}),
        (f"/app/reminders/{rule['reminderId']}/delete", {}),
    ):
        response = await tenant.http.post(path, headers=viewer, data=data)
        assert response.status_code == 403, path
    assert payload(await tenant.get(f"{REMINDERS}/{rule['reminderId']}"))["active"] is True


async def test_another_companys_rule_is_not_found(tenants: TenantFactory, tenant: Tenant) -> None:
    rule = await reminder(tenant)
    other = await sign_in(await tenants.create())
    for path in (f"/app/reminders/{rule['reminderId']}",):
        assert (await tenant.http.get(path, headers=other)).status_code == 404
    for path, data in (
        (f"/app/reminders/{rule['reminderId']}", rule_form()),
        (f"/app/reminders/{rule['reminderId']}/active", {"active": "false"}),
        (f"/app/reminders/{rule['reminderId']}/delete", {}),
    ):
        response = await tenant.http.post(path, headers=other, data=data)
        assert response.status_code == 404 and "text/html" in response.headers["content-type"], path
    assert payload(await tenant.get(f"{REMINDERS}/{rule['reminderId']}"))["name"] == rule["name"]
