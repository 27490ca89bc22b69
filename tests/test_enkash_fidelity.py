"""EnKash fidelity (api.md §1.1a): a client generated from EnKash's reference works against dues unchanged.

The bodies below are written from EnKash's published field lists (api.md §3, §3.1, §4, §4.1, §7 and the
additions of §1.1a), as Jackson writes them: every field of the DTO, ``null`` included. They are literal JSON
on purpose, not derived from dues's pydantic models: a field dues forgot must show up here as a 422.
"""

from __future__ import annotations

from typing import Any

import pytest
import structlog

from dues.db import Database
from tests.customers.helpers import assert_error, assert_invalid, cheap_password_hashes, payload
from tests.support import Tenant, TenantFactory, gstin_for
from tests.uploads.helpers import csv_bytes, finished

CUSTOMERS = "/api/v0/customer"
INVOICES = "/api/v0/invoice"
REMINDERS = "/api/v0/customer/reminder"


@pytest.fixture(autouse=True)
def _cheap_hashes(cheap_password_hashes: None) -> None:
    """Cheap argon2 parameters (see tests.customers.helpers)."""


def enkash_contact(**overrides: Any) -> dict[str, Any]:
    """§3.1: every field of a contact, as getCustomerContactDetails shows one."""
    return {
        "contactId": None,
        "customerId": None,
        "name": "Asha Rao",
        "designation": "Accounts Payable",
        "email": "asha@kaveri.example",
        "mobile": "+91 9876543210",
        "primary": True,
        "receiveInvoices": True,
        "receiveReminders": True,
        "channels": ["EMAIL", "SMS"],
        "active": True,
        "createdOn": None,
        "updatedOn": None,
        **overrides,
    }


def enkash_customer(company_id: str, **overrides: Any) -> dict[str, Any]:
    """§3 and §1.1a: every field of EnKash's customer DTO, as createCustomer is documented."""
    return {
        "customerId": None,
        "companyId": company_id,
        "legalName": "Kaveri Precision Tools Pvt Ltd",
        "customerCompanyId": "ERP-4471",
        "panOrGstin": gstin_for("29", 4471),
        "email": "ap@kaveri.example",
        "contactNumber": "+91-9876543210",
        "address": "14 Peenya Industrial Area, Bengaluru",
        "state": "Karnataka",
        "pinCode": "560058",
        "accountNumber": "50100123456789",
        "ifsc": "HDFC0001234",
        "uniqueRefNo": "KAVERI-001",
        "assignedAgent": "Ravi",
        "branchCodes": ["BLR-1", "BLR-2"],
        "customerKeyContacts": [enkash_contact()],
        "customerReminders": [],
        "status": "ACTIVE",
        "deleted": False,
        "createdOn": None,
        "updatedOn": None,
        "bharatConnectB2BId": "BCB2B-4471",
        **overrides,
    }


# Every optional field of createCustomer null: the one required field is legalName.
NULL_CUSTOMER = {
    "customerId": None,
    "companyId": None,
    "legalName": "Null Fields Ltd",
    "customerCompanyId": None,
    "panOrGstin": None,
    "email": None,
    "contactNumber": None,
    "address": None,
    "state": None,
    "pinCode": None,
    "accountNumber": None,
    "ifsc": None,
    "uniqueRefNo": None,
    "assignedAgent": None,
    "branchCodes": None,
    "customerKeyContacts": None,
    "customerReminders": None,
    "status": None,
    "deleted": None,
    "createdOn": None,
    "updatedOn": None,
    "bharatConnectB2BId": None,
}

# searchCustomer's filters (§3) and accountNumber (§1.1a), all null: no filter at all.
NULL_CUSTOMER_SEARCH = {
    "customerIds": None,
    "legalName": None,
    "email": None,
    "contactNumber": None,
    "panOrGstin": None,
    "uniqueRefNo": None,
    "status": None,
    "deleted": None,
    "createdOnFrom": None,
    "createdOnTo": None,
    "assignedAgent": None,
    "branchCode": None,
    "accountNumber": None,
}


