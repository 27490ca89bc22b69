"""Customer files: which columns they may have, and how a batch of rows becomes created or changed customers.

Cells are validated by the API's own models (CustomerCreate, CustomerPatch). An empty cell is a value left
out: on create the field takes its default, on update the field is left as it is (a bulk update cannot clear
a field; PATCH the customer for that).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dues.customers import service as customers
from dues.errors import SubError, ValidationFailed
from dues.reminders import service as reminders
from dues.uploads.schemas import RowOutcome, UploadKind

FIELDS = (
    "legalName",
    "customerCompanyId",
    "panOrGstin",
    "email",
    "contactNumber",
    "address",
    "state",
    "pinCode",
    "accountNumber",
    "ifsc",
    "uniqueRefNo",
    "assignedAgent",
    "branchCodes",
    "customerReminders",
    "status",
    "bharatConnectB2BId",
)
# Invoice files: createInvoice's fields, less lineItems (one row is one invoice) and dispatchNow; the customer
# is named by customerId or, ours, by the customer's uniqueRefNo.
INVOICE_FIELDS = (
    "customerId",
    "customerUniqueRefNo",
    "invoiceNumber",
    "invoiceDate",
    "dueDate",
    "baseAmount",
    "cgst",
    "sgst",
    "igst",
    "cess",
    "gstExclusive",
    "chargeCustomer",
    "description",
    "emailAddress",
    "externalId",
    "partialPaymentAllowed",
    "minimumPartialAmount",
    "collectionMode",
    "placeOfSupply",
    "documentType",
    "originalInvoiceIds",
    "noteReason",
)
# A list in one cell: its items separated by ';' (or ',').
LIST_FIELDS = frozenset({"branchCodes", "customerReminders", "collectionMode", "originalInvoiceIds"})
# The column errors.csv adds: a corrected errors.csv uploads again as it is, and this column is ignored.
ERRORS_COLUMN = "errors"
_LIST_SPLIT = re.compile(r"[;,]")


@dataclass
class RowResult:
    row: int
    outcome: RowOutcome
    entity_id: str | None = None
    errors: list[SubError] = field(default_factory=list)
    message: str | None = None
    cells: list[str] | None = None


def _allowed(kind: UploadKind) -> dict[str, str]:
    if kind is UploadKind.INVOICE_CREATE:
        allowed = {f.lower(): f for f in INVOICE_FIELDS}
    else:
        allowed = {f.lower(): f for f in FIELDS}
    if kind is UploadKind.CUSTOMER_UPDATE:
        allowed["customerid"] = "customerId"
    return allowed


def ignored_columns(kind: UploadKind, header: Sequence[str]) -> list[str]:
    """The named columns dues does not read (api.md §4.1 ``ignoredColumns``): any name that is not a column of
    this upload, EnKash's computed fields (createdOn, balanceAmount ...) included. errors.csv's own column is
    not listed: it is there to be ignored."""
    allowed = _allowed(kind)
    return [
        name
        for name in header
        if (key := name.strip().lower()) and key != ERRORS_COLUMN and key not in allowed
    ]


def columns_for(kind: UploadKind, header: Sequence[str]) -> list[str | None]:
    """The field each column holds (None: ignored), matched case-insensitively; 422 listing what is wrong.
    A column that is not one of this upload's is ignored (ignored_columns names it), never an error."""
    allowed = _allowed(kind)
    fields: list[str | None] = []
    problems: list[SubError] = []
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        key = name.strip().lower()
        if key == ERRORS_COLUMN:
            fields.append(None)
            continue
        if not key:
            problems.append(SubError(f"column {position}", "has no name in the header row", name))
            fields.append(None)
            continue
        canonical = allowed.get(key)
        if canonical is None:
            if key == "customerid" and kind is UploadKind.CUSTOMER_CREATE:
                # Ignoring it would create again customers the file means to change.
                hint = (
                    "customerId is given by the service; to change customers use /api/v0/customer/bulk/update"
                )
                problems.append(SubError(name, hint, name))
            fields.append(None)
            continue
        if canonical in seen:
            problems.append(SubError(name, f"appears twice (columns {seen[canonical]} and {position})", name))
        seen.setdefault(canonical, position)
        fields.append(canonical)
    if kind is UploadKind.INVOICE_CREATE:
        if not {"customerId", "customerUniqueRefNo"} & seen.keys():
            problems.append(
                SubError(
                    "customerId", "a customerId or customerUniqueRefNo column must name the customer", None
                )
            )
        if "dueDate" not in seen:
            problems.append(SubError("dueDate", "the column is required", None))
    if kind is UploadKind.CUSTOMER_CREATE and "legalName" not in seen:
        problems.append(SubError("legalName", "the column is required", None))
    if kind is UploadKind.CUSTOMER_UPDATE and not {"customerId", "uniqueRefNo"} & seen.keys():
        problems.append(
            SubError(
                "customerId", "a customerId or uniqueRefNo column must name the customer to change", None
            )
        )
    if problems:
        message = "The header row is not usable: " + "; ".join(f"{p.field} {p.message}" for p in problems)
        raise ValidationFailed(message, problems)
    return fields


