"""The network adapters: which one the settings choose, and what the EnKash adapter puts on the wire (a real
HTTP server on 127.0.0.1 records it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI, Request

from dues.bharat_connect import network, signing
from dues.bharat_connect.network import EnkashNetwork, SandboxNetwork, Unreachable, network_of
from dues.config import Settings
from tests.support import served

SECRET = "k" * 40


def _settings(**values: Any) -> Settings:
    return Settings(jwt_secret=SECRET, **values)


def test_the_sandbox_outside_production_and_nothing_in_production_unless_named() -> None:
    assert isinstance(network_of(_settings(env="development")), SandboxNetwork)
    assert network_of(_settings(env="production")) is None
    named = network_of(_settings(env="production", bharat_connect="sandbox"))
    assert isinstance(named, SandboxNetwork) and named.test_mode
    assert network_of(_settings(env="development", bharat_connect="off")) is None
    with pytest.raises(RuntimeError, match="not a network"):
        network_of(_settings(bharat_connect="npci"))


def test_the_sandbox_defaults_to_dues_own_mount_and_a_derived_secret() -> None:
    settings = _settings(public_url="http://127.0.0.1:8123")
    sandbox = network_of(settings)
    assert isinstance(sandbox, SandboxNetwork)
    assert sandbox.base_url == "http://127.0.0.1:8123/bc-sandbox"
    assert network.sandbox_served_here(settings)
    # Derived from the server's key, for this purpose only: neither the key itself nor a constant.
    assert sandbox.secret not in (SECRET, "") and sandbox.secret == network.sandbox_secret(settings)
    assert network.sandbox_secret(_settings()) != network.sandbox_secret(Settings(jwt_secret="x" * 40))
    elsewhere = _settings(bharat_connect_url="http://127.0.0.1:8100/bc-sandbox/")
    assert network_of(elsewhere).base_url == "http://127.0.0.1:8100/bc-sandbox"  # type: ignore[union-attr]
    assert not network.sandbox_served_here(elsewhere)


def test_enkash_needs_its_url_secret_and_credentials() -> None:
    complete = {
        "bharat_connect": "enkash",
        "bharat_connect_url": "https://b2b.example/",
        "bharat_connect_secret": "shared",
        "bharat_connect_client_id": "client",
        "bharat_connect_client_secret": "client-secret",
    }
    assert isinstance(network_of(_settings(**complete)), EnkashNetwork)
    for missing in ("bharat_connect_url", "bharat_connect_secret", "bharat_connect_client_id"):
        with pytest.raises(RuntimeError, match="must be set"):
            network_of(_settings(**{k: v for k, v in complete.items() if k != missing}))


async def test_enkash_sends_exact_json_signed_with_its_client_headers() -> None:
    seen: list[tuple[str, dict[str, str], bytes]] = []
    peer = FastAPI()

    @peer.post("/{path:path}")
    async def record(path: str, request: Request) -> dict[str, Any]:
        seen.append((path, dict(request.headers), await request.body()))
        return {"response_code": 0, "response_message": "SUCCESS", "payload": {"amount": 1.5}}

    async with served(peer) as url:
        enkash = EnkashNetwork(url + "/b2b", "shared", "client", "client-secret")
        answer = await enkash.send(
            "/api/v0/invoice/req-send-invoice", {"reqMsgId": "D1", "amount": Decimal("1180.10")}
        )

    assert answer.taken and answer.payload == {"amount": Decimal("1.5")}
    path, headers, raw = seen[0]
    assert path == "b2b/api/v0/invoice/req-send-invoice"
    assert raw == b'{"reqMsgId":"D1","amount":1180.10}'  # the paise as written, not a float's
    assert (headers["client-id"], headers["client-secret"]) == ("client", "client-secret")
    assert signing.verify("shared", raw, headers[signing.HEADER.lower()])
    assert not signing.verify("other", raw, headers[signing.HEADER.lower()])


async def test_a_network_that_is_not_there_is_unreachable() -> None:
    with pytest.raises(Unreachable, match="ConnectError"):
        await SandboxNetwork("http://127.0.0.1:9/bc-sandbox", "s").send("/api/v0/x", {"reqMsgId": "D2"})
