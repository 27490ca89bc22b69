"""The outbox page (api.md §5): a signed-in ADMIN reads the company's messages to payers in the browser,
newest first, filtered by channel, status and invoice, a page at a time.

HTML outside /api/: every failure is a page (or a redirect to the sign-in form), never the JSON envelope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from dues.auth import pages as auth_pages
from dues.collection import repository
from dues.collection.repository import Cursor, OutboxLine
from dues.db import DuesRoute, SessionDep
from dues.kit.timefmt import format_ist
from dues.models.message import CHANNELS, MESSAGE_STATUSES

router = APIRouter(route_class=DuesRoute, include_in_schema=False)

PAGE_SIZE = 50
_env = auth_pages.environment(Path(__file__).parent / "templates")

# What each status means to the person reading the page (models.message has the same list).
STATUS_MEANINGS = {
    "PENDING": "Queued: waiting to be sent",
    "SENDING": "Being handed to the provider",
    "SENT": "Taken by the mail or SMS provider",
    "OUTBOX": "Kept here: no provider is configured, so it was not sent",
    "FAILED": "Not sent: gave up after the last attempt",
    "CANCELLED": "Not sent: its invoice was withdrawn first",
}
assert tuple(STATUS_MEANINGS) == MESSAGE_STATUSES

_INVOICE_ID = re.compile(r"INV[A-Z0-9]{13}", re.ASCII)
_CURSOR = re.compile(r"(\d{1,18})\.([A-Z0-9]{1,16})", re.ASCII)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Filters:
    channel: str | None
    status: str | None
    invoice_id: str | None

    def query(self, **more: str) -> str:
        """This page's query string with these filters (and ``more``), for links that keep them."""
        pairs = {"channel": self.channel, "status": self.status, "invoiceId": self.invoice_id, **more}
        return urlencode({k: v for k, v in pairs.items() if v})


def _cursor_text(line: OutboxLine) -> str:
    # Whole microseconds since 1970 (what PostgreSQL keeps), so a cursor names exactly one point in time.
    return f"{(line.created_on - _EPOCH) // _MICROSECOND}.{line.message_id}"


def _cursor(value: str) -> Cursor | None:
    """A cursor from a link; a mangled one is ignored (the newest page is shown)."""
    match = _CURSOR.fullmatch(value)
    if match is None:
        return None
    try:
        return _EPOCH + int(match.group(1)) * _MICROSECOND, match.group(2)
    except OverflowError:
        return None


def _size(size: Any) -> str:
    if not isinstance(size, int):
        return "size known when sent"
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


_env.filters["ist"] = lambda value: f"{format_ist(value)} IST" if value else ""
_env.filters["size"] = _size


@router.get("/outbox")
async def outbox_page(
    request: Request,
    session: SessionDep,
    # Plain strings checked here: a bad value gets a page that says so, not the API's JSON answer.
    channel: str = "",
    status: str = "",
    invoice_id: Annotated[str, Query(alias="invoiceId")] = "",
    before: str = "",
    after: str = "",
) -> Response:
    principal = await auth_pages.page_principal(session, request)
    if principal is None:
        return auth_pages.to_login(request)
    if principal.role != "ADMIN":
        return auth_pages.forbidden(request, principal, "the outbox")

    errors: list[str] = []
    channel, status, invoice_id = channel.strip().upper(), status.strip().upper(), invoice_id.strip().upper()
    if channel and channel not in CHANNELS:
        errors.append(f"Channel must be one of {', '.join(CHANNELS)}.")
    if status and status not in MESSAGE_STATUSES:
        errors.append(f"Status must be one of {', '.join(MESSAGE_STATUSES)}.")
    if invoice_id and not _INVOICE_ID.fullmatch(invoice_id):
        errors.append("An invoice ID is INV followed by 13 capital letters or digits, e.g. INV1A2B3C4D5E6F7.")
    filters = Filters(channel or None, status or None, invoice_id or None)
    context: dict[str, Any] = {
        "principal": principal,
        "filters": filters,
        "channels": CHANNELS,
        "statuses": STATUS_MEANINGS,
        "errors": errors,
        "lines": [],
        "older": None,
        "newer": None,
        "page_size": PAGE_SIZE,
    }
    if errors:
        return auth_pages.render(_env, "outbox.html", 400, **context)

    newer_than = _cursor(after) if after else None
    older_than = None if newer_than else (_cursor(before) if before else None)
    lines, more = await repository.outbox_lines(
        session,
        principal.company_id,
        invoice_id=filters.invoice_id,
        channel=filters.channel,
        status=filters.status,
        limit=PAGE_SIZE,
        before=older_than,
        after=newer_than,
    )
    if newer_than is not None and not more:
        # Back at the newest messages: show the first page as it is now, not just what was newer than the
        # cursor (new messages may have come in meanwhile).
        lines, more = await repository.outbox_lines(
            session,
            principal.company_id,
            invoice_id=filters.invoice_id,
            channel=filters.channel,
            status=filters.status,
            limit=PAGE_SIZE,
        )
        newer_than = None
    # Going forward there are older ones when the query found more; coming back, there always are.
    has_older = more if newer_than is None else True
    has_newer = newer_than is not None or older_than is not None
    if lines:
        context["older"] = filters.query(before=_cursor_text(lines[-1])) if has_older else None
        context["newer"] = filters.query(after=_cursor_text(lines[0])) if has_newer else None
    elif older_than is not None:
        context["newer"] = filters.query()  # a stale cursor past the end: offer the newest page
    context["lines"] = lines
    return auth_pages.render(_env, "outbox.html", **context)
