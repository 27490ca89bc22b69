"""A bounded schemathesis run over every operation of the API, driven by the app's own /openapi.json.

Every generated request (valid and schema-violating ones) must get an answer that is not a 5xx, has a status
code the operation documents, and whose body matches the documented schema for that status.

How it runs: the app, its database session and the test's transaction live on pytest's event loop, so the
requests are sent there with the test's ``httpx`` client; Hypothesis (which is synchronous) drives the
generation from a worker thread and hands each request to the loop. Everything a run creates is rolled
back with the test's transaction, like any other test.

Knobs: ``DUES_FUZZ_EXAMPLES`` (examples per operation and mode, default 25) and ``DUES_FUZZ_RANDOM=1`` for a
fresh random run instead of the fixed, reproducible one CI makes.
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dues.app import create_app
from dues.config import Settings, get_settings
from tests.customers.helpers import cheap_password_hashes
from tests.support import Tenant

EXAMPLES = int(os.environ.get("DUES_FUZZ_EXAMPLES", "25"))
RANDOM = os.environ.get("DUES_FUZZ_RANDOM") == "1"
# Left out on purpose: negative_data_rejection, because every request carries the tenant's Authorization
# header (a case that "drops the required header" still sends it) and unknown query parameters are ignored,
# as HTTP APIs commonly do; and positive_data_acceptance, because schema-valid data still meets rules the
# schema cannot state (GSTIN check character, GSTIN/state agreement, ids that do not exist, another
# company's id → 403): those answers are 4xx by contract.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
FUZZED_PREFIXES = ("/api/", "/oauth/token")


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every fuzzed operation, read from the schema the app publishes."""
    app = create_app(Settings(jwt_secret=os.environ["DUES_JWT_SECRET"], inprocess_worker=False))
    spec = app.openapi()
    return sorted(
        (method.upper(), path)
        for path, item in spec["paths"].items()
        if path.startswith(FUZZED_PREFIXES)
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    )


_REQUEST_ARGS = {"method", "url", "headers", "files", "data", "json", "params", "auth", "cookies"}


def _as_sent(kwargs: dict[str, Any]) -> dict[str, Any]:
    """schemathesis serialises a case for ``requests``: let requests encode it (multipart, forms, odd values
    in negative cases) and send exactly those bytes with ``httpx``."""
    prepared = requests.Request(**{k: v for k, v in kwargs.items() if k in _REQUEST_ARGS}).prepare()
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    return {
        "method": prepared.method,
        "url": prepared.url,
        "headers": dict(prepared.headers),
        "content": body,
    }


@pytest.fixture(autouse=True)
def _cheap_hashes(cheap_password_hashes: None) -> None:
    """Cheap argon2 parameters: the token endpoint is called often here (helpers.cheap_password_hashes)."""


@pytest.fixture(autouse=True)
def _webhooks_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """A webhook on 127.0.0.1 (never delivered: no worker runs here), so its id is real for the fuzzer."""
    monkeypatch.setattr(get_settings(), "webhooks_allow_private", True)


@pytest.mark.parametrize(("method", "path"), _operations(), ids=lambda v: str(v))
async def test_fuzz(method: str, path: str, client: httpx.AsyncClient, tenant: Tenant) -> None:
    schema = schemathesis.openapi.from_dict((await client.get("/openapi.json")).json())
    operation = schema[path][method]

    # Real ids, so generated PATCH/PUT/DELETE and contact calls reach the code behind the 404 as well.
    customer = await tenant.create_customer(customerKeyContacts=[{"name": "Asha", "email": "asha@x.in"}])
    invoice = await tenant.post(
        "/api/v0/invoice",
        json={"customerId": customer["customerId"], "baseAmount": 100, "dueDate": "2099-12-31"},
    )
    invoice_id = invoice.json()["payload"]["invoiceId"]
    payment = await tenant.post(
        "/api/v0/payment",
        json={
            "customerId": customer["customerId"],
            "mode": "NEFT",
            "amount": 100,
            "reference": "UTR-FUZZ-1",
            "paidOn": "2026-01-01",
        },
    )
    reminder = await tenant.post(
        "/api/v0/customer/reminder",
        json={"name": "Fuzz", "steps": [{"offsetDays": 0, "channels": ["EMAIL"]}]},
    )
    webhook = await tenant.post(
        "/api/v0/webhook", json={"url": "http://127.0.0.1:9/hook", "events": ["invoice.paid"]}
    )
    known = {
        "customerId": customer["customerId"],
        "contactId": customer["customerKeyContacts"][0]["contactId"],
        "invoiceId": invoice_id,
        "paymentId": payment.json()["payload"]["paymentId"],
        "reminderId": reminder.json()["payload"]["reminderId"],
        "webhookId": webhook.json()["payload"]["webhookId"],
    }
    path_params = {k: v for k, v in known.items() if "{" + k + "}" in path} or None
    strategies = [operation.as_strategy(generation_mode=mode) for mode in GenerationMode]
    if path_params:
        strategies += [
            operation.as_strategy(generation_mode=mode, path_parameters=path_params)
            for mode in GenerationMode
        ]
    if path == "/oauth/token":
        basic = base64.b64encode(f"{tenant.client_id}:{tenant.client_secret}".encode()).decode()
        headers = {"Authorization": f"Basic {basic}"}
        # Random credentials never succeed; these do, so the 200 body is checked against its schema too.
        strategies += [
            operation.as_strategy(
                body={"grant_type": "password", "username": tenant.username, "password": tenant.password}
            ),
            operation.as_strategy(
                body={"grant_type": "refresh_token", "refresh_token": tenant.refresh_token}
            ),
        ]
    else:
        headers = tenant.headers()

    loop = asyncio.get_running_loop()

    def send(case: schemathesis.Case) -> httpx.Response:
        kwargs = case.as_transport_kwargs(base_url=str(client.base_url).rstrip("/"), headers=headers)
        future = asyncio.run_coroutine_threadsafe(client.request(**_as_sent(kwargs)), loop)
        return future.result(timeout=60)

    fuzz_settings = settings(
        max_examples=EXAMPLES * len(strategies),
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
        print_blob=True,
    )

    def run() -> None:
        @fuzz_settings
        @given(case=st.one_of(strategies))
        def fuzz(case: schemathesis.Case) -> None:
            response = send(case)
            case.validate_response(response, checks=CHECKS, headers=headers)

        fuzz()

    runner: Callable[[], None] = run
    await asyncio.to_thread(runner)


__all__ = ["cheap_password_hashes"]
