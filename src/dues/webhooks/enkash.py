"""The ``enkash`` webhook format (api.md §6, §8): a Bharat Connect event delivered the way EnKash delivers its
B2B webhooks, so a receiver written for EnKash works unchanged. The event's data is ``{path, message}``
(written by dues.bharat_connect); the delivery is a POST of ``message`` to the endpoint's URL + ``path``."""

from __future__ import annotations

import re

import httpx

# Only these events have an EnKash webhook; anything else has no path or body EnKash defines.
PREFIX = "bharat_connect."

# An EnKash path (api/v0/<object>/<message>; EnKash writes some without the leading slash). Nothing else may
# be appended to a company's URL: no dots (no "..") and no query or fragment.
_PATH = re.compile(r"^/?api/v0(/[A-Za-z0-9_-]+)+\Z", re.ASCII)


class NotSendable(Exception):
    """The event cannot be written in EnKash's format; the message says why, for the delivery log."""


def carries(event_type: str) -> bool:
    """Whether an event of this type has an EnKash webhook (so an enkash endpoint may subscribe to it)."""
    return event_type.startswith(PREFIX)


def url_for(base: str, path: str | None) -> str:
    """Where EnKash would POST the message: ``path`` under the endpoint's URL (its own path kept, a trailing
    slash not doubled, its query string kept after)."""
    if not path or not _PATH.match(path):
        raise NotSendable(f"the event has no EnKash webhook path (got {path!r})")
    url = httpx.URL(base)
    # On the raw (still percent-encoded) path, so an encoded character of the company's URL stays as it was.
    own, mark, query = url.raw_path.partition(b"?")
    joined = own.rstrip(b"/") + b"/" + path.lstrip("/").encode("ascii") + mark + query
    return str(url.copy_with(raw_path=joined))
