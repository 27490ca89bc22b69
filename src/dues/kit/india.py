"""Indian identifiers and places: PAN, GSTIN (with its check character), states and their GST codes."""

from __future__ import annotations

import re

# EnKash's patterns are Java regexes: ASCII classes, and the whole value must match. Python's ``$`` also
# matches before a trailing newline and its ``\d``/``\s`` take any Unicode digit or space, hence ``\Z`` and
# re.ASCII.
PAN_RE = re.compile(r"^[A-Z]{5}[0-9]{4}[A-Z]\Z", re.ASCII)
GSTIN_RE = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]\Z", re.ASCII)
PIN_RE = re.compile(r"^[1-9][0-9]{5}\Z", re.ASCII)
IFSC_RE = re.compile(r"^[A-Z]{4}0[A-Z0-9]{6}\Z", re.ASCII)
PHONE_RE = re.compile(r"^\Z|^((\+|00)(\d{1,3})[\s-]?)?(\d{10})\Z", re.ASCII)
ACCOUNT_RE = re.compile(r"^\Z|^[A-Za-z0-9]{9,36}\Z", re.ASCII)
EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\Z",
    re.ASCII,
)

# GST state codes (CBIC). 25 (Daman and Diu) merged into 26 in 2020; 28 is Andhra Pradesh's pre-2014 code.
STATE_CODES: dict[str, str] = {
    "01": "Jammu and Kashmir",
    "02": "Himachal Pradesh",
    "03": "Punjab",
    "04": "Chandigarh",
    "05": "Uttarakhand",
    "06": "Haryana",
    "07": "Delhi",
    "08": "Rajasthan",
    "09": "Uttar Pradesh",
    "10": "Bihar",
    "11": "Sikkim",
    "12": "Arunachal Pradesh",
    "13": "Nagaland",
    "14": "Manipur",
    "15": "Mizoram",
    "16": "Tripura",
    "17": "Meghalaya",
    "18": "Assam",
    "19": "West Bengal",
    "20": "Jharkhand",
    "21": "Odisha",
    "22": "Chhattisgarh",
    "23": "Madhya Pradesh",
    "24": "Gujarat",
    "25": "Dadra and Nagar Haveli and Daman and Diu",
    "26": "Dadra and Nagar Haveli and Daman and Diu",
    "27": "Maharashtra",
    "28": "Andhra Pradesh",
    "29": "Karnataka",
    "30": "Goa",
    "31": "Lakshadweep",
    "32": "Kerala",
    "33": "Tamil Nadu",
    "34": "Puducherry",
    "35": "Andaman and Nicobar Islands",
    "36": "Telangana",
    "37": "Andhra Pradesh",
    "38": "Ladakh",
    "97": "Other Territory",
}

STATES: tuple[str, ...] = tuple(sorted(set(STATE_CODES.values())))

_ALIASES = {
    "orissa": "Odisha",
    "pondicherry": "Puducherry",
    "nct of delhi": "Delhi",
    "new delhi": "Delhi",
    "jammu & kashmir": "Jammu and Kashmir",
    "andaman & nicobar islands": "Andaman and Nicobar Islands",
    "andaman and nicobar": "Andaman and Nicobar Islands",
    "daman and diu": "Dadra and Nagar Haveli and Daman and Diu",
    "dadra and nagar haveli": "Dadra and Nagar Haveli and Daman and Diu",
    "dadra & nagar haveli and daman & diu": "Dadra and Nagar Haveli and Daman and Diu",
    "uttaranchal": "Uttarakhand",
}
_BY_NAME = {name.lower(): name for name in STATES} | _ALIASES

