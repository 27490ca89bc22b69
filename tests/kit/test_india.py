"""PAN, GSTIN (check character, state code) and state names, without a database."""

from __future__ import annotations

import pytest

from dues.kit import india

# Real, published GSTINs (check characters computed by the GSTN, not by us).
KNOWN_GSTINS = ["27AAPFU0939F1ZV", "29AAGCB7383J1Z4", "33AAACH7409R1Z8", "24AAACC1206D1ZM"]


@pytest.mark.parametrize("gstin", KNOWN_GSTINS)
def test_check_character_of_published_gstins(gstin: str) -> None:
    assert india.gstin_check_char(gstin[:14]) == gstin[14]
    assert india.gstin_problem(gstin) is None


@pytest.mark.parametrize("gstin", KNOWN_GSTINS)
def test_any_single_changed_character_is_caught(gstin: str) -> None:
    # The check character exists to catch one mistyped character (Luhn mod 36): every single substitution
    # that still fits the GSTIN shape must be refused.
    for i in range(14):
        for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            if ch == gstin[i]:
                continue
            typo = gstin[:i] + ch + gstin[i + 1 :]
            if india.GSTIN_RE.match(typo) and typo[:2] in india.STATE_CODES:
                assert india.gstin_problem(typo) is not None, typo


def test_wrong_check_character_message() -> None:
    problem = india.gstin_problem("27AAPFU0939F1ZA")
    assert problem is not None and "check character" in problem


@pytest.mark.parametrize(
    "value",
    [
        "27AAPFU0939F1Z",  # 14 characters
        "27AAPFU0939F1ZVV",
        "27aapfu0939f1zv",  # lower case is normalised by the field, not accepted here
        "AAAPFU0939F1ZV7",
        "27AAPFU0939F0ZV",  # entity number 0
        "27AAPFU0939F1YV",  # 14th must be Z
        "27AAPFU0939F1ZV\n",
    ],
)
def test_malformed_gstins(value: str) -> None:
    problem = india.gstin_problem(value)
    assert problem is not None and "not a GSTIN" in problem


def test_unknown_state_code() -> None:
    gstin = india.make_gstin("99", "AAPFU0939F")
    assert india.gstin_problem(gstin) == "has an unknown state code 99"


def test_make_gstin_is_valid_and_carries_the_state() -> None:
    gstin = india.make_gstin("36", "AAPFU0939F", "2")
    assert gstin[:2] == "36" and gstin[2:12] == "AAPFU0939F" and gstin[12:14] == "2Z"
    assert india.gstin_problem(gstin) is None
    assert india.gstin_state(gstin) == "Telangana"


@pytest.mark.parametrize(
    ("code", "state"),
    [
        ("01", "Jammu and Kashmir"),
        ("07", "Delhi"),
        ("19", "West Bengal"),
        ("27", "Maharashtra"),
        ("28", "Andhra Pradesh"),
        ("37", "Andhra Pradesh"),
        ("26", "Dadra and Nagar Haveli and Daman and Diu"),
        ("38", "Ladakh"),
        ("97", "Other Territory"),
    ],
)
def test_gstin_state_codes(code: str, state: str) -> None:
    assert india.gstin_state(india.make_gstin(code, "AAPFU0939F")) == state


@pytest.mark.parametrize("pan", ["AAPFU0939F", "ZZZZZ9999Z"])
def test_pan_pattern_accepts(pan: str) -> None:
    assert india.PAN_RE.match(pan)


@pytest.mark.parametrize(
    "pan",
    ["AAPFU0939", "AAPFU0939FF", "AAPF00939F", "AAPFU09391", "aapfu0939f", "AAPFU0939F\n", "ＡAPFU0939F"],
)
def test_pan_pattern_refuses(pan: str) -> None:
    assert not india.PAN_RE.match(pan)


def test_all_states_and_union_territories_are_known() -> None:
    # 28 states, 8 union territories, plus GST's "Other Territory".
    assert len(india.STATES) == 37
    for name in india.STATES:
        assert india.normalize_state(name) == name
        assert india.normalize_state(name.upper()) == name
        assert india.normalize_state(f"  {name.lower()}  ") == name


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("Orissa", "Odisha"),
        ("Pondicherry", "Puducherry"),
        ("NCT of Delhi", "Delhi"),
        ("new   delhi", "Delhi"),
        ("Jammu & Kashmir", "Jammu and Kashmir"),
        ("Uttaranchal", "Uttarakhand"),
        ("Daman and Diu", "Dadra and Nagar Haveli and Daman and Diu"),
        ("27", "Maharashtra"),
        ("36", "Telangana"),
    ],
)
def test_state_aliases_and_codes(given: str, canonical: str) -> None:
    assert india.normalize_state(given) == canonical


@pytest.mark.parametrize("value", ["", "Atlantis", "Maharashtra State", "99", "7", "Bombay"])
def test_unknown_states(value: str) -> None:
    assert india.normalize_state(value) is None


@pytest.mark.parametrize(
    ("regex", "good", "bad"),
    [
        (india.PIN_RE, ["400001", "999999"], ["012345", "40001", "4000011", "400001\n", "४००००१"]),
        (india.IFSC_RE, ["HDFC0001234", "SBIN0ABC123"], ["HDFC1001234", "HDFC000123", "hdfc0001234"]),
        (
            india.PHONE_RE,
            ["", "9876543210", "+919876543210", "+91 9876543210", "0091-9876543210", "+1-9876543210"],
            [
                "98765",
                "+91  9876543210",
                "9876543210\n",
                "१२३४५६७८९०",
                "98765\u200943210",
                "+91\u20089876543210",
            ],
        ),
        (india.ACCOUNT_RE, ["", "123456789", "A" * 36], ["12345678", "A" * 37, "1234 56789", "१२३४५६७८९"]),
        (
            india.EMAIL_RE,
            ["ap@acme.example", "a.b+c@sub.acme.in"],
            ["a@b", "a b@c.in", "ap@acme.example\n", "ap@acme.example\nbcc@x.in", "ap@ácme.in"],
        ),
    ],
)
def test_field_patterns_match_whole_ascii_values(regex: object, good: list[str], bad: list[str]) -> None:
    # EnKash's patterns are Java regexes: \d and \s are ASCII there, and the whole value must match.
    for value in good:
        assert regex.match(value), value  # type: ignore[attr-defined]
    for value in bad:
        assert not regex.match(value), value  # type: ignore[attr-defined]
