"""All SQL for invoices, their lines, number series and events; every statement is scoped by company here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal_column,
    not_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from dues.db import driver_sql, fetch_rows
from dues.models import Customer, Event, Invoice, InvoiceLine, InvoiceOpenCount

# An id that cannot have been issued is not looked up (a NUL in it would make PostgreSQL refuse the query).
INVOICE_ID = re.compile(r"^INV[A-Z0-9]{13}\Z", re.ASCII)


async def get(
    session: AsyncSession, company_id: str, invoice_id: str, *, for_update: bool = False
) -> Invoice | None:
    if not INVOICE_ID.match(invoice_id):
        return None
    stmt = select(Invoice).where(Invoice.company_id == company_id, Invoice.invoice_id == invoice_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_many(session: AsyncSession, company_id: str, invoice_ids: Sequence[str]) -> list[Invoice]:
    ids = [i for i in invoice_ids if INVOICE_ID.match(i)]
    if not ids:
        return []
    stmt = select(Invoice).where(Invoice.company_id == company_id, Invoice.invoice_id.in_(ids))
    return list((await session.execute(stmt)).scalars())


async def lines_of(session: AsyncSession, company_id: str, invoice_ids: Sequence[str]) -> list[InvoiceLine]:
    if not invoice_ids:
        return []
    stmt = (
        select(InvoiceLine)
        .where(InvoiceLine.company_id == company_id, InvoiceLine.invoice_id.in_(invoice_ids))
        .order_by(InvoiceLine.invoice_id, InvoiceLine.line_no)
    )
    return list((await session.execute(stmt)).scalars())


async def number_taken(session: AsyncSession, company_id: str, financial_year: int, number: str) -> bool:
    stmt = select(
        exists().where(
            Invoice.company_id == company_id,
            Invoice.financial_year == financial_year,
            Invoice.invoice_number == number,
        )
    )
    return bool((await session.execute(stmt)).scalar_one())


async def by_external_id(session: AsyncSession, company_id: str, external_id: str) -> Invoice | None:
    stmt = select(Invoice).where(Invoice.company_id == company_id, Invoice.external_id == external_id)
    return (await session.execute(stmt)).scalar_one_or_none()


# The series row is locked from here to the commit: concurrent creates of one seller take numbers one after
# the other, and a create that rolls back gives its number back, so the series has no gaps.
_NEXT_NUMBER = text(
    "INSERT INTO invoice_series (company_id, series, financial_year, last_number) "
    "VALUES (:company_id, :series, :fy, 1) ON CONFLICT (company_id, series, financial_year) "
    "DO UPDATE SET last_number = invoice_series.last_number + 1 RETURNING last_number"
)


def series_of(document_type: str | None) -> str:
    """The number series a document counts in: debit notes have their own (CGST Rules r.53), apart from
    tax invoices and bills of supply."""
    return "DEBIT_NOTE" if document_type == "DEBIT_NOTE" else "INVOICE"


async def next_number(
    session: AsyncSession, company_id: str, financial_year: int, series: str = "INVOICE"
) -> int:
    """The next number of a series (INVOICE, DEBIT_NOTE, CREDIT_NOTE), locked to the commit."""
    params = {"company_id": company_id, "fy": financial_year, "series": series}
    result = await session.execute(_NEXT_NUMBER, params)
    return int(result.scalar_one())


# What a create writes itself: the number comes from the series (or the body), the times from the server.
CREATED_COLUMNS = tuple(
    c
    for c in Invoice.__table__.columns.keys()
    if c not in ("invoice_number", "created_on", "updated_on", "overdue_evented_on")
)
LINE_COLUMNS = tuple(InvoiceLine.__table__.columns.keys())

# The series row is locked from its UPDATE to the commit, so concurrent creates of one seller take numbers one
# after the other and a create that rolls back gives its number back: no gaps. That is why the number is taken
# by one statement that also writes everything else, which createInvoice runs on its own (db.single_statement)
# so that it commits as it ends. A number typed by hand that sits on the series' path makes the insert do
# nothing; the caller runs the statement again for the next number, stepping over it.
_SERIES = (
    "series AS (INSERT INTO invoice_series (company_id, series, financial_year, last_number) "
    "VALUES (:company_id, :series, :financial_year, 1) ON CONFLICT (company_id, series, financial_year) "
    "DO UPDATE SET last_number = invoice_series.last_number + 1 RETURNING last_number), "
    "numbered AS (SELECT :head || lpad(last_number::text, :width, '0') AS invoice_number FROM series "
    "WHERE length(last_number::text) <= :width)"
)
_GIVEN = "numbered AS (SELECT CAST(:number AS varchar) AS invoice_number)"


def _core(row: str) -> str:
    """The data every invoice.* event carries (docs/webhooks.md), from an invoices row (or a RETURNING of
    one) named ``row``, in the API's names; NUMERIC(16,2) amounts stay numbers with two decimals in jsonb."""
    return (
        f"jsonb_build_object('sellerId', {row}.company_id, 'invoiceId', {row}.invoice_id, "
        f"'invoiceNumber', {row}.invoice_number, 'customerId', {row}.customer_id, 'status', {row}.status, "
        f"'totalAmount', {row}.total_amount, 'paidAmount', {row}.paid_amount, "
        f"'balanceAmount', {row}.balance_amount, 'dueDate', {row}.due_date)"
    )


