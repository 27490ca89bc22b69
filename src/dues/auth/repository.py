from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, case, delete, event, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from dues.db import detached, driver_statement, fetch_rows
from dues.models import ApiClient, Company, RefreshTokenFamily, User


async def get_client(session: AsyncSession, client_id: str) -> ApiClient | None:
    return await session.get(ApiClient, client_id)


async def get_user_by_email(session: AsyncSession, company_id: str, email: str) -> User | None:
    stmt = select(User).where(User.company_id == company_id, func.lower(User.email) == email.lower())
    return (await session.execute(stmt)).scalar_one_or_none()


_USER_COLUMNS = tuple(User.__table__.columns.keys())
# Not the logo (up to 512 KB, deferred in the model): every authenticated request runs this; the documents
# read the logo on their own (companies.repository.logo).
_COMPANY_COLUMNS = tuple(key for key in Company.__table__.columns.keys() if key != "logo")
_USER_END = len(_USER_COLUMNS)
_COMPANY_END = _USER_END + len(_COMPANY_COLUMNS)
# Every authenticated request runs it, so it goes straight through the driver. The user's company comes along:
# most requests read it next (companies.get finds it in the session's info). So does whether the token's
# refresh token family has been revoked (a primary-key look-up; no family: not revoked).
_ACTIVE_USER = driver_statement(
    select(
        *User.__table__.columns,
        *(Company.__table__.columns[key] for key in _COMPANY_COLUMNS),
        RefreshTokenFamily.revoked_on.is_not(None).label("family_revoked"),
    )
    .join(Company, Company.company_id == User.company_id)
    .outerjoin(
        RefreshTokenFamily,
        (RefreshTokenFamily.company_id == User.company_id)
        & (RefreshTokenFamily.family_id == bindparam("family_id", type_=String)),
    )
    .where(
        User.company_id == bindparam("company_id"),
        User.user_id == bindparam("user_id"),
        User.active.is_(True),
    )
)


async def read_active_user(
    session: AsyncSession, company_id: str, user_id: str, family_id: str | None = None
) -> tuple[Any, ...] | None:
    """The active user's row joined with its company's (for as_user) and whether the family ``family_id``
    is revoked (family_revoked), or None."""
    params = {"company_id": company_id, "user_id": user_id, "family_id": family_id}
    rows = await fetch_rows(session, _ACTIVE_USER, params)
    return rows[0] if rows else None


def family_revoked(values: Sequence[Any]) -> bool:
    """Whether a read_active_user row says its token's family has been revoked."""
    return bool(values[_COMPANY_END])


def as_user(session: AsyncSession, values: Sequence[Any]) -> User:
    """The user of a read_active_user row, as a copy to read, with its company kept for the rest of the
    request (companies.get finds it in the session's info). Fresh copies each time: nothing is shared
    between requests."""
    company = detached(Company, _COMPANY_COLUMNS, values[_USER_END:_COMPANY_END])
    session.info[("company", company.company_id)] = company
    return detached(User, _USER_COLUMNS, values[:_USER_END])


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


async def count_password_check(
    session: AsyncSession,
    company_id: str,
    user_id: str,
    max_attempts: int,
    moment: datetime,
    lock_until: datetime,
) -> int | None:
    """Count a password check before it is made, or refuse it: the count after this one, or None when the
    user is locked (or gone) and no check may be made.

    One statement, and the row lock it takes is held until the request commits: of many concurrent guesses
    exactly ``max_attempts`` get a check, the last of them locks the user, and the rest wait, then find the
    lock. A check that proves the password resets the count (reset_failed_logins). A lock that has run out
    starts a fresh count."""
    fresh_count = case((User.locked_until.is_not(None), 1), else_=User.failed_logins + 1)
    stmt = (
        update(User)
        .where(
            User.company_id == company_id,
            User.user_id == user_id,
            User.active.is_(True),
            or_(User.locked_until.is_(None), User.locked_until <= moment),
        )
        .values(
            failed_logins=fresh_count,
            locked_until=case((fresh_count >= max_attempts, lock_until), else_=None),
        )
        .returning(User.failed_logins)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def reset_failed_logins(session: AsyncSession, company_id: str, user_id: str) -> None:
    await session.execute(
        update(User)
        .where(User.company_id == company_id, User.user_id == user_id)
        .values(failed_logins=0, locked_until=None)
    )


async def start_family(
    session: AsyncSession, company_id: str, user_id: str, family_id: str, jti: str, expires_on: datetime
) -> None:
    await session.execute(
        insert(RefreshTokenFamily).values(
            company_id=company_id,
            family_id=family_id,
            user_id=user_id,
            current_jti=jti,
            expires_on=expires_on,
        )
    )


async def delete_expired_families(
    session: AsyncSession, company_id: str, user_id: str, moment: datetime
) -> None:
    """A user's families whose last refresh token has expired: nothing can use them any more."""
    await session.execute(
        delete(RefreshTokenFamily).where(
            RefreshTokenFamily.company_id == company_id,
            RefreshTokenFamily.user_id == user_id,
            RefreshTokenFamily.expires_on < moment,
        )
    )


async def rotate_family(
    session: AsyncSession,
    company_id: str,
    user_id: str,
    family_id: str,
    used_jti: str,
    new_jti: str,
    expires_on: datetime,
) -> bool:
    """Retire the family's refresh token ``used_jti`` for ``new_jti``; False when ``used_jti`` is not the
    family's current token (already used: a replay) or the family is revoked. One statement: of two
    concurrent uses of one token, the second waits for the first to commit and then finds it retired."""
    stmt = (
        update(RefreshTokenFamily)
        .where(
            RefreshTokenFamily.company_id == company_id,
            RefreshTokenFamily.family_id == family_id,
            RefreshTokenFamily.user_id == user_id,
            RefreshTokenFamily.current_jti == used_jti,
            RefreshTokenFamily.revoked_on.is_(None),
        )
        .values(current_jti=new_jti, expires_on=expires_on)
        .returning(RefreshTokenFamily.family_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def revoke_family(session: AsyncSession, company_id: str, family_id: str, moment: datetime) -> bool:
    """Revoke the family (True if this call did). Access tokens of this process forget it at the commit."""
    stmt = (
        update(RefreshTokenFamily)
        .where(
            RefreshTokenFamily.company_id == company_id,
            RefreshTokenFamily.family_id == family_id,
            RefreshTokenFamily.revoked_on.is_(None),
        )
        .values(revoked_on=moment)
        .returning(RefreshTokenFamily.family_id)
    )
    revoked = (await session.execute(stmt)).scalar_one_or_none() is not None
    if revoked:
        session.info[_CHANGED] = True  # tokens of the family, as seen a moment ago, are forgotten at commit
    return revoked


def add(session: AsyncSession, obj: object) -> None:
    session.add(obj)
