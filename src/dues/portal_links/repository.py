"""Every query on portal_links, by company."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dues.kit.timefmt import now
from dues.models.web import PortalLink


async def use_live(session: AsyncSession, company_id: str, link_id: str) -> str | None:
    """The customer of a live link, its use noted; None for a revoked or unknown one."""
    stmt = (
        update(PortalLink)
        .where(
            PortalLink.company_id == company_id,
            PortalLink.link_id == link_id,
            PortalLink.revoked_on.is_(None),
        )
        .values(last_used_on=now())
        .returning(PortalLink.customer_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def live(session: AsyncSession, company_id: str, customer_id: str) -> PortalLink | None:
    stmt = select(PortalLink).where(
        PortalLink.company_id == company_id,
        PortalLink.customer_id == customer_id,
        PortalLink.revoked_on.is_(None),
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def history(session: AsyncSession, company_id: str, customer_id: str, limit: int) -> list[PortalLink]:
    stmt = (
        select(PortalLink)
        .where(PortalLink.company_id == company_id, PortalLink.customer_id == customer_id)
        .order_by(PortalLink.created_on.desc(), PortalLink.link_id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def live_link_ids(
    session: AsyncSession, company_id: str, customer_ids: Sequence[str]
) -> dict[str, str]:
    """customerId → its live link's id, for those of ``customer_ids`` that have one."""
    stmt = select(PortalLink.customer_id, PortalLink.link_id).where(
        PortalLink.company_id == company_id,
        PortalLink.customer_id.in_(list(customer_ids)),
        PortalLink.revoked_on.is_(None),
    )
    return {str(c): str(link) for c, link in (await session.execute(stmt)).all()}


async def add(session: AsyncSession, link: PortalLink) -> PortalLink:
    session.add(link)
    await session.flush()
    await session.refresh(link)
    return link


async def mark_revoked(session: AsyncSession, link: PortalLink, actor: str, when: datetime) -> None:
    link.revoked_on = when
    link.revoked_by = actor
    await session.flush()
