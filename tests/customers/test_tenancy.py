"""Scoping (api.md §1.3): another company's customer does not exist; a parent manages its children's."""

from __future__ import annotations

from typing import Any

import pytest

from tests.customers.helpers import CUSTOMERS, assert_error, payload
from tests.support import Tenant, TenantFactory

SEARCH = f"{CUSTOMERS}/search"


@pytest.fixture
async def a_and_b(tenants: TenantFactory) -> tuple[Tenant, Tenant, dict[str, Any]]:
    a = await tenants.create(name="Seller A")
    b = await tenants.create(name="Seller B")
    customer = await a.create_customer(
        legalName="A's Buyer",
        uniqueRefNo="SHARED-1",
        customerKeyContacts=[{"name": "Asha", "email": "a@x.in"}],
    )
    return a, b, customer


async def test_other_company_sees_nothing(a_and_b: tuple[Tenant, Tenant, dict[str, Any]]) -> None:
    a, b, customer = a_and_b
    cid = customer["customerId"]
    contact = customer["customerKeyContacts"][0]["contactId"]
    fake_cid, fake_contact = "KC00000000000000", "CC00000000000000"
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "{c}", None),
        ("PATCH", "{c}", {"legalName": "Taken over"}),
        ("DELETE", "{c}", None),
        ("PUT", "activate/{c}", None),
        ("PUT", "deactivate/{c}", None),
        ("GET", "{c}/contacts", None),
        ("POST", "{c}/contacts", {"name": "Mole", "email": "m@b.in"}),
        ("PATCH", "{c}/contacts/{k}", {"name": "Mole"}),
        ("DELETE", "{c}/contacts/{k}", None),
    ]
    for method, template, body in calls:
        real = await b.request(method, f"{CUSTOMERS}/" + template.format(c=cid, k=contact), json=body)
        fake = await b.request(
            method, f"{CUSTOMERS}/" + template.format(c=fake_cid, k=fake_contact), json=body
        )
        error = assert_error(real, 404, "RECORD_NOT_FOUND")
        # Exactly as an id that does not exist: nothing tells B that the id is taken.
        expected = assert_error(fake, 404, "RECORD_NOT_FOUND")["errorMessage"]
        assert error["errorMessage"].replace(cid, fake_cid).replace(contact, fake_contact) == expected
    # A's customer is untouched.
    assert payload(await a.get(f"{CUSTOMERS}/{cid}")) == customer


async def test_search_is_per_company(a_and_b: tuple[Tenant, Tenant, dict[str, Any]]) -> None:
    a, b, customer = a_and_b
    own = await b.create_customer(legalName="B's Buyer")
    page = payload(await b.post(SEARCH, json={}))
    assert [c["customerId"] for c in page["items"]] == [own["customerId"]] and page["total"] == 1
    for filters in (
        {"customerIds": [customer["customerId"]]},
        {"legalName": "A's"},
        {"uniqueRefNo": "SHARED-1"},
    ):
        page = payload(await b.post(SEARCH, json=filters))
        assert page["items"] == [] and page["total"] == 0
    a_page = payload(await a.post(SEARCH, json={}))
    assert [c["customerId"] for c in a_page["items"]] == [customer["customerId"]]


@pytest.fixture
async def group(tenants: TenantFactory) -> tuple[Tenant, Tenant, Tenant]:
    parent = await tenants.create(name="Group Parent", parent=None)
    child = await tenants.create(name="Group Child", parent=parent.company_id)
    stranger = await tenants.create(name="Stranger")
    return parent, child, stranger


