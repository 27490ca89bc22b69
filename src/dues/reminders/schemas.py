"""Bodies and answers of payment reminders (api.md §7)."""

from __future__ import annotations

import string
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from dues.companies.schemas import CamelInput, CamelModel
from dues.kit.fields import STORABLE, IstDateTime, Money, Name

MAX_STEPS = 10
# A step this long before the due date, or after it, is a typo rather than a plan.
MIN_OFFSET, MAX_OFFSET = -90, 365
SEND_AT = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
# What a step's template may say, in braces: {balanceAmount} becomes "INR 1,180.10" at send time.
PLACEHOLDERS = (
    "customerName",
    "sellerName",
    "invoiceNumber",
    "balanceAmount",
    "totalAmount",
    "dueDate",
    "daysOverdue",
    "paymentLink",
    "amountAfterTds",
    "msmeInterest",
    # The customer's portal link when it has a live one; empty otherwise.
    "portalLink",
)


class ReminderChannel(StrEnum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    WHATSAPP = "WHATSAPP"


Template = Annotated[str, StringConstraints(min_length=1, max_length=1000, pattern=STORABLE)]


class Step(CamelInput):
    offset_days: int = Field(
        ge=MIN_OFFSET, le=MAX_OFFSET, description="days after the due date (negative: before it, 0: on it)"
    )
    channels: list[ReminderChannel] = Field(min_length=1, max_length=3)
    template: Template | None = Field(
        None, description="the message text; may use " + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    )

    @field_validator("channels")
    @classmethod
    def _distinct(cls, value: list[ReminderChannel]) -> list[ReminderChannel]:
        if len(set(value)) != len(value):
            raise ValueError("must not name a channel twice")
        return value

    @field_validator("template")
    @classmethod
    def _known_placeholders(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            fields = [
                (n, spec, conv) for _, n, spec, conv in string.Formatter().parse(value) if n is not None
            ]
        except ValueError as exc:
            raise ValueError(
                f"is not a valid template ({exc}); write a literal brace as {{{{ or }}}}"
            ) from exc
        if any(spec or conv for _, spec, conv in fields):
            # Formatting of our own making only: a spec could itself name fields, or fail at send time.
            raise ValueError(
                "placeholders take no format or conversion: write {balanceAmount}, not {balanceAmount:>9}"
            )
        unknown = sorted({n for n, _, _ in fields if n not in PLACEHOLDERS})
        if unknown:
            raise ValueError(
                f"uses unknown placeholder(s) {', '.join('{' + n + '}' for n in unknown)}; "
                f"known: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}"
            )
        return value


class ReminderWrite(CamelInput):
    """createCustomerReminder and updateCustomerReminder (PUT: the whole reminder, as on create). What an
    answer adds (ReminderRead) is dropped, so a reminder read may be sent back as it is."""

    DROPPED = frozenset({"reminderId", "companyId", "createdOn", "updatedOn"})

    name: Name
    customer_id: str | None = Field(
        None, pattern=r"^KC[A-Z0-9]{14}$", description="null: a company-wide reminder (defaultReminderId)"
    )
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)
    send_at: str = Field("10:00", pattern=SEND_AT, description="HH:mm, IST")
    repeat_every_days: int | None = Field(
        None, ge=1, le=365, description="after the last step, again every so many days"
    )
    active: bool = True

    @field_validator("steps")
    @classmethod
    def _distinct_offsets(cls, value: list[Step]) -> list[Step]:
        offsets = [s.offset_days for s in value]
        twice = sorted({o for o in offsets if offsets.count(o) > 1})
        if twice:
            raise ValueError(f"two steps have offsetDays {', '.join(map(str, twice))}; each day once")
        return sorted(value, key=lambda s: s.offset_days)


class StepRead(CamelModel):
    offset_days: int
    channels: list[str]
    template: str | None = None


class ReminderRead(CamelModel):
    reminder_id: str
    company_id: str
    name: str
    customer_id: str | None
    steps: list[StepRead]
    send_at: str
    repeat_every_days: int | None
    active: bool
    created_on: IstDateTime
    updated_on: IstDateTime


class RemindRequest(CamelInput):
    """Send now: on these channels (left out: each recipient on all of its channels)."""

    channels: list[ReminderChannel] | None = Field(None, min_length=1, max_length=3)


class Delivery(CamelModel):
    """One message of a reminder sent: to whom, on which channel, and what became of it (the outbox's
    status: PENDING, SENDING, SENT, OUTBOX, FAILED, CANCELLED)."""

    message_id: str
    channel: str
    to: str
    status: str
    sent_on: IstDateTime | None


class SentReminder(CamelModel):
    send_id: str
    reminder_id: str | None
    kind: str = Field(description="STEP, REPEAT or MANUAL")
    offset_days: int | None
    due_at: IstDateTime | None
    sent_on: IstDateTime
    balance_amount: Money = Field(description="the balance the reminder stated")
    messages: list[Delivery]


class PlannedReminder(CamelModel):
    reminder_id: str
    kind: str = Field(description="STEP or REPEAT")
    offset_days: int
    due_at: IstDateTime
    channels: list[str]


class Timeline(CamelModel):
    invoice_id: str
    reminder_id: str | None = Field(description="the reminder that applies to the invoice now, if any")
    sent: list[SentReminder]
    planned: list[PlannedReminder]
    note: str | None = Field(None, description="why nothing is planned, when nothing is")


class RemindResult(CamelModel):
    invoice_id: str
    send_id: str
    messages: list[Delivery]
