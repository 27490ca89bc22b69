"""The API's documentation: the OpenAPI document as a caller needs it, and the pages that show it.

``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) load their scripts and styles from ``/docs/static/``, files that
dues serves from the ``fastapi-offline`` package (Swagger UI and ReDoc's standalone bundle, as released): the
pages work on a machine without internet, and send a Content-Security-Policy that lets them load nothing from
anywhere else.

The OpenAPI document is FastAPI's, completed here rather than in each router:
- every ``/api/`` operation requires the OAuth2 password flow against ``POST /oauth/token`` (the docs page's
  Authorize button gets a token with the client id and secret and a user's e-mail and password);
- every ``POST`` under ``/api/`` takes the ``Idempotency-Key`` header (api.md §1.6);
- each ``/api/`` operation lists the error answers it can give, worked out from what the route takes (see
  ``_error_statuses``), each with the envelope's schema;
- a property or parameter without a description gets the glossary's (``dues.kit.glossary``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

from dues.auth.deps import admin_principal, approver_principal, maker_principal, writer_principal
from dues.companies.deps import company_scope, seller_scope
from dues.kit import glossary
from dues.kit.openapi import ERROR_TEXT, ErrorEnvelope

try:
    from fastapi.routing import iter_route_contexts
except ImportError:  # FastAPI before 0.165 keeps included routes as plain APIRoutes in app.routes

    def iter_route_contexts(routes: Any) -> Iterator[Any]:  # type: ignore[misc]
        return iter(routes)


STATIC_URL = "/docs/static"
STATIC_DIR = Path(fastapi_offline.__file__).parent / "static"
SCHEME = "OAuth2"
IDEMPOTENCY_HEADER = "Idempotency-Key"
_REF = "#/components/schemas/"

# The groups of operations, in the order a new integrator meets them.
TAGS = [
    {"name": "auth", "description": "Tokens: the OAuth2 password and refresh_token grants (api.md §2)"},
    {"name": "company", "description": "The token's company and its settings (api.md §1.7)"},
    {"name": "customers", "description": "EnKash's Customer APIs and the customers' contacts (api.md §3)"},
    {
        "name": "invoices",
        "description": "EnKash's invoice-controller: GST invoices and their approval (api.md §4)",
    },
    {
        "name": "collection",
        "description": "Dispatch for collection, withdrawal, and the outbox (api.md §4.1, §5)",
    },
    {"name": "payments", "description": "Payments received and customer credit (api.md §5)"},
    {
        "name": "credit notes",
        "description": "GST credit notes against invoices: approval, effect on balances, PDF, e-mail (§9.1)",
    },
    {
        "name": "adjustments",
        "description": "Write-offs, payment reversals and refunds of customer credit (api.md §9.3)",
    },
    {
        "name": "reminders",
        "description": "EnKash's customer-reminder-controller, send now, timeline (api.md §7)",
    },
    {"name": "uploads", "description": "Bulk files of customers and invoices, row by row (api.md §4.1)"},
    {"name": "webhooks", "description": "Signed event deliveries to your endpoints (api.md §6)"},
    {"name": "audit", "description": "Who changed what, when and why"},
]

# Swagger UI as a caller wants it here: operations folded, a filter box, the time each call took.
SWAGGER_PARAMETERS = {
    "docExpansion": "none",
    "filter": True,
    "displayRequestDuration": True,
    "defaultModelsExpandDepth": 0,
    "validatorUrl": None,
}

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _hashes(pattern: re.Pattern[str], html: str) -> str:
    return " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"
        for block in pattern.findall(html)
    )


def _csp(*directives: str) -> str:
    common = (
        "default-src 'none'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
    return "; ".join((*common, *directives))


def _page(html: HTMLResponse, policy: str) -> HTMLResponse:
    html.headers["Content-Security-Policy"] = policy
    html.headers["Cache-Control"] = "no-cache"
    return html


def swagger_page(openapi_url: str, title: str, root: str = "") -> HTMLResponse:
    static = root + STATIC_URL
    html = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=f"{static}/swagger-ui-bundle.js",
        swagger_css_url=f"{static}/swagger-ui.css",
        swagger_favicon_url=f"{static}/favicon.png",
        swagger_ui_parameters=SWAGGER_PARAMETERS,
    )
    # The one inline script (Swagger UI's start-up call) is allowed by its hash, nothing else inline.
    body = bytes(html.body).decode()
    return _page(html, _csp(f"script-src 'self' {_hashes(_INLINE_SCRIPT, body)}", "style-src 'self'"))


def redoc_page(openapi_url: str, title: str, root: str = "") -> HTMLResponse:
    static = root + STATIC_URL
    html = get_redoc_html(
        openapi_url=openapi_url,
        title=title,
        redoc_js_url=f"{static}/redoc.standalone.js",
        redoc_favicon_url=f"{static}/favicon.png",
        with_google_fonts=False,
    )
    # ReDoc styles its page with <style> elements it writes at run time (styled-components), which no
    # hash can name: 'unsafe-inline' for styles on this page only. Scripts stay 'self'; its search index
    # runs in a worker made from a blob: URL.
    return _page(html, _csp("script-src 'self'", "style-src 'self' 'unsafe-inline'", "worker-src blob:"))


def install(app: FastAPI) -> None:
    """Serve /docs, /redoc and their static files, and complete the app's OpenAPI document (call it after
    every router is included; the document is made on first use)."""
    openapi_url = app.openapi_url or "/openapi.json"
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="docs-static")

    @app.api_route("/docs", methods=["GET", "HEAD"], include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return swagger_page(root + openapi_url, f"{app.title} API", root)

    @app.api_route("/redoc", methods=["GET", "HEAD"], include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return redoc_page(root + openapi_url, f"{app.title} API", root)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
                servers=app.servers,
            )
            app.openapi_schema = complete(schema, app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# --- the document --------------------------------------------------------------------------------------


def complete(schema: dict[str, Any], routes: list[Any]) -> dict[str, Any]:
    """FastAPI's document with what dues promises its callers (see the module's docstring)."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    _add_error_envelope(schemas)
    by_operation = {
        (route.path_format, method.lower()): route
        for route in iter_route_contexts(routes)
        if isinstance(getattr(route, "original_route", route), APIRoute) and route.include_in_schema
        for method in route.methods or ()
    }
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            route = by_operation.get((path, method))
            if not path.startswith("/api/") or route is None:
                continue
            operation["security"] = [{SCHEME: []}]
            if method == "post":
                _add_idempotency_key(operation)
            _add_errors(operation, _error_statuses(route, method))
    components.setdefault("securitySchemes", {})
    _declare_oauth2(components["securitySchemes"], schema)
    _drop_unused(schemas, schema, ("HTTPValidationError", "ValidationError"))
    _describe_everything(schema)
    return schema


