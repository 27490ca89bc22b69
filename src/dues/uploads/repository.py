"""All SQL for uploads and their per-row results; every statement is scoped by company here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from dues.models import Upload, UploadRow


def add(session: AsyncSession, upload: Upload) -> None:
    session.add(upload)


async def get(
    session: AsyncSession,
    company_id: str,
    upload_id: str,
    *,
    with_content: bool = False,
    for_update: bool = False,
) -> Upload | None:
    """The upload; its file (up to 20 MB) is loaded only when asked for, never for progress polls."""
    stmt = select(Upload).where(Upload.company_id == company_id, Upload.upload_id == upload_id)
    if not with_content:
        stmt = stmt.options(defer(Upload.content, raiseload=True))
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


_ADD_ROWS = text(
    "INSERT INTO upload_rows (company_id, upload_id, row, entity_id, outcome, errors, message, data) "
    "SELECT :company_id, :upload_id, s.row, s.entity_id, s.outcome, s.errors, s.message, s.data "
    "FROM json_to_recordset(CAST(:rows AS json)) "
    "AS s(row int, entity_id text, outcome text, errors jsonb, message text, data jsonb)"
)


async def add_rows(
    session: AsyncSession, company_id: str, upload_id: str, rows: Sequence[dict[str, Any]]
) -> None:
    """Per-row results (dicts of row, outcome, entity_id, errors, message, data) with one statement."""
    if rows:
        document = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
        await session.execute(_ADD_ROWS, {"company_id": company_id, "upload_id": upload_id, "rows": document})


async def list_rows(
    session: AsyncSession, company_id: str, upload_id: str, limit: int, offset: int
) -> list[UploadRow]:
    stmt = (
        select(UploadRow)
        .options(defer(UploadRow.data, raiseload=True))
        .where(UploadRow.company_id == company_id, UploadRow.upload_id == upload_id)
        .order_by(UploadRow.row)
        .limit(limit)
        .offset(offset)
    )
    return list((await session.execute(stmt)).scalars())


async def failed_rows(session: AsyncSession, company_id: str, upload_id: str) -> list[UploadRow]:
    stmt = (
        select(UploadRow)
        .where(
            UploadRow.company_id == company_id,
            UploadRow.upload_id == upload_id,
            UploadRow.outcome == "FAILED",
        )
        .order_by(UploadRow.row)
    )
    return list((await session.execute(stmt)).scalars())
