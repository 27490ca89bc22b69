"""Typed errors and the one place that turns any error into EnKash's envelope (api.md §1.1)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import Scope

from dues.kit import fields
from dues.kit.envelope import error_response
from dues.kit.logging import current_request_id

log = structlog.get_logger("dues.errors")


class ErrorType(StrEnum):
    CLIENT_REQUEST_ABORT = "CLIENT_REQUEST_ABORT"
    CLIENT_REQUEST_ERROR = "CLIENT_REQUEST_ERROR"
    INVALID_ACCESS = "INVALID_ACCESS"
    RECORD_NOT_FOUND = "RECORD_NOT_FOUND"
    SYSTEM_ERROR = "SYSTEM_ERROR"
    UNAUTHORIZED = "UNAUTHORIZED"
    UNKNOWN_ERROR = "UNKNOWN_ERROR"
    UNPROCESSABLE_REQUEST = "UNPROCESSABLE_REQUEST"
    VALIDATION_ERROR = "VALIDATION_ERROR"


@dataclass(frozen=True)
class SubError:
    field: str
    message: str
    rejected_value: Any = None

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "rejectedValue": self.rejected_value, "message": self.message}


class DuesError(Exception):
    status_code = 500
    error_type = ErrorType.SYSTEM_ERROR

    def __init__(
        self, message: str, sub_errors: Sequence[SubError] = (), headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.sub_errors = list(sub_errors)
        # Response headers the answer must carry (WWW-Authenticate on a 401).
        self.headers = dict(headers or {})


class BadRequest(DuesError):
    status_code = 400
    error_type = ErrorType.CLIENT_REQUEST_ERROR


class Unauthorized(DuesError):
    status_code = 401
    error_type = ErrorType.UNAUTHORIZED


class Forbidden(DuesError):
    status_code = 403
    error_type = ErrorType.INVALID_ACCESS


class NotFound(DuesError):
    status_code = 404
    error_type = ErrorType.RECORD_NOT_FOUND


class Conflict(DuesError):
    status_code = 409
    error_type = ErrorType.UNPROCESSABLE_REQUEST


class ValidationFailed(DuesError):
    """A field rule was broken: 422 with one sub-error per field."""

    status_code = 422
    error_type = ErrorType.VALIDATION_ERROR

    @classmethod
    def field(cls, field: str, message: str, rejected_value: Any = None) -> ValidationFailed:
        return cls(f"{field}: {message}", [SubError(field, message, rejected_value)])

    @classmethod
    def of(cls, subs: list[SubError]) -> ValidationFailed:
        """Several fields at once, all named in the message as in apiSubErrors."""
        return cls("Validation failed: " + "; ".join(f"{s.field}: {s.message}" for s in subs), subs)


class Unprocessable(DuesError):
    """A state rule was broken ("the customer has invoices under collection")."""

    status_code = 422
    error_type = ErrorType.UNPROCESSABLE_REQUEST


class RateLimited(DuesError):
    status_code = 429
    error_type = ErrorType.CLIENT_REQUEST_ABORT


_STATUS_TYPES = {
    400: ErrorType.CLIENT_REQUEST_ERROR,
    401: ErrorType.UNAUTHORIZED,
    403: ErrorType.INVALID_ACCESS,
    404: ErrorType.RECORD_NOT_FOUND,
    405: ErrorType.CLIENT_REQUEST_ERROR,
    409: ErrorType.UNPROCESSABLE_REQUEST,
    413: ErrorType.CLIENT_REQUEST_ERROR,
    415: ErrorType.CLIENT_REQUEST_ERROR,
    422: ErrorType.VALIDATION_ERROR,
    429: ErrorType.CLIENT_REQUEST_ABORT,
}

_STATUS_MESSAGES = {
    404: "No such resource: check the path and the id.",
    405: "This path does not accept that HTTP method.",
}


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return str(value)


def _field_path(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "form"}:
        parts = parts[1:]
    path = ""
    for part in parts:
        if part.isdigit():
            path += f"[{part}]"
        else:
            path += ("." if path else "") + part
    return path or "body"


def _validation_message(err: dict[str, Any]) -> str:
    msg = str(err.get("msg", "is invalid"))
    ctx = err.get("ctx") or {}
    kind = err.get("type")
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "string_pattern_mismatch":
        worded = fields.pattern_message(str(ctx.get("pattern")), err.get("input"))
        if worded:
            return worded
    if kind == "string_unicode":
        return fields.UNSTORABLE
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "must not be blank"
    return msg.removeprefix("Value error, ")


def sub_errors_from_pydantic(errors: Sequence[Any]) -> list[SubError]:
    subs: list[SubError] = []
    seen: set[str] = set()
    for err in errors:
        loc = list(err.get("loc", ()))
        # pydantic names the union member or the validator in the location; the person wants the field.
        loc = [p for p in loc if not (isinstance(p, str) and (p.startswith("function-") or "[" in p))]
        field = _field_path(loc)
        if field in seen:
            continue
        seen.add(field)
        # For a missing field pydantic's input is the whole enclosing object; the field itself had no value.
        rejected = None if err.get("type") == "missing" else _json_safe(err.get("input"))
        subs.append(SubError(field, _validation_message(err), rejected))
    return subs


def _is_malformed_body(errors: Sequence[Any]) -> bool:
    """Not JSON, not an object, not sent as JSON, or no body at all: 400 rather than field errors."""
    return any(e.get("type") in {"json_invalid", "model_attributes_type"} for e in errors) or any(
        e.get("type") in {"dict_type", "model_type", "missing"} and tuple(e.get("loc", ())) == ("body",)
        for e in errors
    )


UNEXPECTED = "Something went wrong on our side; it has been logged. Try again."
PageRenderer = Callable[[Request, int, str], Response]
# Paths answered for people (the web app, the portal) and how their errors are shown there: as a page, never
# the JSON envelope. Set by dues.web when the app is built; errors cannot import the pages themselves.
_pages: tuple[Callable[[str], bool], PageRenderer] | None = None


def answer_pages_with(is_page: Callable[[str], bool], render: PageRenderer) -> None:
    global _pages
    _pages = (is_page, render)


def _page(request: Request) -> PageRenderer | None:
    if _pages is not None and _pages[0](request.url.path):
        return _pages[1]
    return None


def unexpected_answer(request: Request) -> Response:
    """The 500 for an error nobody expected: a page on the pages' paths, else the envelope."""
    page = _page(request)
    if page is not None:
        return page(request, 500, UNEXPECTED)
    return error_response(500, ErrorType.SYSTEM_ERROR, UNEXPECTED, [])