def enkash_invoice(seller_id: str, customer_id: str, **overrides: Any) -> dict[str, Any]:
    """§4 and §1.1a: every field of EnKash's invoice DTO; the computed ones as a client would echo them."""
    return {
        "invoiceId": None,
        "sellerId": seller_id,
        "customerId": customer_id,
        "invoiceNumber": None,
        "invoiceDate": "2026-11-24",
        "dueDate": "2026-12-31",
        "baseAmount": 1000.00,
        "cgst": 90.00,
        "sgst": 90.00,
        "igst": 0,
        "cess": 0,
        "gstExclusive": True,
        "totalAmount": 1180.00,
        "balanceAmount": 1180.00,
        "paidAmount": 0,
        "chargeCustomer": False,
        "description": "Steel rods, November",
        "emailAddress": "cfo@kaveri.example",
        "externalId": "ERP-INV-9001",
        "dispatchNow": False,
        "partialPaymentAllowed": True,
        "minimumPartialAmount": 500.00,
        "approvalStatus": "MAKER_APPROVAL_PENDING",
        "status": "CREATED",
        "collectionMode": ["UPI", "NETBANKING"],
        "createdVia": "API",
        "dispatched": False,
        "dispatchedOn": None,
        "paymentLink": None,
        "lineItems": None,
        "placeOfSupply": "Maharashtra",
        "createdOn": None,
        "updatedOn": None,
        **overrides,
    }


def null_invoice(customer_id: str) -> dict[str, Any]:
    """createInvoice with the required customerId, dueDate and baseAmount, and every other field null."""
    return {
        **{key: None for key in enkash_invoice("", "")},
        "customerId": customer_id,
        "dueDate": "2099-12-31",  # invoiceDate is null: today, whatever today is
        "baseAmount": 1000.00,
    }


NULL_INVOICE_SEARCH = {
    "approvalStatuses": None,
    "balanceAmountFrom": None,
    "balanceAmountTo": None,
    "baseAmountFrom": None,
    "baseAmountTo": None,
    "collectionMode": None,
    "createdOnFrom": None,
    "createdOnTo": None,
    "createdVia": None,
    "customerDeleted": None,
    "customerIds": None,
    "customerLegalName": None,
    "customerStatus": None,
    "dispatched": None,
    "dispatchedOnFrom": None,
    "dispatchedOnTo": None,
    "dueDateFrom": None,
    "dueDateTo": None,
    "invoiceIds": None,
    "invoiceNumber": None,
    "externalIds": None,
    "statuses": None,
    "overdue": None,
}


def no_ignored_fields(response: Any) -> None:
    """Every field sent was documented: none is reported as ignored."""
    assert "X-Ignored-Fields" not in response.headers, response.headers["X-Ignored-Fields"]


async def _gst_registered(seller: Tenant) -> None:
    # A seller that charges GST has a GSTIN (CGST Act); the demo tenant is given one.
    payload(await seller.patch("/api/v0/company", json={"gstin": gstin_for("27")}))


async def _buyer(seller: Tenant, **fields: Any) -> str:
    return str((await seller.create_customer(email="ap@buyer.example", **fields))["customerId"])


# Customers (§3) ---------------------------------------------------------------------------------------------


async def test_create_customer_takes_every_documented_field(tenant: Tenant) -> None:
    body = enkash_customer(tenant.company_id)
    response = await tenant.post(CUSTOMERS, json=body)
    created = payload(response)
    no_ignored_fields(response)
    computed = {"customerId", "companyId", "createdOn", "updatedOn", "customerKeyContacts", "deleted"}
    for field, value in body.items():
        if field not in computed:
            assert created[field] == value, field
    assert created["customerId"].startswith("KC") and created["companyId"] == tenant.company_id
    assert created["deleted"] is False
    [contact] = created["customerKeyContacts"]
    sent = enkash_contact()
    for field in (
        "name",
        "designation",
        "email",
        "mobile",
        "primary",
        "receiveInvoices",
        "channels",
        "active",
    ):
        assert contact[field] == sent[field], field
    assert contact["contactId"].startswith("CC")
    assert payload(await tenant.get(f"{CUSTOMERS}/{created['customerId']}")) == created


