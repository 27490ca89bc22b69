"""Payment reminders (api.md §7): the schedules, and the record of every reminder sent."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Time,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from dues.models.base import Base, Timestamps


class Reminder(Base, Timestamps):
    """A schedule of steps relative to an invoice's due date, sent at ``send_at`` (IST) on each step's day."""

    __tablename__ = "reminders"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    reminder_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[str | None] = mapped_column(String(16))
    # [{offsetDays, channels, template}] sorted by offsetDays; ``offsets`` repeats the offsets as an array so
    # that the engine's SQL finds a step without unpacking JSON.
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    offsets: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    send_at: Mapped[time] = mapped_column(Time)
    repeat_every_days: Mapped[int | None] = mapped_column(SmallInteger)
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")

    __table_args__ = (
        ForeignKeyConstraint(["company_id"], ["companies.company_id"], ondelete="CASCADE"),
        ForeignKeyConstraint(
            ["company_id", "customer_id"], ["customers.company_id", "customers.customer_id"]
        ),
        CheckConstraint("cardinality(offsets) BETWEEN 1 AND 10", name="steps_count"),
        CheckConstraint("repeat_every_days IS NULL OR repeat_every_days >= 1", name="repeat_positive"),
        Index("ix_reminders_customer", "company_id", "customer_id"),
    )


class ReminderSend(Base):
    """One reminder sent for one invoice: a scheduled occurrence (a step, or a repeat after the last step) or
    a manual one. The unique key is what makes a scheduled occurrence go at most once, whoever races."""

    __tablename__ = "reminder_sends"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    send_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(16))
    # The reminder whose occurrence this is (for a manual send, the one that applied then, if any); no foreign
    # key: the history outlives a deleted reminder.
    reminder_id: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(8))
    # Days after the due date the occurrence belongs to (negative: before it); NULL for a manual send, so
    # manual sends never take a scheduled occurrence's place in the unique key.
    occurrence: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[datetime | None] = mapped_column()
    channels: Mapped[list[str]] = mapped_column(ARRAY(String(8)))
    message_ids: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    balance_amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    sent_by: Mapped[str] = mapped_column(String(64))
    created_on: Mapped[datetime] = mapped_column(server_default=func.now())

    # The unique key's leading (company_id, invoice_id) also serves an invoice's timeline.
    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "invoice_id"], ["invoices.company_id", "invoices.invoice_id"], ondelete="CASCADE"
        ),
        CheckConstraint("kind IN ('STEP', 'REPEAT', 'MANUAL')", name="kind"),
        CheckConstraint("(kind = 'MANUAL') = (occurrence IS NULL)", name="manual_has_no_occurrence"),
        Index(
            "uq_reminder_sends_occurrence",
            "company_id",
            "invoice_id",
            "reminder_id",
            "occurrence",
            unique=True,
        ),
    )
