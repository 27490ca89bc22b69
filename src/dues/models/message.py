"""Messages to payers (e-mail, SMS): the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from dues.models.base import Base, Timestamps

# WHATSAPP has no provider: such messages are written straight to OUTBOX (docs/reminders.md).
CHANNELS = ("EMAIL", "SMS", "WHATSAPP")
# PENDING: waits for a send (at next_attempt_at); SENDING: claimed by a worker, handed to the provider next;
# SENT: the provider took it; OUTBOX: no provider configured, kept here to read; FAILED: gave up (last_error);
# CANCELLED: its invoice left collection before it went out.
MESSAGE_STATUSES = ("PENDING", "SENDING", "SENT", "OUTBOX", "FAILED", "CANCELLED")


class Message(Base, Timestamps):
    """One e-mail or SMS to one recipient, written in the transaction that decided to send it; a job hands it
    to the provider (or keeps it in the outbox) and records the outcome here."""

    __tablename__ = "messages"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    invoice_id: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # [{name, contentType, size, kind}]: what goes with the message; the file itself is made at send time.
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    status: Mapped[str] = mapped_column(String(10), server_default="PENDING")
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(1000))
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # The job worker (procrastinate_workers.id) that marked it SENDING; its heartbeat tells whether it lives.
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)
    sent_on: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "invoice_id"], ["invoices.company_id", "invoices.invoice_id"], ondelete="CASCADE"
        ),
        CheckConstraint("channel IN ('EMAIL', 'SMS', 'WHATSAPP')", name="channel"),
        CheckConstraint(
            "status IN ('PENDING', 'SENDING', 'SENT', 'OUTBOX', 'FAILED', 'CANCELLED')", name="status"
        ),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_messages_company_created", "company_id", "created_on"),
        Index("ix_messages_invoice", "company_id", "invoice_id", "created_on"),
        # The send queue: only messages not yet settled, so it stays small however long the history grows.
        Index(
            "ix_messages_queue",
            "company_id",
            "next_attempt_at",
            postgresql_where=text("status IN ('PENDING', 'SENDING')"),
        ),
    )