def _details(row: str) -> str:
    """invoice.created, .approved and .updated: the core and what the invoice was made with."""
    return (
        f"{_core(row)} || jsonb_build_object('invoiceDate', {row}.invoice_date, "
        f"'externalId', {row}.external_id, 'approvalStatus', {row}.approval_status, "
        f"'createdVia', {row}.created_via)"
    )


# What _details reads, for statements that build it from a RETURNING.
_DATA_COLUMNS = (
    "company_id, invoice_id, invoice_number, customer_id, status, total_amount, paid_amount, "
    "balance_amount, due_date, invoice_date, external_id, approval_status, created_via, document_type, posted"
)
# An approved invoice enters the ledger in the statement that creates it (api.md §9.4).
_LEDGER_OF_CREATED = (
    "INSERT INTO ledger_entries (company_id, customer_id, effective_date, entry_type, document_id, "
    "document_number, invoice_id, amount) "
    "SELECT {row}.company_id, {row}.customer_id, {row}.invoice_date, "
    "CASE WHEN {row}.document_type = 'DEBIT_NOTE' THEN 'DEBIT_NOTE' ELSE 'INVOICE' END, {row}.invoice_id, "
    "{row}.invoice_number, {row}.invoice_id, {row}.total_amount FROM {source} WHERE {row}.posted"
)
_CREATE = """
WITH {numbered},
invoice AS (
    INSERT INTO invoices ({columns}, invoice_number)
    SELECT {picked}, numbered.invoice_number
    FROM numbered, jsonb_populate_record(NULL::invoices, CAST(:invoice AS jsonb)) r
    ON CONFLICT (company_id, financial_year, invoice_number) DO NOTHING
    RETURNING {data_columns}, created_on, updated_on
),
snapshot AS (
    SELECT invoice_id, CAST(:after AS jsonb) || jsonb_build_object(
        'invoice_number', invoice_number, 'created_on', created_on, 'updated_on', updated_on) AS after
    FROM invoice
),
lines AS (
    INSERT INTO invoice_lines ({line_columns})
    SELECT {line_picked} FROM invoice, jsonb_populate_recordset(NULL::invoice_lines, CAST(:lines AS jsonb)) l
),
audit AS (
    INSERT INTO audit_log (company_id, entity_type, entity_id, action, actor, request_id, after)
    SELECT :company_id, 'invoice', invoice_id, 'CREATE', :actor, :request_id, after FROM snapshot
),
events AS (
    INSERT INTO events (company_id, event_type, entity_id, payload)
    SELECT :company_id, t.event_type, i.invoice_id, {data}
    FROM invoice i, unnest(CAST(:event_types AS text[])) WITH ORDINALITY t(event_type, n)
    ORDER BY t.n
),
ledger AS ({ledger})
SELECT (SELECT invoice_number FROM numbered), i.invoice_number, i.created_on, i.updated_on
FROM (SELECT 1) one LEFT JOIN invoice i ON true
"""


