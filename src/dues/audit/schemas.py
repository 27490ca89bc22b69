from __future__ import annotations

from typing import Any

from pydantic import field_serializer

from dues.companies.schemas import CamelModel
from dues.kit.fields import IstDateTime

# Columns whose wire name is not the plain camelCase of the column (EnKash spells these its own way).
_WIRE_NAMES = {"bharat_connect_b2b_id": "bharatConnectB2BId"}


def _camel(name: str) -> str:
    if name in _WIRE_NAMES:
        return _WIRE_NAMES[name]
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


class AuditEntryRead(CamelModel):
    """One change: who (`actor`, a user id or `cli`), what (`entityType`, `entityId`, `action`), the changed
    fields before and after (API field names), why (`reason`) and the request that made it."""

    entity_type: str
    entity_id: str
    action: str
    actor: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    request_id: str | None
    created_on: IstDateTime

    @field_serializer("before", "after")
    def _wire_keys(self, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if value is None else {_camel(k): v for k, v in value.items()}
