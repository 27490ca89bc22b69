"""Slow hashes for passwords and client secrets (argon2id)."""

from __future__ import annotations

import os
import secrets

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher


def _argon2() -> Argon2Hasher:
    # The test suite creates hundreds of users; "fast" keeps argon2id but with test-sized cost. Every hash
    # records its own parameters, so hashes made under either profile verify under both.
    if os.environ.get("DUES_PASSWORD_HASH_PROFILE", "strong") == "fast":
        return Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
    return Argon2Hasher()


_hasher = PasswordHash((_argon2(),))
# Checked when the user does not exist, so the time taken does not tell which e-mails are registered.
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(secret: str, hashed: str | None) -> bool:
    if hashed is None:
        _hasher.verify(secret, _DUMMY)
        return False
    try:
        return _hasher.verify(secret, hashed)
    except Exception:
        return False


def new_password() -> str:
    return secrets.token_urlsafe(15)


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)