def _decimal(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)  # a JSON string, so PostgreSQL reads the exact figure into NUMERIC
    raise TypeError(f"not JSON: {type(value).__name__}")


def _json(value: object) -> str:
    return orjson.dumps(value, default=_decimal).decode()


def _create_statement(numbered: str) -> str:
    return driver_sql(
        _CREATE.format(
            numbered=numbered,
            columns=", ".join(CREATED_COLUMNS),
            picked=", ".join(f"r.{c}" for c in CREATED_COLUMNS),
            line_columns=", ".join(LINE_COLUMNS),
            line_picked=", ".join(f"l.{c}" for c in LINE_COLUMNS),
            data_columns=_DATA_COLUMNS,
            data=_details("i"),
            ledger=_LEDGER_OF_CREATED.format(row="i", source="invoice i"),
        )
    )


_CREATE_NUMBERED = _create_statement(_SERIES)
_CREATE_GIVEN = _create_statement(_GIVEN)


@dataclass(frozen=True)
class Created:
    """What the create statement did: the number it tried (None: the series is exhausted) and, when the
    invoice went in, its number and times (None: that number was taken)."""

    tried: str | None
    invoice_number: str | None
    times: tuple[datetime, datetime] | None  # created_on, updated_on


async def insert_created(
    session: AsyncSession,
    invoice: dict[str, Any],
    lines: list[dict[str, Any]],
    after: dict[str, Any],
    event_types: list[str],
    *,
    actor: str,
    request_id: str | None,
    number: str | None = None,
    head: str = "",
    width: int = 1,
) -> Created:
    """Insert one invoice with its lines, audit row and events in one statement, numbered from the series
    (``head`` and a zero-padded sequence of ``width`` digits) unless ``number`` is given."""
    params = {
        "company_id": invoice["company_id"],
        "financial_year": invoice["financial_year"],
        "invoice": _json(invoice),
        "lines": _json(lines),
        "after": _json(after),
        "event_types": event_types,
        "actor": actor,
        "request_id": request_id,
    }
    if number is None:
        params["series"] = series_of(invoice.get("document_type"))
        statement, params = _CREATE_NUMBERED, {**params, "head": head, "width": width}
    else:
        statement, params = _CREATE_GIVEN, {**params, "number": number}
    tried, inserted, created_on, updated_on = (await fetch_rows(session, statement, params))[0]
    return Created(tried, inserted, None if inserted is None else (created_on, updated_on))


async def delete_lines(session: AsyncSession, company_id: str, invoice_id: str) -> None:
    await session.execute(
        delete(InvoiceLine).where(InvoiceLine.company_id == company_id, InvoiceLine.invoice_id == invoice_id)
    )


def add(session: AsyncSession, *objs: Invoice | InvoiceLine | Event) -> None:
    session.add_all(objs)


_ADD_EVENT = text(
    "INSERT INTO events (company_id, event_type, entity_id, payload) "  # noqa: S608 (constants)
    f"SELECT i.company_id, :event_type, i.invoice_id, {_details('i')} || CAST(:extra AS jsonb) "
    "FROM invoices i WHERE i.company_id = :company_id AND i.invoice_id = :invoice_id"
)


async def add_event(
    session: AsyncSession,
    company_id: str,
    event_type: str,
    invoice_id: str,
    extra: dict[str, Any] | None = None,
) -> None:
    """An event of the invoice as it now is in this transaction (flushed), with ``extra`` keys added."""
    params = {
        "company_id": company_id,
        "event_type": event_type,
        "invoice_id": invoice_id,
        "extra": _json(extra or {}),
    }
    await session.execute(_ADD_EVENT, params)


