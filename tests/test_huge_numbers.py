"""Amounts with absurd exponents, NaN and Infinity, sent as JSON numbers through real requests to every money
field path: each gets the amount's own 422 (too many decimals, too large, not a number), never a 500."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from tests.payments.helpers import INVOICES, PAYMENTS, body, customer, invoice
from tests.support import Tenant
from tests.test_envelope import assert_error

# JSON number text as a client sends it, and what the person is told about it.
HUGE = [
    ("1e999999999", "at most 99,999,999,999,999.99"),
    ("-1e999999999", None),
    ("1E+999999999", "at most 99,999,999,999,999.99"),
    ("1e-999999999", "at most 2 decimal places"),
    ("0.1e-999999999", "at most 2 decimal places"),
    ("123456789012345678901234567890.5", "at most"),
    ("1e20", "at most 99,999,999,999,999.99"),
    # Not JSON as bare words (RFC 8259 has no NaN): as strings they reach the field and are named there.
    ('"NaN"', "must be a number"),
    ('"Infinity"', "must be a number"),
    ('"-Infinity"', "must be a number"),
    ('"1e999999999"', "at most 99,999,999,999,999.99"),
]
MARK = "__NUMBER__"


def raw(document: dict[str, Any], number: str) -> bytes:
    """The JSON document with the number text put where MARK stands, digit for digit."""
    return json.dumps(document).replace(f'"{MARK}"', number).encode()


async def send(tenant: Tenant, path: str, document: dict[str, Any], number: str) -> httpx.Response:
    return await tenant.post(
        path, content=raw(document, number), headers={"Content-Type": "application/json"}
    )


def check(response: httpx.Response, field: str, says: str | None, started: float) -> None:
    assert time.perf_counter() - started < 2, "an absurd exponent must not cost seconds of arithmetic"
    error = assert_error(response, 422, "VALIDATION_ERROR")
    subs = {s["field"]: s["message"] for s in error["apiSubErrors"]}
    assert field in subs, error
    if says is not None:
        assert says in subs[field], subs[field]
    assert "greater than" not in subs[field] and "Decimal" not in subs[field]


@pytest.mark.parametrize(("number", "says"), HUGE)
async def test_invoice_amounts(tenant: Tenant, number: str, says: str | None) -> None:
    customer_id = await customer(tenant)
    base = {"customerId": customer_id, "invoiceDate": "2026-11-24", "dueDate": "2026-12-31"}
    for field in ("baseAmount", "minimumPartialAmount", "cgst"):
        document = {**base, "baseAmount": 1000, "cgst": 90, "sgst": 90, field: MARK}
        started = time.perf_counter()
        check(await send(tenant, INVOICES, document, number), field, says, started)
    line = {"description": "Consulting", "hsnSac": "998311", "quantity": 1, "gstRate": 18, "unitPrice": MARK}
    started = time.perf_counter()
    response = await send(tenant, INVOICES, {**base, "lineItems": [line]}, number)
    check(response, "lineItems[0].unitPrice", says, started)


@pytest.mark.parametrize(("number", "says"), HUGE[:4])
async def test_invoice_update_amounts(tenant: Tenant, number: str, says: str | None) -> None:
    inv = await invoice(tenant, await customer(tenant))
    for field in ("baseAmount", "minimumPartialAmount"):
        started = time.perf_counter()
        response = await tenant.patch(
            f"{INVOICES}/{inv['invoiceId']}",
            content=raw({field: MARK}, number),
            headers={"Content-Type": "application/json"},
        )
        check(response, field, says, started)


@pytest.mark.parametrize(("number", "says"), HUGE)
async def test_payment_amounts(tenant: Tenant, number: str, says: str | None) -> None:
    customer_id = await customer(tenant)
    inv = await invoice(tenant, customer_id)
    started = time.perf_counter()
    check(await send(tenant, PAYMENTS, body(customer_id, MARK), number), "amount", says, started)
    document = body(customer_id, 100, [(inv["invoiceId"], MARK)])
    started = time.perf_counter()
    check(await send(tenant, PAYMENTS, document, number), "allocations[0].amount", says, started)


@pytest.mark.parametrize(("number", "says"), HUGE)
async def test_search_filters(tenant: Tenant, number: str, says: str | None) -> None:
    for field in ("balanceAmountFrom", "balanceAmountTo", "baseAmountFrom"):
        started = time.perf_counter()
        check(await send(tenant, f"{INVOICES}/search", {field: MARK}, number), field, says, started)


@pytest.mark.parametrize("word", ["NaN", "Infinity", "-Infinity"])
async def test_bare_nan_and_infinity_are_not_json(tenant: Tenant, word: str) -> None:
    customer_id = await customer(tenant)
    response = await send(tenant, PAYMENTS, body(customer_id, MARK), word)
    assert_error(response, 400, "CLIENT_REQUEST_ERROR")


async def test_huge_integers_are_not_a_500(tenant: Tenant) -> None:
    customer_id = await customer(tenant)
    started = time.perf_counter()
    response = await send(tenant, PAYMENTS, body(customer_id, MARK), "9" * 5000)
    check(response, "amount", "at most 99,999,999,999,999.99", started)


async def test_the_pay_page_refuses_a_huge_amount_in_words(client: httpx.AsyncClient, tenant: Tenant) -> None:
    from tests.pay.helpers import checkout, dispatched

    _, token = await dispatched(tenant, base="1000", partial=True)
    for typed in ("1e999999999", "1e-999999999", "NaN", "Infinity"):
        response = await checkout(client, token, typed)
        assert response.status_code == 422, response.text
        assert 'id="amount-error"' in response.text
