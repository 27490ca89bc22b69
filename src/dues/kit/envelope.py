"""EnKash's response envelope, rendered with exact decimals.

Amounts must reach the client as JSON numbers with their exact digits; pydantic's JSON mode would turn a
Decimal into a string and the standard library would need a float, so payloads are dumped in python mode
and written by orjson, each Decimal as a raw fragment of its own digits (simplejson, which prints a Decimal
as the number it is, writes what orjson refuses).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Generic, TypeVar

import orjson
import simplejson
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from dues.kit.logging import current_request_id
from dues.kit.timefmt import format_ist, now

T = TypeVar("T")


class ApiSubError(BaseModel):
    field: str
    rejectedValue: Any = None
    message: str


class ErrorBody(BaseModel):
    errorType: str
    errorMessage: str
    apiSubErrors: list[ApiSubError] = Field(default_factory=list)
    requestId: str
    timestamp: str = Field(description="yyyy-MM-dd HH:mm:ss, IST")


class Envelope(BaseModel, Generic[T]):
    """Every JSON response under /api/ has this shape."""

    model_config = ConfigDict(json_schema_extra={"description": "EnKash response envelope"})

    response_code: int = Field(0, description="0 on success, else the HTTP status")
    response_message: str = "SUCCESS"
    payload: T | None = None
    errorResponse: ErrorBody | None = None


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_ist(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="python", by_alias=True)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def _orjson_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value))  # the number as it is, digit for digit
    return _default(value)


_ORJSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value, default=_orjson_default, option=_ORJSON)
    except orjson.JSONEncodeError:
        pass  # what orjson refuses (an unpaired surrogate, an integer beyond 64 bits) simplejson writes
    text = simplejson.dumps(value, use_decimal=True, default=_default, ensure_ascii=False)
    # An unpaired surrogate (a client may send "\ud800"; an error echoes it as rejectedValue) has no UTF-8
    # form: written back as the same \uXXXX escape, the body stays valid JSON instead of failing with a 500.
    return text.encode("utf-8", errors="backslashreplace")


class JSONBody(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def to_wire(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="python", by_alias=True)
    if isinstance(value, list):
        return [to_wire(v) for v in value]
    return value


def ok(payload: Any = None, status_code: int = 200, headers: Mapping[str, str] | None = None) -> JSONBody:
    body = {
        "response_code": 0,
        "response_message": "SUCCESS",
        "payload": to_wire(payload),
        "errorResponse": None,
    }
    return JSONBody(body, status_code=status_code, headers=dict(headers or {}))


def error_body(
    status: int, error_type: str, message: str, sub_errors: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "response_code": status,
        "response_message": message,
        "payload": None,
        "errorResponse": {
            "errorType": str(error_type),
            "errorMessage": message,
            "apiSubErrors": sub_errors,
            "requestId": current_request_id(),
            "timestamp": format_ist(now()),
        },
    }


def error_response(status: int, error_type: str, message: str, sub_errors: list[dict[str, Any]]) -> JSONBody:
    return JSONBody(error_body(status, error_type, message, sub_errors), status_code=status)


__all__ = ["Decimal", "Envelope", "JSONBody", "dumps", "error_response", "ok"]
