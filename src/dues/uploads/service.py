"""Bulk files (api.md §4.1): accepted at once, processed by a job in chunks, reported per row.

The request checks the file as a whole (format, size, header, row count), stores it and queues the job in its
own transaction. The job re-reads the stored file and works through it in chunks, several at once (lanes),
each in its own transaction: a chunk's records, its rows' results, the upload_chunks row that claims it and
its share of the upload's progress commit together. A worker that dies (or two that race) leaves each chunk
either done or not started, so the retry does the chunks not yet done: no row lost or written twice.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from dues import jobs
from dues.auth.service import Principal
from dues.config import get_settings
from dues.db import Database
from dues.errors import NotFound, ValidationFailed
from dues.invoices import service as invoices
from dues.kit import files, ids
from dues.kit.timefmt import now
from dues.models import Upload
from dues.uploads import repository
from dues.uploads.customer_rows import (
    ERRORS_COLUMN,
    CustomerRows,
    RowResult,
    columns_for,
    ignored_columns,
)
from dues.uploads.invoice_rows import InvoiceRows
from dues.uploads.schemas import (
    SUCCEEDED,
    RowError,
    RowOutcome,
    UploadAccepted,
    UploadKind,
    UploadRead,
    UploadRowRead,
    UploadStatus,
)
from dues.webhooks import payloads
from dues.webhooks import service as webhooks

log = structlog.get_logger("dues.uploads")

TASK = "dues.uploads.process"
_UPLOAD_ID = re.compile(r"^UP[A-Z0-9]{14}\Z", re.ASCII)
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


def _file_name(name: str | None) -> str:
    cleaned = _UNSAFE_NAME.sub("_", (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip()
    return cleaned[-255:] or "upload"


def file_limits() -> files.Limits:
    settings = get_settings()
    return files.Limits(
        max_unpacked_bytes=settings.upload_max_unpacked_mb * 1024 * 1024,
        max_seconds=settings.upload_parse_seconds,
    )


async def start(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    kind: UploadKind,
    file_name: str | None,
    content: bytes,
    *,
    dry_run: bool,
    max_rows: int,
) -> UploadAccepted:
    """Check the file as a whole, store it and queue its processing; rows are judged later, one by one."""
    if kind is UploadKind.INVOICE_CREATE:
        invoices.ensure_creator(principal)
    name = _file_name(file_name)
    if not content:
        raise ValidationFailed.field("file", "is empty: send a CSV or XLSX file with a header row", name)
    try:
        fmt = files.detect_format(name, content)
        header, total_rows = await files.off_loop(
            files.survey, content, fmt, max_rows=max_rows, limits=file_limits()
        )
    except files.FileProblem as exc:
        raise ValidationFailed.field("file", str(exc), name) from exc
    columns_for(kind, header)
    if not total_rows:
        raise ValidationFailed.field("file", "has a header row but no data rows", name)
    upload = Upload(
        company_id=company_id,
        upload_id=ids.upload_id(),
        kind=str(kind),
        file_name=name,
        content=content,
        dry_run=dry_run,
        status=UploadStatus.PROCESSING.value,
        total_rows=total_rows,
        rows_done=0,
        succeeded=0,
        failed=0,
        skipped=0,
        columns=header,
        created_by=principal.user_id,
    )
    repository.add(session, upload)
    await session.flush()
    await jobs.enqueue(session, TASK, upload_id=upload.upload_id, company_id=company_id)
    ignored = ignored_columns(kind, header)
    log.info(
        "upload accepted",
        upload_id=upload.upload_id,
        kind=str(kind),
        rows=upload.total_rows,
        bytes=len(content),
        dry_run=dry_run,
        **({"ignored_columns": ignored} if ignored else {}),
    )
    return UploadAccepted(upload_id=upload.upload_id, status=UploadStatus.PROCESSING, ignored_columns=ignored)


async def _get(session: AsyncSession, company_id: str, upload_id: str) -> Upload:
    upload = None
    if _UPLOAD_ID.match(upload_id):
        upload = await repository.get(session, company_id, upload_id)
    if upload is None:
        raise NotFound(f"No upload {upload_id}.")
    return upload


async def read(
    session: AsyncSession, company_id: str, upload_id: str, *, limit: int, offset: int
) -> UploadRead:
    upload = await _get(session, company_id, upload_id)
    rows = await repository.list_rows(session, company_id, upload_id, limit, offset)
    return UploadRead(
        upload_id=upload.upload_id,
        kind=UploadKind(upload.kind),
        status=UploadStatus(upload.status),
        file_name=upload.file_name,
        dry_run=upload.dry_run,
        total_rows=upload.total_rows,
        rows_done=upload.rows_done,
        progress=f"{upload.rows_done}/{upload.total_rows}",
        succeeded=upload.succeeded,
        failed=upload.failed,
        skipped=upload.skipped,
        error_message=upload.error_message,
        ignored_columns=ignored_columns(UploadKind(upload.kind), upload.columns or []),
        created_on=upload.created_on,
        started_on=upload.started_on,
        completed_on=upload.completed_on,
        rows=[
            UploadRowRead(
                row=r.row,
                outcome=RowOutcome(r.outcome),
                id=r.entity_id,
                errors=[RowError(**e) for e in r.errors or []],
                message=r.message,
            )
            for r in rows
        ],
    )


def _errors_text(row: int, errors: Sequence[dict[str, Any]]) -> str:
    return f"row {row}: " + "; ".join(f"{e['field']}: {e['message']}" for e in errors)


async def errors_csv(session: AsyncSession, company_id: str, upload_id: str) -> bytes:
    """The failed rows as uploaded, plus an ``errors`` column: fix the cells and upload the file again."""
    upload = await _get(session, company_id, upload_id)
    header = list(upload.columns or [])
    lowered = [h.strip().lower() for h in header]
    if ERRORS_COLUMN in lowered:
        position = lowered.index(ERRORS_COLUMN)
    else:
        position = len(header)
        header.append(ERRORS_COLUMN)
    out = []
    for r in await repository.failed_rows(session, company_id, upload_id):
        cells = [str(c) for c in (r.data or [])]  # type: ignore[union-attr]
        cells += [""] * (len(header) - len(cells))
        cells[position] = _errors_text(r.row, r.errors or [])
        out.append(cells)
    return files.write_csv(header, out)


# Processing (runs in the job) -------------------------------------------------------------------------------


def _storable(value: Any) -> Any:
    """JSONB refuses NUL in a string: a cell that carried one is kept with U+FFFD in its place."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {k: _storable(v) for k, v in value.items()}
    return value