async def test_create_customer_with_every_optional_field_null_takes_the_defaults(tenant: Tenant) -> None:
    response = await tenant.post(CUSTOMERS, json=NULL_CUSTOMER)
    created = payload(response)
    no_ignored_fields(response)
    assert (created["legalName"], created["status"], created["deleted"]) == (
        "Null Fields Ltd",
        "ACTIVE",
        False,
    )
    assert (created["branchCodes"], created["customerKeyContacts"], created["customerReminders"]) == (
        [],
        [],
        [],
    )
    assert created["companyId"] == tenant.company_id
    for field in ("email", "panOrGstin", "state", "accountNumber", "uniqueRefNo", "bharatConnectB2BId"):
        assert created[field] is None, field
    # A null contact field is left out too: its defaults apply.
    contact = {**{k: None for k in enkash_contact()}, "name": "Bala", "email": "bala@example.com"}
    with_contact = payload(
        await tenant.post(CUSTOMERS, json={**NULL_CUSTOMER, "customerKeyContacts": [contact]})
    )
    [made] = with_contact["customerKeyContacts"]
    assert (made["primary"], made["receiveInvoices"], made["active"], made["channels"]) == (
        True,
        True,
        True,
        ["EMAIL"],
    )


async def test_create_customer_company_id_is_checked_then_acts_as_the_query_parameter(
    tenants: TenantFactory,
) -> None:
    parent = await tenants.create(name="Group Parent")
    child = await tenants.create(name="Group Child", parent=parent.company_id)
    stranger = await tenants.create(name="Stranger Ltd")
    body = enkash_customer(child.company_id, uniqueRefNo="CHILD-1", customerKeyContacts=[])
    created = payload(await parent.post(CUSTOMERS, json=body))
    assert created["companyId"] == child.company_id
    assert payload(await child.get(f"{CUSTOMERS}/{created['customerId']}"))["uniqueRefNo"] == "CHILD-1"
    refused = await parent.post(CUSTOMERS, json={**body, "companyId": stranger.company_id})
    assert_error(refused, 403, "INVALID_ACCESS")
    assert_error(
        await child.post(CUSTOMERS, json={**body, "companyId": parent.company_id}), 403, "INVALID_ACCESS"
    )


async def test_create_customer_deleted_true_is_refused(tenant: Tenant) -> None:
    body = enkash_customer(tenant.company_id, deleted=True)
    assert_invalid(await tenant.post(CUSTOMERS, json=body), "deleted")


async def test_unknown_fields_are_ignored_and_named_in_the_header_and_the_log(tenant: Tenant) -> None:
    body = enkash_customer(
        tenant.company_id,
        customerKeyContacts=[
            enkash_contact(),
            enkash_contact(name="Bala", email="bala@kaveri.example", primary=False, foo=1),
        ],
        gstTreatment="REGULAR",
    )
    body["customerKeyContacts"][0]["foo"] = "bar"
    with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        response = await tenant.post(CUSTOMERS, json=body)
    created = payload(response)
    assert len(created["customerKeyContacts"]) == 2
    ignored = "customerKeyContacts[0].foo,customerKeyContacts[1].foo,gstTreatment"
    assert response.headers["X-Ignored-Fields"] == ignored
    [line] = [entry for entry in logs if entry["event"] == "request"]
    assert line["ignored_fields"] == ignored.split(",")


