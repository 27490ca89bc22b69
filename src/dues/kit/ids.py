"""Random, unguessable resource ids with EnKash-style prefixes (api.md §1.2)."""

import secrets

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


# Bytes 0..251 map evenly onto the 36 characters (252 = 7 x 36); 252..255 are dropped, so there is no bias.
_EVEN = bytes(ord(_ALPHABET[b % 36]) if b < 252 else 0 for b in range(256))
_UNEVEN = bytes(range(252, 256))


def many(prefix: str, n: int, length: int = 14) -> list[str]:
    """``n`` ids like ``prefix`` + ``length`` random characters, from one read of the system's randomness.

    Bulk work needs thousands at once; one ``secrets.choice`` per character costs a system call each.
    """
    out = bytearray()
    need = n * length
    while len(out) < need:
        out += secrets.token_bytes(need - len(out) + need // 32 + 16).translate(_EVEN, _UNEVEN)
    text = out[:need].decode()
    return [prefix + text[i : i + length] for i in range(0, need, length)]


def _random(n: int) -> str:
    return many("", 1, n)[0]  # one read of randomness, not one per character


def company_id() -> str:
    return "CEK" + _random(7)


def customer_id() -> str:
    return "KC" + _random(14)


def invoice_id() -> str:
    return "INV" + _random(13)


def contact_id() -> str:
    return "CC" + _random(14)


def upload_id() -> str:
    return "UP" + _random(14)


def user_id() -> str:
    return "US" + _random(14)


def payment_id() -> str:
    return "PAY" + _random(13)


def credit_note_id() -> str:
    return "CN" + _random(14)


def write_off_id() -> str:
    return "WO" + _random(14)


def refund_id() -> str:
    return "RF" + _random(14)


def payment_attempt_id() -> str:
    return "PA" + _random(14)


def webhook_id() -> str:
    return "WH" + _random(14)


def portal_link_id() -> str:
    return "PL" + _random(14)


def saved_view_id() -> str:
    return "SV" + _random(14)


def request_id() -> str:
    return secrets.token_hex(12)