def _add_error_envelope(schemas: dict[str, Any]) -> None:
    generated = ErrorEnvelope.model_json_schema(ref_template=_REF + "{model}", mode="serialization")
    for name, definition in generated.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    schemas.setdefault("ErrorEnvelope", generated)


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _params(dependant: Dependant) -> Iterator[str]:
    yield from (p.alias for p in dependant.query_params + dependant.path_params + dependant.header_params)
    for sub in dependant.dependencies:
        yield from _params(sub)


_ROLES = {writer_principal, maker_principal, admin_principal, approver_principal}
_SCOPES = {company_scope, seller_scope}


def _error_statuses(route: Any, method: str) -> set[int]:
    """The errors an /api/ operation can answer, from what it takes:
    401, 422, 500, 503 always (a token, the field rules and the NUL check on any parameter, the server, the
    database); 400 and 413 with a body; 403 with a role check or a company scope; 404 with an id in the
    path; 409 on POST (an Idempotency-Key reused). An operation declares anything beyond with errors(...).
    """
    statuses = {401, 422, 500, 503}
    if route.body_field is not None:
        statuses |= {400, 413}
    calls = set(_calls(route.dependant))
    if calls & (_ROLES | _SCOPES):
        statuses.add(403)
    if route.dependant.path_params or any(p.path_params for p in _subs(route.dependant)):
        statuses.add(404)
    if method == "post":
        statuses.add(409)
    return statuses


