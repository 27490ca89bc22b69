from __future__ import annotations

import pytest

from tests.customers.helpers import cheap_password_hashes


@pytest.fixture(autouse=True)
def _cheap_hashes(cheap_password_hashes: None) -> None:
    """Cheap argon2 parameters for every test here (see tests.customers.helpers)."""


@pytest.fixture(autouse=True)
def _no_providers(no_message_providers: None) -> None:
    """No mail or SMS provider: reminders stay PENDING in the outbox, where the tests read them."""


__all__ = ["cheap_password_hashes"]