_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Each character's share of the checksum at an odd and at an even position (value x 1 or x 2, digits of the
# product in base 36 added), so the check runs as two C-level sums: bulk uploads check one GSTIN per row.
_ODD = {ch: i // 36 + i % 36 for i, ch in enumerate(_CHARS)}
_EVEN = {ch: (2 * i) // 36 + (2 * i) % 36 for i, ch in enumerate(_CHARS)}


def normalize_state(value: str) -> str | None:
    """The canonical name of a state or union territory given by name, common alias or GST code."""
    cleaned = " ".join(value.strip().split())
    if cleaned in STATE_CODES:
        return STATE_CODES[cleaned]
    return _BY_NAME.get(cleaned.lower())


def gstin_check_char(first14: str) -> str:
    try:
        total = sum(map(_ODD.__getitem__, first14[0::2])) + sum(map(_EVEN.__getitem__, first14[1::2]))
    except KeyError as exc:
        raise ValueError(f"{exc.args[0]!r} cannot be in a GSTIN") from None
    return _CHARS[(36 - total % 36) % 36]


def gstin_problem(value: str) -> str | None:
    """Why this is not a valid GSTIN, or None when it is."""
    if not GSTIN_RE.match(value):
        return "is not a GSTIN: 2-digit state code, PAN, entity number, 'Z' and a check character"
    if value[:2] not in STATE_CODES:
        return f"has an unknown state code {value[:2]}"
    if gstin_check_char(value[:14]) != value[14]:
        return "has a wrong check character (the last one): check for a typing mistake"
    return None


def gstin_state(gstin: str) -> str:
    return STATE_CODES[gstin[:2]]


def make_gstin(state_code: str, pan: str, entity: str = "1") -> str:
    """A GSTIN with a correct check character, for test data and demos."""
    first14 = f"{state_code}{pan}{entity}Z"
    return first14 + gstin_check_char(first14)


# The usual two-letter abbreviations: ISO 3166-2:IN codes and the vehicle registration codes people also
# write (CG: Chhattisgarh, OD: Odisha, TS: Telangana, UK: Uttarakhand, DD and DN: the merged UT).
STATE_ABBREVIATIONS: dict[str, str] = {
    "AN": "Andaman and Nicobar Islands",
    "AP": "Andhra Pradesh",
    "AR": "Arunachal Pradesh",
    "AS": "Assam",
    "BR": "Bihar",
    "CH": "Chandigarh",
    "CG": "Chhattisgarh",
    "CT": "Chhattisgarh",
    "DD": "Dadra and Nagar Haveli and Daman and Diu",
    "DH": "Dadra and Nagar Haveli and Daman and Diu",
    "DN": "Dadra and Nagar Haveli and Daman and Diu",
    "DL": "Delhi",
    "GA": "Goa",
    "GJ": "Gujarat",
    "HP": "Himachal Pradesh",
    "HR": "Haryana",
    "JH": "Jharkhand",
    "JK": "Jammu and Kashmir",
    "KA": "Karnataka",
    "KL": "Kerala",
    "LA": "Ladakh",
    "LD": "Lakshadweep",
    "MH": "Maharashtra",
    "ML": "Meghalaya",
    "MN": "Manipur",
    "MP": "Madhya Pradesh",
    "MZ": "Mizoram",
    "NL": "Nagaland",
    "OD": "Odisha",
    "OR": "Odisha",
    "PB": "Punjab",
    "PY": "Puducherry",
    "RJ": "Rajasthan",
    "SK": "Sikkim",
    "TG": "Telangana",
    "TS": "Telangana",
    "TN": "Tamil Nadu",
    "TR": "Tripura",
    "UK": "Uttarakhand",
    "UT": "Uttarakhand",
    "UP": "Uttar Pradesh",
    "WB": "West Bengal",
}


def state_from_any(value: str) -> str | None:
    """The canonical name of a state or UT given by name, alias, GST code (``29``, or ``5`` for ``05``) or
    usual abbreviation (``KA``): what a person types at the command line."""
    cleaned = value.strip()
    if cleaned.isdigit() and len(cleaned) == 1:
        cleaned = "0" + cleaned
    return normalize_state(cleaned) or STATE_ABBREVIATIONS.get(cleaned.upper())
