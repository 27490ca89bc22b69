"""The company's registration on the network and the entity search, end to end over real HTTP: dues queues
each onboarding step, the job worker sends it to the sandbox network, the sandbox answers with the resp-*,
and dues moves on."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from dues.bharat_connect.sandbox.entities import b2b_id_of
from dues.config import get_settings
from dues.db import Database
from tests.bharat_connect.helpers import REGISTRATION, SEARCH, control, register
from tests.customers.helpers import assert_error, payload
from tests.support import Tenant, TenantFactory, gstin_for


async def test_registration_ends_registered_with_the_networks_b2b_id(
    committed: Database, seller: Tenant
) -> None:
    missing = await seller.get(REGISTRATION)
    assert_error(missing, 404, "RECORD_NOT_FOUND")

    gstin = payload(await seller.get("/api/v0/company"))["gstin"]
    b2b_id = await register(seller)

    # The sandbox derives a business's B2B id from its GSTIN: the same id its search answers.
    assert b2b_id == b2b_id_of(gstin)
    shown = payload(await seller.get(REGISTRATION))
    assert shown["status"] == "REGISTERED"
    assert shown["network"] == "sandbox" and shown["testMode"] is True
    assert shown["pan"] == gstin[2:12] and shown["gstin"] == gstin
    async with committed.sessionmaker() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT direction, path, state FROM bc_messages WHERE company_id = :c "
                    "ORDER BY created_on, direction DESC"
                ),
                {"c": seller.company_id},
            )
        ).all()
    # Three steps, each sent and answered (ACKED), each answer stored once and applied.
    assert [tuple(r) for r in rows if r[0] == "OUT"] == [
        ("OUT", "/api/v0/business-onboarding/reg-check-entity", "ACKED"),
        ("OUT", "/api/v0/business-onboarding/reg-entity", "ACKED"),
        ("OUT", "/api/v0/business-onboarding/reg-id", "ACKED"),
    ]
    assert sorted(tuple(r) for r in rows if r[0] == "IN") == [
        ("IN", "/api/v0/business-onboarding/respCheckEntity", "APPLIED"),
        ("IN", "/api/v0/business-onboarding/respRegEntity", "APPLIED"),
        ("IN", "/api/v0/business-onboarding/respRegId", "APPLIED"),
    ]

    again = await seller.post(REGISTRATION, json={"pan": gstin[2:12]})
    assert "already registered" in assert_error(again, 422, "UNPROCESSABLE_REQUEST")["errorMessage"]


async def test_registration_checks_the_gstin_carries_the_pan(seller: Tenant, network: str) -> None:
    response = await seller.post(REGISTRATION, json={"pan": "AAAPZ1234C", "gstin": gstin_for("29")})
    error = assert_error(response, 422, "VALIDATION_ERROR")
    assert error["apiSubErrors"][0]["field"] == "gstin"
    bad_pan = await seller.post(REGISTRATION, json={"pan": "12345"})
    assert assert_error(bad_pan, 422, "VALIDATION_ERROR")["apiSubErrors"][0]["field"] == "pan"


async def test_only_an_admin_registers(committed: Database, http: httpx.AsyncClient, seller: Tenant) -> None:
    maker = await TenantFactory(committed, http).user(seller, "MAKER")
    response = await maker.post(REGISTRATION, json={"pan": "AAAPZ1234C"})
    assert_error(response, 403, "INVALID_ACCESS")


async def test_search_by_gstin_fills_the_customers_b2b_id(committed: Database, seller: Tenant) -> None:
    buyer_gstin = gstin_for("29")
    customer = await seller.create_customer(
        legalName="Kaveri Foods Pvt Ltd", panOrGstin=buyer_gstin, state="Karnataka"
    )
    assert customer["bharatConnectB2BId"] is None

    response = await seller.post(SEARCH, json={"gstin": buyer_gstin, "customerId": customer["customerId"]})
    found = payload(response)

    assert found["entities"] == [
        {
            "b2bId": b2b_id_of(buyer_gstin),
            "legalName": f"Business {buyer_gstin}",
            "gstin": buyer_gstin,
            "pan": buyer_gstin[2:12],
        }
    ]
    assert found["filled"] is True and found["testMode"] is True
    shown = payload(await seller.get(f"/api/v0/customer/{customer['customerId']}"))
    assert shown["bharatConnectB2BId"] == b2b_id_of(buyer_gstin)
    # Audited as any edit of the customer: who, what changed.
    history = payload(
        await seller.get(f"/api/v0/audit?entityType=customer&entityId={customer['customerId']}")
    )
    changes = [entry for entry in history["items"] if entry["action"] == "UPDATE"]
    assert changes and list(changes[0]["after"].values()) == [b2b_id_of(buyer_gstin)]
    assert changes[0]["actor"] != "bharat-connect"  # the user who searched


async def test_search_by_pan_and_by_a_malformed_gstin(seller: Tenant, http: httpx.AsyncClient) -> None:
    pan = gstin_for("27")[2:12]
    by_pan = payload(await seller.post(SEARCH, json={"pan": pan}))
    assert [e["b2bId"] for e in by_pan["entities"]] == [b2b_id_of(pan)]
    assert by_pan["filled"] is False

    # A GSTIN whose check character is wrong is no business: the API refuses it before asking.
    wrong = gstin_for("27")[:-1] + ("A" if not gstin_for("27").endswith("A") else "B")
    refused = await seller.post(SEARCH, json={"gstin": wrong})
    assert_error(refused, 422, "VALIDATION_ERROR")
    both = await seller.post(SEARCH, json={"gstin": gstin_for("27"), "pan": pan})
    assert "exactly one" in assert_error(both, 422, "VALIDATION_ERROR")["errorMessage"]

    # Searching with a customer but several (or no) entities found fills nothing.
    customer = await seller.create_customer()
    none = payload(
        await seller.post(SEARCH, json={"name": "Nobody Such", "customerId": customer["customerId"]})
    )
    assert none == {**none, "entities": [], "filled": False}
    unknown = await seller.post(SEARCH, json={"pan": pan, "customerId": "KCNOSUCHCUSTOMER"})
    assert_error(unknown, 404, "RECORD_NOT_FOUND")


async def test_search_answers_503_when_the_network_cannot_answer(
    seller: Tenant, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    gstin = gstin_for("27")
    await control(http, "POST", "/rules", json={"action": "fail-next", "n": 1})
    failing = await seller.post(SEARCH, json={"gstin": gstin})
    error = assert_error(failing, 503, "SYSTEM_ERROR")
    assert "could not take the search now (HTTP 503" in error["errorMessage"]
    assert payload(await seller.post(SEARCH, json={"gstin": gstin}))["entities"]  # the rule is used up

    # Nothing listens where the network should be.
    monkeypatch.setenv("DUES_BHARAT_CONNECT_URL", "http://127.0.0.1:9/bc-sandbox")
    get_settings.cache_clear()
    unreachable = await seller.post(SEARCH, json={"gstin": gstin})
    assert "did not answer the search" in assert_error(unreachable, 503, "SYSTEM_ERROR")["errorMessage"]
