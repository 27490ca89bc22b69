"""Invoice files: each row is one createInvoice body; the invoices service checks and writes them in batches.

An empty cell is a field left out (its default applies). A row's externalId that exists already is SKIPPED
with the holder's id; an externalId twice in one file fails the later row.

A batch is checked (prepare_many: CPU work in a thread and a few reads) while the database writes the one
before it, and written last in its chunk's transaction (write_many), since that takes the seller's number
series lock, held to the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dues.db import Database
from dues.errors import SubError
from dues.invoices import service as invoices
from dues.uploads.customer_rows import RowResult, cell_values
from dues.uploads.schemas import RowOutcome, UploadKind


@dataclass
class _Checked:
    """A batch after every check: the rows failed before the service saw them, and the service's plan for the
    others (in ``todo`` order)."""

    early: dict[int, list[SubError]]
    todo: list[int]
    plan: invoices.BulkPlan


class InvoiceRows:
    """One upload's invoice rows, written a batch at a time (the same interface as CustomerRows)."""

    def __init__(
        self,
        kind: UploadKind,
        fields: list[str | None],
        rows: Sequence[tuple[int, list[str]]],
        *,
        company_id: str,
        dry_run: bool,
        database: Database | None = None,
    ):
        self.fields = fields
        self.company_id = company_id
        self.dry_run = dry_run
        self.database = database
        self._external = fields.index("externalId") if "externalId" in fields else None
        self.first: dict[str, int] = {}
        for number, cells in rows:
            key = self._key(cells)
            if key:
                self.first.setdefault(key, number)
        self._ahead: dict[tuple[int, int], asyncio.Task[_Checked]] = {}
        # Checks are mostly Python, so two at once only slow each other down under the GIL; one at a time, in
        # the order asked, gets the first chunk to the series sooner (and every next one checked in time).
        self._one_check = asyncio.Lock()
        # Two chunks can be open at once (two lanes): each one's plan waits here for its own ``last``.
        self._to_write: dict[tuple[int, int], invoices.BulkPlan] = {}

    def _key(self, cells: Sequence[str]) -> str | None:
        if self._external is None or self._external >= len(cells):
            return None
        return cells[self._external].strip() or None

    def _values(
        self, batch: Sequence[tuple[int, list[str]]]
    ) -> tuple[dict[int, list[SubError]], list[int], list[dict[str, Any]]]:
        early: dict[int, list[SubError]] = {}
        todo: list[int] = []
        values_of: list[dict[str, Any]] = []
        for number, cells in batch:
            values, errors = cell_values(self.fields, cells)
            key = self._key(cells)
            if key and self.first[key] != number:
                errors.append(
                    SubError("externalId", f"appears twice in this file, first at row {self.first[key]}", key)
                )
            if errors:
                early[number] = errors
            else:
                todo.append(number)
                values_of.append(values)
        return early, todo, values_of

    async def _check(
        self, session: AsyncSession, actor: str, batch: Sequence[tuple[int, list[str]]]
    ) -> _Checked:
        async with self._one_check:
            early, todo, values = self._values(batch)
            plan = await invoices.prepare_many(session, actor, self.company_id, values, offload=True)
        return _Checked(early, todo, plan)

    async def _check_apart(self, actor: str, batch: Sequence[tuple[int, list[str]]]) -> _Checked:
        assert self.database is not None
        async with self.database.sessionmaker() as session:
            return await self._check(session, actor, batch)

    @staticmethod
    def _batch_key(batch: Sequence[tuple[int, list[str]]]) -> tuple[int, int]:
        return batch[0][0], len(batch)

    def prefetch(self, batch: Sequence[tuple[int, list[str]]], actor: str = "") -> None:
        """Start checking ``batch`` (in its own session) while the current one is written."""
        if batch and self.database is not None and self._batch_key(batch) not in self._ahead:
            self._ahead[self._batch_key(batch)] = asyncio.create_task(self._check_apart(actor, batch))

    async def close(self) -> None:
        """Stop checks started ahead that will not be used (the job stops early or failed)."""
        tasks, self._ahead = list(self._ahead.values()), {}
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        self._to_write.clear()

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
        """The rows' results, as they will be once ``last`` has written the batch in the same transaction."""
        ahead = self._ahead.pop(self._batch_key(batch), None) if batch else None
        checked = await ahead if ahead is not None else await self._check(session, actor, batch)
        self.prefetch(then, actor)
        plan = checked.plan
        by_row = dict(zip(checked.todo, plan.outcomes, strict=True))
        results: list[RowResult] = []
        for number, cells in batch:
            if number in checked.early:
                results.append(
                    RowResult(number, RowOutcome.FAILED, errors=checked.early[number], cells=cells)
                )
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
        if not dry_run and batch:
            self._to_write[self._batch_key(batch)] = plan
        return results

    async def last(
        self,
        session: AsyncSession,
        reason: str,
        batch: Sequence[tuple[int, list[str]]],
        numbered: Callable[[], None] | None = None,
    ) -> None:
        """Write the batch ``run`` answered for: the transaction's last statements (the series lock is held
        from here to the commit); ``numbered`` is called once the batch holds its numbers.
        invoices.BulkRaced: roll back and run the batch again."""
        plan = self._to_write.pop(self._batch_key(batch), None) if batch else None
        if plan is not None:
            await invoices.write_many(session, plan, reason=reason, numbered=numbered)
