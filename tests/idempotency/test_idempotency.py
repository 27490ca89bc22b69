"""Idempotency-Key on POST (api.md §1.6), on POST /api/v0/customer."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from dues.companies import service as companies
from dues.db import Database
from tests.support import Tenant, TenantFactory

CUSTOMER = {"legalName": "Idem Traders Pvt Ltd", "state": "Maharashtra", "uniqueRefNo": "ERP-1"}


async def _create(tenant: Tenant, key: str | None, body: dict[str, Any] | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return await tenant.post("/api/v0/customer", json=body or CUSTOMER, headers=headers)


async def _count(tenant: Tenant, **filters: Any) -> int:
    response = await tenant.post("/api/v0/customer/search", json=filters)
    assert response.status_code == 200, response.text
    return int(response.json()["payload"]["total"])


def _error_type(response: httpx.Response) -> str:
    return str(response.json()["errorResponse"]["errorType"])


async def test_a_retry_gets_the_stored_answer_and_creates_nothing(tenant: Tenant) -> None:
    first = await _create(tenant, "create-idem-1")
    assert first.status_code == 200, first.text
    retry = await _create(tenant, "create-idem-1")
    assert retry.status_code == first.status_code
    assert retry.content == first.content
    assert retry.json()["payload"]["customerId"] == first.json()["payload"]["customerId"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.headers["x-request-id"] != first.headers["x-request-id"]
    assert await _count(tenant) == 1


async def test_without_a_key_each_post_runs(tenant: Tenant) -> None:
    body = {"legalName": "No Key Ltd", "state": "Goa"}
    assert (await _create(tenant, None, body)).status_code == 200
    assert (await _create(tenant, None, body)).status_code == 200
    assert await _count(tenant) == 2


async def test_the_same_key_with_another_body_is_409(tenant: Tenant) -> None:
    assert (await _create(tenant, "create-idem-2")).status_code == 200
    other = await _create(tenant, "create-idem-2", {**CUSTOMER, "uniqueRefNo": "ERP-2"})
    assert other.status_code == 409, other.text
    assert _error_type(other) == "UNPROCESSABLE_REQUEST"
    assert await _count(tenant) == 1


async def test_the_same_key_on_another_path_is_409(tenant: Tenant) -> None:
    assert (await _create(tenant, "create-idem-3")).status_code == 200
    search = await tenant.post(
        "/api/v0/customer/search", json={}, headers={"Idempotency-Key": "create-idem-3"}
    )
    assert search.status_code == 409, search.text


@pytest.mark.parametrize(("length", "status"), [(1, 200), (255, 200), (256, 422), (1000, 422)])
async def test_key_length(tenant: Tenant, length: int, status: int) -> None:
    response = await _create(tenant, "k" * length)
    assert response.status_code == status, response.text
    if status == 422:
        assert _error_type(response) == "VALIDATION_ERROR"
        assert response.json()["errorResponse"]["apiSubErrors"][0]["field"] == "Idempotency-Key"
        assert await _count(tenant) == 0


async def test_an_empty_key_is_422(tenant: Tenant) -> None:
    response = await _create(tenant, "")
    assert response.status_code == 422, response.text
    assert await _count(tenant) == 0


async def test_keys_are_per_company(tenants: TenantFactory) -> None:
    a = await tenants.create("A Pvt Ltd")
    b = await tenants.create("B Pvt Ltd")
    first = await _create(a, "shared-key")
    second = await _create(b, "shared-key")
    assert first.status_code == second.status_code == 200, second.text
    assert "idempotent-replayed" not in second.headers
    assert first.json()["payload"]["customerId"] != second.json()["payload"]["customerId"]
    assert second.json()["payload"]["companyId"] == b.company_id
    assert await _count(a) == 1 and await _count(b) == 1


async def test_keys_are_shared_by_the_users_of_one_company(tenants: TenantFactory, tenant: Tenant) -> None:
    maker = await tenants.user(tenant, "MAKER")
    first = await _create(tenant, "company-key")
    retry = await _create(maker, "company-key")
    assert retry.content == first.content
    assert await _count(tenant) == 1


async def test_a_failed_request_does_not_burn_the_key(tenant: Tenant) -> None:
    # Only a success is stored: a failure had no effect, so the corrected retry under the same key runs.
    bad = await _create(tenant, "fix-and-retry", {**CUSTOMER, "pinCode": "012345"})
    assert bad.status_code == 422
    again = await _create(tenant, "fix-and-retry", {**CUSTOMER, "pinCode": "012345"})
    assert again.status_code == 422
    assert "idempotent-replayed" not in again.headers
    fixed = await _create(tenant, "fix-and-retry", {**CUSTOMER, "pinCode": "411001"})
    assert fixed.status_code == 200, fixed.text
    replay = await _create(tenant, "fix-and-retry", {**CUSTOMER, "pinCode": "411001"})
    assert replay.content == fixed.content
    assert await _count(tenant) == 1


async def test_a_key_refused_for_access_is_not_burnt(tenants: TenantFactory, tenant: Tenant) -> None:
    viewer = await tenants.user(tenant, "VIEWER")
    refused = await _create(viewer, "viewer-key")
    assert refused.status_code == 403
    assert (await _create(tenant, "viewer-key")).status_code == 200


async def test_a_key_older_than_a_day_is_forgotten(tenant: Tenant, db: Database) -> None:
    assert (await _create(tenant, "old-key")).status_code == 200
    async with db.sessionmaker() as session:
        await session.execute(
            text(
                "UPDATE idempotency_keys SET created_on = now() - interval '25 hours' "
                "WHERE company_id = :c AND key = 'old-key'"
            ),
            {"c": tenant.company_id},
        )
        await session.commit()
    other = await _create(tenant, "old-key", {**CUSTOMER, "uniqueRefNo": "ERP-NEW"})
    assert other.status_code == 200, other.text
    assert await _count(tenant) == 2


async def test_a_revoked_token_does_not_get_the_stored_answer(
    tenants: TenantFactory, tenant: Tenant, db: Database
) -> None:
    maker = await tenants.user(tenant, "MAKER")
    assert (await _create(maker, "revoked-key")).status_code == 200
    async with db.sessionmaker() as session:
        await companies.deactivate_user(session, tenant.company_id, maker.username)
        await session.commit()
    replay = await _create(maker, "revoked-key")
    assert replay.status_code == 401, replay.text
    assert _error_type(replay) == "UNAUTHORIZED"


async def test_without_a_token_a_bad_key_is_still_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v0/customer", json=CUSTOMER, headers={"Idempotency-Key": "k" * 300})
    assert response.status_code == 401


# Concurrency needs real commits: each request runs in its own transaction on its own connection.


@pytest.mark.parametrize("n", [2, 10])
async def test_concurrent_twins_create_one_customer(live_tenants: TenantFactory, n: int) -> None:
    tenant = await live_tenants.create()
    responses = await asyncio.gather(*(_create(tenant, "twins") for _ in range(n)))
    statuses = [r.status_code for r in responses]
    assert all(s in (200, 409) for s in statuses), [r.text for r in responses]
    successes = [r for r in responses if r.status_code == 200]
    assert successes, statuses
    assert len({r.content for r in successes}) == 1
    assert all(_error_type(r) == "UNPROCESSABLE_REQUEST" for r in responses if r.status_code == 409)
    assert await _count(tenant) == 1
    assert sum("idempotent-replayed" not in r.headers for r in successes) == 1


async def test_concurrent_requests_with_one_key_and_different_bodies(live_tenants: TenantFactory) -> None:
    tenant = await live_tenants.create()
    bodies = [{**CUSTOMER, "uniqueRefNo": f"ERP-C{i}"} for i in range(8)]
    responses = await asyncio.gather(*(_create(tenant, "racing", body) for body in bodies))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 7, [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200)
    assert await _count(tenant) == 1
    ref = winner.json()["payload"]["uniqueRefNo"]
    retry = await _create(tenant, "racing", next(b for b in bodies if b["uniqueRefNo"] == ref))
    assert retry.content == winner.content


async def test_the_stored_answer_survives_in_the_database(live_tenants: TenantFactory) -> None:
    tenant = await live_tenants.create()
    first = await _create(tenant, "stored")
    async with live_tenants.db.sessionmaker() as session:
        row = (
            await session.execute(
                text(
                    "SELECT status_code, body FROM idempotency_keys WHERE company_id = :c AND key = 'stored'"
                ),
                {"c": tenant.company_id},
            )
        ).one()
    assert row[0] == 200
    assert json.loads(row[1]) == first.json()


# The replay rule (api.md §1.6): a stored answer goes back only to a caller who may make the request now.

WEBHOOK = {"url": "https://8.8.8.8/hooks/dues", "events": ["invoice.paid"], "description": "ERP sync"}


async def _webhook(tenant: Tenant, key: str) -> httpx.Response:
    return await tenant.post("/api/v0/webhook", json=WEBHOOK, headers={"Idempotency-Key": key})


async def test_a_stored_answer_is_replayed_only_to_a_caller_who_may_make_the_request(
    tenants: TenantFactory, tenant: Tenant
) -> None:
    created = await _webhook(tenant, "webhook-key")
    assert created.status_code == 200, created.text
    secret = created.json()["payload"]["secret"]
    assert secret.startswith("whsec_")

    # A VIEWER of the same company, same key, same body: the operation's own 403, not the signing secret.
    viewer = await tenants.user(tenant, "VIEWER")
    refused = await _webhook(viewer, "webhook-key")
    assert refused.status_code == 403, refused.text
    assert _error_type(refused) == "INVALID_ACCESS"
    assert "idempotent-replayed" not in refused.headers
    assert secret not in refused.text and "whsec_" not in refused.text

    # So does a MAKER: registering webhooks is an ADMIN's.
    maker = await tenants.user(tenant, "MAKER")
    assert (await _webhook(maker, "webhook-key")).status_code == 403

    # A bad token: the operation's 401.
    forged = Tenant(**{**tenant.__dict__, "token": tenant.token[:-4] + "AAAA"})
    unauthorised = await _webhook(forged, "webhook-key")
    assert unauthorised.status_code == 401, unauthorised.text
    assert "whsec_" not in unauthorised.text

    # Another company's token under the same key: keys are per company, so its own webhook, not a replay.
    other = await tenants.create("Other Pvt Ltd")
    own = await _webhook(other, "webhook-key")
    assert own.status_code == 200, own.text
    assert "idempotent-replayed" not in own.headers
    assert own.json()["payload"]["secret"] != secret
    assert own.json()["payload"]["webhookId"] != created.json()["payload"]["webhookId"]

    # Another ADMIN of the company may make the request, so gets the stored answer.
    admin = await tenants.user(tenant, "ADMIN")
    replay = await _webhook(admin, "webhook-key")
    assert replay.status_code == 200 and replay.headers["idempotent-replayed"] == "true"
    assert replay.content == created.content
    listed = await tenant.get("/api/v0/webhook")
    assert len(listed.json()["payload"]) == 1


async def test_a_key_is_kept_for_a_customer_a_viewer_may_not_create(
    tenants: TenantFactory, tenant: Tenant
) -> None:
    """A VIEWER reads customers but may not create one: a replay of a create is refused like the create."""
    assert (await _create(tenant, "viewer-replay")).status_code == 200
    viewer = await tenants.user(tenant, "VIEWER")
    refused = await _create(viewer, "viewer-replay")
    assert refused.status_code == 403, refused.text
    assert "idempotent-replayed" not in refused.headers


async def test_a_checker_replaying_a_makers_invoice_gets_403(tenants: TenantFactory, tenant: Tenant) -> None:
    """Only an ADMIN or a MAKER creates invoices (api.md §4.2): a create's stored answer is not theirs."""
    customer = await tenant.create_customer()
    body = {"customerId": customer["customerId"], "baseAmount": 100, "dueDate": "2099-12-31"}
    headers = {"Idempotency-Key": "invoice-replay"}
    created = await tenant.post("/api/v0/invoice", json=body, headers=headers)
    assert created.status_code == 200, created.text

    checker = await tenants.user(tenant, "CHECKER")
    refused = await checker.post("/api/v0/invoice", json=body, headers=headers)

    assert refused.status_code == 403, refused.text
    assert _error_type(refused) == "INVALID_ACCESS"
    assert refused.json()["payload"] is None
    assert "idempotent-replayed" not in refused.headers