def _filters(company_id: str, f: dict[str, Any], today: date) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Invoice.company_id == company_id]
    ranges: tuple[tuple[str, Any], ...] = (
        ("balance_amount", Invoice.balance_amount),
        ("base_amount", Invoice.base_amount),
        ("due_date", Invoice.due_date),
        ("created_on", Invoice.created_on),
        ("dispatched_on", Invoice.dispatched_on),
    )
    for name, column in ranges:
        if f.get(f"{name}_from") is not None:
            conds.append(column >= f[f"{name}_from"])
        if f.get(f"{name}_to") is not None:
            conds.append(column <= f[f"{name}_to"])
    lists: tuple[tuple[str, Any], ...] = (
        ("approval_statuses", Invoice.approval_status),
        ("statuses", Invoice.status),
        ("invoice_ids", Invoice.invoice_id),
        ("customer_ids", Invoice.customer_id),
        ("external_ids", Invoice.external_id),
        ("document_types", Invoice.document_type),
    )
    for name, column in lists:
        if f.get(name):
            conds.append(column.in_([str(v) for v in f[name]]))
    if f.get("collection_mode"):
        conds.append(Invoice.collection_mode.overlap([str(m) for m in f["collection_mode"]]))
    if f.get("created_via") is not None:
        conds.append(Invoice.created_via == str(f["created_via"]))
    if f.get("dispatched") is not None:
        conds.append(Invoice.dispatched.is_(f["dispatched"]))
    if f.get("invoice_number"):
        conds.append(Invoice.invoice_number == f["invoice_number"])
    if f.get("overdue") is not None:
        # Literals, not parameters: a prepared generic plan cannot match a parameter to a partial index.
        overdue = and_(
            Invoice.balance_amount > literal_column("0"),
            Invoice.due_date < today,
            Invoice.status != literal_column("'COLLECTION_DELETED'"),
        )
        conds.append(overdue if f["overdue"] else not_(overdue))
    if f.get("customer_deleted") is not None:
        conds.append(Customer.deleted.is_(f["customer_deleted"]))
    if f.get("customer_status") is not None:
        conds.append(Customer.status == f["customer_status"])
    if f.get("customer_legal_name"):
        escaped = (
            f["customer_legal_name"].lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        )
        conds.append(func.lower(Customer.legal_name).like(f"%{escaped}%", escape="\\"))
    return conds


# Filters that usually leave few invoices: their matches are collected first (up to _FENCE) and sorted, rather
# than walking the whole ordering index in the hope of meeting them (measured: 332 ms against 12 ms).
_SELECTIVE = (
    "customer_ids",
    "invoice_ids",
    "external_ids",
    "invoice_number",
    "customer_legal_name",
    "due_date_from",
    "due_date_to",
    "created_on_from",
    "created_on_to",
    "dispatched_on_from",
    "dispatched_on_to",
    "balance_amount_from",
    "balance_amount_to",
    "base_amount_from",
    "base_amount_to",
)
_FENCE = 50_000
_CUSTOMER_FILTERS = ("customer_deleted", "customer_status", "customer_legal_name")


_OVERDUE_TOTAL = select(func.coalesce(func.sum(InvoiceOpenCount.open_count), 0)).where(
    InvoiceOpenCount.company_id == bindparam("company_id"), InvoiceOpenCount.due_date < bindparam("today")
)


def _only_overdue(filters: dict[str, Any]) -> bool:
    return filters.get("overdue") is True and all(
        value in (None, "", []) for name, value in filters.items() if name != "overdue"
    )


