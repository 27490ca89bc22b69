"""Uploads run in a background job, in its own transactions: these tests use real commits (``committed``)."""

from __future__ import annotations

import pytest_asyncio

from tests.support import Tenant, TenantFactory


@pytest_asyncio.fixture(loop_scope="session")
async def seller(live_tenants: TenantFactory) -> Tenant:
    return await live_tenants.create()
