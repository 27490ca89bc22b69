"""Who the sandbox network knows: every well-formed GSTIN is a business on it, with a B2B id derived from
the GSTIN (stable: the same GSTIN has the same id in every run and on every machine), so any customer with a
valid GSTIN can be found and presented to. A PAN alone stands for one business derived from the PAN."""

from __future__ import annotations

import hashlib
from typing import Any

from dues.kit import india


def b2b_id_of(key: str) -> str:
    """The sandbox's B2B id of a GSTIN (or, for a business known by PAN alone, of its PAN)."""
    return "BC" + hashlib.sha256(f"dues-sandbox/b2b/{key.upper()}".encode()).hexdigest()[:16].upper()


def org_id_of(pan: str) -> str:
    """The organisation id (ORG + 32) the sandbox gives a business registering with its PAN."""
    return "ORG" + hashlib.sha256(f"dues-sandbox/org/{pan.upper()}".encode()).hexdigest()[:32].upper()


def _entity(legal_name: str, gstin: str | None, pan: str | None) -> dict[str, Any]:
    return {
        "b2bId": b2b_id_of(gstin or pan or legal_name),
        "legalName": legal_name,
        "gstin": gstin,
        "pan": pan,
    }


def _names(parties: list[dict[str, Any]]) -> dict[str, str]:
    """The legal name the sandbox has seen for each GSTIN (or PAN), newest first."""
    names: dict[str, str] = {}
    for party in parties:
        name = party.get("legalName")
        if not isinstance(name, str) or not name:
            continue
        # A business with a GSTIN is known by it; one known by its PAN alone, by the PAN.
        key = party.get("gstin") or party.get("pan")
        if isinstance(key, str) and key:
            names.setdefault(key.upper(), name)
    return names


def search(query: dict[str, Any], parties: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entities for a search-entity query {gstin | pan | name}, given the parties the sandbox has seen."""
    names = _names(parties)
    gstin = query.get("gstin")
    if isinstance(gstin, str) and gstin:
        gstin = gstin.strip().upper()
        if india.gstin_problem(gstin) is not None:
            return []
        return [_entity(names.get(gstin, f"Business {gstin}"), gstin, gstin[2:12])]
    pan = query.get("pan")
    if isinstance(pan, str) and pan:
        pan = pan.strip().upper()
        if not india.PAN_RE.match(pan):
            return []
        gstins = sorted({key for key in names if len(key) == 15 and pan in key})
        if gstins:
            return [_entity(names[g], g, pan) for g in gstins]
        return [_entity(names.get(pan, f"Business {pan}"), None, pan)]
    name = query.get("name")
    if isinstance(name, str) and name.strip():
        wanted = name.strip().lower()
        found: dict[str, dict[str, Any]] = {}
        for key, legal_name in names.items():
            if wanted in legal_name.lower():
                gstin = key if len(key) == 15 else None
                entity = _entity(legal_name, gstin, key[2:12] if gstin else key)
                found.setdefault(entity["b2bId"], entity)
        return list(found.values())
    return []
