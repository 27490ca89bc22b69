"""Which gateways a server offers (DUES_GATEWAYS, DUES_ENV): a production server never runs the sandbox unless
the operator names it, since the sandbox lets any payer mark an invoice paid without paying."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import structlog

from dues import jobs
from dues.app import create_app
from dues.config import Settings
from dues.db import Database
from dues.pay import gateway
from tests.pay.helpers import checkout, dispatched, send_callback, session_of, set_upi
from tests.support import Tenant


def production(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(
        home=tmp_path,
        env="production",
        jwt_secret=os.environ["DUES_JWT_SECRET"],
        database_url="postgresql://unused",
        inprocess_worker=False,
        **overrides,  # type: ignore[arg-type]
    )


@asynccontextmanager
async def serving(db: Database, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    jobs.bind(db)
    app = create_app(settings, db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://dues.test") as http:
        yield http


async def test_production_offers_no_sandbox_unless_named(
    db: Database, client: httpx.AsyncClient, tenant: Tenant, tmp_path: Path
) -> None:
    await set_upi(tenant, "seller@okaxis")
    inv, token = await dispatched(tenant, base="1000")
    # A sandbox checkout session started on a development server (signed with the same key).
    started = await checkout(client, token, "1180.00")
    assert started.status_code == 303
    session = session_of(started.headers["location"])
    sealed = started.headers["location"].split("session=", 1)[1]

    async with serving(db, production(tmp_path)) as prod:
        page = await prod.get(f"/pay/{token}")
        assert page.status_code == 200
        assert 'id="pay-online"' not in page.text and "/checkout" not in page.text
        assert 'id="upi-link"' in page.text and "upi://pay" in page.text  # UPI is still offered

        assert (await checkout(prod, token, "1180.00")).status_code == 404
        assert (await prod.get(f"/pay/sandbox/checkout?session={sealed}")).status_code == 404
        complete = await prod.post("/pay/sandbox/complete", data={"session": sealed, "outcome": "succeed"})
        assert complete.status_code == 404
        callback = await send_callback(prod, session, succeeded=True)
        assert callback.status_code == 404

    # Nothing above paid anything.
    shown = (await tenant.get(f"/api/v0/invoice/{inv['invoiceId']}")).json()["payload"]
    assert shown["status"] == "DISPATCHED" and str(shown["balanceAmount"]) in ("1180", "1180.0", "1180.00")


async def test_a_page_without_gateway_or_upi_says_how_else_to_pay(
    db: Database, tenant: Tenant, tmp_path: Path
) -> None:
    _, token = await dispatched(tenant, base="1000")
    async with serving(db, production(tmp_path)) as prod:
        page = await prod.get(f"/pay/{token}")
    assert page.status_code == 200
    assert "Pay online above" not in page.text
    assert "bank details" in page.text


async def test_production_with_the_sandbox_named_offers_it_and_warns(
    db: Database, tenant: Tenant, tmp_path: Path
) -> None:
    settings = production(tmp_path, gateways="sandbox")
    with structlog.testing.capture_logs() as logs:
        gateway.announce(settings)
    assert {
        "event": "payment gateways",
        "gateways": ["sandbox"],
        "env": "production",
        "log_level": "info",
    } in logs
    warnings = [e for e in logs if e["log_level"] == "warning"]
    assert len(warnings) == 1 and "test-mode payments are enabled" in warnings[0]["event"]

    _, token = await dispatched(tenant, base="1000")
    async with serving(db, settings) as prod:
        page = await prod.get(f"/pay/{token}")
        assert 'id="pay-online"' in page.text
        started = await checkout(prod, token, "1180.00")
    assert started.status_code == 303
    assert "/pay/sandbox/checkout?session=" in started.headers["location"]


def test_gateway_settings(tmp_path: Path) -> None:
    assert gateway.configured_names(Settings(home=tmp_path)) == ["sandbox"]  # development
    assert gateway.configured_names(production(tmp_path)) == []
    assert gateway.configured_names(production(tmp_path, gateways=" Sandbox , ")) == ["sandbox"]
    assert gateway.configured_names(Settings(home=tmp_path, gateways="")) == []  # turned off in development
    with pytest.raises(RuntimeError, match=r"unknown gateway.*razorpay"):
        create_app(production(tmp_path, gateways="sandbox,razorpay"))
    with structlog.testing.capture_logs() as logs:
        gateway.announce(Settings(home=tmp_path))
    assert not [e for e in logs if e["log_level"] == "warning"]
