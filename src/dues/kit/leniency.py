"""What EnKash's clients send, accepted as EnKash accepts it (api.md §1.1a).

Clients generated from EnKash's reference write every field of a DTO, ``null`` included, and EnKash ignores
the fields it does not know. So every request model (``CamelInput``) runs ``prepare`` on its input before
pydantic sees it: a ``null`` on a field that does not take one is a field left out (its default applies), a
documented field that dues computes itself (``createdOn``, ``totalAmount`` ...) is dropped, and a field
nobody documents is ignored. The ignored ones are named: the outermost model of a request walks its raw
input once and hands the paths (``customerKeyContacts[0].foo``) to the request's collector, which the HTTP
middleware turns into the ``X-Ignored-Fields`` header and the request's log line.

Bulk uploads validate tens of thousands of rows through the same models, outside any request: what each
class needs is computed once per class, and without a collector nothing is walked.
"""

from __future__ import annotations

import types
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

# A body of a million unknown keys is named by its first hundred: enough to find the mistake.
MAX_REPORTED = 100
_collector: ContextVar[list[str] | None] = ContextVar("dues_ignored_fields", default=None)
# True while the outermost request model validates: its nested models must not report (it did, with paths).
_inside: ContextVar[bool] = ContextVar("dues_ignored_inside", default=False)


def start() -> Token[list[str] | None]:
    """Collect the ignored fields of the request that runs in this context (the middleware calls it)."""
    return _collector.set([])


def ignored() -> list[str]:
    """The paths ignored so far in this request, each once, in the order met (the first MAX_REPORTED)."""
    return list(dict.fromkeys(_collector.get() or ()))[:MAX_REPORTED]


def stop(token: Token[list[str] | None]) -> None:
    _collector.reset(token)


@dataclass(frozen=True, slots=True)
class Plan:
    """What one request model accepts, by wire name."""

    known: frozenset[str]
    """Its fields' wire names and the documented fields it drops: never reported as ignored."""
    null_means_absent: frozenset[str]
    """Fields that take no null: a null there is the field left out."""
    dropped: frozenset[str]
    """Documented fields dues computes or decides itself: removed before validation, silently."""
    children: dict[str, type[BaseModel]]
    """Fields holding a request model (or a list of them), whose own unknown fields are reported too."""


_plans: dict[type[BaseModel], Plan] = {}


def _accepts_none(annotation: Any) -> bool:
    if annotation is None or annotation is type(None) or annotation is Any:
        return True
    origin = get_origin(annotation)
    if origin is Annotated:
        return _accepts_none(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return any(_accepts_none(a) for a in get_args(annotation))
    return False


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The request model a field holds, alone or in a list (optional or not)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation if hasattr(annotation, "DROPPED") else None
    origin = get_origin(annotation)
    if origin is Annotated:
        return _model_in(get_args(annotation)[0])
    if origin in (Union, types.UnionType, list):
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def plan_of(cls: type[BaseModel]) -> Plan:
    plan = _plans.get(cls)
    if plan is not None:
        return plan
    fields: dict[str, str] = {}
    absent: set[str] = set()
    children: dict[str, type[BaseModel]] = {}
    for name, info in cls.model_fields.items():
        wire = info.validation_alias if isinstance(info.validation_alias, str) else (info.alias or name)
        fields[wire] = name
        if not _accepts_none(info.annotation):
            absent.add(wire)
        child = _model_in(info.annotation)
        if child is not None:
            children[wire] = child
    dropped = frozenset(getattr(cls, "DROPPED", ())) - fields.keys()
    plan = Plan(frozenset(fields) | dropped, frozenset(absent), dropped, children)
    _plans[cls] = plan
    return plan


def prepare(cls: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """The input as the model should see it: nulls that mean "left out" and dropped fields removed."""
    plan = _plans.get(cls) or plan_of(cls)
    # Most inputs (every bulk row) have neither: two checks in C rather than a loop in Python.
    if None not in data.values() and plan.dropped.isdisjoint(data):
        return data
    absent, dropped = plan.null_means_absent, plan.dropped
    return {k: v for k, v in data.items() if not ((v is None and k in absent) or k in dropped)}


def document_dropped(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    """OpenAPI: the fields a model drops are EnKash's, so a client generated from this document knows them."""
    properties = schema.setdefault("properties", {})
    for name in sorted(getattr(cls, "DROPPED", ())):
        properties.setdefault(
            name, {"description": "EnKash's field, computed by dues: accepted and ignored", "readOnly": True}
        )


def _walk(cls: type[BaseModel], data: dict[str, Any], prefix: str, out: list[str]) -> None:
    plan = _plans.get(cls) or plan_of(cls)
    for key, value in data.items():
        if key not in plan.known:
            if len(out) < MAX_REPORTED:
                out.append(f"{prefix}{key}")
            continue
        child = plan.children.get(key)
        if child is None or value is None:
            continue
        if isinstance(value, dict):
            _walk(child, value, f"{prefix}{key}.", out)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    _walk(child, item, f"{prefix}{key}[{i}].", out)


def validate(cls: type[BaseModel], data: Any, handler: Any) -> Any:
    """The body of CamelInput's wrap validator (see the module's text)."""
    if type(data) is not dict:
        return handler(data)
    collector = _collector.get()
    if collector is None or _inside.get():
        return handler(prepare(cls, data))
    _walk(cls, data, "", collector)
    token = _inside.set(True)
    try:
        return handler(prepare(cls, data))
    finally:
        _inside.reset(token)