def cell_values(fields: Sequence[str | None], cells: Sequence[str]) -> tuple[dict[str, Any], list[SubError]]:
    values: dict[str, Any] = {}
    for name, cell in zip(fields, cells, strict=False):
        if name is None:
            continue
        cell = cell.strip()
        if not cell:
            continue
        if name in LIST_FIELDS:
            values[name] = [part.strip() for part in _LIST_SPLIT.split(cell) if part.strip()]
        else:
            values[name] = cell
    if len(cells) > len(fields) and any(c.strip() for c in cells[len(fields) :]):
        return values, [SubError("row", "has values to the right of the last named column", None)]
    return values, []


@dataclass
class Checked:
    """A row after the checks that need no database: its validated model, or why it failed."""

    row: int
    cells: list[str]
    errors: list[SubError]
    model: Any = None
    customer_id: str | None = None
    ref: str | None = None


@dataclass
class Piece:
    rows: list[Checked]
    prepared: customers.PreparedCreate | None = None


class CustomerRows:
    """One upload's rows: duplicates across the whole file are found once, then batches are written.

    Validation is CPU work and the writes are database work, on a machine with more than one core: each
    batch is validated in a thread while the database executes the previous batch's statements.
    """

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
        self.kind = kind
        self.fields = fields
        self.company_id = company_id
        self.dry_run = dry_run
        self._index: dict[str, int] = {
            name: fields.index(name) for name in ("customerId", "uniqueRefNo") if name in fields
        }
        self.first: dict[tuple[str, str], int] = {}
        for number, cells in rows:
            key = self._key(cells)
            if key is not None:
                self.first.setdefault(key, number)
        self._ahead: dict[tuple[int, int], asyncio.Future[Piece]] = {}
        # Set when the last batch was mostly refs that exist already: a file uploaded again.
        self._mostly_existing = False

    def _key(self, cells: Sequence[str]) -> tuple[str, str] | None:
        """What makes two rows one record: uniqueRefNo on create; customerId, else uniqueRefNo, on update."""
        names = ("uniqueRefNo",) if self.kind is UploadKind.CUSTOMER_CREATE else ("customerId", "uniqueRefNo")
        for name in names:
            position = self._index.get(name)
            if position is not None and position < len(cells) and cells[position].strip():
                return name, cells[position].strip()
        return None

    def _duplicate(self, number: int, cells: Sequence[str]) -> SubError | None:
        key = self._key(cells)
        if key is None or self.first[key] == number:
            return None
        name, value = key
        if self.kind is UploadKind.CUSTOMER_CREATE:
            message = f"duplicate uniqueRefNo in this file, first at row {self.first[key]}"
        else:
            message = f"the same customer is changed by row {self.first[key]} of this file; use one row"
        return SubError(name, message, value)

    def check(self, rows: Sequence[tuple[int, list[str]]]) -> Piece:
        """Cells to validated models, and for a create the insert made ready (pure: runs in a thread)."""
        out: list[Checked] = []
        for number, cells in rows:
            values, errors = cell_values(self.fields, cells)
            item = Checked(number, cells, errors)
            if self.kind is UploadKind.CUSTOMER_CREATE:
                checked: Any = customers.check_create(values)
            else:
                item.customer_id = values.pop("customerId", None)
                # With a customerId the row's uniqueRefNo is a new value; without, it names the customer.
                item.ref = None if item.customer_id else values.pop("uniqueRefNo", None)
                if not item.customer_id and not item.ref:
                    message = "give the customerId or uniqueRefNo of the customer"
                    errors.append(SubError("customerId", message, None))
                checked = customers.check_patch(values)
            if isinstance(checked, list):
                item.errors = checked + errors
            else:
                item.model = checked
            duplicate = self._duplicate(number, cells)
            if duplicate is not None:
                item.errors.append(duplicate)
            out.append(item)
        prepared = None
        if self.kind is UploadKind.CUSTOMER_CREATE and not self.dry_run:
            prepared = customers.prepare_create(self.company_id, [c.model for c in out if not c.errors])
        return Piece(out, prepared)

    def _pieces(self, batch: Sequence[tuple[int, list[str]]]) -> list[Sequence[tuple[int, list[str]]]]:
        return [batch[i : i + self.PIECE] for i in range(0, len(batch), self.PIECE)]

    def _checking(self, piece: Sequence[tuple[int, list[str]]]) -> asyncio.Future[Piece]:
        key = (piece[0][0], len(piece))
        ahead = self._ahead.pop(key, None)
        if ahead is not None:
            return ahead
        return asyncio.get_running_loop().run_in_executor(None, self.check, piece)

    def prefetch(self, batch: Sequence[tuple[int, list[str]]]) -> None:
        """Start checking the first rows of the next batch while this one is still being written."""
        if batch:
            piece = self._pieces(batch)[0]
            key = (piece[0][0], len(piece))
            if key not in self._ahead:
                self._ahead[key] = self._checking(piece)

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
        """Write ``batch``; ``then`` (the next batch) starts being checked while the last piece is written."""
        pieces = self._pieces(batch)
        results: list[RowResult] = []
        pending = self._checking(pieces[0]) if pieces else None
        try:
            for k in range(len(pieces)):
                assert pending is not None
                piece = await pending
                if k + 1 < len(pieces):
                    pending = self._checking(pieces[k + 1])
                else:
                    pending = None
                    self.prefetch(then)
                if self.kind is UploadKind.CUSTOMER_CREATE:
                    results += await self._create(session, actor, company_id, reason, dry_run, piece)
                else:
                    results += await self._update(session, actor, company_id, reason, dry_run, piece.rows)
        finally:
            if pending is not None and not pending.done():
                pending.cancel()
        return results

    async def last(
        self,
        session: AsyncSession,
        reason: str,
        batch: Sequence[tuple[int, list[str]]],
        numbered: Callable[[], None] | None = None,
    ) -> None:
        """Nothing is left to write after ``run``: customer batches take no lock held to the commit."""

    async def close(self) -> None:
        """Checks started ahead finish in their threads; their results are dropped with this handler."""
        self._ahead.clear()

    async def _create(
        self,
        session: AsyncSession,
        actor: str,
        company_id: str,
        reason: str,
        dry_run: bool,
        piece: Piece,
    ) -> list[RowResult]:
        checked = piece.rows
        if await _check_reminders(session, company_id, checked):
            piece.prepared = None  # made ahead for rows of which some have now failed
        good = [c for c in checked if not c.errors]
        created = iter(
            await customers.create_many(
                session,
                actor,
                company_id,
                [c.model for c in good],
                reason=reason,
                dry_run=dry_run,
                prepared=piece.prepared,
                check_first=self._mostly_existing,
            )
        )
        results: list[RowResult] = []
        for item in checked:
            if item.errors:
                results.append(RowResult(item.row, RowOutcome.FAILED, errors=item.errors, cells=item.cells))
                continue
            outcome = next(created)
            if outcome.existing:
                ref, holder = item.model.unique_ref_no, outcome.customer_id
                message = f"uniqueRefNo {ref} already exists (customer {holder}); not created again"
                results.append(RowResult(item.row, RowOutcome.SKIPPED, outcome.customer_id, message=message))
            else:
                done = RowOutcome.VALID if dry_run else RowOutcome.CREATED
                results.append(RowResult(item.row, done, outcome.customer_id))
        existing = sum(1 for r in results if r.outcome is RowOutcome.SKIPPED)
        self._mostly_existing = existing * 2 > len(good)
        return results

    async def _update(
        self,
        session: AsyncSession,
        actor: str,
        company_id: str,
        reason: str,
        dry_run: bool,
        checked: list[Checked],
    ) -> list[RowResult]:
        await _check_reminders(session, company_id, checked)
        good = [c for c in checked if not c.errors]
        changes = [customers.BulkChange(c.customer_id, c.ref, c.model) for c in good]
        updated = iter(
            await customers.update_many(session, actor, company_id, changes, reason=reason, dry_run=dry_run)
        )
        results: list[RowResult] = []
        for item in checked:
            if item.errors:
                results.append(RowResult(item.row, RowOutcome.FAILED, errors=item.errors, cells=item.cells))
                continue
            outcome = next(updated)
            if outcome.errors:
                failed = RowResult(item.row, RowOutcome.FAILED, outcome.customer_id, outcome.errors)
                failed.cells = item.cells
                results.append(failed)
            elif dry_run:
                results.append(RowResult(item.row, RowOutcome.VALID, outcome.customer_id))
            else:
                done = RowOutcome.UPDATED if outcome.changed else RowOutcome.UNCHANGED
                results.append(RowResult(item.row, done, outcome.customer_id))
        return results


async def _check_reminders(session: AsyncSession, company_id: str, rows: list[Checked]) -> bool:
    """customerReminders as a single create or update checks them, for a whole piece in one query: a row
    naming a reminder the company lacks, or another customer's, fails with the same message. Whether any
    row failed here."""
    asked = {r for c in rows if not c.errors for r in (c.model.customer_reminders or [])}
    if not asked:
        return False
    failed = False
    owners = await reminders.owners_of(session, company_id, sorted(asked))
    for c in rows:
        ids = [] if c.errors else (c.model.customer_reminders or [])
        problem = reminders.id_problem(ids, owners, c.customer_id) if ids else None
        if problem:
            c.errors.append(SubError("customerReminders", problem, ids))
            failed = True
    return failed
