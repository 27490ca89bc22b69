"""The answers of /healthz and /readyz (plain JSON, not EnKash's envelope: load balancers read them)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Alive(BaseModel):
    status: Literal["alive"] = Field("alive", description="Always `alive`: the process answers HTTP.")


class Ready(BaseModel):
    status: Literal["ready", "not ready"] = Field(description="`ready` (HTTP 200) or `not ready` (HTTP 503).")
    schemaRevision: str | None = Field(
        None, description="The schema revision the database is at; null when it did not answer or has none."
    )
    expectedRevision: str = Field(description="The schema revision this version of dues needs.")
    problem: Literal["database", "schema"] | None = Field(
        None,
        description="Why not ready: `database` (unreachable, or no answer within 2 s) or `schema` (not "
        "migrated to `expectedRevision`); null when ready.",
    )
    detail: str | None = Field(None, description="The reason, for a person; null when ready.")
