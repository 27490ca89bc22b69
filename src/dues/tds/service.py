"""The TDS register (api.md §9.2): what buyers deducted, their Form 16A certificates, and Form 26AS / AIS
statements matched against it.

A payment with TDS writes one register entry (``register``, called by the payments service in the payment's
transaction). The entry waits for the buyer's certificate (AWAITING_CERTIFICATE); a certificate for the same
amount (within 1.00) makes it CERTIFICATE_RECEIVED, one for another amount MISMATCHED; a statement row that
fits it makes it MATCHED, which is what lets the seller claim the credit in its return. A reversed payment's
entry is CANCELLED by the reversal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.auth.service import Principal
from dues.errors import NotFound, Unprocessable, ValidationFailed
from dues.kit import files, ids
from dues.kit.pagination import Page, PageParams
from dues.kit.tds import quarter_of
from dues.kit.timefmt import today_ist
from dues.models.adjustment import TdsEntry, TdsStatement
from dues.models.payment import Payment
from dues.tds import repository, statement
from dues.tds.schemas import (
    ORDERABLE,
    CertificateIn,
    RowStatus,
    StatementResult,
    StatementRow,
    TdsEntryRead,
    TdsSearch,
    TdsStatus,
)
from dues.webhooks import payloads
from dues.webhooks import service as webhooks

log = structlog.get_logger("dues.tds")

# A certificate within this much of the register's amount agrees with it (rounding to the rupee).
CERTIFICATE_TOLERANCE = Decimal("1.00")


def _read(entry: TdsEntry) -> TdsEntryRead:
    return TdsEntryRead.model_validate(entry)


async def register(session: AsyncSession, payment: Payment, invoice_ids: list[str]) -> dict[str, Any]:
    """The register's entry for a payment with TDS (written in the payment's transaction); its audit row, for
    the caller to record with the payment's."""
    assert payment.tds_section is not None and payment.tds_amount > 0
    entry = TdsEntry(
        company_id=payment.company_id,
        tds_id=ids.many("TD", 1)[0],
        payment_id=payment.payment_id,
        customer_id=payment.customer_id,
        invoice_ids=invoice_ids,
        deductor_tan=payment.deductor_tan,
        section=payment.tds_section,
        payment_code=payment.tds_payment_code,
        amount=payment.tds_amount,
        deducted_on=payment.paid_on,
        quarter=quarter_of(payment.paid_on),
        status=TdsStatus.AWAITING_CERTIFICATE.value,
    )
    await repository.insert(session, entry)
    return audit.entry(
        payment.company_id,
        payment.created_by,
        "tds",
        entry.tds_id,
        "CREATE",
        after=audit.snapshot(entry),
        reason=f"TDS deducted from payment {payment.payment_id}",
    )


async def get(session: AsyncSession, company_id: str, tds_id: str) -> TdsEntryRead:
    entry = await repository.get(session, company_id, tds_id)
    if entry is None:
        raise NotFound(f"No TDS register entry {tds_id}.")
    return _read(entry)


async def search(
    session: AsyncSession, company_id: str, query: TdsSearch, page: PageParams
) -> Page[TdsEntryRead]:
    column = page.column(ORDERABLE, "deductedOn")
    rows, total = await repository.search(
        session, company_id, query.model_dump(), column, page.descending, page.limit, page.offset
    )
    return Page[TdsEntryRead](
        items=[_read(r) for r in rows], total=total, offset=page.offset, limit=page.limit
    )


async def record_certificate(
    session: AsyncSession, principal: Principal, company_id: str, tds_id: str, data: CertificateIn
) -> TdsEntryRead:
    """Record the buyer's Form 16A for the entry (again, to correct it). Its amount decides the status:
    CERTIFICATE_RECEIVED when it agrees with the register (within 1.00), MISMATCHED otherwise; an entry
    already MATCHED to Form 26AS stays MATCHED when the certificate agrees."""
    if data.certificate_date > today_ist():
        raise ValidationFailed.field(
            "certificateDate", "must not be in the future", data.certificate_date.isoformat()
        )
    entry = await repository.get(session, company_id, tds_id, for_update=True)
    if entry is None:
        raise NotFound(f"No TDS register entry {tds_id}.")
    if entry.status == TdsStatus.CANCELLED:
        raise Unprocessable(f"TDS register entry {tds_id} was cancelled (its payment was reversed).")
    if data.certificate_date < entry.deducted_on:
        raise ValidationFailed.field(
            "certificateDate",
            f"is before the deduction ({entry.deducted_on.isoformat()}): a certificate comes after it",
            data.certificate_date.isoformat(),
        )
    before = audit.snapshot(entry)
    agrees = abs(data.amount - entry.amount) <= CERTIFICATE_TOLERANCE
    if not agrees:
        status = TdsStatus.MISMATCHED
    elif entry.status == TdsStatus.MATCHED:
        status = TdsStatus.MATCHED
    else:
        status = TdsStatus.CERTIFICATE_RECEIVED
    entry.certificate_number = data.certificate_number
    entry.certificate_date = data.certificate_date
    entry.certificate_amount = data.amount
    entry.status = status.value
    await repository.flush(session)
    old, new = audit.changes(before, audit.snapshot(entry))
    reason = None if agrees else f"Form 16A states {data.amount:.2f}; the register has {entry.amount:.2f}"
    await audit.record(session, company_id, principal.user_id, "tds", tds_id, "CERTIFICATE", old, new, reason)
    return _read(entry)


