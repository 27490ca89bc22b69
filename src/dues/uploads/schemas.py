from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from dues.companies.schemas import CamelModel
from dues.kit.fields import IstDateTime


class UploadKind(StrEnum):
    CUSTOMER_CREATE = "CUSTOMER_CREATE"
    CUSTOMER_UPDATE = "CUSTOMER_UPDATE"
    INVOICE_CREATE = "INVOICE_CREATE"


class UploadStatus(StrEnum):
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class RowOutcome(StrEnum):
    """What happened to one row. CREATED, UPDATED, UNCHANGED and VALID (a dry run's good row) count as
    succeeded; SKIPPED (the record exists already, nothing written) as skipped; FAILED as failed."""

    CREATED = "CREATED"
    UPDATED = "UPDATED"
    UNCHANGED = "UNCHANGED"
    VALID = "VALID"
    SKIPPED = "SKIPPED"
    FAILED = "FAILED"


SUCCEEDED = frozenset({RowOutcome.CREATED, RowOutcome.UPDATED, RowOutcome.UNCHANGED, RowOutcome.VALID})


_IGNORED = "Columns of the file that dues does not read (not a field of this upload), in file order"


class UploadAccepted(CamelModel):
    upload_id: str
    status: UploadStatus
    ignored_columns: list[str] = Field(default_factory=list, description=_IGNORED)


class RowError(BaseModel):
    field: str
    message: str
    rejectedValue: Any = None


class UploadRowRead(BaseModel):
    row: int = Field(
        description="Row number as a spreadsheet shows it: the header is row 1, data starts at 2"
    )
    outcome: RowOutcome
    id: str | None = Field(None, description="The record created or changed, or the existing one (SKIPPED)")
    errors: list[RowError] = Field(default_factory=list)
    message: str | None = Field(None, description="Why a row was SKIPPED")


class UploadRead(CamelModel):
    upload_id: str
    kind: UploadKind
    status: UploadStatus
    file_name: str
    dry_run: bool
    total_rows: int
    rows_done: int
    progress: str = Field(description="rowsDone/totalRows")
    succeeded: int
    failed: int
    skipped: int = Field(description="Rows whose record exists already (uniqueRefNo): reported, not written")
    error_message: str | None = Field(None, description="Why processing stopped, when status is FAILED")
    ignored_columns: list[str] = Field(description=_IGNORED)
    created_on: IstDateTime
    started_on: IstDateTime | None
    completed_on: IstDateTime | None
    rows: list[UploadRowRead] = Field(description="Per-row results in row order, paged by limit and offset")