async def test_search_customer_takes_every_documented_filter(tenant: Tenant) -> None:
    body = enkash_customer(tenant.company_id)
    created = payload(await tenant.post(CUSTOMERS, json=body))
    other = payload(await tenant.post(CUSTOMERS, json=NULL_CUSTOMER))
    every = {
        "customerIds": [created["customerId"]],
        "legalName": "kaveri precision",
        "email": body["email"],
        "contactNumber": body["contactNumber"],
        "panOrGstin": body["panOrGstin"],
        "uniqueRefNo": body["uniqueRefNo"],
        "status": "ACTIVE",
        "deleted": False,
        "createdOnFrom": "2020-01-01",
        "createdOnTo": "2099-12-31 23:59:59",
        "assignedAgent": "Ravi",
        "branchCode": "BLR-2",
        "accountNumber": body["accountNumber"],
    }
    response = await tenant.post(f"{CUSTOMERS}/search", json=every)
    no_ignored_fields(response)
    assert [c["customerId"] for c in payload(response)["items"]] == [created["customerId"]]
    everyone = payload(await tenant.post(f"{CUSTOMERS}/search", json=NULL_CUSTOMER_SEARCH))
    assert {c["customerId"] for c in everyone["items"]} == {created["customerId"], other["customerId"]}
    # accountNumber filters exactly.
    for value, expected in ((body["accountNumber"], 1), (body["accountNumber"][:-1], 0)):
        found = payload(await tenant.post(f"{CUSTOMERS}/search", json={"accountNumber": value}))
        assert found["total"] == expected


async def test_update_customer_takes_every_documented_field(tenant: Tenant) -> None:
    created = payload(await tenant.post(CUSTOMERS, json=enkash_customer(tenant.company_id)))
    cid = created["customerId"]
    body = enkash_customer(
        tenant.company_id,
        customerId=cid,
        legalName="Kaveri Precision Tools Limited",
        email="payables@kaveri.example",
        customerKeyContacts=[
            enkash_contact(name="Chitra", email="chitra@kaveri.example", primary=False),
            enkash_contact(name="Dev", email="dev@kaveri.example", mobile=None, channels=["EMAIL"]),
        ],
        createdOn=created["createdOn"],
        updatedOn=created["updatedOn"],
    )
    response = await tenant.patch(f"{CUSTOMERS}/{cid}", json=body)
    updated = payload(response)
    no_ignored_fields(response)
    assert (updated["legalName"], updated["email"]) == (
        "Kaveri Precision Tools Limited",
        "payables@kaveri.example",
    )
    # customerKeyContacts replaced the contact list, with create's rules.
    contacts = {c["name"]: c for c in updated["customerKeyContacts"]}
    assert (
        set(contacts) == {"Chitra", "Dev"}
        and contacts["Dev"]["primary"]
        and not contacts["Chitra"]["primary"]
    )
    listed = payload(await tenant.get(f"{CUSTOMERS}/{cid}/contacts"))
    assert {c["name"] for c in listed} == {"Chitra", "Dev"}
    # customerId must be the path's.
    assert_invalid(
        await tenant.patch(f"{CUSTOMERS}/{cid}", json={**body, "customerId": "KC0000000000000X"}),
        "customerId",
    )
    two = [enkash_contact(), enkash_contact(name="Eka")]
    assert_invalid(
        await tenant.patch(f"{CUSTOMERS}/{cid}", json={"customerKeyContacts": two}), "customerKeyContacts"
    )


async def test_update_customer_null_clears_optional_fields_and_refuses_to_clear_required_ones(
    tenant: Tenant,
) -> None:
    cid = payload(await tenant.post(CUSTOMERS, json=enkash_customer(tenant.company_id)))["customerId"]
    clearable = {k: v for k, v in NULL_CUSTOMER.items() if k not in {"legalName", "status"}}
    response = await tenant.patch(f"{CUSTOMERS}/{cid}", json=clearable)
    cleared = payload(response)
    no_ignored_fields(response)
    for field in (
        "customerCompanyId",
        "panOrGstin",
        "email",
        "contactNumber",
        "state",
        "accountNumber",
        "ifsc",
    ):
        assert cleared[field] is None, field
    assert (cleared["branchCodes"], cleared["customerKeyContacts"], cleared["deleted"]) == ([], [], False)
    assert cleared["legalName"] == "Kaveri Precision Tools Pvt Ltd"
    # §1.4: clearing a required field is a 422 naming it.
    assert_invalid(await tenant.patch(f"{CUSTOMERS}/{cid}", json={"legalName": None}), "legalName")