def _row(outcome: statement.Outcome, line: statement.Line | statement.Unreadable) -> StatementRow:
    read: dict[str, Any] = {
        "row": outcome.row,
        "status": RowStatus(outcome.status),
        "tds_id": outcome.tds_id,
        "candidate_ids": list(outcome.candidate_ids) or None,
        "message": outcome.message,
    }
    if isinstance(line, statement.Line):
        read.update(
            deductor_tan=line.deductor_tan,
            deductor_name=line.deductor_name,
            section=line.section,
            transaction_date=line.transaction_date,
            quarter=line.quarter,
            amount_paid=line.amount_paid,
            tax_deducted=line.tax_deducted,
            tax_deposited=line.tax_deposited,
        )
    else:
        read.update(
            deductor_tan=line.cells.get("deductor_tan") or None, section=line.cells.get("section") or None
        )
    return StatementRow(**read)


def _candidate(entry: TdsEntry) -> statement.Candidate:
    return statement.Candidate(
        tds_id=entry.tds_id,
        deductor_tan=entry.deductor_tan,
        section=entry.section,
        payment_code=entry.payment_code,
        quarter=entry.quarter,
        amount=entry.amount,
        deducted_on=entry.deducted_on,
    )


async def import_statement(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    file_name: str,
    content: bytes,
    *,
    max_rows: int,
    limits: files.Limits,
) -> StatementResult:
    """Read a Form 26AS / AIS TDS statement, match its rows to the register and mark the entries it
    confirms MATCHED; the answer says what each row matched and what of the register is still unmatched."""
    if not content:
        raise ValidationFailed.field(
            "file", "is empty: send the statement as CSV or XLSX with a header row", file_name
        )
    try:
        fmt = files.detect_format(file_name, content)
        parsed = await files.off_loop(statement.read, content, fmt, max_rows=max_rows, limits=limits)
    except files.FileProblem as exc:
        raise ValidationFailed.field("file", str(exc), file_name) from exc
    if not parsed.rows:
        raise ValidationFailed.field("file", "has a header row but no data rows", file_name)
    quarters = parsed.quarters
    live = await repository.lock_of_quarters(session, company_id, quarters)
    outcomes = await files.off_loop(statement.match, parsed.rows, [_candidate(e) for e in live])

    statement_id = ids.many("TS", 1)[0]
    by_id = {e.tds_id: e for e in live}
    lines = {r.row: r for r in parsed.rows}
    rows = [_row(o, lines[o.row]) for o in outcomes]
    matched = [(o.tds_id, lines[o.row]) for o in outcomes if o.tds_id is not None]
    newly = [tds_id for tds_id, _ in matched if by_id[tds_id].status != TdsStatus.MATCHED]
    before = {tds_id: audit.snapshot(by_id[tds_id]) for tds_id, _ in matched}
    await repository.mark_matched(
        session,
        company_id,
        statement_id,
        [(tds_id, line.tax_deducted) for tds_id, line in matched if isinstance(line, statement.Line)],
    )
    record = TdsStatement(
        company_id=company_id,
        statement_id=statement_id,
        file_name=file_name,
        total_rows=len(rows),
        matched_rows=len(matched),
        result={"quarters": quarters, "rows": [r.model_dump(mode="json", by_alias=True) for r in rows]},
        created_by=principal.user_id,
    )
    await repository.insert_statement(session, record)

    now_matched = {e.tds_id: e for e in await repository.by_ids(session, company_id, [t for t, _ in matched])}
    trail = [
        audit.entry(
            company_id,
            principal.user_id,
            "tds_statement",
            statement_id,
            "IMPORT",
            after={"file_name": file_name, "rows": len(rows), "matched": len(matched), "quarters": quarters},
        )
    ]
    for tds_id, _ in matched:
        old, new = audit.changes(before[tds_id], audit.snapshot(now_matched[tds_id]))
        if new:
            trail.append(
                audit.entry(
                    company_id,
                    principal.user_id,
                    "tds",
                    tds_id,
                    "MATCH",
                    old,
                    new,
                    reason=f"Form 26AS statement {statement_id} ({file_name})",
                )
            )
    await audit.record_many(session, trail)
    await webhooks.emit_many(
        session, company_id, [("tds.matched", t, payloads.tds_entry(now_matched[t])) for t in newly]
    )
    unmatched = await repository.unmatched_of_quarters(session, company_id, quarters)
    log.info(
        "tds statement imported",
        statement_id=statement_id,
        rows=len(rows),
        matched=len(matched),
        newly_matched=len(newly),
        quarters=quarters,
    )
    return StatementResult(
        statement_id=statement_id,
        file_name=file_name,
        total_rows=len(rows),
        matched_rows=len(matched),
        quarters=quarters,
        rows=rows,
        unmatched_entries=[_read(e) for e in unmatched],
    )
