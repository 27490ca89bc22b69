"""All SQL for customers and contacts; every statement is scoped by company here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    and_,
    any_,
    bindparam,
    exists,
    func,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from dues.db import detached, driver_statement, fetch_rows
from dues.models import Contact, Customer, Invoice

# An id that cannot have been issued is not looked up: it answers "not found" like any unknown id, and a
# NUL in it would make PostgreSQL refuse the query outright.
_CUSTOMER_ID = re.compile(r"^KC[A-Z0-9]{14}\Z", re.ASCII)
_CONTACT_ID = re.compile(r"^CC[A-Z0-9]{14}\Z", re.ASCII)


# Built once: read on every invoice create and customer change, where building it cost as much as running it.
_CUSTOMER = select(Customer).where(
    Customer.company_id == bindparam("company_id"), Customer.customer_id == bindparam("customer_id")
)
_CUSTOMER_FOR_UPDATE = _CUSTOMER.with_for_update()


async def get(
    session: AsyncSession, company_id: str, customer_id: str, *, for_update: bool = False
) -> Customer | None:
    if not _CUSTOMER_ID.match(customer_id):
        return None
    stmt = _CUSTOMER_FOR_UPDATE if for_update else _CUSTOMER
    params = {"company_id": company_id, "customer_id": customer_id}
    return (await session.execute(stmt, params)).scalar_one_or_none()


_COLUMNS = tuple(Customer.__table__.columns.keys())
_DETACHED = driver_statement(
    select(*Customer.__table__.columns).where(
        Customer.company_id == bindparam("company_id"), Customer.customer_id == bindparam("customer_id")
    )
)


async def get_detached(session: AsyncSession, company_id: str, customer_id: str) -> Customer | None:
    """The customer as a copy outside the session, to read (an invoice's buyer): read straight through the
    driver, the cheapest way, as createInvoice does on every call."""
    if not _CUSTOMER_ID.match(customer_id):
        return None
    params = {"company_id": company_id, "customer_id": customer_id}
    rows = await fetch_rows(session, _DETACHED, params)
    return detached(Customer, _COLUMNS, rows[0]) if rows else None


async def get_many(
    session: AsyncSession, company_id: str, customer_ids: Sequence[str]
) -> dict[str, Customer]:
    wanted = [c for c in dict.fromkeys(customer_ids) if _CUSTOMER_ID.match(c)]
    if not wanted:
        return {}
    stmt = select(Customer).where(Customer.company_id == company_id, Customer.customer_id.in_(wanted))
    return {c.customer_id: c for c in (await session.execute(stmt)).scalars()}


async def get_by_ref(session: AsyncSession, company_id: str, unique_ref_no: str) -> Customer | None:
    stmt = select(Customer).where(Customer.company_id == company_id, Customer.unique_ref_no == unique_ref_no)
    return (await session.execute(stmt)).scalar_one_or_none()


async def has_invoices_under_collection(session: AsyncSession, company_id: str, customer_id: str) -> bool:
    stmt = select(
        exists().where(
            Invoice.company_id == company_id,
            Invoice.customer_id == customer_id,
            Invoice.status.in_(("DISPATCHED", "PARTIALLY_PAID")),
            Invoice.balance_amount > 0,
        )
    )
    return bool((await session.execute(stmt)).scalar_one())


def add(session: AsyncSession, *objs: Customer | Contact) -> None:
    session.add_all(objs)


async def contacts_of(session: AsyncSession, company_id: str, customer_ids: Sequence[str]) -> list[Contact]:
    if not customer_ids:
        return []
    stmt = (
        select(Contact)
        .where(Contact.company_id == company_id, Contact.customer_id.in_(customer_ids))
        .order_by(Contact.customer_id, Contact.primary.desc(), Contact.created_on, Contact.contact_id)
    )
    return list((await session.execute(stmt)).scalars())


async def get_contact(
    session: AsyncSession, company_id: str, customer_id: str, contact_id: str
) -> Contact | None:
    if not _CONTACT_ID.match(contact_id):
        return None
    stmt = select(Contact).where(
        Contact.company_id == company_id, Contact.customer_id == customer_id, Contact.contact_id == contact_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def clear_primary(
    session: AsyncSession, company_id: str, customer_id: str, except_id: str | None
) -> None:
    stmt = update(Contact).where(
        Contact.company_id == company_id, Contact.customer_id == customer_id, Contact.primary.is_(True)
    )
    if except_id:
        stmt = stmt.where(Contact.contact_id != except_id)
    await session.execute(stmt.values(primary=False))


async def delete_contact(session: AsyncSession, contact: Contact) -> None:
    await session.delete(contact)


def _filters(company_id: str, f: dict[str, Any]) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Customer.company_id == company_id]
    if f.get("customer_ids") is not None:
        conds.append(Customer.customer_id.in_(f["customer_ids"]))
    if f.get("legal_name"):
        escaped = f["legal_name"].lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conds.append(func.lower(Customer.legal_name).like(f"%{escaped}%", escape="\\"))
    if f.get("email"):
        conds.append(func.lower(Customer.email) == f["email"].lower())
    if f.get("contact_number"):
        conds.append(Customer.contact_number == f["contact_number"])
    if f.get("pan_or_gstin"):
        conds.append(Customer.pan_or_gstin == f["pan_or_gstin"].upper())
    if f.get("unique_ref_no"):
        conds.append(Customer.unique_ref_no == f["unique_ref_no"])
    if f.get("status"):
        conds.append(Customer.status == f["status"])
    if f.get("deleted") is not None:
        conds.append(Customer.deleted.is_(f["deleted"]))
    if f.get("created_from") is not None:
        conds.append(Customer.created_on >= f["created_from"])
    if f.get("created_to") is not None:
        conds.append(Customer.created_on <= f["created_to"])
    if f.get("assigned_agent"):
        conds.append(Customer.assigned_agent == f["assigned_agent"])
    if f.get("branch_code"):
        conds.append(any_(Customer.branch_codes) == f["branch_code"])
    if f.get("account_number"):
        conds.append(Customer.account_number == f["account_number"].strip())
    if f.get("state"):
        conds.append(Customer.state == f["state"])
    if f.get("overdue_on") is not None:
        # The partial index's conditions as literals, so ix_invoices_overdue_customer answers each probe.
        conds.append(
            exists().where(
                Invoice.company_id == company_id,
                Invoice.customer_id == Customer.customer_id,
                Invoice.balance_amount > literal_column("0"),
                Invoice.status != literal_column("'COLLECTION_DELETED'"),
                Invoice.posted.is_(True),
                Invoice.due_date < f["overdue_on"],
            )
        )
    return conds


async def search(
    session: AsyncSession,
    company_id: str,
    filters: dict[str, Any],
    order_column: str,
    descending: bool,
    limit: int,
    offset: int,
) -> tuple[list[Customer], int]:
    conds = _filters(company_id, filters)
    column = getattr(Customer, order_column)
    order = [column.desc().nulls_last() if descending else column.asc().nulls_last()]
    order.append(Customer.customer_id.desc() if descending else Customer.customer_id.asc())
    stmt = select(Customer).where(and_(*conds)).order_by(*order).limit(limit).offset(offset)
    rows = list((await session.execute(stmt)).scalars())
    total = (
        await session.execute(select(func.count()).select_from(Customer).where(and_(*conds)))
    ).scalar_one()
    return rows, int(total)


async def refs_taken(session: AsyncSession, company_id: str, refs: Sequence[str]) -> dict[str, str]:
    """uniqueRefNo → customerId for those refs that already exist."""
    if not refs:
        return {}
    stmt = select(Customer.unique_ref_no, Customer.customer_id).where(
        Customer.company_id == company_id, Customer.unique_ref_no.in_(refs)
    )
    return {ref: cid for ref, cid in (await session.execute(stmt)).all() if ref is not None}


async def set_flags(
    session: AsyncSession,
    customer: Customer,
    *,
    status: str | None = None,
    deleted: bool | None = None,
    at: datetime | None = None,
) -> None:
    if status is not None:
        customer.status = status
    if deleted is not None:
        customer.deleted = deleted
    await session.flush()


# Events ---------------------------------------------------------------------------------------------------
# customer.created and customer.updated carry the customer as GET shows it, less its contacts and credit
# (docs/webhooks.md): built here, from the row itself, for the single changes and the bulk ones alike.

# What _data reads, for statements that build it from a RETURNING.
_DATA_COLUMNS = (
    "company_id, customer_id, legal_name, customer_company_id, pan_or_gstin, email, contact_number, address, "
    "state, pin_code, account_number, ifsc, unique_ref_no, assigned_agent, branch_codes, customer_reminders, "
    "status, deleted, bharat_connect_b2b_id"
)


def _data(row: str) -> str:
    return (
        f"jsonb_build_object('customerId', {row}.customer_id, 'companyId', {row}.company_id, "
        f"'legalName', {row}.legal_name, 'customerCompanyId', {row}.customer_company_id, "
        f"'panOrGstin', {row}.pan_or_gstin, 'email', {row}.email, 'contactNumber', {row}.contact_number, "
        f"'address', {row}.address, 'state', {row}.state, 'pinCode', {row}.pin_code, "
        f"'accountNumber', {row}.account_number, 'ifsc', {row}.ifsc, 'uniqueRefNo', {row}.unique_ref_no, "
        f"'assignedAgent', {row}.assigned_agent, 'branchCodes', {row}.branch_codes, "
        f"'customerReminders', {row}.customer_reminders, 'status', {row}.status, "
        f"'deleted', {row}.deleted, 'bharatConnectB2BId', {row}.bharat_connect_b2b_id)"
    )


_ADD_EVENT = text(
    "INSERT INTO events (company_id, event_type, entity_id, payload) "  # noqa: S608 (constants)
    f"SELECT c.company_id, :event_type, c.customer_id, {_data('c')} || CAST(:extra AS jsonb) "
    "FROM customers c WHERE c.company_id = :company_id AND c.customer_id = :customer_id"
)


async def add_event(
    session: AsyncSession, company_id: str, event_type: str, customer_id: str, extra: dict[str, Any]
) -> None:
    """An event of the customer as it now is in this transaction (flushed), with ``extra`` keys added."""
    params = {
        "company_id": company_id,
        "event_type": event_type,
        "customer_id": customer_id,
        "extra": orjson.dumps(extra).decode(),
    }
    await session.execute(_ADD_EVENT, params)


# Bulk (uploads) ---------------------------------------------------------------------------------------------
# One statement per batch of rows, whatever its size: the rows travel as one JSON document, which costs the
# client one json.dumps and the server one parse (17 array parameters cost several times as much to adapt).

BULK_COLUMNS = (
    "legal_name",
    "customer_company_id",
    "pan_or_gstin",
    "email",
    "contact_number",
    "address",
    "state",
    "pin_code",
    "account_number",
    "ifsc",
    "unique_ref_no",
    "assigned_agent",
    "branch_codes",
    "customer_reminders",
    "status",
    "bharat_connect_b2b_id",
)
_LISTS = ("branch_codes", "customer_reminders")
_RECORD = ", ".join(f"{c} text[]" if c in _LISTS else f"{c} text" for c in ("customer_id", *BULK_COLUMNS))
_VALUES = ", ".join(
    f"COALESCE(s.{c}, ARRAY[]::text[])" if c in _LISTS else f"s.{c}" for c in ("customer_id", *BULK_COLUMNS)
)

# One statement inserts the customers and writes their CREATE audit rows and customer.created events, one per
# customer actually inserted (the event built from the inserted row).
# The audit row's ``after`` is the row's own element of the input document (parsed once, as jsonb), which the
# caller builds in audit.snapshot's shape less created_on, the audit row's own created_on being the same
# transaction time. Rebuilding it from the stored row (to_jsonb) would cost the database more than the
# insert itself.
_INSERT_MANY = text(
    "WITH src AS (SELECT e FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS e), "  # noqa: S608 (constants)
    "ins AS ("
    f"INSERT INTO customers (company_id, customer_id, {', '.join(BULK_COLUMNS)}, deleted) "
    f"SELECT :company_id, {_VALUES}, false FROM src, jsonb_to_record(src.e) AS s({_RECORD}) "
    "ON CONFLICT (company_id, unique_ref_no) WHERE unique_ref_no IS NOT NULL DO NOTHING "
    f"RETURNING {_DATA_COLUMNS}), "
    "audited AS ("
    "INSERT INTO audit_log (company_id, entity_type, entity_id, action, actor, request_id, reason, after) "
    "SELECT :company_id, 'customer', ins.customer_id, 'CREATE', :actor, :request_id, :reason, src.e "
    "FROM ins JOIN src ON src.e ->> 'customer_id' = ins.customer_id), "
    "evented AS (INSERT INTO events (company_id, event_type, entity_id, payload) "
    f"SELECT :company_id, 'customer.created', ins.customer_id, {_data('ins')} FROM ins) "
    "SELECT customer_id FROM ins"
)


def _rows_json(rows: Sequence[Any]) -> str:
    # orjson writes the same compact UTF-8 text as json.dumps(ensure_ascii=False), five times as fast.
    return orjson.dumps(rows).decode()


def rows_document(rows: Sequence[dict[str, Any]]) -> str:
    """Rows for insert_many as the JSON document it sends (pure: may be built ahead, in another thread)."""
    return _rows_json(rows)


async def insert_many(
    session: AsyncSession,
    company_id: str,
    document: str,
    *,
    actor: str,
    request_id: str | None,
    reason: str | None,
) -> set[str]:
    """Insert customers (``rows_document`` of dicts with ``customer_id`` and BULK_COLUMNS; other keys only go
    to the audit row), their CREATE audit rows and customer.created events in one statement. A uniqueRefNo
    that exists already (or is taken concurrently) is skipped, not an error; the answer is the set of customer
    ids actually inserted."""
    result = await session.execute(
        _INSERT_MANY,
        {
            "company_id": company_id,
            "rows": document,
            "actor": actor,
            "request_id": request_id,
            "reason": reason,
        },
    )
    return set(result.scalars())


# The refs are joined, not tested with "= ANY(array)": right after a bulk load, before the table has been
# analyzed, the planner takes the company's customers to be a handful and filters each against the whole
# array (200 ms for 1,000 refs against 10,000 customers); a join stays a hash or an index lookup.
_REFS_HELD = text(
    "SELECT c.unique_ref_no, c.customer_id FROM json_array_elements_text(CAST(:refs AS json)) AS r(ref) "
    "JOIN customers c ON c.company_id = :company_id AND c.unique_ref_no = r.ref"
)


async def refs_held(session: AsyncSession, company_id: str, refs: Sequence[str]) -> dict[str, str]:
    """uniqueRefNo → customerId for the refs that exist. The refs travel as one JSON array: an IN list of
    thousands of parameters, or a Python list adapted to an array, costs more than the lookup itself."""
    if not refs:
        return {}
    result = await session.execute(_REFS_HELD, {"company_id": company_id, "refs": _rows_json(refs)})
    return {ref: cid for ref, cid in result.all()}


_LOCK_MANY = text(
    "SELECT * FROM customers WHERE company_id = :company_id AND customer_id IN ("
    "SELECT json_array_elements_text(CAST(:ids AS json)) UNION ALL "
    "SELECT c.customer_id FROM json_array_elements_text(CAST(:refs AS json)) AS r(ref) "
    "JOIN customers c ON c.company_id = :company_id AND c.unique_ref_no = r.ref"
    ") FOR UPDATE"
)


async def lock_many(
    session: AsyncSession, company_id: str, customer_ids: Sequence[str], refs: Sequence[str]
) -> list[dict[str, Any]]:
    """The customers named by id or by uniqueRefNo, locked for update, as plain column dicts."""
    if not customer_ids and not refs:
        return []
    result = await session.execute(
        _LOCK_MANY,
        {"company_id": company_id, "ids": _rows_json(customer_ids), "refs": _rows_json(refs)},
    )
    return [dict(row) for row in result.mappings()]


_SET_LIST = ", ".join(
    f"{c} = COALESCE(s.{c}, ARRAY[]::text[])" if c in _LISTS else f"{c} = s.{c}" for c in BULK_COLUMNS
)
# Like _INSERT_MANY: each element carries the row's new values, its audit before/after and the API names of
# what changed, and one statement writes the rows, their audit rows and their customer.updated events, so a
# batch costs one round trip and no per-row statement.
_UPDATE_MANY = text(
    "WITH src AS (SELECT e FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS e), "  # noqa: S608 (constants)
    f"upd AS (UPDATE customers AS c SET {_SET_LIST}, updated_on = now() "
    f"FROM src CROSS JOIN LATERAL jsonb_to_record(src.e -> 'values') AS s({_RECORD}) "
    "WHERE c.company_id = :company_id AND c.customer_id = s.customer_id "
    f"RETURNING {', '.join(f'c.{c}' for c in _DATA_COLUMNS.split(', '))}), "
    "audited AS (INSERT INTO audit_log "
    "(company_id, entity_type, entity_id, action, actor, request_id, reason, before, after) "
    "SELECT :company_id, 'customer', upd.customer_id, 'UPDATE', :actor, :request_id, :reason, "
    "src.e -> 'before', src.e -> 'after' FROM upd JOIN src ON src.e ->> 'customer_id' = upd.customer_id) "
    "INSERT INTO events (company_id, event_type, entity_id, payload) "
    f"SELECT :company_id, 'customer.updated', upd.customer_id, {_data('upd')} || "
    "jsonb_build_object('changedFields', src.e -> 'changed') "
    "FROM upd JOIN src ON src.e ->> 'customer_id' = upd.customer_id"
)


async def update_many(
    session: AsyncSession,
    company_id: str,
    rows: Sequence[dict[str, Any]],
    *,
    actor: str,
    request_id: str | None,
    reason: str | None,
) -> None:
    """Write customers, their UPDATE audit rows and customer.updated events in one statement. Each row is
    ``{"customer_id", "values": {customer_id and every BULK_COLUMN}, "before": {...}, "after": {...},
    "changed": [API names]}``; the
    caller holds the customers' row locks (lock_many), so writing whole rows loses no concurrent change."""
    if rows:
        await session.execute(
            _UPDATE_MANY,
            {
                "company_id": company_id,
                "rows": _rows_json(rows),
                "actor": actor,
                "request_id": request_id,
                "reason": reason,
            },
        )