async def test_activate_deactivate_contacts_and_delete(tenant: Tenant) -> None:
    cid = payload(await tenant.post(CUSTOMERS, json=enkash_customer(tenant.company_id)))["customerId"]
    query = {"parentCompanyId": tenant.company_id}
    assert payload(await tenant.put(f"{CUSTOMERS}/deactivate/{cid}", params=query))["status"] == "INACTIVE"
    assert payload(await tenant.put(f"{CUSTOMERS}/activate/{cid}", params=query))["status"] == "ACTIVE"
    [contact] = payload(await tenant.get(f"{CUSTOMERS}/{cid}/contacts"))
    assert contact["name"] == "Asha Rao"
    # A contact as it was read goes back unchanged (its ids and times are the service's).
    again = await tenant.patch(f"{CUSTOMERS}/{cid}/contacts/{contact['contactId']}", json=contact)
    assert payload(again) == {**contact, "updatedOn": payload(again)["updatedOn"]}
    assert payload(await tenant.delete(f"{CUSTOMERS}/{cid}", params=query))["deleted"] is True


# Invoices (§4) ----------------------------------------------------------------------------------------------


async def test_create_invoice_takes_every_documented_field(tenant: Tenant) -> None:
    await _gst_registered(tenant)
    buyer = await _buyer(tenant)
    body = enkash_invoice(tenant.company_id, buyer)
    response = await tenant.post(INVOICES, json=body)
    created = payload(response)
    no_ignored_fields(response)
    for field in (
        "customerId",
        "invoiceDate",
        "dueDate",
        "gstExclusive",
        "chargeCustomer",
        "description",
        "emailAddress",
        "externalId",
        "partialPaymentAllowed",
        "collectionMode",
        "placeOfSupply",
    ):
        assert created[field] == body[field], field
    amounts = ("baseAmount", "cgst", "sgst", "igst", "cess", "totalAmount", "balanceAmount", "paidAmount")
    assert [float(created[a]) for a in amounts] == [1000, 90, 90, 0, 0, 1180, 1180, 0]
    assert float(created["minimumPartialAmount"]) == 500
    # approvalStatus is the approval chain's (NONE here), whatever the body says; the rest is computed.
    assert (created["approvalStatus"], created["status"], created["createdVia"]) == (
        "APPROVER_APPROVED",
        "CREATED",
        "API",
    )
    assert created["invoiceId"].startswith("INV") and created["sellerId"] == tenant.company_id
    assert payload(await tenant.get(f"{INVOICES}/{created['invoiceId']}")) == created


async def test_create_invoice_with_every_optional_field_null_takes_the_defaults(tenant: Tenant) -> None:
    await _gst_registered(tenant)
    buyer = await _buyer(tenant, state="Maharashtra")
    response = await tenant.post(INVOICES, json=null_invoice(buyer))
    created = payload(response)
    no_ignored_fields(response)
    assert (created["gstExclusive"], created["chargeCustomer"], created["partialPaymentAllowed"]) == (
        True,
        False,
        False,
    )
    assert (created["dispatched"], created["collectionMode"], created["lineItems"]) == (False, [], [])
    assert float(created["totalAmount"]) == 1000 and created["placeOfSupply"] == "Maharashtra"


@pytest.mark.parametrize("field", ["balanceAmount", "totalAmount", "paidAmount"])
async def test_create_invoice_with_a_wrong_computed_amount_is_refused_naming_it(
    tenant: Tenant, field: str
) -> None:
    await _gst_registered(tenant)
    buyer = await _buyer(tenant)
    response = await tenant.post(INVOICES, json=enkash_invoice(tenant.company_id, buyer, **{field: 999.00}))
    subs = assert_invalid(response, field)
    assert subs[field]["rejectedValue"] == "999.0"
    assert payload(await tenant.post(f"{INVOICES}/search", json={}))["total"] == 0


