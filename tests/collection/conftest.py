from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.customers.helpers import cheap_password_hashes


@pytest.fixture(autouse=True)
def _cheap_hashes(cheap_password_hashes: None) -> None:
    """Cheap argon2 parameters for every test here (see tests.customers.helpers)."""


@pytest.fixture(autouse=True)
def _no_providers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No mail or SMS provider unless a test configures one (the embedded default)."""
    from dues.config import get_settings

    monkeypatch.delenv("DUES_SMTP_URL", raising=False)
    monkeypatch.delenv("DUES_SMS_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


__all__ = ["cheap_password_hashes"]
