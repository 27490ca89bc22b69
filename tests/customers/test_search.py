"""getCustomer and searchCustomer (api.md §3, §1.5): each filter keeps what matches, drops what does not."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update

from dues.db import Database
from dues.models import Customer
from tests.customers.helpers import CUSTOMERS, assert_error, assert_invalid, payload
from tests.support import Tenant, gstin_for, pan_for

SEARCH = f"{CUSTOMERS}/search"


async def search(tenant: Tenant, filters: dict[str, Any] | None = None, **query: Any) -> dict[str, Any]:
    return payload(await tenant.post(SEARCH, json=filters or {}, params=query))  # type: ignore[no-any-return]


async def found(tenant: Tenant, filters: dict[str, Any]) -> set[str]:
    page = await search(tenant, filters, limit=5000)
    assert page["total"] == len(page["items"])
    return {c["customerId"] for c in page["items"]}


async def test_get_unknown_customer_is_not_found(tenant: Tenant) -> None:
    assert_error(await tenant.get(f"{CUSTOMERS}/KC00000000000000"), 404, "RECORD_NOT_FOUND")
    # An id that cannot exist (NUL, wrong shape) is just as unknown, not a server error.
    assert_error(await tenant.get(f"{CUSTOMERS}/KC%00"), 404, "RECORD_NOT_FOUND")
    assert_error(await tenant.get(f"{CUSTOMERS}/anything"), 404, "RECORD_NOT_FOUND")


async def test_empty_search_returns_all_with_page_fields(tenant: Tenant) -> None:
    ids = {(await tenant.create_customer())["customerId"] for _ in range(3)}
    page = await search(tenant)
    assert {c["customerId"] for c in page["items"]} == ids
    assert page["total"] == 3 and page["offset"] == 0 and page["limit"] == 100


async def test_limit_and_offset_page_through_the_total(tenant: Tenant) -> None:
    for n in range(5):
        await tenant.create_customer(legalName=f"Buyer {n}")
    first = await search(tenant, limit=2, offset=0, orderBy="legalName", direction="ASC")
    second = await search(tenant, limit=2, offset=2, orderBy="legalName", direction="ASC")
    last = await search(tenant, limit=2, offset=4, orderBy="legalName", direction="ASC")
    assert [c["legalName"] for c in first["items"]] == ["Buyer 0", "Buyer 1"]
    assert [c["legalName"] for c in second["items"]] == ["Buyer 2", "Buyer 3"]
    assert [c["legalName"] for c in last["items"]] == ["Buyer 4"]
    assert (first["total"], first["offset"], first["limit"]) == (5, 0, 2)
    assert (last["total"], last["offset"], last["limit"]) == (5, 4, 2)


@pytest.mark.parametrize("limit", [0, -1, 5001])
async def test_limit_out_of_range_is_refused(tenant: Tenant, limit: int) -> None:
    assert_invalid(await tenant.post(SEARCH, json={}, params={"limit": limit}), "limit")


async def test_limit_5000_is_allowed(tenant: Tenant) -> None:
    assert (await search(tenant, limit=5000))["limit"] == 5000


async def test_negative_offset_is_refused(tenant: Tenant) -> None:
    assert_invalid(await tenant.post(SEARCH, json={}, params={"offset": -1}), "offset")


async def test_order_by_legal_name_both_directions(tenant: Tenant) -> None:
    for name in ("Mango Ltd", "apple Ltd", "Zebra Ltd", "Banana Ltd"):
        await tenant.create_customer(legalName=name)
    ascending = [
        c["legalName"] for c in (await search(tenant, orderBy="legalName", direction="ASC"))["items"]
    ]
    assert ascending == sorted(ascending)
    assert len(ascending) == 4
    descending = [
        c["legalName"] for c in (await search(tenant, orderBy="legalName", direction="DESC"))["items"]
    ]
    assert descending == list(reversed(ascending))
    lower = [c["legalName"] for c in (await search(tenant, orderBy="legalName", direction="asc"))["items"]]
    assert lower == ascending


async def test_default_order_is_newest_first(tenant: Tenant, db: Database) -> None:
    old = (await tenant.create_customer())["customerId"]
    new = (await tenant.create_customer())["customerId"]
    await set_created(db, old, datetime(2025, 1, 1, tzinfo=UTC))
    assert [c["customerId"] for c in (await search(tenant))["items"]] == [new, old]


async def test_unknown_order_by_is_refused(tenant: Tenant) -> None:
    subs = assert_invalid(await tenant.post(SEARCH, json={}, params={"orderBy": "password"}), "orderBy")
    assert "legalName" in subs["orderBy"]["message"]
    # Python attribute names are not wire names.
    assert_invalid(await tenant.post(SEARCH, json={}, params={"orderBy": "legal_name"}), "orderBy")


async def test_bad_direction_is_refused(tenant: Tenant) -> None:
    assert_invalid(await tenant.post(SEARCH, json={}, params={"direction": "UP"}), "direction")


async def test_unknown_filter_is_ignored_and_named(tenant: Tenant) -> None:
    cid = (await tenant.create_customer())["customerId"]
    response = await tenant.post(SEARCH, json={"name": "x"})
    assert response.status_code == 200
    assert response.headers["X-Ignored-Fields"] == "name"
    assert cid in {c["customerId"] for c in response.json()["payload"]["items"]}


async def test_filter_customer_ids(tenant: Tenant) -> None:
    a, _, c = [(await tenant.create_customer())["customerId"] for _ in range(3)]
    assert await found(tenant, {"customerIds": [a, c, "KC00000000000000"]}) == {a, c}
    assert await found(tenant, {"customerIds": []}) == set()


async def test_filter_legal_name_contains_case_insensitive(tenant: Tenant) -> None:
    acme = (await tenant.create_customer(legalName="ACME Traders Pvt Ltd"))["customerId"]
    acme2 = (await tenant.create_customer(legalName="Super acme"))["customerId"]
    await tenant.create_customer(legalName="Globex")
    assert await found(tenant, {"legalName": "acme"}) == {acme, acme2}
    assert await found(tenant, {"legalName": "Traders PVT"}) == {acme}


@pytest.mark.parametrize("pattern", ["%", "_", "50%", "a_b", "\\"])
async def test_filter_legal_name_wildcards_are_literal(tenant: Tenant, pattern: str) -> None:
    literal = {
        "%": "100% Pure",
        "_": "Snake_Case Ltd",
        "50%": "50% Off Ltd",
        "a_b": "Ka_b Ltd",
        "\\": "Back\\slash Ltd",
    }[pattern]
    hit = (await tenant.create_customer(legalName=literal))["customerId"]
    await tenant.create_customer(legalName="Plain Name")
    await tenant.create_customer(legalName="50 Off Ltd")
    await tenant.create_customer(legalName="Kaxb Ltd")
    assert await found(tenant, {"legalName": pattern}) == {hit}


async def test_filter_email_exact_case_insensitive(tenant: Tenant) -> None:
    hit = (await tenant.create_customer(email="AP@Acme.example"))["customerId"]
    await tenant.create_customer(email="ap@acme.example.org")
    await tenant.create_customer()
    assert await found(tenant, {"email": "ap@acme.example"}) == {hit}


async def test_filter_contact_number(tenant: Tenant) -> None:
    hit = (await tenant.create_customer(contactNumber="9876543210"))["customerId"]
    await tenant.create_customer(contactNumber="9876543211")
    assert await found(tenant, {"contactNumber": "9876543210"}) == {hit}


async def test_filter_pan_or_gstin(tenant: Tenant) -> None:
    gstin = gstin_for("27")
    pan = pan_for()
    by_gstin = (await tenant.create_customer(panOrGstin=gstin))["customerId"]
    by_pan = (await tenant.create_customer(panOrGstin=pan))["customerId"]
    await tenant.create_customer(panOrGstin=gstin_for("27"))
    assert await found(tenant, {"panOrGstin": gstin.lower()}) == {by_gstin}
    assert await found(tenant, {"panOrGstin": pan}) == {by_pan}


async def test_filter_unique_ref_no(tenant: Tenant) -> None:
    hit = (await tenant.create_customer(uniqueRefNo="ERP-42"))["customerId"]
    await tenant.create_customer(uniqueRefNo="ERP-421")
    await tenant.create_customer()
    assert await found(tenant, {"uniqueRefNo": "ERP-42"}) == {hit}


async def test_filter_status(tenant: Tenant) -> None:
    active = (await tenant.create_customer())["customerId"]
    inactive = (await tenant.create_customer(status="INACTIVE"))["customerId"]
    assert await found(tenant, {"status": "ACTIVE"}) == {active}
    assert await found(tenant, {"status": "INACTIVE"}) == {inactive}
    assert_invalid(await tenant.post(SEARCH, json={"status": "GONE"}), "status")


async def test_filter_deleted(tenant: Tenant) -> None:
    kept = (await tenant.create_customer())["customerId"]
    gone = (await tenant.create_customer())["customerId"]
    payload(await tenant.delete(f"{CUSTOMERS}/{gone}"))
    assert await found(tenant, {"deleted": True}) == {gone}
    assert await found(tenant, {"deleted": False}) == {kept}


async def set_created(db: Database, customer_id: str, at: datetime) -> None:
    async with db.sessionmaker() as session:
        await session.execute(
            update(Customer).where(Customer.customer_id == customer_id).values(created_on=at)
        )
        await session.commit()


async def test_filter_created_on_dates_and_times_in_ist(tenant: Tenant, db: Database) -> None:
    # 2026-03-31 20:00 UTC is 2026-04-01 01:30 IST: the IST day decides.
    early = (await tenant.create_customer())["customerId"]
    late_utc = (await tenant.create_customer())["customerId"]
    later = (await tenant.create_customer())["customerId"]
    await set_created(db, early, datetime(2026, 3, 31, 10, 0, 0, tzinfo=UTC))  # 15:30 IST on 31 March
    await set_created(db, late_utc, datetime(2026, 3, 31, 20, 0, 0, 700_000, tzinfo=UTC))  # 01:30:00.7 IST
    await set_created(db, later, datetime(2026, 4, 2, 6, 0, 0, tzinfo=UTC))

    got = payload(await tenant.get(f"{CUSTOMERS}/{late_utc}"))
    assert got["createdOn"] == "2026-04-01 01:30:00"

    assert await found(tenant, {"createdOnFrom": "2026-04-01"}) == {late_utc, later}
    assert await found(tenant, {"createdOnTo": "2026-03-31"}) == {early}
    assert await found(tenant, {"createdOnFrom": "2026-04-01", "createdOnTo": "2026-04-01"}) == {late_utc}
    # Date-time bounds are IST and include the whole second shown in createdOn.
    assert await found(tenant, {"createdOnFrom": "2026-04-01 01:30:00"}) == {late_utc, later}
    assert await found(tenant, {"createdOnFrom": "2026-04-01 01:30:01"}) == {later}
    assert await found(tenant, {"createdOnTo": "2026-04-01 01:30:00"}) == {early, late_utc}
    assert await found(tenant, {"createdOnTo": "2026-04-01 01:29:59"}) == {early}
    assert await found(
        tenant, {"createdOnFrom": "2026-03-31 15:30:00", "createdOnTo": "2026-03-31 15:30:00"}
    ) == {early}


@pytest.mark.parametrize("value", ["01-04-2026", "2026-04-01T10:00:00Z", "yesterday", "2026-13-01"])
async def test_filter_created_on_bad_forms_are_refused(tenant: Tenant, value: str) -> None:
    assert_invalid(await tenant.post(SEARCH, json={"createdOnFrom": value}), "createdOnFrom")
    assert_invalid(await tenant.post(SEARCH, json={"createdOnTo": value}), "createdOnTo")


async def test_filter_assigned_agent(tenant: Tenant) -> None:
    hit = (await tenant.create_customer(assignedAgent="Ravi"))["customerId"]
    await tenant.create_customer(assignedAgent="Ravindra")
    await tenant.create_customer()
    assert await found(tenant, {"assignedAgent": "Ravi"}) == {hit}


async def test_filter_branch_code(tenant: Tenant) -> None:
    both = (await tenant.create_customer(branchCodes=["MUM", "PUN"]))["customerId"]
    pune = (await tenant.create_customer(branchCodes=["PUN"]))["customerId"]
    await tenant.create_customer(branchCodes=["MUMBAI"])
    await tenant.create_customer()
    assert await found(tenant, {"branchCode": "MUM"}) == {both}
    assert await found(tenant, {"branchCode": "PUN"}) == {both, pune}


async def test_filters_combine_with_and(tenant: Tenant) -> None:
    hit = (await tenant.create_customer(legalName="Acme North", assignedAgent="Ravi"))["customerId"]
    await tenant.create_customer(legalName="Acme South", assignedAgent="Meera")
    await tenant.create_customer(legalName="Globex", assignedAgent="Ravi")
    assert await found(tenant, {"legalName": "acme", "assignedAgent": "Ravi"}) == {hit}


async def test_search_items_carry_their_contacts(tenant: Tenant) -> None:
    created = await tenant.create_customer(
        customerKeyContacts=[
            {"name": "Asha", "email": "asha@acme.example"},
            {"name": "Bala", "mobile": "9876543210"},
        ]
    )
    await tenant.create_customer()
    page = await search(tenant, {"customerIds": [created["customerId"]]})
    assert [c["name"] for c in page["items"][0]["customerKeyContacts"]] == ["Asha", "Bala"]


async def test_filter_with_nul_is_refused_not_a_server_error(tenant: Tenant) -> None:
    assert_invalid(await tenant.post(SEARCH, json={"legalName": "a\x00b"}), "legalName")
    assert_invalid(await tenant.post(SEARCH, json={"customerIds": ["KC\x00"]}), "customerIds[0]")
