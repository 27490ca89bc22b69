"""Every message body checked against the JSON Schemas written from bharat-connect.md's facts
(src/dues/bharat_connect/schemas/), independently of the pydantic models that build and read them."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs

from dues.bharat_connect import wire

SCHEMAS = Path(wire.__file__).parent / "schemas"
BASE = "https://dues.example/schemas/bharat-connect/"

# Each request path: the key of its object in the body and that object's schema (None: the whole body).
OBJECTS: dict[str, tuple[str | None, str]] = {
    wire.SEND_INVOICE: ("invoice", "invoice"),
    wire.EDIT_INVOICE: ("invoice", "invoice"),
    wire.STATUS_CHANGE_INVOICE: ("invoiceStatus", "invoiceStatus"),
    wire.PAY_CONFIRMATION: ("paymentConfirmation", "paymentConfirmation"),
    wire.SEND_CD_NOTE: ("cdNote", "cdNote"),
    wire.CONFIRM_PURCHASE_ORDER: ("poConfirmation", "poConfirmation"),
    wire.CHECK_ENTITY: ("checkInstitute", "checkInstitute"),
    wire.REGISTER_ENTITY: ("entity", "entityRegistration"),
    wire.REGISTER_ID: (None, "registerId"),
    wire.SEARCH_ENTITY: ("searchEntity", "searchEntity"),
    wire.CONFIRM_INVOICE: ("invoiceConfirmation", "invoiceConfirmation"),
    wire.PAY: ("payment", "payment"),
    wire.CONFIRM_CD_NOTE: ("cdNoteConfirmation", "cdNoteConfirmation"),
    wire.SEND_PURCHASE_ORDER: ("purchaseOrder", "purchaseOrder"),
    wire.STATUS_CHANGE_PURCHASE_ORDER: ("poStatus", "poStatus"),
}


@cache
def _registry() -> Any:
    resources = []
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        schema = json.loads(path.read_text())
        assert schema["$id"] == BASE + path.name, path
        resources.append((schema["$id"], schema))
    return jsonschema_rs.Registry(resources)


@cache
def validator(name: str) -> Any:
    return jsonschema_rs.validator_for({"$ref": BASE + name + ".schema.json"}, registry=_registry())


@cache
def _request() -> Any:
    return jsonschema_rs.validator_for(
        {"$ref": BASE + "common.schema.json#/$defs/request"}, registry=_registry()
    )


def problems(path: str, body: Any) -> list[str]:
    """Why a body sent to ``path`` breaks the schemas (empty: it keeps them). ``body`` as plain JSON."""
    if path in wire.RESPONSES.values():
        return [
            f"{path}: {e.message} at {list(e.instance_path)}" for e in validator("response").iter_errors(body)
        ]
    if path not in OBJECTS:
        return [f"{path}: no schema for this path"]
    found = [f"{path}: {e.message} at {list(e.instance_path)}" for e in _request().iter_errors(body)]
    key, name = OBJECTS[path]
    part = body if key is None else body.get(key)
    if part is None:
        return [*found, f"{path}: the body has no {key}"]
    found += [
        f"{path} {key}: {e.message} at {list(e.instance_path)}" for e in validator(name).iter_errors(part)
    ]
    return found
