from __future__ import annotations

import pytest

from tests.customers.helpers import cheap_password_hashes


@pytest.fixture(autouse=True)
def _cheap_hashes(cheap_password_hashes: None) -> None:
    """Cheap argon2 parameters for every test here (see tests.customers.helpers)."""


__all__ = ["cheap_password_hashes"]