async def test_update_invoice_takes_every_documented_field(tenant: Tenant) -> None:
    await _gst_registered(tenant)
    buyer = await _buyer(tenant)
    created = payload(await tenant.post(INVOICES, json=enkash_invoice(tenant.company_id, buyer)))
    iid = created["invoiceId"]
    # What getInvoice answered, changed and sent back whole: the computed fields are the service's.
    body = {
        **enkash_invoice(tenant.company_id, buyer),
        **{k: created[k] for k in ("invoiceId", "invoiceNumber", "createdOn", "updatedOn")},
        "baseAmount": 2000.00,
        "cgst": 180.00,
        "sgst": 180.00,
        "totalAmount": 1180.00,
        "balanceAmount": 1180.00,
        "approvalStatus": "BANK_APPROVED",
        "description": "Steel rods, corrected",
    }
    response = await tenant.patch(f"{INVOICES}/{iid}", json=body)
    updated = payload(response)
    no_ignored_fields(response)
    assert (float(updated["totalAmount"]), float(updated["balanceAmount"])) == (2360, 2360)
    assert (updated["approvalStatus"], updated["description"]) == (
        "APPROVER_APPROVED",
        "Steel rods, corrected",
    )
    refused = await tenant.patch(f"{INVOICES}/{iid}", json={**body, "invoiceId": "INV0000000000000"})
    assert_invalid(refused, "invoiceId")


async def test_update_invoice_null_clears_optional_fields(tenant: Tenant) -> None:
    await _gst_registered(tenant)
    buyer = await _buyer(tenant)
    iid = payload(await tenant.post(INVOICES, json=enkash_invoice(tenant.company_id, buyer)))["invoiceId"]
    required = {"customerId", "invoiceNumber", "invoiceDate", "dueDate", "baseAmount", "placeOfSupply"}
    optional = {k: None for k in enkash_invoice("", "") if k not in required}
    response = await tenant.patch(f"{INVOICES}/{iid}", json=optional)
    cleared = payload(response)
    no_ignored_fields(response)
    for field in ("description", "emailAddress", "externalId", "minimumPartialAmount"):
        assert cleared[field] is None, field
    assert cleared["collectionMode"] == []
    # A boolean with a default goes back to it; taxes cleared are 0.
    assert (cleared["gstExclusive"], cleared["chargeCustomer"], cleared["partialPaymentAllowed"]) == (
        True,
        False,
        False,
    )
    # §1.4: clearing a required field is a 422 naming it.
    assert_invalid(await tenant.patch(f"{INVOICES}/{iid}", json={"dueDate": None}), "dueDate")


async def test_search_collection_invoices_takes_every_documented_filter(tenant: Tenant) -> None:
    await _gst_registered(tenant)
    buyer = await _buyer(tenant)
    on_31st = payload(await tenant.post(INVOICES, json=enkash_invoice(tenant.company_id, buyer)))
    later = enkash_invoice(tenant.company_id, buyer, externalId="ERP-INV-9002", dueDate="2027-01-01")
    payload(await tenant.post(INVOICES, json=later))
    every = {
        "approvalStatuses": ["APPROVER_APPROVED"],
        "balanceAmountFrom": 1000,
        "balanceAmountTo": 2000,
        "baseAmountFrom": 1000,
        "baseAmountTo": 1000,
        "collectionMode": ["UPI"],
        "createdOnFrom": "2020-01-01",
        "createdOnTo": "2099-12-31 23:59:59",
        "createdVia": "API",
        "customerDeleted": False,
        "customerIds": [buyer],
        "customerLegalName": "customer",
        "customerStatus": "ACTIVE",
        "dispatched": False,
        "dispatchedOnFrom": None,
        "dispatchedOnTo": None,
        "dueDateFrom": "2026-12-01 00:00:00",
        "dueDateTo": "2026-12-31 23:59:59",
        "invoiceIds": None,
        "invoiceNumber": None,
        "externalIds": ["ERP-INV-9001", "ERP-INV-9002"],
        "statuses": ["CREATED"],
        "overdue": None,
    }
    response = await tenant.post(f"{INVOICES}/search", json=every)
    no_ignored_fields(response)
    # dueDateTo with a time: only its date counts, so the invoice due on 31 December is in.
    assert [i["invoiceId"] for i in payload(response)["items"]] == [on_31st["invoiceId"]]
    assert payload(await tenant.post(f"{INVOICES}/search", json=NULL_INVOICE_SEARCH))["total"] == 2
    to_date = payload(await tenant.post(f"{INVOICES}/search", json={"dueDateTo": "2026-12-31"}))
    assert to_date["total"] == 1


