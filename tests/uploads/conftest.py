"""Uploads run in a background job, in its own transactions: these tests use real commits (``committed``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
import pytest_asyncio

from dues.db import Database
from tests.support import Tenant, TenantFactory


@pytest_asyncio.fixture(loop_scope="session")
async def live(
    committed: Database, app_factory: Callable[[Database], object]
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on an app whose requests really commit, so the job sees what they wrote."""
    transport = httpx.ASGITransport(app=app_factory(committed))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://dues.test") as client:
        yield client


@pytest.fixture
def live_tenants(committed: Database, live: httpx.AsyncClient) -> TenantFactory:
    return TenantFactory(committed, live)


@pytest_asyncio.fixture(loop_scope="session")
async def seller(live_tenants: TenantFactory) -> Tenant:
    return await live_tenants.create()
