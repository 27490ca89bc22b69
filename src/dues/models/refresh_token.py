from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from dues.models.base import Base


class RefreshTokenFamily(Base):
    """One sign-in (a password grant) and the refresh tokens descended from it (OAuth 2.0 Security BCP,
    refresh token rotation). Only the family's latest refresh token (``current_jti``) may be used; using an
    older one again revokes the family, and with it every access token that carries its id."""

    __tablename__ = "refresh_token_families"

    company_id: Mapped[str] = mapped_column(
        String(10), ForeignKey("companies.company_id", ondelete="CASCADE"), primary_key=True
    )
    family_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(16), ForeignKey("users.user_id", ondelete="CASCADE"))
    current_jti: Mapped[str] = mapped_column(String(32))
    created_on: Mapped[datetime] = mapped_column(server_default=func.now())
    # When the latest refresh token expires: past it the row serves nothing and is deleted at the user's
    # next sign-in.
    expires_on: Mapped[datetime] = mapped_column()
    revoked_on: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_refresh_token_families_user", "company_id", "user_id"),)