# Collection (§4.1, §5) --------------------------------------------------------------------------------------


async def test_the_seeds_dispatch_body_answers_its_object(tenant: Tenant) -> None:
    # The seed page's own example body, byte for byte.
    body = {"invoiceIds": ["string"], "partialPaymentAllowed": True}
    response = await tenant.post(f"{INVOICES}/bulk/dispatch", json=body)
    assert response.status_code == 200, response.text
    envelope = response.json()
    assert (envelope["response_code"], envelope["errorResponse"]) == (0, None)
    answer = envelope["payload"]
    assert answer["apiSubErrors"] == [
        {"field": "invoiceIds[0]", "rejectedValue": "string", "message": 'Invoice "string" was not found.'}
    ]
    assert (answer["errorMessage"], answer["errorType"]) == (
        "1 of 1 invoices was not dispatched",
        "UNPROCESSABLE_REQUEST",
    )
    assert answer["requestId"] == response.headers["X-Request-Id"]
    assert len(answer["timestamp"]) == 19 and answer["timestamp"][10] == " "
    assert answer["results"] == [
        {"invoiceId": "string", "success": False, "errorMessage": 'Invoice "string" was not found.'}
    ]


async def test_dispatch_and_delete_invoice_collection(tenant: Tenant) -> None:
    await _gst_registered(tenant)
    buyer = await _buyer(tenant)
    iid = payload(await tenant.post(INVOICES, json=enkash_invoice(tenant.company_id, buyer)))["invoiceId"]
    body = {"invoiceIds": [iid, "string"], "partialPaymentAllowed": None}
    answer = payload(await tenant.post(f"{INVOICES}/bulk/dispatch", json=body))
    assert answer["errorMessage"] == "1 of 2 invoices was not dispatched"
    assert [r["success"] for r in answer["results"]] == [True, False]
    assert [s["field"] for s in answer["apiSubErrors"]] == ["invoiceIds[1]"]
    assert payload(await tenant.get(f"{INVOICES}/{iid}"))["status"] == "DISPATCHED"
    deleted = payload(
        await tenant.post(f"{INVOICES}/bulk/delete", json={"invoiceIds": [iid], "reason": "error"})
    )
    assert (deleted["apiSubErrors"], deleted["errorMessage"], deleted["errorType"]) == ([], None, None)
    assert deleted["results"] == [{"invoiceId": iid, "success": True}]
    for empty in ({"invoiceIds": []}, {"invoiceIds": None, "partialPaymentAllowed": True}, {}):
        assert_invalid(await tenant.post(f"{INVOICES}/bulk/dispatch", json=empty), "invoiceIds")


# Reminders (§7) ---------------------------------------------------------------------------------------------


