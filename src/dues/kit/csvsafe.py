"""CSV injection (OWASP "CSV Injection"): a cell that starts with =, +, -, @, tab or carriage return is taken
for a formula by Excel, LibreOffice and Google Sheets when the file is opened (=HYPERLINK(...) sends data
away, +cmd|... runs a program on old Excel). Every CSV dues writes passes its cells through ``neutralise``,
which puts a single quote in front of such a cell, so it shows as the text it is; ``restore`` takes that
quote off again when such a file comes back as an upload."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_QUOTED = tuple("'" + t for t in TRIGGERS)


def neutralise(value: Any) -> str:
    """The cell as text, with a leading ' when it would otherwise be read as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(TRIGGERS) else text


def neutralise_row(cells: Sequence[Any]) -> list[str]:
    return [neutralise(c) for c in cells]


def restore(text: str) -> str:
    """A cell of a file dues wrote, as it was before ``neutralise``: '=X back to =X. Only a quote followed
    by one of the trigger characters is taken off; any other leading quote is the person's own."""
    return text[1:] if text.startswith(_QUOTED) else text