async def search(
    session: AsyncSession,
    company_id: str,
    filters: dict[str, Any],
    order_column: str,
    descending: bool,
    limit: int,
    offset: int,
    today: date,
    *,
    count_cap: int | None = None,
) -> tuple[list[tuple[Invoice, str]], int]:
    """A page of the seller's invoices matching every filter, each with its customer's legal name; and the
    number of matches. The page is found as keys first (from the indexes), then those rows are loaded.

    With ``count_cap``, matches are counted only up to one past it (a number above the cap says "more than
    that"): a person paging through a list needs no exact count of 800,000 invoices, and counting them
    costs more than the page itself."""
    conds = _filters(company_id, filters, today)
    joined = and_(Customer.company_id == Invoice.company_id, Customer.customer_id == Invoice.customer_id)
    column = getattr(Invoice, order_column)
    keys = select(Invoice.company_id.label("c"), Invoice.invoice_id.label("i"), column.label("k")).where(
        *conds
    )
    matched = select(func.count()).select_from(Invoice).where(*conds)
    if any(filters.get(name) not in (None, "") for name in _CUSTOMER_FILTERS):
        keys = keys.join(Customer, joined)
        matched = matched.join(Customer, joined)

    def ordered(source: Any) -> list[Any]:
        # NULLS LAST only where a column can be null: elsewhere it keeps every index from giving the order.
        key = source.c.k.desc() if descending else source.c.k.asc()
        if column.nullable:
            key = key.nulls_last()
        return [key, source.c.i.desc() if descending else source.c.i.asc()]

    async def page_of(source: Any, extra: Any = None) -> list[Any]:
        page = (
            select(source.c.c, source.c.i, source.c.k).order_by(*ordered(source)).limit(limit).offset(offset)
        )
        chosen = page.subquery("page")
        columns: list[Any] = [Invoice, Customer.legal_name] + ([extra] if extra is not None else [])
        stmt = (
            select(*columns)
            .join(chosen, and_(Invoice.company_id == chosen.c.c, Invoice.invoice_id == chosen.c.i))
            .join(Customer, joined)
            .order_by(*ordered(chosen))
        )
        return list((await session.execute(stmt)).all())

    if any(filters.get(name) not in (None, "", []) for name in _SELECTIVE):
        # One statement: the matches (fenced, so the planner collects them before sorting), their count and
        # the page. Past the fence, or on a page past the end, the general path below answers.
        matches = keys.limit(_FENCE + 1).cte("matches").prefix_with("MATERIALIZED")
        counted = select(func.count()).select_from(matches).scalar_subquery()
        rows = await page_of(matches, counted.label("total"))
        if rows and int(rows[0].total) <= _FENCE:
            return [(row[0], row[1]) for row in rows], int(rows[0].total)
    if _only_overdue(filters):
        # The open invoices per due date are counted as they change (migration 0007): a sum of at most one
        # row per past due date rather than a count of every overdue invoice.
        total = int(
            (await session.execute(_OVERDUE_TOTAL, {"company_id": company_id, "today": today})).scalar_one()
        )
    elif count_cap is not None:
        capped = select(func.count()).select_from(keys.limit(count_cap + 1).subquery("capped"))
        total = int((await session.execute(capped)).scalar_one())
    else:
        total = int((await session.execute(matched)).scalar_one())
    if total == 0 or (offset >= total and (count_cap is None or total <= count_cap)):
        return [], total
    rows = await page_of(keys.subquery("matches"))
    return [(row[0], row[1]) for row in rows], total


async def external_ids_held(
    session: AsyncSession, company_id: str, external_ids: Sequence[str]
) -> dict[str, str]:
    """externalId → invoiceId for the externalIds that exist."""
    if not external_ids:
        return {}
    document = orjson.dumps(list(dict.fromkeys(external_ids))).decode()
    result = await session.execute(_EXTERNAL_IDS_HELD, {"company_id": company_id, "ids": document})
    return {ext: iid for ext, iid in result.all()}


async def numbers_taken(
    session: AsyncSession, company_id: str, wanted: Sequence[tuple[int, str]]
) -> set[tuple[int, str]]:
    """Which of these (financial year, invoice number) pairs exist."""
    if not wanted:
        return set()
    document = orjson.dumps(list(dict.fromkeys(wanted))).decode()
    result = await session.execute(_NUMBERS_TAKEN, {"company_id": company_id, "wanted": document})
    return {(int(fy), str(number)) for fy, number in result.all()}


_RESERVE = text(
    "INSERT INTO invoice_series (company_id, series, financial_year, last_number) "
    "VALUES (:company_id, :series, :fy, :n) ON CONFLICT (company_id, series, financial_year) "
    "DO UPDATE SET last_number = invoice_series.last_number + :n RETURNING last_number"
)