async def test_customer_reminders_take_every_field_and_their_own_answer_back(tenant: Tenant) -> None:
    buyer = await _buyer(tenant)
    body = {
        "reminderId": None,
        "companyId": None,
        "name": "Gentle",
        "customerId": buyer,
        "steps": [{"offsetDays": -3, "channels": ["EMAIL"], "template": "Due {dueDate}: {balanceAmount}"}],
        "sendAt": "09:30",
        "repeatEveryDays": 7,
        "active": True,
        "createdOn": None,
        "updatedOn": None,
    }
    response = await tenant.post(REMINDERS, json=body)
    made = payload(response)
    no_ignored_fields(response)
    assert (made["customerId"], made["sendAt"], made["repeatEveryDays"]) == (buyer, "09:30", 7)
    path = f"{REMINDERS}/{made['reminderId']}"
    assert payload(await tenant.get(path)) == made
    listed = payload(await tenant.get(REMINDERS, params={"customerId": buyer, "limit": 10, "offset": 0}))
    assert listed["items"] == [made]
    response = await tenant.put(path, json={**made, "name": "Firm", "sendAt": None, "repeatEveryDays": None})
    updated = payload(response)
    no_ignored_fields(response)
    assert (updated["name"], updated["sendAt"], updated["repeatEveryDays"]) == ("Firm", "10:00", None)
    assert payload(await tenant.delete(path))["reminderId"] == made["reminderId"]


# Bulk files (§4.1) ------------------------------------------------------------------------------------------


async def test_bulk_files_with_enkash_columns(committed: Database, live_tenants: TenantFactory) -> None:
    seller = await live_tenants.create()
    await _gst_registered(seller)
    header = [
        "companyId",
        "legalName",
        "customerCompanyId",
        "panOrGstin",
        "email",
        "contactNumber",
        "address",
        "state",
        "pinCode",
        "accountNumber",
        "ifsc",
        "uniqueRefNo",
        "assignedAgent",
        "branchCodes",
        "customerReminders",
        "status",
        "deleted",
        "createdOn",
        "updatedOn",
        "bharatConnectB2BId",
        "Remarks",
    ]
    row = [seller.company_id, "Bulk Buyer Ltd", "ERP-1", gstin_for("27", 8001), "ap@bulk.example"]
    row += ["9876543210", "Pune", "Maharashtra", "411001", "50100123456789", "HDFC0001234", "BULK-1", "Ravi"]
    row += ["P1;P2", "", "ACTIVE", "false", "", "", "BC-1", "call before the 5th"]
    response = await seller.post(
        f"{CUSTOMERS}/bulk", files={"file": ("customers.csv", csv_bytes(header, [row]), "text/csv")}
    )
    ignored = ["companyId", "deleted", "createdOn", "updatedOn", "Remarks"]
    assert payload(response)["ignoredColumns"] == ignored
    done = await finished(committed, seller, payload(response)["uploadId"])
    assert (done["succeeded"], done["failed"], done["ignoredColumns"]) == (1, 0, ignored)
    found = payload(await seller.post(f"{CUSTOMERS}/search", json={"uniqueRefNo": "BULK-1"}))["items"]
    assert [(c["legalName"], c["branchCodes"]) for c in found] == [("Bulk Buyer Ltd", ["P1", "P2"])]

    invoice_header = [*enkash_invoice("", "")]
    invoice = enkash_invoice(seller.company_id, found[0]["customerId"], dispatchNow=None)
    cells = [
        ";".join(v)
        if isinstance(v, list)
        else ""
        if v is None
        else str(v).lower()
        if isinstance(v, bool)
        else str(v)
        for v in invoice.values()
    ]
    response = await seller.post(
        f"{INVOICES}/bulk/create",
        files={"file": ("invoices.csv", csv_bytes(invoice_header, [cells]), "text/csv")},
    )
    accepted = payload(response)
    done = await finished(committed, seller, accepted["uploadId"])
    assert (done["succeeded"], done["failed"]) == (1, 0), done["rows"]
    assert set(done["ignoredColumns"]) >= {"approvalStatus", "balanceAmount", "status", "paymentLink"}
    assert "customerId" not in done["ignoredColumns"] and "dueDate" not in done["ignoredColumns"]


__all__ = ["cheap_password_hashes"]
