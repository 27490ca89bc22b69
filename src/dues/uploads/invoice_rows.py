"""Invoice files: each row is one createInvoice body; the invoices service checks and writes them in batches.

An empty cell is a field left out (its default applies). A row's externalId that exists already is SKIPPED
with the holder's id; an externalId twice in one file fails the later row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dues.errors import SubError
from dues.invoices import service as invoices
from dues.uploads.customer_rows import RowResult, cell_values
from dues.uploads.schemas import RowOutcome, UploadKind


class InvoiceRows:
    """One upload's invoice rows, written a batch at a time (the same interface as CustomerRows)."""

    PIECE = 1000

    def __init__(
        self,
        kind: UploadKind,
        fields: list[str | None],
        rows: Sequence[tuple[int, list[str]]],
        *,
        company_id: str,
        dry_run: bool,
    ):
        self.fields = fields
        self.company_id = company_id
        self.dry_run = dry_run
        self._external = fields.index("externalId") if "externalId" in fields else None
        self.first: dict[str, int] = {}
        for number, cells in rows:
            key = self._key(cells)
            if key:
                self.first.setdefault(key, number)

    def _key(self, cells: Sequence[str]) -> str | None:
        if self._external is None or self._external >= len(cells):
            return None
        return cells[self._external].strip() or None

    def prefetch(self, batch: Sequence[tuple[int, list[str]]]) -> None:
        """Nothing to check ahead: an invoice's checks need the database (customers, numbers)."""

    async def run(
        self,
        session: AsyncSession,
        actor: str,
        company_id: str,
        reason: str,
        dry_run: bool,
        batch: Sequence[tuple[int, list[str]]],
        then: Sequence[tuple[int, list[str]]] = (),
    ) -> list[RowResult]:
        results: list[RowResult] = []
        for start in range(0, len(batch), self.PIECE):
            results += await self._piece(
                session, actor, company_id, reason, dry_run, batch[start : start + self.PIECE]
            )
        return results

    async def _piece(
        self,
        session: AsyncSession,
        actor: str,
        company_id: str,
        reason: str,
        dry_run: bool,
        piece: Sequence[tuple[int, list[str]]],
    ) -> list[RowResult]:
        early: dict[int, list[SubError]] = {}
        todo: list[tuple[int, dict[str, Any]]] = []
        for number, cells in piece:
            values, errors = cell_values(self.fields, cells)
            key = self._key(cells)
            if key and self.first[key] != number:
                errors.append(
                    SubError("externalId", f"appears twice in this file, first at row {self.first[key]}", key)
                )
            if errors:
                early[number] = errors
            else:
                todo.append((number, values))
        outcomes = await invoices.create_many(
            session, actor, company_id, [values for _, values in todo], dry_run=dry_run, reason=reason
        )
        by_row = dict(zip((number for number, _ in todo), outcomes, strict=True))
        results: list[RowResult] = []
        for number, cells in piece:
            if number in early:
                results.append(RowResult(number, RowOutcome.FAILED, errors=early[number], cells=cells))
                continue
            outcome = by_row[number]
            if outcome.errors:
                results.append(RowResult(number, RowOutcome.FAILED, errors=list(outcome.errors), cells=cells))
            elif outcome.existing:
                message = f"externalId already exists (invoice {outcome.invoice_id}); not created again"
                results.append(RowResult(number, RowOutcome.SKIPPED, outcome.invoice_id, message=message))
            elif dry_run:
                results.append(RowResult(number, RowOutcome.VALID))
            else:
                results.append(RowResult(number, RowOutcome.CREATED, outcome.invoice_id))
        return results