async def insert_many(
    session: AsyncSession,
    company_id: str,
    document: str,
    event_types: Sequence[str],
    *,
    actor: str,
    request_id: str | None,
    reason: str | None,
) -> set[str]:
    """Insert invoices (``document``: a JSON array of objects keyed by column, money as strings), each with
    its CREATE audit row and one event per type, all with one statement; the element itself is the audit
    row's ``after``. An invoice whose number or externalId was taken meanwhile is
    skipped, and gets neither. The ids inserted."""
    result = await session.execute(
        _INSERT_MANY,
        {
            "company_id": company_id,
            "rows": document,
            "event_types": list(event_types),
            "actor": actor,
            "request_id": request_id,
            "reason": reason,
        },
    )
    return set(result.scalars())


# Bulk (invoiceBulkUpload) ------------------------------------------------------------------------------
# The keys travel as one JSON document joined to the table, not as "IN (...)" with thousands of parameters:
# right after a bulk load, before the table is analyzed, the planner takes the company's invoices to be a
# handful and filters each against the whole list (measured: seconds per 1,000 keys on 100,000 invoices).
_EXTERNAL_IDS_HELD = text(
    "SELECT i.external_id, i.invoice_id FROM json_array_elements_text(CAST(:ids AS json)) AS w(external_id) "
    "JOIN invoices i ON i.company_id = :company_id AND i.external_id = w.external_id"
)
_NUMBERS_TAKEN = text(
    "SELECT i.financial_year, i.invoice_number FROM json_array_elements(CAST(:wanted AS json)) AS w(pair) "
    "JOIN invoices i ON i.company_id = :company_id "
    "AND i.financial_year = CAST(w.pair ->> 0 AS smallint) AND i.invoice_number = w.pair ->> 1"
)
# What the bulk insert takes from each element; created_on and updated_on are the server's.
_BULK_COLUMNS = tuple(
    c
    for c in Invoice.__table__.columns.keys()
    if c not in ("company_id", "created_on", "updated_on", "overdue_evented_on")
)
# One statement per batch: the invoices, then for those actually inserted (RETURNING) their audit rows,
# keyed off the element each came from, which is parsed once and stored as it is, and their events, whose
# data is built from the returned row in the API's names (as every invoice event is). Sent as
# executemany, the three inserts cost 470 ms per 1,000 invoices; this, about 70 ms. The events' types are
# unnested per invoice (LATERAL, so the plan is a nested loop over the invoices in order): invoice.created
# comes before invoice.approved without sorting the payloads (an ORDER BY spilled 8 MB to disk per 5,000).
_INSERT_MANY = text(
    "WITH src AS (SELECT e, n FROM jsonb_array_elements(CAST(:rows AS jsonb)) WITH ORDINALITY AS s(e, n)), "  # noqa: S608 (constants)
    f"ins AS (INSERT INTO invoices (company_id, {', '.join(_BULK_COLUMNS)}) "
    f"SELECT :company_id, {', '.join(f'r.{c}' for c in _BULK_COLUMNS)} "
    "FROM src, jsonb_populate_record(NULL::invoices, src.e) AS r ORDER BY src.n "
    f"ON CONFLICT DO NOTHING RETURNING {_DATA_COLUMNS}), "
    "done AS (SELECT src.e, src.n, ins.* FROM ins "
    "JOIN src ON src.e ->> 'invoice_id' = ins.invoice_id), "
    "audited AS (INSERT INTO audit_log "
    "(company_id, entity_type, entity_id, action, actor, request_id, reason, after) "
    "SELECT :company_id, 'invoice', d.invoice_id, 'CREATE', :actor, :request_id, :reason, d.e "
    "FROM done d), "
    "evented AS (INSERT INTO events (company_id, event_type, entity_id, payload) "
    f"SELECT :company_id, t.event_type, d.invoice_id, {_details('d')} FROM done d "
    "CROSS JOIN LATERAL unnest(CASE WHEN d.n > 0 THEN CAST(:event_types AS text[]) END) AS t(event_type)), "
    f"ledger AS ({_LEDGER_OF_CREATED.format(row='ins', source='ins')}) "
    "SELECT invoice_id FROM ins"
)


