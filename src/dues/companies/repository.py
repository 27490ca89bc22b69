from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dues.models import ApiClient, Company, User


async def get(session: AsyncSession, company_id: str) -> Company | None:
    """The company, to read; the one authentication read for this request when it is that one."""
    known = session.info.get(("company", company_id))
    if known is not None:
        return known  # type: ignore[no-any-return]
    return await session.get(Company, company_id)


async def get_for_update(session: AsyncSession, company_id: str) -> Company | None:
    stmt = select(Company).where(Company.company_id == company_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def is_child(session: AsyncSession, parent_id: str, child_id: str) -> bool:
    stmt = select(Company.company_id).where(
        Company.company_id == child_id, Company.parent_company_id == parent_id
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


def add(session: AsyncSession, *objs: Company | ApiClient | User) -> None:
    session.add_all(objs)


async def list_all(session: AsyncSession) -> list[Company]:
    """Every company, oldest first: the operator's view (`dues company list`), never an API answer."""
    stmt = select(Company).order_by(Company.created_on, Company.company_id)
    return list((await session.execute(stmt)).scalars())


async def users(session: AsyncSession, company_id: str) -> list[User]:
    stmt = select(User).where(User.company_id == company_id).order_by(User.email)
    return list((await session.execute(stmt)).scalars())


async def logo(session: AsyncSession, company_id: str) -> tuple[bytes, str] | None:
    """The company's logo and its content type; None without one. Read on its own: the column is
    deferred, so loading a company never carries it."""
    stmt = select(Company.logo, Company.logo_content_type).where(
        Company.company_id == company_id, Company.logo.is_not(None)
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None or row.logo_content_type is None:
        return None
    return bytes(row.logo), row.logo_content_type


async def set_logo(
    session: AsyncSession, company_id: str, content: bytes | None, content_type: str | None
) -> None:
    """Through the ORM, as every change of a company: the authentication cache hears of it at commit."""
    company = await get_for_update(session, company_id)
    if company is None:
        return
    company.logo = content
    company.logo_content_type = content_type
    await session.flush()


async def user(
    session: AsyncSession, company_id: str, user_id: str, *, for_update: bool = False
) -> User | None:
    stmt = select(User).where(User.company_id == company_id, User.user_id == user_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def active_admins(session: AsyncSession, company_id: str) -> list[str]:
    """The user ids of the company's active ADMINs, locked: two admins demoting each other at once must not
    both succeed and leave the company with none."""
    stmt = (
        select(User.user_id)
        .where(User.company_id == company_id, User.role == "ADMIN", User.active.is_(True))
        .order_by(User.user_id)
        .with_for_update()
    )
    return list((await session.execute(stmt)).scalars())