async def _dues_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DuesError)
    if exc.status_code >= 500:
        log.error("request failed", error=exc.message)
    page = _page(request)
    if page is not None:
        return page(request, exc.status_code, exc.message)
    response = error_response(
        exc.status_code, exc.error_type, exc.message, [s.to_json() for s in exc.sub_errors]
    )
    response.headers.update(exc.headers)
    return response


async def _request_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    page = _page(request)
    if page is not None:
        subs = sub_errors_from_pydantic(errors)
        return page(request, 422, ValidationFailed.of(subs).message)
    if _is_malformed_body(errors):
        return error_response(
            400, ErrorType.CLIENT_REQUEST_ERROR, "The request body is not a valid JSON object.", []
        )
    subs = sub_errors_from_pydantic(errors)
    return error_response(
        422, ErrorType.VALIDATION_ERROR, ValidationFailed.of(subs).message, [s.to_json() for s in subs]
    )


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(scope: Scope) -> list[str] | None:
    """The methods the request's path accepts across every route of the app, plus OPTIONS (answered for any
    path by the RequestContext middleware); None when no route takes the path. Starlette's own 405 names
    only the first route that matched the path, though several may share it with different methods. Each
    method is tried as a request would be routed (included routers match through their own prefixes)."""
    router = getattr(scope.get("app"), "router", None)
    if router is None:
        return None
    methods = [
        method
        for method in _METHODS
        if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in router.routes)
    ]
    return [*methods, "OPTIONS"] if methods else None


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    error_type = _STATUS_TYPES.get(
        status, ErrorType.UNKNOWN_ERROR if status < 500 else ErrorType.SYSTEM_ERROR
    )
    message = _STATUS_MESSAGES.get(status) or (
        exc.detail if isinstance(exc.detail, str) else "Request failed."
    )
    page = _page(request)
    if page is not None and status != 405:
        return page(request, status, message)
    response = error_response(status, error_type, message, [])
    if exc.headers:
        response.headers.update(exc.headers)
    if status == 405:
        # RFC 9110 §15.5.6: a 405 lists in Allow every method the path takes.
        allowed = allowed_methods(request.scope)
        if allowed:
            response.headers["Allow"] = ", ".join(allowed)
    return response


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error", path=request.url.path, request_id=current_request_id())
    return unexpected_answer(request)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DuesError, _dues_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(Exception, _unexpected)