def _subs(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _subs(sub)


def _envelope_content() -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF + "ErrorEnvelope"}}}


def _add_errors(operation: dict[str, Any], statuses: set[int]) -> None:
    responses = operation.setdefault("responses", {})
    # FastAPI's own 422 describes its default error body, which dues never sends.
    if responses.get("422", {}).get("description") == "Validation Error":
        del responses["422"]
    for status in sorted(statuses):
        key = str(status)
        if key not in responses:
            responses[key] = {"description": ERROR_TEXT[status], "content": _envelope_content()}
    operation["responses"] = dict(sorted(responses.items()))


def _add_idempotency_key(operation: dict[str, Any]) -> None:
    parameters = operation.setdefault("parameters", [])
    if any(p.get("name", "").lower() == IDEMPOTENCY_HEADER.lower() for p in parameters):
        return
    parameters.append(
        {
            "name": IDEMPOTENCY_HEADER,
            "in": "header",
            "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            "description": "Any 1 to 255 characters, new for each distinct request. A retry with the same "
            "key and body gets the first answer again (same status and body, header Idempotent-Replayed) "
            "and does nothing more, for 24 h; the same key with another body answers 409.",
        }
    )


def _declare_oauth2(schemes: dict[str, Any], schema: dict[str, Any]) -> None:
    schemes[SCHEME] = {
        "type": "oauth2",
        "description": "OAuth2 password grant: POST /oauth/token with the company's client id and secret as "
        "HTTP Basic credentials and a user's e-mail and password; send the access_token as "
        "`Authorization: Bearer <token>` on every /api/ call. On this page: Authorize, then fill in "
        "username, password, client_id and client_secret.",
        "flows": {"password": {"tokenUrl": "/oauth/token", "refreshUrl": "/oauth/token", "scopes": {}}},
    }
    # The bearer scheme FastAPI derived from the token dependency is replaced by the flow that gets one.
    used = {
        name
        for item in schema["paths"].values()
        for op in item.values()
        for s in op.get("security", [])
        for name in s
    }
    for name in [n for n in schemes if n != SCHEME and n not in used]:
        del schemes[name]


def _drop_unused(schemas: dict[str, Any], schema: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if name in schemas:
            rest = {k: v for k, v in schemas.items() if k != name}
            text = json.dumps([schema["paths"], rest])
            if f'"{_REF}{name}"' not in text:
                del schemas[name]


def _describe_everything(schema: dict[str, Any]) -> None:
    for name, definition in schema.get("components", {}).get("schemas", {}).items():
        _describe_properties(name, definition)
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if not parameter.get("description"):
                    text = glossary.describe(None, parameter["name"])
                    if text:
                        parameter["description"] = text
            for media in _media(operation):
                inline = media.get("schema", {})
                if "$ref" not in inline:
                    _describe_properties(inline.get("title"), inline)


def _media(operation: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from operation.get("requestBody", {}).get("content", {}).values()
    for response in operation.get("responses", {}).values():
        yield from response.get("content", {}).values()


def _describe_properties(name: str | None, definition: Any) -> None:
    if not isinstance(definition, dict):
        return
    for field, prop in (definition.get("properties") or {}).items():
        if isinstance(prop, dict):
            if not prop.get("description"):
                text = glossary.describe(name, field)
                if text:
                    prop["description"] = text
            _describe_properties(name, prop)
    for key in ("items", "additionalProperties"):
        _describe_properties(name, definition.get(key))
    for key in ("anyOf", "oneOf", "allOf"):
        for option in definition.get(key, []):
            _describe_properties(name, option)
