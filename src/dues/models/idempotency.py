from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from dues.models.base import Base


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_on: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