def _row_record(result: RowResult, width: int) -> dict[str, Any]:
    record: dict[str, Any] = {"row": result.row, "outcome": result.outcome.value}
    if result.entity_id:
        record["entity_id"] = result.entity_id
    if result.errors:
        record["errors"] = [_storable(e.to_json()) for e in result.errors]
    if result.message:
        record["message"] = result.message[:500]
    if result.outcome is RowOutcome.FAILED and result.cells is not None:
        record["data"] = _storable(list(result.cells[:width]) + [""] * (width - len(result.cells)))
    return record


async def mark_failed(database: Database, upload_id: str, company_id: str, message: str) -> None:
    async with database.sessionmaker() as session, session.begin():
        upload = await repository.get(session, company_id, upload_id, for_update=True)
        if upload is None or upload.status != UploadStatus.PROCESSING:
            return
        upload.status = UploadStatus.FAILED.value
        upload.error_message = message[:500]
        upload.completed_on = now()
        counts = {
            "status": upload.status,
            "total_rows": upload.total_rows,
            "rows_done": upload.rows_done,
            "succeeded": upload.succeeded,
            "failed": upload.failed,
            "skipped": upload.skipped,
        }
        # A failed upload is finished too: upload.completed says so (status FAILED), or a receiver waiting
        # for its outcome would wait forever.
        await _emit_finished(session, upload, counts, upload.error_message, upload.completed_on)
    log.warning("upload failed", upload_id=upload_id, error=message)


async def _emit_finished(
    session: AsyncSession,
    upload: Upload,
    state: dict[str, Any],
    error_message: str | None,
    completed_on: datetime,
) -> None:
    """upload.completed (docs/webhooks.md), in the transaction that finishes the upload."""
    data = payloads.upload_finished(
        upload_id=upload.upload_id,
        kind=upload.kind,
        status=str(state["status"]),
        file_name=upload.file_name,
        dry_run=upload.dry_run,
        total_rows=state["total_rows"],
        rows_done=state["rows_done"],
        succeeded=state["succeeded"],
        failed=state["failed"],
        skipped=state["skipped"],
        error_message=error_message,
        created_on=upload.created_on,
        completed_on=completed_on,
    )
    await webhooks.emit(session, upload.company_id, "upload.completed", upload.upload_id, data)


