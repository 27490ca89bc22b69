"""Inbound messages (docs/decisions/0007): CONTRACT shared with the transport (brief BC-NET).

Stand-in, written by the flows branch so that it runs before the transport lands: on merge the transport's
version (the router under /bharat-connect, which stores each message and calls its handler in the same
transaction) replaces this file. The contract: ``handler(path)`` registers ``f(session, company_id, body)`` in
``HANDLERS``; a dues.errors error it raises refuses the message; the modules of HANDLER_MODULES hold them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

Handler = Callable[[AsyncSession, str, dict[str, Any]], Awaitable[None]]
HANDLERS: dict[str, Handler] = {}
HANDLER_MODULES = [
    "dues.bharat_connect.service",
    "dues.bharat_connect.purchase_orders",
    "dues.bharat_connect.onboarding",
]


def handler(path: str) -> Callable[[Handler], Handler]:
    """Register ``f`` as what applies a network message received at ``path``."""

    def register(f: Handler) -> Handler:
        HANDLERS[path] = f
        return f

    return register
