"""Assertions on EnKash envelopes shared by the customer tests."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from dues.kit import passwords

CUSTOMERS = "/api/v0/customer"


def sub_errors(response: httpx.Response) -> dict[str, dict[str, Any]]:
    """apiSubErrors of an error envelope, by field."""
    error = response.json()["errorResponse"]
    return {sub["field"]: sub for sub in error["apiSubErrors"]}


def assert_error(response: httpx.Response, status: int, error_type: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["response_code"] == status
    assert body["payload"] is None
    assert body["errorResponse"]["errorType"] == error_type, body
    return body["errorResponse"]  # type: ignore[no-any-return]


def assert_invalid(response: httpx.Response, *fields: str) -> dict[str, dict[str, Any]]:
    """422 VALIDATION_ERROR whose sub-errors name exactly these fields, one entry each."""
    error = assert_error(response, 422, "VALIDATION_ERROR")
    named = [sub["field"] for sub in error["apiSubErrors"]]
    assert sorted(named) == sorted(fields), error
    return sub_errors(response)


def payload(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["response_code"] == 0 and body["errorResponse"] is None, body
    return body["payload"]


@pytest.fixture
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test makes a company and logs in (four argon2 hashes): cheap parameters keep that fast. Nothing
    here tests hashing; the production parameters are the auth tests' business. Use with autouse."""
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    )
