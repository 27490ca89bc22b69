"""Pydantic field types for Indian business data; each error message says what a valid value looks like."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, StringConstraints, WithJsonSchema

from dues.kit import india
from dues.kit.timefmt import format_ist


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


# Scanned by the regex engine, not character by character in Python: bulk uploads run these on every cell of
# tens of thousands of rows, where a per-character loop was a third of the validation time.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def storable(value: str) -> str:
    """Refuse what PostgreSQL cannot store in text (NUL) or UTF-8 cannot encode (unpaired surrogates)."""
    if _UNSTORABLE.search(value):
        raise ValueError("contains a character that cannot be stored (NUL or an unpaired surrogate)")
    return value


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be blank")
    return value


def _single_line(value: str) -> str:
    storable(value)
    if _CONTROL.search(value):
        raise ValueError("must be one line of text, without control characters")
    return value


def _pan_or_gstin(value: str) -> str:
    if len(value) == 10:
        if not india.PAN_RE.match(value):
            raise ValueError("is not a PAN (5 letters, 4 digits, 1 letter, e.g. AAPFU0939F)")
        return value
    if len(value) == 15:
        problem = india.gstin_problem(value)
        if problem:
            raise ValueError(problem)
        return value
    raise ValueError("must be a 10-character PAN or a 15-character GSTIN")


def _gstin(value: str) -> str:
    problem = india.gstin_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _state(value: str) -> str:
    name = india.normalize_state(value)
    if name is None:
        raise ValueError("is not an Indian state or union territory (give its name, e.g. Maharashtra)")
    return name


def _pattern(regex: object, message: str):  # type: ignore[no-untyped-def]
    def check(value: str) -> str:
        if not regex.match(value):  # type: ignore[attr-defined]
            raise ValueError(message)
        return value

    return check


PanOrGstin = Annotated[str, BeforeValidator(_upper), AfterValidator(_pan_or_gstin)]
Gstin = Annotated[str, BeforeValidator(_upper), AfterValidator(_gstin)]
StateName = Annotated[str, BeforeValidator(_strip), AfterValidator(_state)]
PinCode = Annotated[
    str,
    BeforeValidator(_strip),
    AfterValidator(_pattern(india.PIN_RE, "must be 6 digits, not starting with 0")),
]
Ifsc = Annotated[
    str,
    BeforeValidator(_upper),
    AfterValidator(_pattern(india.IFSC_RE, "is not an IFSC: 4 letters, 0, then 6 letters or digits")),
]
Phone = Annotated[
    str,
    BeforeValidator(_strip),
    AfterValidator(
        _pattern(india.PHONE_RE, "must be a 10-digit number, optionally with +CC or 00CC in front")
    ),
]
AccountNumber = Annotated[
    str,
    BeforeValidator(_strip),
    AfterValidator(_pattern(india.ACCOUNT_RE, "must be 9 to 36 letters or digits")),
]
Email = Annotated[
    str,
    BeforeValidator(_strip),
    StringConstraints(max_length=254),
    AfterValidator(_pattern(india.EMAIL_RE, "is not an e-mail address")),
]
Name = Annotated[
    str,
    BeforeValidator(_strip),
    AfterValidator(_not_blank),
    StringConstraints(max_length=200),
    AfterValidator(_single_line),
]
ShortText = Annotated[
    str, BeforeValidator(_strip), StringConstraints(max_length=100), AfterValidator(_single_line)
]
LongText = Annotated[
    str, BeforeValidator(_strip), StringConstraints(max_length=500), AfterValidator(storable)
]
# A free-text search filter: compared in SQL, so it must be storable, but is not otherwise checked.
SearchText = Annotated[str, AfterValidator(storable)]

IstDateTime = Annotated[
    datetime,
    PlainSerializer(format_ist, return_type=str),
    WithJsonSchema({"type": "string", "example": "2026-11-24 10:30:00", "description": "IST"}),
]
Money = Annotated[
    Decimal,
    WithJsonSchema({"type": "number", "example": 1180.00}),
]
