"""The answers of /healthz and /readyz (plain JSON, not EnKash's envelope: load balancers read them)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Alive(BaseModel):
    status: Literal["alive"] = Field("alive", description="Always `alive`: the process answers HTTP.")


class ReplicaHealth(BaseModel):
    configured: bool = Field(description="Whether `DUES_REPLICA_URL` is set.")
    usable: bool = Field(
        description="Whether searches and reports read on the replica now: it answers, follows this primary "
        "and is at most `DUES_REPLICA_MAX_LAG_SECONDS` behind; false: they read on the primary."
    )
    lagSeconds: float | None = Field(
        None,
        description="How far behind the primary the replica is, at most, in seconds (0: it has everything "
        "the primary had at the last check); null when unknown or not configured.",
    )
    detail: str | None = Field(
        None, description="Why the replica is not used, for a person; null while it is."
    )


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
    replica: ReplicaHealth = Field(
        default_factory=lambda: ReplicaHealth(configured=False, usable=False),
        description="The read replica's state. It never makes the process not ready: without it, reads go "
        "to the primary.",
    )
