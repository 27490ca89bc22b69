from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, event, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

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


async def read_active_user(session: AsyncSession, company_id: str, user_id: str) -> tuple[Any, ...] | None:
    """The active user's row joined with its company's (for as_user), or None."""
    rows = await fetch_rows(session, _ACTIVE_USER, {"company_id": company_id, "user_id": user_id})
    return rows[0] if rows else None


def as_user(session: AsyncSession, values: Sequence[Any]) -> User:
    """The user of a read_active_user row, as a copy to read, with its company kept for the rest of the
    request (companies.get finds it in the session's info). Fresh copies each time: nothing is shared
    between requests."""
    split = len(_USER_COLUMNS)
    company = detached(Company, _COMPANY_COLUMNS, values[split:])
    session.info[("company", company.company_id)] = company
    return detached(User, _USER_COLUMNS, values[:split])


async def get_active_user(session: AsyncSession, company_id: str, user_id: str) -> User | None:
    """The active user, as a copy to read, with its company kept for the rest of the request."""
    values = await read_active_user(session, company_id, user_id)
    return None if values is None else as_user(session, values)


_CHANGED = "dues.auth.user_or_company_changed"
_on_change: list[Callable[[], None]] = []


def on_user_or_company_change(callback: Callable[[], None]) -> None:
    """Call ``callback`` after every commit in this process that changed a user or a company through the
    ORM (every such change here goes through it: deactivation, passwords, company settings)."""
    _on_change.append(callback)


@event.listens_for(Session, "after_flush")
def _note_change(session: Session, _context: object) -> None:
    if any(isinstance(obj, (User, Company)) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _announce_change(session: Session) -> None:
    # After the commit, not the flush: a read made in between would see, and keep, the old rows.
    if session.info.pop(_CHANGED, False):
        for callback in _on_change:
            callback()


@event.listens_for(Session, "after_rollback")
def _drop_change(session: Session) -> None:
    session.info.pop(_CHANGED, None)


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