def bulk_document(rows: Sequence[dict[str, Any]]) -> str:
    """Rows for insert_many as the JSON document it sends (pure)."""
    # orjson writes the same compact UTF-8 text as json.dumps(ensure_ascii=False), several times as fast.
    return orjson.dumps(rows).decode()


# Fixed width and one prefix: the reserved numbers are a range of the number index as well, so the numbers
# already taken in it (typed by hand) come back from the same statement.
_RESERVE_RANGE = text(
    "WITH r AS (" + _RESERVE.text + ") "  # noqa: S608 (constants)
    "SELECT r.last_number, i.invoice_number FROM r LEFT JOIN invoices i "
    "ON i.company_id = :company_id AND i.financial_year = :fy AND i.invoice_number "
    "BETWEEN :head || lpad(CAST(r.last_number - :n + 1 AS text), :width, '0') "
    "AND :head || lpad(CAST(r.last_number AS text), :width, '0')"
)


async def reserve_range(
    session: AsyncSession,
    company_id: str,
    financial_year: int,
    count: int,
    head: str,
    width: int,
    series: str = "INVOICE",
) -> tuple[range, set[str]]:
    """``count`` consecutive sequence numbers of the series, held until the commit, and which of their
    numbers (``head`` and ``width`` digits) exist already; one statement."""
    params = {
        "company_id": company_id,
        "fy": financial_year,
        "n": count,
        "head": head,
        "width": width,
        "series": series,
    }
    rows = (await session.execute(_RESERVE_RANGE, params)).all()
    last = int(rows[0][0])
    return range(last - count + 1, last + 1), {str(r[1]) for r in rows if r[1] is not None}


# Overdue (the hourly invoice.overdue sweep) ------------------------------------------------------------
# An invoice out for collection (dispatched, or part paid) with something owed and a due date before today is
# overdue; it gets one invoice.overdue event, ever: overdue_evented_on marks it in the statement that writes
# the event, so a second run, or two workers at once, find nothing more to do.
_OVERDUE_PENDING = (
    "i.overdue_evented_on IS NULL AND i.status IN ('DISPATCHED', 'PARTIALLY_PAID') "
    "AND i.balance_amount > 0 AND i.due_date < :today"
)
_COMPANIES_OVERDUE = text(
    f"SELECT DISTINCT i.company_id FROM invoices i WHERE {_OVERDUE_PENDING} ORDER BY i.company_id"  # noqa: S608 (constants)
)
# Rows a payment holds locked are left for the next run (SKIP LOCKED) rather than waited for; the lock also
# re-checks the conditions on the row as the payment left it, so an invoice paid meanwhile is passed over.
_MARK_OVERDUE = text(
    "WITH due AS (SELECT i.invoice_id FROM invoices i "  # noqa: S608 (constants)
    f"WHERE i.company_id = :company_id AND {_OVERDUE_PENDING} "
    "ORDER BY i.due_date, i.invoice_id LIMIT :limit FOR UPDATE OF i SKIP LOCKED), "
    "marked AS (UPDATE invoices i SET overdue_evented_on = now() FROM due "
    "WHERE i.company_id = :company_id AND i.invoice_id = due.invoice_id "
    f"RETURNING {', '.join(f'i.{c}' for c in _DATA_COLUMNS.split(', '))}), "
    "evented AS (INSERT INTO events (company_id, event_type, entity_id, payload) "
    f"SELECT m.company_id, 'invoice.overdue', m.invoice_id, {_core('m')} || "
    "jsonb_build_object('daysOverdue', CAST(:today AS date) - m.due_date) "
    "FROM marked m ORDER BY m.due_date, m.invoice_id) "
    "SELECT count(*) FROM marked"
)


async def companies_with_overdue(session: AsyncSession, today: date) -> list[str]:
    """The sellers with invoices that became overdue (due before ``today``) and have had no event yet; the
    sweep's only statement across companies (a partial index holds just those invoices)."""
    return list((await session.execute(_COMPANIES_OVERDUE, {"today": today})).scalars())