async def test_parent_manages_the_childs_customers(group: tuple[Tenant, Tenant, Tenant]) -> None:
    parent, child, _ = group
    scope = {"parentCompanyId": child.company_id}
    created = payload(await parent.post(CUSTOMERS, json={"legalName": "Child's Buyer"}, params=scope))
    cid = created["customerId"]
    assert created["companyId"] == child.company_id
    # It is the child's customer: the child sees it without naming anyone, the parent's own scope does not.
    assert payload(await child.get(f"{CUSTOMERS}/{cid}"))["companyId"] == child.company_id
    assert_error(await parent.get(f"{CUSTOMERS}/{cid}"), 404, "RECORD_NOT_FOUND")
    assert payload(await parent.get(f"{CUSTOMERS}/{cid}", params=scope)) == created
    patched = payload(await parent.patch(f"{CUSTOMERS}/{cid}", json={"assignedAgent": "Ravi"}, params=scope))
    assert patched["assignedAgent"] == "Ravi"
    assert payload(await parent.put(f"{CUSTOMERS}/deactivate/{cid}", params=scope))["status"] == "INACTIVE"
    contact = payload(
        await parent.post(
            f"{CUSTOMERS}/{cid}/contacts", json={"name": "Asha", "email": "a@x.in"}, params=scope
        )
    )
    assert payload(await child.get(f"{CUSTOMERS}/{cid}/contacts")) == [contact]
    # Search is scoped to the child: the parent's own customers are not mixed in.
    await parent.create_customer(legalName="Parent's Own Buyer")
    page = payload(await parent.post(SEARCH, json={}, params=scope))
    assert [c["customerId"] for c in page["items"]] == [cid]
    own = payload(await parent.post(SEARCH, json={}))
    assert [c["legalName"] for c in own["items"]] == ["Parent's Own Buyer"]
    # companyId is the other name of the same parameter (createBulkCustomer uses it).
    assert payload(await parent.get(f"{CUSTOMERS}/{cid}", params={"companyId": child.company_id}))
    assert payload(await parent.delete(f"{CUSTOMERS}/{cid}", params=scope))["deleted"] is True


async def test_naming_its_own_company_is_allowed(group: tuple[Tenant, Tenant, Tenant]) -> None:
    parent, _, _ = group
    created = payload(
        await parent.post(CUSTOMERS, json={"legalName": "Own"}, params={"parentCompanyId": parent.company_id})
    )
    assert created["companyId"] == parent.company_id


async def test_unrelated_company_naming_the_child_is_forbidden(group: tuple[Tenant, Tenant, Tenant]) -> None:
    _, child, stranger = group
    cid = (await child.create_customer())["customerId"]
    scope = {"parentCompanyId": child.company_id}
    for call in (
        stranger.get(f"{CUSTOMERS}/{cid}", params=scope),
        stranger.post(SEARCH, json={}, params=scope),
        stranger.post(CUSTOMERS, json={"legalName": "Sneaky"}, params=scope),
        stranger.patch(f"{CUSTOMERS}/{cid}", json={"legalName": "Sneaky"}, params=scope),
        stranger.delete(f"{CUSTOMERS}/{cid}", params=scope),
        stranger.get(f"{CUSTOMERS}/{cid}/contacts", params=scope),
    ):
        assert_error(await call, 403, "INVALID_ACCESS")
    assert payload(await child.post(SEARCH, json={}))["total"] == 1


async def test_child_naming_its_parent_is_forbidden(group: tuple[Tenant, Tenant, Tenant]) -> None:
    parent, child, _ = group
    pid = (await parent.create_customer())["customerId"]
    scope = {"parentCompanyId": parent.company_id}
    assert_error(await child.get(f"{CUSTOMERS}/{pid}", params=scope), 403, "INVALID_ACCESS")
    assert_error(await child.post(SEARCH, json={}, params=scope), 403, "INVALID_ACCESS")
    assert_error(await child.post(CUSTOMERS, json={"legalName": "Up"}, params=scope), 403, "INVALID_ACCESS")


async def test_grandchild_is_not_managed_by_the_grandparent(tenants: TenantFactory) -> None:
    # api.md §1.3 names "its child companies": one level, not the whole tree.
    top = await tenants.create(name="Top")
    middle = await tenants.create(name="Middle", parent=top.company_id)
    bottom = await tenants.create(name="Bottom", parent=middle.company_id)
    scope = {"parentCompanyId": bottom.company_id}
    assert_error(await top.post(SEARCH, json={}, params=scope), 403, "INVALID_ACCESS")
    assert payload(await middle.post(SEARCH, json={}, params=scope))["total"] == 0


async def test_malformed_company_id_is_a_validation_error(tenant: Tenant) -> None:
    response = await tenant.post(SEARCH, json={}, params={"parentCompanyId": "not-a-company"})
    assert_error(response, 422, "VALIDATION_ERROR")
    assert response.json()["errorResponse"]["apiSubErrors"][0]["field"] == "parentCompanyId"
