from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dues.db import detached, driver_statement, fetch_rows
from dues.models import ApiClient, Company, User


async def get_client(session: AsyncSession, client_id: str) -> ApiClient | None:
    return await session.get(ApiClient, client_id)


async def get_user_by_email(session: AsyncSession, company_id: str, email: str) -> User | None:
    stmt = select(User).where(User.company_id == company_id, func.lower(User.email) == email.lower())
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_user_for_update(session: AsyncSession, company_id: str, user_id: str) -> User | None:
    stmt = select(User).where(User.company_id == company_id, User.user_id == user_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


_USER_COLUMNS = tuple(User.__table__.columns.keys())
_COMPANY_COLUMNS = tuple(Company.__table__.columns.keys())
# Every authenticated request runs it, so it goes straight through the driver. The user's company comes along:
# most requests read it next (companies.get finds it in the session's info).
_ACTIVE_USER = driver_statement(
    select(*User.__table__.columns, *Company.__table__.columns)
    .join(Company, Company.company_id == User.company_id)
    .where(
        User.company_id == bindparam("company_id"),
        User.user_id == bindparam("user_id"),
        User.active.is_(True),
    )
)


async def get_active_user(session: AsyncSession, company_id: str, user_id: str) -> User | None:
    """The active user, as a copy to read, with its company kept for the rest of the request."""
    rows = await fetch_rows(session, _ACTIVE_USER, {"company_id": company_id, "user_id": user_id})
    if not rows:
        return None
    values = rows[0]
    split = len(_USER_COLUMNS)
    company = detached(Company, _COMPANY_COLUMNS, values[split:])
    session.info[("company", company.company_id)] = company
    return detached(User, _USER_COLUMNS, values[:split])


async def record_failed_login(
    session: AsyncSession, user: User, max_attempts: int, lock_until: datetime
) -> None:
    """Count a wrong password; the last allowed one locks the user and starts a fresh count for after."""
    # One statement, so concurrent wrong guesses cannot lose a count.
    reaches_limit = User.failed_logins + 1 >= max_attempts
    stmt = (
        update(User)
        .where(User.user_id == user.user_id)
        .values(
            failed_logins=case((reaches_limit, 0), else_=User.failed_logins + 1),
            locked_until=case((reaches_limit, lock_until), else_=User.locked_until),
        )
    )
    await session.execute(stmt)


async def reset_failed_logins(session: AsyncSession, user: User) -> None:
    await session.execute(
        update(User).where(User.user_id == user.user_id).values(failed_logins=0, locked_until=None)
    )


def add(session: AsyncSession, obj: object) -> None:
    session.add(obj)
