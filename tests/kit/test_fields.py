"""Field types: what they normalise, and what they refuse before it can reach PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from dues.kit import fields


def check(kind: Any, value: object) -> object:
    return TypeAdapter(kind).validate_python(value)


def test_pan_or_gstin_normalises_case_and_spaces() -> None:
    assert check(fields.PanOrGstin, " aapfu0939f ") == "AAPFU0939F"
    assert check(fields.PanOrGstin, "27aapfu0939f1zv") == "27AAPFU0939F1ZV"


@pytest.mark.parametrize("value", ["AAPFU0939", "27AAPFU0939F1ZA", "27AAPFU0939F1Z", "AAPFU0939F1"])
def test_pan_or_gstin_refuses(value: str) -> None:
    with pytest.raises(ValidationError):
        check(fields.PanOrGstin, value)


def test_state_is_canonical() -> None:
    assert check(fields.StateName, " orissa ") == "Odisha"
    with pytest.raises(ValidationError):
        check(fields.StateName, "Atlantis")


@pytest.mark.parametrize("kind", [fields.Name, fields.ShortText, fields.LongText, fields.SearchText])
@pytest.mark.parametrize("value", ["a\x00b", "a\ud800b"])
def test_text_refuses_what_postgres_cannot_store(kind: Any, value: str) -> None:
    with pytest.raises(ValidationError, match="cannot be stored"):
        check(kind, value)


@pytest.mark.parametrize("kind", [fields.Name, fields.ShortText])
@pytest.mark.parametrize("value", ["two\nlines", "tab\there", "bell\x07"])
def test_one_line_text_refuses_control_characters(kind: Any, value: str) -> None:
    with pytest.raises(ValidationError, match="one line"):
        check(kind, value)


def test_long_text_keeps_lines() -> None:
    assert check(fields.LongText, " 12 MG Road\nBengaluru ") == "12 MG Road\nBengaluru"


def test_name_is_stripped_and_required() -> None:
    assert check(fields.Name, "  Acme  ") == "Acme"
    with pytest.raises(ValidationError):
        check(fields.Name, "   ")
    with pytest.raises(ValidationError):
        check(fields.Name, "x" * 201)


def test_unicode_names_are_fine() -> None:
    assert check(fields.Name, "आनंद ट्रेडर्स") == "आनंद ट्रेडर्स"
