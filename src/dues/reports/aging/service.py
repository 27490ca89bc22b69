"""The aging report (api.md §10 "Aging"): what customers owed at the end of a day, by how old it was.

As of day X an amount counts when its document and its movement are dated on or before X; its age is X minus
the invoice's due date (basis DUE_DATE; 0 or less is ``current``) or its invoice date (INVOICE_DATE). Per
customer: the buckets, their total (owed on invoices), the unapplied credit and net = total - credit, which is
the customer's ledger balance at the end of X to the paisa.

The company's totals alone (groupBy=NONE, no customerIds) come from the summaries the ledger keeps
(``reports.summaries``), never from the history. Per customer, the rows are read by one statement per page
(``repository.page``) or streamed for a file (``repository.stream``)."""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import IO

from sqlalchemy.ext.asyncio import AsyncSession

from dues.errors import SubError, ValidationFailed
from dues.kit.pagination import Page
from dues.kit.timefmt import today_ist
from dues.reports import buckets, summaries
from dues.reports.aging import export as export_files
from dues.reports.aging import repository
from dues.reports.aging.schemas import AgingAmounts, AgingQuery, AgingReport, AgingRow, Format, GroupBy
from dues.reports.summaries import Basis

MAX_BUCKETS = 6
MAX_DAYS = 3650
MAX_CUSTOMERS = 1000
# Rows fetched from the cursor and written to a file at a time.
CHUNK = 2000
_CUSTOMER_ID = re.compile(r"^KC[A-Z0-9]{14}$")
_BUCKETS_RULE = (
    f"must be 1 to {MAX_BUCKETS} whole numbers of days, increasing, each from 1 to {MAX_DAYS}, separated by "
    "commas (e.g. 30,60,90)"
)


def parse_as_of(value: str | None, today: date | None = None) -> date:
    """yyyy-MM-dd, today (IST) when left out; a day after today is refused: nothing is known of it yet."""
    today = today or today_ist()
    if value is None or not value.strip():
        return today
    try:
        as_of = date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed.field("asOf", "must be a date, yyyy-MM-dd (e.g. 2026-03-31)", value) from None
    if len(value.strip()) != 10:
        # fromisoformat also takes 20260331 and 2026-W13-2: the API speaks one form.
        raise ValidationFailed.field("asOf", "must be a date, yyyy-MM-dd (e.g. 2026-03-31)", value)
    if as_of > today:
        raise ValidationFailed.field(
            "asOf",
            f"is in the future (today is {today.isoformat()}, IST): aging can only say what was owed up to "
            "today",
            value,
        )
    return as_of


def parse_edges(value: str | None) -> tuple[int, ...]:
    """The buckets' upper edges in days, e.g. ``30,60,90``; default 30,60,90."""
    if value is None or not value.strip():
        return buckets.DEFAULT_EDGES
    parts = [p.strip() for p in value.split(",")]
    if not all(p.isdecimal() and p.isascii() and len(p) <= 4 for p in parts):
        raise ValidationFailed.field("buckets", _BUCKETS_RULE, value)
    edges = tuple(int(p) for p in parts)
    if not 1 <= len(edges) <= MAX_BUCKETS or not 1 <= edges[0] or edges[-1] > MAX_DAYS:
        raise ValidationFailed.field("buckets", _BUCKETS_RULE, value)
    if any(b <= a for a, b in itertools.pairwise(edges)):
        raise ValidationFailed.field(
            "buckets", _BUCKETS_RULE + "; each must be larger than the one before", value
        )
    return edges


def parse_customer_ids(values: Sequence[str] | None) -> tuple[str, ...] | None:
    """customerIds given comma-separated, repeated, or both; None when none are given."""
    if not values:
        return None
    ids = [i.strip() for v in values for i in v.split(",") if i.strip()]
    if not ids:
        return None
    malformed = [i for i in ids if not _CUSTOMER_ID.match(i)]
    if malformed:
        why = "is not a customer id (KC + 14 letters or digits)"
        raise ValidationFailed.of([SubError("customerIds", why, i) for i in malformed[:20]])
    unique = tuple(dict.fromkeys(ids))
    if len(unique) > MAX_CUSTOMERS:
        why = f"names {len(unique)} customers; at most {MAX_CUSTOMERS} at once"
        raise ValidationFailed.field("customerIds", why, f"{len(unique)} ids")
    return unique


async def check_customers(session: AsyncSession, company_id: str, customer_ids: Sequence[str] | None) -> None:
    """Every id named must be a customer of the company. An id of another company is refused exactly as an
    id that does not exist (api.md §1.3); a filter list is a field of the request, so the answer is one
    VALIDATION_ERROR naming each unknown id rather than a 404 for the first."""
    if not customer_ids:
        return
    known = await repository.known_customers(session, company_id, customer_ids)
    unknown = [i for i in customer_ids if i not in known]
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        raise ValidationFailed(
            f"customerIds: no such customer in this company: {shown}",
            [SubError("customerIds", "no such customer in this company", i) for i in unknown],
        )


async def query(
    session: AsyncSession,
    company_id: str,
    *,
    as_of: str | None,
    basis: Basis,
    buckets_text: str | None,
    customer_ids: Sequence[str] | None,
    group_by: GroupBy,
) -> AgingQuery:
    """The parameters checked; the problems of asOf, buckets and customerIds are told together."""
    problems: list[SubError] = []
    day, ids = today_ist(), None
    edges: tuple[int, ...] = buckets.DEFAULT_EDGES
    try:
        day = parse_as_of(as_of)
    except ValidationFailed as exc:
        problems += exc.sub_errors
    try:
        edges = parse_edges(buckets_text)
    except ValidationFailed as exc:
        problems += exc.sub_errors
    try:
        ids = parse_customer_ids(customer_ids)
    except ValidationFailed as exc:
        problems += exc.sub_errors
    if problems:
        raise ValidationFailed.of(problems)
    await check_customers(session, company_id, ids)
    return AgingQuery(as_of=day, basis=basis, edges=edges, customer_ids=ids, group_by=group_by)


