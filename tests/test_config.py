"""Settings that depend on how `dues serve` was started: the public address links use."""

from __future__ import annotations

import pytest

from dues.config import Settings, public_url_for, served_url


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 8080, "http://127.0.0.1:8080"),
        ("0.0.0.0", 8080, "http://127.0.0.1:8080"),  # noqa: S104 (a listening address, mapped for links)
        ("", 9000, "http://127.0.0.1:9000"),
        ("::", 8000, "http://[::1]:8000"),
        ("::1", 8000, "http://[::1]:8000"),
        ("dues.internal", 8000, "http://dues.internal:8000"),
    ],
)
def test_links_reach_the_server_where_it_listens(host: str, port: int, url: str) -> None:
    assert served_url(host, port) == url


def test_links_follow_the_port_unless_dues_public_url_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DUES_PUBLIC_URL", raising=False)
    assert public_url_for(Settings(), "0.0.0.0", 8080) == "http://127.0.0.1:8080"  # noqa: S104
    monkeypatch.setenv("DUES_PUBLIC_URL", "https://pay.example.com")
    assert public_url_for(Settings(), "0.0.0.0", 8080) == "https://pay.example.com"  # noqa: S104
