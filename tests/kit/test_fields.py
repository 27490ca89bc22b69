"""Field types: what they normalise, and what they refuse before it can reach PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from dues.errors import sub_errors_from_pydantic
from dues.kit import fields
from tests.support import Tenant


def check(kind: Any, value: object) -> object:
    return TypeAdapter(kind).validate_python(value)


def problem(kind: Any, value: object) -> str:
    """The message a person gets (an apiSubErrors entry) for a value the type refuses."""
    with pytest.raises(ValidationError) as refused:
        check(kind, value)
    return sub_errors_from_pydantic(refused.value.errors())[0].message


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
    assert "cannot be stored" in problem(kind, value)


@pytest.mark.parametrize("kind", [fields.Name, fields.ShortText])
@pytest.mark.parametrize("value", ["two\nlines", "tab\there", "bell\x07"])
def test_one_line_text_refuses_control_characters(kind: Any, value: str) -> None:
    assert problem(kind, value) == "must be one line of text, without control characters"


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


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (fields.Name, "   ", "must not be blank"),
        (fields.PinCode, "011001", "must be 6 digits, not starting with 0"),
        (fields.Ifsc, "HDFC1001234", "is not an IFSC: 4 letters, 0, then 6 letters or digits"),
        (fields.Phone, "98765", "must be a 10-digit number, optionally with +CC or 00CC in front"),
        (
            fields.Phone,
            "９８７６５４３２１０",
            "must be a 10-digit number, optionally with +CC or 00CC in front",
        ),
        (fields.AccountNumber, "12345678", "must be 9 to 36 letters or digits"),
        (fields.Email, "accounts@example", "is not an e-mail address"),
        (
            fields.PanOrGstin,
            "27AAPFU0939F1ZA",
            "has a wrong check character (the last one): check for a typing mistake",
        ),
    ],
)
def test_each_refusal_says_what_a_valid_value_looks_like(kind: Any, value: str, message: str) -> None:
    assert problem(kind, value) == message


def test_codes_are_normalised_before_they_are_checked() -> None:
    assert check(fields.Ifsc, " hdfc0001234 ") == "HDFC0001234"
    assert check(fields.PinCode, " 411001 ") == "411001"
    assert check(fields.Phone, " +91 9876543210 ") == "+91 9876543210"
    assert check(fields.Email, " accounts@example.com ") == "accounts@example.com"


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("Acme\u202e dtL tvP", "U+202E"),  # right-to-left override: shows as "Acme Pvt Ltd"
        ("Acme \u2066Pvt\u2069 Ltd", "U+2066"),  # isolates
        ("Acme\u202aPvt", "U+202A"),
        ("Acme\u2028Pvt Ltd", "line separators"),
        ("Acme\u2029Pvt Ltd", "line separators"),
        ("Acme\x85Pvt Ltd", "line separators"),  # C1 next line
        ("Acme\x9bPvt Ltd", "control characters"),  # C1 control sequence introducer
        ("Acme\x1bPvt Ltd", "control characters"),
    ],
)
def test_one_line_text_refuses_bidi_controls_c1_and_separators(value: str, says: str) -> None:
    for kind in (fields.Name, fields.ShortText):
        assert says in problem(kind, value)


def test_one_line_text_keeps_scripts_and_bidi_marks() -> None:
    for value in ("नमस्ते ट्रेडर्स", "شركة\u200f الهند", "Ünïcödé & Sons", "A\u200eB"):
        assert check(fields.Name, value) == value


async def test_a_customer_name_with_a_bidi_override_gets_a_422_naming_it(tenant: Tenant) -> None:
    response = await tenant.post(
        "/api/v0/customer", json={"legalName": "Acme\u202e dtL tvP", "state": "Maharashtra"}
    )
    assert response.status_code == 422, response.text
    sub = response.json()["errorResponse"]["apiSubErrors"][0]
    assert sub["field"] == "legalName"
    assert "invisible text-direction character (U+202E)" in sub["message"]
