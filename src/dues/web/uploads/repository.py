"""Page-only SQL for the uploads list: the company's uploads with who sent each (never their files)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dues.models import Upload
from dues.models.company import User


@dataclass(frozen=True)
class UploadLine:
    upload_id: str
    kind: str
    file_name: str
    status: str
    dry_run: bool
    total_rows: int
    rows_done: int
    succeeded: int
    failed: int
    skipped: int
    created_on: datetime
    created_by: str


async def page(
    session: AsyncSession, company_id: str, kind: str | None, status: str | None, limit: int, offset: int
) -> tuple[list[UploadLine], int]:
    """Newest first; ``created_by`` is the sender's e-mail where the sender was a user of the company."""
    where = [Upload.company_id == company_id]
    if kind:
        where.append(Upload.kind == kind)
    if status:
        where.append(Upload.status == status)
    total = (await session.execute(select(func.count()).select_from(Upload).where(*where))).scalar_one()
    stmt = (
        select(
            Upload.upload_id,
            Upload.kind,
            Upload.file_name,
            Upload.status,
            Upload.dry_run,
            Upload.total_rows,
            Upload.rows_done,
            Upload.succeeded,
            Upload.failed,
            Upload.skipped,
            Upload.created_on,
            func.coalesce(User.email, Upload.created_by),
        )
        .outerjoin(User, (User.user_id == Upload.created_by) & (User.company_id == Upload.company_id))
        .where(*where)
        .order_by(Upload.created_on.desc(), Upload.upload_id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = (await session.execute(stmt)).all()
    return [UploadLine(*list(row)) for row in rows], int(total)