async def mark_overdue(session: AsyncSession, company_id: str, today: date, limit: int) -> int:
    """Up to ``limit`` of the seller's newly overdue invoices: each marked and given its invoice.overdue
    event by one statement. How many."""
    params = {"company_id": company_id, "today": today, "limit": limit}
    return int((await session.execute(_MARK_OVERDUE, params)).scalar_one())


# Settlement (dues.invoices.settlement) ------------------------------------------------------------------
# One statement for all the invoices of a movement: the open-invoice counters' trigger (0007) then runs once
# and takes its counter locks in key order, where one UPDATE per invoice could take them in any order.
_SETTLE = text(
    """
    UPDATE invoices i
    SET paid_amount = i.paid_amount + a.paid,
        credited_amount = i.credited_amount + a.credited,
        written_off_amount = i.written_off_amount + a.written_off,
        tds_amount = i.tds_amount + a.tds,
        balance_amount = i.balance_amount - (a.paid + a.credited + a.written_off + a.tds),
        status = CASE
            WHEN i.status = 'COLLECTION_DELETED' THEN i.status
            WHEN i.balance_amount - (a.paid + a.credited + a.written_off + a.tds) = 0
                THEN CASE WHEN a.written_off > 0 THEN 'WRITTEN_OFF' ELSE 'PAID' END
            WHEN i.paid_amount + a.paid + i.tds_amount + a.tds > 0 THEN 'PARTIALLY_PAID'
            WHEN i.dispatched THEN 'DISPATCHED'
            ELSE 'CREATED' END,
        updated_on = now()
    FROM unnest(CAST(:invoice_ids AS text[]), CAST(:paid AS numeric[]), CAST(:credited AS numeric[]),
                CAST(:written_off AS numeric[]), CAST(:tds AS numeric[]))
         AS a(invoice_id, paid, credited, written_off, tds)
    WHERE i.company_id = :company_id AND i.invoice_id = a.invoice_id
    RETURNING i.invoice_id, i.paid_amount, i.balance_amount, i.status, i.updated_on, i.credited_amount,
              i.written_off_amount, i.tds_amount, i.total_amount,
              i.balance_amount + (a.paid + a.credited + a.written_off + a.tds)
    """
)


# Every movement locks its customers' rows before the balances move: the statement triggers of migration 0019
# then update the customers' ledger summaries, and a movement that changes the customer's credit (a payment
# leaving credit, a refund, a credit application) takes the customer's row too. Taken here, first, by every
# movement, the customer's row orders them all, so none holds the summary while waiting for the customer.
_LOCK_CUSTOMERS = text(
    """
    SELECT c.customer_id FROM customers c
     WHERE c.company_id = :company_id
       AND c.customer_id IN (
           SELECT i.customer_id FROM invoices i
            WHERE i.company_id = :company_id AND i.invoice_id = ANY(CAST(:invoice_ids AS text[])))
     ORDER BY c.customer_id
       FOR UPDATE OF c
    """
)


async def lock_customers_of(session: AsyncSession, company_id: str, invoice_ids: Sequence[str]) -> None:
    """Lock the customers of these invoices, in customer_id order."""
    await session.execute(_LOCK_CUSTOMERS, {"company_id": company_id, "invoice_ids": list(invoice_ids)})


async def settle_rows(
    session: AsyncSession,
    company_id: str,
    changes: Sequence[tuple[str, Decimal, Decimal, Decimal, Decimal]],
) -> list[tuple[Any, ...]]:
    """(invoiceId, paid, credited, written off, tds) added to each invoice in one UPDATE; per invoice: id,
    paid, balance, status, updated_on, credited, written off, tds, total, and the balance before."""
    ids, paid, credited, written_off, tds = (list(c) for c in zip(*changes, strict=True))
    params = {
        "company_id": company_id,
        "invoice_ids": ids,
        "paid": paid,
        "credited": credited,
        "written_off": written_off,
        "tds": tds,
    }
    return [tuple(row) for row in (await session.execute(_SETTLE, params)).all()]
