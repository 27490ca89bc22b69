"""Random, unguessable resource ids with EnKash-style prefixes (api.md §1.2)."""

import secrets

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _random(n: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(n))


def company_id() -> str:
    return "CEK" + _random(7)


def customer_id() -> str:
    return "KC" + _random(14)


def contact_id() -> str:
    return "CC" + _random(14)


def upload_id() -> str:
    return "UP" + _random(14)


def user_id() -> str:
    return "US" + _random(14)


def request_id() -> str:
    return secrets.token_hex(12)
