from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from dues.config import get_settings
from tests.customers.helpers import cheap_password_hashes
from tests.webhooks.receiver import Receiver


@pytest.fixture(autouse=True)
def _cheap_hashes(cheap_password_hashes: None) -> None:
    """Cheap argon2 parameters for every test here (see tests.customers.helpers)."""


@pytest.fixture
def refuse_private(monkeypatch: pytest.MonkeyPatch) -> None:
    """The production default, whatever the environment of the test run says."""
    monkeypatch.setattr(get_settings(), "webhooks_allow_private", False)


@pytest_asyncio.fixture(loop_scope="session")
async def second_receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


__all__ = ["cheap_password_hashes"]
