"""Webhook endpoints and their deliveries (api.md §6).

Delivery rows are written by a database trigger on ``events`` (migration 0010), in the transaction of the
change that wrote the event, so no event of a subscribed type can be missed whatever order transactions
commit in. See docs/webhooks.md.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from dues.models.base import Base, Timestamps

DELIVERY_STATUSES = ("PENDING", "DELIVERED", "FAILED")
FORMATS = ("standard", "enkash")


class WebhookEndpoint(Timestamps, Base):
    __tablename__ = "webhook_endpoints"

    company_id: Mapped[str] = mapped_column(String(10))
    webhook_id: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    description: Mapped[str | None] = mapped_column(String(500))
    # Kept in clear: signing needs the key itself (HMAC), so it cannot be hashed like a password.
    secret: Mapped[str] = mapped_column(String(100))
    # standard: {type, timestamp, data} at url; enkash: a Bharat Connect message at url + EnKash's path.
    format: Mapped[str] = mapped_column(String(16), server_default="standard")

    __table_args__ = (
        PrimaryKeyConstraint("company_id", "webhook_id"),
        ForeignKeyConstraint(["company_id"], ["companies.company_id"], ondelete="CASCADE"),
        CheckConstraint("cardinality(events) > 0", name="events_not_empty"),
        CheckConstraint("format IN ('standard','enkash')", name="format"),
    )


class WebhookDelivery(Base):
    """One event for one endpoint. ``delivery_id`` is the Standard Webhooks message id (``webhook-id``),
    the same on every attempt, so receivers can drop duplicates."""

    __tablename__ = "webhook_deliveries"

    company_id: Mapped[str] = mapped_column(String(10))
    delivery_id: Mapped[str] = mapped_column(String(36))
    webhook_id: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[int] = mapped_column(BigInteger)
    event_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), server_default="PENDING")
    attempt_count: Mapped[int] = mapped_column(Integer, server_default="0")
    # PENDING: when the next attempt is due, or, while an attempt is in flight, when its lease runs out (a
    # worker that dies mid-send leaves the delivery due again then). NULL once DELIVERED or FAILED.
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    created_on: Mapped[datetime] = mapped_column(server_default=func.now())
    last_attempt_on: Mapped[datetime | None] = mapped_column()
    delivered_on: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        PrimaryKeyConstraint("company_id", "delivery_id"),
        ForeignKeyConstraint(
            ["company_id", "webhook_id"],
            ["webhook_endpoints.company_id", "webhook_endpoints.webhook_id"],
            ondelete="CASCADE",
        ),
        CheckConstraint("status IN ('PENDING','DELIVERED','FAILED')", name="status"),
        CheckConstraint("status <> 'PENDING' OR next_attempt_at IS NOT NULL", name="pending_is_scheduled"),
        Index("ix_webhook_deliveries_log", "company_id", "webhook_id", "created_on"),
        # The deliveries of one event, for an invoice's timeline (migration 0028).
        Index("ix_webhook_deliveries_event", "company_id", "event_id"),
        # The sender's scan for due deliveries, across companies: only pending rows are in it.
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status = 'PENDING'"),
        ),
    )


class WebhookAttempt(Base):
    """One HTTP attempt of a delivery: the status code, or the error when there was no answer."""

    __tablename__ = "webhook_attempts"

    company_id: Mapped[str] = mapped_column(String(10))
    id: Mapped[int] = mapped_column(BigInteger, Identity())
    delivery_id: Mapped[str] = mapped_column(String(36))
    attempted_on: Mapped[datetime] = mapped_column(server_default=func.now())
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        PrimaryKeyConstraint("company_id", "id"),
        ForeignKeyConstraint(
            ["company_id", "delivery_id"],
            ["webhook_deliveries.company_id", "webhook_deliveries.delivery_id"],
            ondelete="CASCADE",
        ),
        Index("ix_webhook_attempts_delivery", "company_id", "delivery_id"),
    )