async def process(
    database: Database,
    upload_id: str,
    company_id: str,
    *,
    chunk_rows: int | None = None,
    lanes: int | None = None,
    max_chunks: int | None = None,
) -> None:
    """Work through the chunks of an upload not yet done, ``upload_lanes`` of them at once. ``max_chunks``
    stops early (tests use it to play a worker that dies between chunks); the job itself runs to the end."""
    size = chunk_rows or get_settings().upload_chunk_rows
    clock = time.perf_counter()
    begun = now()
    async with database.sessionmaker() as session:
        upload = await repository.get(session, company_id, upload_id, with_content=True)
    if upload is None:
        log.warning("upload not found", upload_id=upload_id, company_id=company_id)
        return
    if upload.status != UploadStatus.PROCESSING:
        log.info("upload already finished", upload_id=upload_id, status=upload.status)
        return
    kind = UploadKind(upload.kind)
    try:
        fmt = files.detect_format(upload.file_name, upload.content)
        # Off the event loop: the worker's heartbeat, its other jobs (embedded: the API) go on meanwhile.
        table = await files.off_loop(
            files.read_table, upload.content, fmt, max_rows=upload.total_rows, limits=file_limits()
        )
        fields = columns_for(kind, table.header)
    except (files.FileProblem, ValidationFailed) as exc:
        await mark_failed(database, upload_id, company_id, f"The stored file could not be read again: {exc}")
        return
    if len(table.rows) != upload.total_rows:
        await mark_failed(database, upload_id, company_id, "The stored file no longer has the rows it had.")
        return
    # The file's rows live as long as the job: out of the collector's sight, they are not walked again by
    # each collection the validation's allocations set off (a third of its time), and reference counting
    # still frees them when the job ends. Collecting first leaves no cyclic garbage frozen with them.
    jobs.freeze_heap()
    handler: InvoiceRows | CustomerRows
    if kind is UploadKind.INVOICE_CREATE:
        handler = InvoiceRows(
            kind, fields, table.rows, company_id=company_id, dry_run=upload.dry_run, database=database
        )
    else:
        handler = CustomerRows(kind, fields, table.rows, company_id=company_id, dry_run=upload.dry_run)
    reason = f"bulk upload {upload_id}"
    width = len(table.header)
    async with database.sessionmaker() as session, session.begin():
        size, base = await repository.fix_chunking(session, company_id, upload_id, size)
        done = await repository.chunks_done(session, company_id, upload_id)
    if kind is UploadKind.INVOICE_CREATE and not upload.dry_run:
        async with database.sessionmaker() as session, session.begin():
            if await repository.analyze_customers_if_never(session):
                log.info("customers analyzed before the invoices' foreign key checks", upload_id=upload_id)
    todo = [k for k in range(-(-(upload.total_rows - base) // size)) if k not in done]
    if max_chunks is not None:
        todo = todo[:max_chunks]
    lanes = max(1, min(lanes or get_settings().upload_lanes, len(todo)))
    # An invoice chunk holds its seller's number series locked from its numbers to its commit (that keeps
    # them gapless), so two lanes' inserts run one after the other; what the second lane gains is the rest of
    # its chunk (claim, rows' results, progress), written while the first one's insert runs. A chunk queues
    # for the series only once the chunk before it holds it, so the file is numbered in its own order.
    numbered = {k: asyncio.Event() for k in todo}
    before = dict(zip(todo[1:], todo, strict=False)) if kind is UploadKind.INVOICE_CREATE else {}
    log.info(
        "upload started",
        upload_id=upload_id,
        kind=upload.kind,
        total_rows=upload.total_rows,
        chunks_done=len(done),
        chunks_left=len(todo),
        lanes=lanes,
        dry_run=upload.dry_run,
    )

    def rows_of(chunk: int) -> Sequence[tuple[int, list[str]]]:
        first = base + chunk * size
        return table.rows[first : first + size]

    async def write_chunk_once(
        chunk: int, batch: Sequence[tuple[int, list[str]]], then: Sequence[tuple[int, list[str]]]
    ) -> dict[str, Any] | None:
        async with database.sessionmaker() as session, session.begin():
            first = base + chunk * size
            if not await repository.claim_chunk(session, company_id, upload_id, chunk, first, len(batch)):
                return None
            results = await handler.run(
                session, upload.created_by, company_id, reason, upload.dry_run, batch, then
            )
            if len(results) != len(batch):
                raise RuntimeError(f"{len(batch)} rows gave {len(results)} results")
            await repository.add_rows(
                session, company_id, upload_id, [_row_record(r, width) for r in results]
            )
            tally = Counter(r.outcome for r in results)
            counts = {
                "rows": len(batch),
                "succeeded": sum(n for outcome, n in tally.items() if outcome in SUCCEEDED),
                "failed": tally[RowOutcome.FAILED],
                "skipped": tally[RowOutcome.SKIPPED],
            }
            if chunk in before:
                await numbered[before[chunk]].wait()
            finished_at = now()
            state = await repository.finish_chunk(
                session, company_id, upload_id, counts, begun=begun, now=finished_at
            )
            if state is None:
                raise _NoLongerProcessing
            if state["status"] == UploadStatus.COMPLETED:
                # With the commit that completes the upload, so a receiver hears of it exactly once.
                await _emit_finished(session, upload, state, None, finished_at)
            # Last: an invoice batch takes its seller's number series here and holds it to the commit.
            await handler.last(session, reason, batch, numbered[chunk].set)
        return state

    async def write_chunk(chunk: int, then: Sequence[tuple[int, list[str]]]) -> dict[str, Any] | None:
        """One chunk in its own transaction; its counts added to the upload, or None if nothing was done."""
        try:
            return await write_chunk_attempts(chunk, then)
        finally:
            # Whatever became of this chunk, the next one must not wait for it forever.
            numbered[chunk].set()

    async def write_chunk_attempts(
        chunk: int, then: Sequence[tuple[int, list[str]]]
    ) -> dict[str, Any] | None:
        batch = rows_of(chunk)
        attempt = 0
        while True:
            attempt += 1
            try:
                state = await write_chunk_once(chunk, batch, then)
            except _NoLongerProcessing:
                return None
            except invoices.BulkRaced:
                # Rolled back, reserved numbers included: the chunk is checked again and sees the rows that
                # raced it (their externalIds held, their numbers used).
                if attempt >= _RACE_ATTEMPTS:
                    raise
                log.info(
                    "upload chunk raced a concurrent create; again", upload_id=upload_id, chunk=chunk + 1
                )
                continue
            break
        if state is None:
            return None
        log.info(
            "upload chunk",
            upload_id=upload_id,
            chunk=chunk + 1,
            rows_done=state["rows_done"],
            total_rows=state["total_rows"],
            succeeded=state["succeeded"],
            failed=state["failed"],
            skipped=state["skipped"],
        )
        return state

    async def lane(chunks: list[int]) -> None:
        for i, chunk in enumerate(chunks):
            # The lane's next chunk starts being checked while this one's last rows are written.
            state = await write_chunk(chunk, rows_of(chunks[i + 1]) if i + 1 < len(chunks) else ())
            if state is not None and state["status"] == UploadStatus.COMPLETED:
                seconds = time.perf_counter() - clock
                log.info(
                    "upload completed",
                    upload_id=upload_id,
                    kind=upload.kind,
                    seconds=round(seconds, 3),
                    rows_per_s=round(state["total_rows"] / seconds) if seconds else None,
                    **{k: state[k] for k in ("rows_done", "total_rows", "succeeded", "failed", "skipped")},
                )

    # Chunks are dealt out in turn, so each lane works through the file in order; a lane that fails stops
    # the others (their open chunks roll back) and the job's retry takes up what is left.
    tasks = [asyncio.create_task(lane(todo[k::lanes])) for k in range(lanes)]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    finally:
        await handler.close()


# A chunk that loses a number or externalId to a concurrent create is checked and written again; past this,
# the job fails and its retry takes the chunk up.
_RACE_ATTEMPTS = 5


class _NoLongerProcessing(Exception):
    """Raised inside a chunk's transaction to roll it back: the upload was failed or finished meanwhile."""
