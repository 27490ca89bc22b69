"""The customers' portal links (api.md §12): the token in a link's URL, and the links themselves.

The token is ``{company_id}.{link_id}.{sig}``, sig = base64url(HMAC-SHA256(key, "portal:{company}:{link}"))
under a key derived from the server's secret; the secret part is never stored, so a copy of the database
does not open anyone's portal. A link is live until revoked; a new link gets a new link_id, so an old URL
stays dead. Anything that does not verify, or names a revoked or unknown link, is the same "not found".

A domain of its own, beside the web layer, because statements and reminders print the link too; its SQL is in
``repository``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from dues.config import get_settings
from dues.kit import ids
from dues.kit.timefmt import now
from dues.models.web import PortalLink
from dues.portal_links import repository

_TOKEN = re.compile(
    r"^(?P<company>[A-Za-z0-9]{1,10})\.(?P<link>PL[A-Z0-9]{14})\.(?P<sig>[A-Za-z0-9_-]{43})\Z"
)


def _key() -> bytes:
    # Derived, so the portal's signatures and the session tokens signed with the secret never share a key.
    secret = get_settings().secret_key().encode()
    return hmac.new(secret, b"dues/web/portal/link", hashlib.sha256).digest()


def _sig(company_id: str, link_id: str) -> str:
    mac = hmac.new(_key(), f"portal:{company_id}:{link_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def token_of(company_id: str, link_id: str) -> str:
    return f"{company_id}.{link_id}.{_sig(company_id, link_id)}"


def url_of(company_id: str, link_id: str) -> str:
    return f"{get_settings().public_url.rstrip('/')}/portal/{token_of(company_id, link_id)}"


def parse(token: str) -> tuple[str, str] | None:
    """(company_id, link_id) of a token whose signature holds; None for anything else. Constant-time."""
    match = _TOKEN.match(token)
    if match is None:
        return None
    company_id, link_id = match["company"], match["link"]
    if not hmac.compare_digest(match["sig"].encode(), _sig(company_id, link_id).encode()):
        return None
    return company_id, link_id


@dataclass(frozen=True)
class Holder:
    """Whose portal a live link opens."""

    company_id: str
    customer_id: str
    link_id: str

    @property
    def actor(self) -> str:
        """How the audit log names what the customer did through the portal."""
        return f"portal:{self.link_id}"


async def open_token(session: AsyncSession, token: str) -> Holder | None:
    """The live link a token names, its use noted; None for a bad, unknown or revoked token."""
    parsed = parse(token)
    if parsed is None:
        return None
    company_id, link_id = parsed
    customer_id = await repository.use_live(session, company_id, link_id)
    return None if customer_id is None else Holder(company_id, customer_id, link_id)


async def live(session: AsyncSession, company_id: str, customer_id: str) -> PortalLink | None:
    return await repository.live(session, company_id, customer_id)


async def history(
    session: AsyncSession, company_id: str, customer_id: str, limit: int = 20
) -> list[PortalLink]:
    return await repository.history(session, company_id, customer_id, limit)


async def live_urls(session: AsyncSession, company_id: str, customer_ids: Sequence[str]) -> dict[str, str]:
    """customerId → its live portal link's URL, for those of ``customer_ids`` that have one (one query)."""
    if not customer_ids:
        return {}
    found = await repository.live_link_ids(session, company_id, customer_ids)
    return {customer: url_of(company_id, link) for customer, link in found.items()}


async def create(session: AsyncSession, company_id: str, customer_id: str, actor: str) -> PortalLink:
    link = PortalLink(
        company_id=company_id, link_id=ids.portal_link_id(), customer_id=customer_id, created_by=actor
    )
    return await repository.add(session, link)


async def revoke(session: AsyncSession, link: PortalLink, actor: str) -> None:
    await repository.mark_revoked(session, link, actor, now())
