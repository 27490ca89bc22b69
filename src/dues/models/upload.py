from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from dues.models.base import Base


class Upload(Base):
    """A bulk file and its progress. Rows are processed in chunks, several at once; each chunk commits its
    records, its rows' results, its UploadChunk and the progress together, so a worker that dies resumes
    with the chunks not yet done."""

    __tablename__ = "uploads"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    upload_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="PROCESSING")
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    succeeded: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    # Rows not written because the record already exists (a uniqueRefNo taken before this upload).
    skipped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The header row as the file gives it, so errors.csv can hand back the same columns in the same order.
    columns: Mapped[list[str] | None] = mapped_column(JSONB)
    error_message: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(64))
    created_on: Mapped[datetime] = mapped_column(server_default=func.now())
    started_on: Mapped[datetime | None] = mapped_column()
    completed_on: Mapped[datetime | None] = mapped_column()
    # Fixed by the first job that works on the upload, so that every later job (or a second worker) cuts the
    # file into the same chunks: chunk k is rows chunk_base + k * chunk_rows onwards (0-based, data rows).
    chunk_rows: Mapped[int | None] = mapped_column(Integer)
    chunk_base: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("status IN ('PROCESSING','COMPLETED','FAILED')", name="status"),
        CheckConstraint("rows_done <= total_rows OR total_rows = 0", name="progress"),
        CheckConstraint("succeeded + failed + skipped = rows_done", name="counts"),
        Index("ix_uploads_company_created", "company_id", "created_on"),
    )


class UploadRow(Base):
    __tablename__ = "upload_rows"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    upload_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    row: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    errors: Mapped[list[Any] | None] = mapped_column(JSONB)
    message: Mapped[str | None] = mapped_column(String(500))
    # The row's cells as uploaded (failed rows only), in the order of Upload.columns.
    data: Mapped[list[Any] | dict[str, Any] | None] = mapped_column(JSONB)


class UploadChunk(Base):
    """A chunk of an upload that is done (or, while its transaction is open, being done). Inserting it first
    claims the chunk: a second worker on the same chunk waits on the key, then finds it taken."""

    __tablename__ = "upload_chunks"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    upload_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    chunk: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_row: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer)
    done_on: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "upload_id"], ["uploads.company_id", "uploads.upload_id"], ondelete="CASCADE"
        ),
        CheckConstraint("chunk >= 0 AND first_row >= 0 AND rows > 0", name="range"),
    )
