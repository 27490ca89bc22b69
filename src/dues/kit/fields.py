"""Pydantic field types for Indian business data; each error message says what a valid value looks like."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, StringConstraints, WithJsonSchema

from dues.kit import india, money
from dues.kit.timefmt import DATETIME_FORMAT, format_ist

# Most checks run inside pydantic-core (strip, length, pattern): bulk uploads validate every cell of tens of
# thousands of rows, and a Python validator per cell was half of that time. Core's errors are worded for
# people through MESSAGES (errors.py asks pattern_message); only checks a pattern cannot express (the GSTIN
# check character, state names) are Python. Patterns are Rust regexes: `$` is the end of the text, and the
# classes are spelled out in ASCII.

_NUL = "contains a character that cannot be stored (NUL or an unpaired surrogate)"
# A text check also makes core refuse unpaired surrogates (error type string_unicode): UTF-8 cannot hold them.
# One line of text as a person sees it: no C0 or C1 control characters, no line or paragraph separator
# (U+2028, U+2029), and none of the invisible bidi embeddings, overrides and isolates (U+202A-U+202E,
# U+2066-U+2069) that make a name display in another order than it is stored ("Trojan Source"). The bidi
# marks U+200E, U+200F and U+061C are allowed: they only place neutral characters such as a full stop, cannot
# reverse text, and are part of names copied from Arabic or Urdu text.
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_ONE_LINE = "^[^\\x00-\\x1f\\x7f-\\x9f\u2028\u2029" + _BIDI_CONTROLS + "]*$"
_BIDI = re.compile(f"[{_BIDI_CONTROLS}]")
_SEPARATOR = re.compile("[\x85\u2028\u2029]")
_STORABLE = r"^[^\x00]*$"
STORABLE = _STORABLE
_PIN = r"^[1-9][0-9]{5}$"
# Core checks the pattern before it upper-cases, hence (?i).
_IFSC = r"(?i)^[A-Z]{4}0[A-Z0-9]{6}$"
_PHONE = r"^$|^((\+|00)([0-9]{1,3})[ \t\n\r\x0b\x0c-]?)?([0-9]{10})$"
_ACCOUNT = r"^$|^[A-Za-z0-9]{9,36}$"
_EMAIL = (
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
MESSAGES = {
    _ONE_LINE: "must be one line of text, without control characters",
    _STORABLE: _NUL,
    _PIN: "must be 6 digits, not starting with 0",
    _IFSC: "is not an IFSC: 4 letters, 0, then 6 letters or digits",
    _PHONE: "must be a 10-digit number, optionally with +CC or 00CC in front",
    _ACCOUNT: "must be 9 to 36 letters or digits",
    _EMAIL: "is not an e-mail address",
}
UNSTORABLE = _NUL


def pattern_message(pattern: str, value: object) -> str | None:
    """What a person is told when a value does not match one of these patterns (None: not one of ours)."""
    if isinstance(value, str) and "\x00" in value:
        return _NUL
    if pattern == _ONE_LINE and isinstance(value, str):
        if found := _BIDI.search(value):
            return (
                f"contains an invisible text-direction character (U+{ord(found.group()):04X}) that makes it "
                "display in another order than it is written; type it again without it"
            )
        if found := _SEPARATOR.search(value):
            return (
                "must be one line of text, without control characters or line separators "
                f"(it holds U+{ord(found.group()):04X})"
            )
    return MESSAGES.get(pattern)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: str) -> str:
    """Refuse what PostgreSQL cannot store in text (NUL) or UTF-8 cannot encode (unpaired surrogates)."""
    if _UNSTORABLE.search(value):
        raise ValueError(_NUL)
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


def _text(pattern: str, **constraints: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, pattern=pattern, **constraints)  # type: ignore[arg-type]


_UPPER = StringConstraints(strip_whitespace=True, to_upper=True, pattern=_STORABLE)

PanOrGstin = Annotated[str, _UPPER, AfterValidator(_pan_or_gstin)]
Gstin = Annotated[str, _UPPER, AfterValidator(_gstin)]
StateName = Annotated[str, _text(_STORABLE), AfterValidator(_state)]
PinCode = Annotated[str, _text(_PIN)]
Ifsc = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=_IFSC),
    # JSON Schema has no case-insensitive flag: documented in words rather than with a pattern.
    WithJsonSchema({"type": "string", "example": "HDFC0001234", "description": "IFSC, e.g. HDFC0001234"}),
]
Phone = Annotated[str, _text(_PHONE)]
AccountNumber = Annotated[str, _text(_ACCOUNT)]
Email = Annotated[str, _text(_EMAIL, max_length=254)]
Name = Annotated[str, _text(_ONE_LINE, min_length=1, max_length=200)]
ShortText = Annotated[str, _text(_ONE_LINE, max_length=100)]
LongText = Annotated[str, _text(_STORABLE, max_length=500)]
# A free-text search filter: compared in SQL, so it must be storable, but is not otherwise checked.
SearchText = Annotated[str, AfterValidator(storable)]

IstDateTime = Annotated[
    datetime,
    PlainSerializer(format_ist, return_type=str),
    WithJsonSchema({"type": "string", "example": "2026-11-24 10:30:00", "description": "IST"}),
]


def _amount_input(value: object) -> object:
    """An amount with an absurd exponent (1e999999999, 1e-999999999), NaN or Infinity is refused here, before
    anything computes with it: the exponent alone can make arithmetic raise or take seconds, and pydantic's
    own words for these ("should be a finite number") do not say what an amount must be. A zero of any
    exponent (0E+999999999) becomes 0.00."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(money.amount_problem(Decimal("NaN")))
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > money.MAX_AMOUNT:
        raise ValueError(money.amount_problem(Decimal(1 if value > 0 else -1) * (money.MAX_AMOUNT + 1)))
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except ArithmeticError:
            return value  # not a number at all: pydantic says so
    if isinstance(value, Decimal):
        problem = money.amount_problem(value)
        if problem:
            raise ValueError(problem)
        if value.is_zero() and not -2 <= value.as_tuple().exponent <= 0:  # type: ignore[operator]
            return money.ZERO
    return value


Money = Annotated[
    Decimal,
    BeforeValidator(_amount_input),
    WithJsonSchema({"type": "number", "example": 1180.00}),
]


def _date_part(value: object) -> object:
    """A search bound on a date column may carry a time (api.md §1.1a): a valid one is dropped, since only
    the date counts; `dueDateTo: "2026-12-31 23:59:59"` is 31 December, included."""
    if isinstance(value, str) and len(value) == 19:
        try:
            return datetime.strptime(value, DATETIME_FORMAT).date()
        except ValueError:
            return value  # the date type's own error says what is wrong
    return value


FilterDate = Annotated[
    date,
    BeforeValidator(_date_part),
    WithJsonSchema(
        {
            "type": "string",
            "example": "2026-12-31",
            "description": "yyyy-MM-dd, or yyyy-MM-dd HH:mm:ss of which only the date counts",
        }
    ),
]