async def _early(session: AsyncSession, company_id: str, as_of: date) -> bool:
    """Read the entries up to the day (True) or what is owed now less the entries after it: the side with
    fewer entries. The open invoices the second reads are fewer than the entries they sum."""
    after, total = await repository.entries_after(session, company_id, as_of)
    return after * 2 > total


def _by_bucket(labels: Sequence[str], amounts: Sequence[Decimal]) -> dict[str, Decimal]:
    return dict(zip(labels, amounts, strict=True))


def _row(labels: Sequence[str], found: repository.Amounts) -> AgingRow:
    return AgingRow.of(
        _by_bucket(labels, found.buckets),
        found.credit,
        customer_id=found.customer_id,
        customer_name=found.customer_name,
    )


async def report(
    session: AsyncSession, company_id: str, asked: AgingQuery, limit: int, offset: int
) -> AgingReport:
    labels = asked.labels
    head = {"as_of": asked.as_of, "basis": asked.basis, "buckets": labels}
    if asked.group_by == GroupBy.NONE and asked.customer_ids is None:
        return AgingReport(**head, totals=await company_totals(session, company_id, asked))
    if asked.group_by == GroupBy.CUSTOMER and asked.customer_ids is None:
        fast = await _page_now(session, company_id, asked, limit, offset)
        if fast is not None:
            return fast
    early = await _early(session, company_id, asked.as_of)
    if asked.group_by == GroupBy.NONE:
        limit = 0
    found = await repository.page(
        session,
        company_id,
        asked.as_of,
        asked.basis,
        asked.edges,
        asked.customer_ids,
        limit,
        offset,
        early=early,
    )
    totals = AgingAmounts.of(_by_bucket(labels, found.totals.buckets), found.totals.credit)
    if asked.group_by == GroupBy.NONE:
        return AgingReport(**head, totals=totals)
    rows = [_row(labels, r) for r in found.rows]
    customers = Page[AgingRow](items=rows, total=found.matched, offset=offset, limit=limit)
    return AgingReport(**head, totals=totals, customers=customers)


async def _page_now(
    session: AsyncSession, company_id: str, asked: AgingQuery, limit: int, offset: int
) -> AgingReport | None:
    """Every customer as of a day no entry is dated after (today, as a rule): the page is chosen from the
    per-customer balances the ledger keeps, only its customers' invoices are read, and the totals come from
    the company's summaries, so the time does not grow with the number of customers or invoices. None when
    an entry is dated after the day (the general path then reads the entries)."""
    latest = await repository.latest_entry_date(session, company_id)
    if latest is not None and latest > asked.as_of:
        return None
    ids, matched = await repository.ranked_now(session, company_id, limit, offset)
    labels = asked.labels
    rows: list[AgingRow] = []
    if ids:
        found = await repository.page(
            session, company_id, asked.as_of, asked.basis, asked.edges, ids, len(ids), 0, early=False
        )
        rows = [_row(labels, r) for r in found.rows]
    return AgingReport(
        as_of=asked.as_of,
        basis=asked.basis,
        buckets=labels,
        totals=await company_totals(session, company_id, asked),
        customers=Page[AgingRow](items=rows, total=matched, offset=offset, limit=limit),
    )


async def company_totals(session: AsyncSession, company_id: str, asked: AgingQuery) -> AgingAmounts:
    """The whole company's buckets and credit from the summaries kept with each movement (migration 0020):
    a handful of rows per due date, whatever the number of invoices and entries."""
    owed = await summaries.owed_by_date(session, company_id, asked.basis, asked.as_of)
    credit = await summaries.credit_as_of(session, company_id, asked.as_of)
    return AgingAmounts.of(buckets.split(owed, asked.as_of, asked.edges), credit)


async def export(
    session: AsyncSession, company_id: str, asked: AgingQuery, fmt: Format
) -> tuple[str, IO[bytes]]:
    """The report as a file (its name, its content from the start): every customer reported, in the
    report's order, then the totals; groupBy=NONE: the totals alone. Rows are fetched CHUNK at a time and
    written in a worker thread, so a large file holds neither all the rows nor the event loop."""
    labels = asked.labels
    out = await asyncio.to_thread(export_files.writer, fmt, labels, asked.as_of)
    try:
        if asked.group_by == GroupBy.NONE:
            totals = (await report(session, company_id, asked, 0, 0)).totals
        else:
            # The totals of a file are the sums of its rows, added up as they go by.
            owed = [Decimal(0)] * len(labels)
            credit = Decimal(0)
            early = await _early(session, company_id, asked.as_of)
            found = repository.stream(
                session,
                company_id,
                asked.as_of,
                asked.basis,
                asked.edges,
                asked.customer_ids,
                CHUNK,
                early=early,
            )
            async for part in found:
                for r in part:
                    owed = [a + b for a, b in zip(owed, r.buckets, strict=True)]
                    credit += r.credit
                await asyncio.to_thread(out.add, [_row(labels, r) for r in part])
            totals = AgingAmounts.of(_by_bucket(labels, owed), credit)
        await asyncio.to_thread(out.add, [totals])
        body = await asyncio.to_thread(out.finish)
    except BaseException:
        out.discard()
        raise
    return export_files.file_name(asked.as_of, fmt), body
