"""dues and its sandbox network on one real uvicorn with a job worker (the fixtures of tests.bharat_connect),
so the pages show what really crossed the network."""

from __future__ import annotations

from tests.bharat_connect.conftest import _quick_retries, http, network, seller

__all__ = ["_quick_retries", "http", "network", "seller"]
