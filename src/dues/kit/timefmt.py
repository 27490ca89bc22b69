"""Dates and times on the wire: ``yyyy-MM-dd`` and ``yyyy-MM-dd HH:mm:ss`` in IST (api.md §1.4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

IST = ZoneInfo("Asia/Kolkata")
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def now() -> datetime:
    return datetime.now(UTC)


def today_ist() -> date:
    """Today's date in India: an invoice dated at 01:00 IST belongs to that day, not to the UTC one before."""
    return datetime.now(IST).date()


def format_ist(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(IST).strftime(DATETIME_FORMAT)


def parse_filter_datetime(value: str, *, end_of_day: bool = False) -> datetime:
    """A search bound given as a date or an IST date-time; a bare date as upper bound covers the whole day."""
    value = value.strip()
    try:
        return datetime.strptime(value, DATETIME_FORMAT).replace(tzinfo=IST)
    except ValueError:
        pass
    day = date.fromisoformat(value)
    if end_of_day:
        return datetime.combine(day, time.max, IST)
    return datetime.combine(day, time.min, IST)
