"""Customers and their contacts (api.md §3, §3.1): the rules live here; SQL lives in the repository."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.auth.service import Principal
from dues.customers import repository
from dues.customers.schemas import (
    ORDERABLE,
    ContactCreate,
    ContactPatch,
    ContactRead,
    CustomerCreate,
    CustomerPatch,
    CustomerRead,
    CustomerSearch,
    _check_channels,
    gstin_state_problem,
    tds_pair_problem,
)
from dues.disputes import repository as disputes
from dues.errors import NotFound, SubError, Unprocessable, ValidationFailed, sub_errors_from_pydantic
from dues.kit import ids, india
from dues.kit.logging import current_request_id
from dues.kit.pagination import Page, PageParams
from dues.kit.timefmt import parse_filter_datetime
from dues.models import Contact, Customer
from dues.reminders import service as reminders

_CLEARABLE_NOT = {"legal_name": "legalName", "status": "status"}


def to_read(customer: Customer, contacts: list[Contact]) -> CustomerRead:
    read = CustomerRead.model_validate(customer)
    read.customer_key_contacts = [ContactRead.model_validate(c) for c in contacts]
    return read


async def _counted(session: AsyncSession, company_id: str, reads: list[CustomerRead]) -> list[CustomerRead]:
    """The answers with their promisesKept, promisesBroken and openDisputes (api.md §11), in one query."""
    counts = await disputes.customer_counts(session, company_id, [r.customer_id for r in reads])
    for read in reads:
        read.promises_kept, read.promises_broken, read.open_disputes = counts.get(read.customer_id, (0, 0, 0))
    return reads


async def _read(session: AsyncSession, company_id: str, customer: Customer) -> CustomerRead:
    contacts = await repository.contacts_of(session, company_id, [customer.customer_id])
    return (await _counted(session, company_id, [to_read(customer, contacts)]))[0]


def _not_found(customer_id: str) -> NotFound:
    return NotFound(f"No customer {customer_id}.")


def new_contact(company_id: str, customer_id: str, data: ContactCreate) -> Contact:
    return Contact(
        company_id=company_id,
        contact_id=ids.contact_id(),
        customer_id=customer_id,
        name=data.name,
        designation=data.designation,
        email=data.email,
        mobile=data.mobile,
        primary=data.primary,
        receive_invoices=data.receive_invoices,
        receive_reminders=data.receive_reminders,
        channels=[str(c) for c in data.channels or []],
        active=data.active,
    )


def new_customer(company_id: str, data: CustomerCreate) -> tuple[Customer, list[Contact]]:
    """The rows for a validated create; contacts get the one-primary rule (first one if none is marked)."""
    customer_id = ids.customer_id()
    values = data.model_dump(exclude={"customer_key_contacts"})
    values["branch_codes"] = values["branch_codes"] or []
    values["customer_reminders"] = values["customer_reminders"] or []
    values["status"] = str(values["status"])
    if values["tds_section"] is not None:
        values["tds_section"] = str(values["tds_section"])
    customer = Customer(company_id=company_id, customer_id=customer_id, deleted=False, **values)
    contacts = [new_contact(company_id, customer_id, c) for c in data.customer_key_contacts]
    if contacts and not any(c.primary for c in contacts):
        contacts[0].primary = True
    return customer, contacts


def _duplicate_ref(ref: str | None, existing: str) -> ValidationFailed:
    return ValidationFailed.field("uniqueRefNo", f"is already used by customer {existing}", ref)


async def create(
    session: AsyncSession, principal: Principal, company_id: str, data: CustomerCreate
) -> CustomerRead:
    if data.unique_ref_no:
        existing = await repository.get_by_ref(session, company_id, data.unique_ref_no)
        if existing is not None:
            raise _duplicate_ref(data.unique_ref_no, existing.customer_id)
    await reminders.check_ids(
        session, company_id, data.customer_reminders or [], field="customerReminders", customer_id=None
    )
    customer, contacts = new_customer(company_id, data)
    repository.add(session, customer)
    try:
        await session.flush()
        repository.add(session, *contacts)
        await session.flush()
    except IntegrityError as exc:
        # A concurrent create took the same uniqueRefNo between the check and the insert.
        raise ValidationFailed.field(
            "uniqueRefNo", "is already used by another customer", data.unique_ref_no
        ) from exc
    await audit.record(
        session,
        company_id,
        principal.user_id,
        "customer",
        customer.customer_id,
        "CREATE",
        None,
        audit.snapshot(customer),
    )
    await _audit_new_contacts(session, company_id, principal, contacts)
    await repository.add_event(session, company_id, "customer.created", customer.customer_id, {})
    return to_read(customer, contacts)


async def _audit_new_contacts(
    session: AsyncSession, company_id: str, principal: Principal, contacts: Sequence[Contact]
) -> None:
    for contact in contacts:
        await audit.record(
            session,
            company_id,
            principal.user_id,
            "contact",
            contact.contact_id,
            "CREATE",
            None,
            audit.snapshot(contact),
        )


async def get_model(session: AsyncSession, company_id: str, customer_id: str) -> Customer | None:
    """The customer row, to read, for other domains (an invoice's buyer); None when it is not this company's.
    A copy: changes to it are not saved."""
    return await repository.get_detached(session, company_id, customer_id)


async def get_models(
    session: AsyncSession, company_id: str, customer_ids: Sequence[str]
) -> dict[str, Customer]:
    """customerId → customer row, for those of the ids that are this company's customers."""
    return await repository.get_many(session, company_id, customer_ids)


async def ids_for_refs(session: AsyncSession, company_id: str, refs: Sequence[str]) -> dict[str, str]:
    """uniqueRefNo → customerId for the refs this company's customers hold."""
    return await repository.refs_held(session, company_id, [r for r in refs if _lookup_key(r)])


async def get(session: AsyncSession, company_id: str, customer_id: str) -> CustomerRead:
    customer = await repository.get(session, company_id, customer_id)
    if customer is None:
        raise _not_found(customer_id)
    return await _read(session, company_id, customer)


async def search(
    session: AsyncSession,
    company_id: str,
    query: CustomerSearch,
    page: PageParams,
    *,
    state: str | None = None,
    overdue_on: date | None = None,
) -> Page[CustomerRead]:
    """searchCustomer. ``state`` and ``overdue_on`` are the web app's filters beyond EnKash's body: customers
    of that state, and customers owing on an invoice due before that day."""
    filters: dict[str, Any] = query.model_dump()
    filters["state"] = state
    filters["overdue_on"] = overdue_on
    for field, end in (("created_on_from", False), ("created_on_to", True)):
        raw = filters.pop(field)
        if raw:
            try:
                bound = parse_filter_datetime(raw, end_of_day=end)
            except ValueError as exc:
                wire = "createdOnFrom" if not end else "createdOnTo"
                raise ValidationFailed.field(wire, "must be yyyy-MM-dd or yyyy-MM-dd HH:mm:ss", raw) from exc
            if end and bound.microsecond == 0:
                # createdOn is shown to the second; an upper bound "10:00:00" includes 10:00:00.7.
                bound = bound.replace(microsecond=999_999)
            filters["created_to" if end else "created_from"] = bound
    column = page.column(ORDERABLE, "createdOn")
    rows, total = await repository.search(
        session, company_id, filters, column, page.descending, page.limit, page.offset
    )
    contacts = await repository.contacts_of(session, company_id, [c.customer_id for c in rows])
    by_customer: dict[str, list[Contact]] = defaultdict(list)
    for contact in contacts:
        by_customer[contact.customer_id].append(contact)
    items = await _counted(session, company_id, [to_read(c, by_customer[c.customer_id]) for c in rows])
    return Page[CustomerRead](items=items, total=total, offset=page.offset, limit=page.limit)


async def _for_change(session: AsyncSession, company_id: str, customer_id: str) -> Customer:
    customer = await repository.get(session, company_id, customer_id, for_update=True)
    if customer is None:
        raise _not_found(customer_id)
    return customer


def apply_patch(customer: Customer, patch: CustomerPatch) -> None:
    """Apply JsonNullable semantics; 422 when a required field is cleared or GSTIN and state disagree."""
    values = patch.model_dump(exclude_unset=True)
    for field, value in values.items():
        if value is None and field in _CLEARABLE_NOT:
            raise ValidationFailed.field(_CLEARABLE_NOT[field], "is required and cannot be cleared", None)
    for field, value in values.items():
        if field in {"branch_codes", "customer_reminders"} and value is None:
            value = []
        if field in {"status", "tds_section"} and value is not None:
            value = str(value)
        setattr(customer, field, value)
    has_gstin = bool(customer.pan_or_gstin and len(customer.pan_or_gstin) == 15)
    if "pan_or_gstin" in values and has_gstin and "state" not in values:
        # A new GSTIN decides the state unless the same request sets one.
        customer.state = india.gstin_state(customer.pan_or_gstin)  # type: ignore[arg-type]
    if has_gstin and customer.state is None:
        raise ValidationFailed.field(
            "state", "cannot be cleared while the customer has a GSTIN (it is the GSTIN's state)", None
        )
    tds = tds_pair_problem(customer.tds_section, customer.tds_rate)
    if tds:
        raise ValidationFailed.field(tds[0], tds[1], None)
    problem = gstin_state_problem(customer.pan_or_gstin, customer.state)
    if problem:
        field = "state" if "state" in values else "panOrGstin"
        raise ValidationFailed.field(
            field, problem, getattr(customer, "state" if field == "state" else "pan_or_gstin")
        )


async def update(
    session: AsyncSession, principal: Principal, company_id: str, customer_id: str, patch: CustomerPatch
) -> CustomerRead:
    if patch.customer_id is not None and patch.customer_id != customer_id:
        raise ValidationFailed.field(
            "customerId", f"names another customer than the path's {customer_id}", patch.customer_id
        )
    customer = await _for_change(session, company_id, customer_id)
    if customer.deleted:
        raise Unprocessable(f"Customer {customer_id} is deleted and cannot be changed.")
    before = audit.snapshot(customer)
    new_ref = patch.unique_ref_no if "unique_ref_no" in patch.model_fields_set else None
    if new_ref and new_ref != customer.unique_ref_no:
        existing = await repository.get_by_ref(session, company_id, new_ref)
        if existing is not None:
            raise _duplicate_ref(new_ref, existing.customer_id)
    if patch.customer_reminders:
        await reminders.check_ids(
            session, company_id, patch.customer_reminders, field="customerReminders", customer_id=customer_id
        )
    apply_patch(customer, patch)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise ValidationFailed.field("uniqueRefNo", "is already used by another customer", new_ref) from exc
    old, new = audit.changes(before, audit.snapshot(customer))
    if new:
        await audit.record(
            session, company_id, principal.user_id, "customer", customer_id, "UPDATE", old, new
        )
        await _updated(session, company_id, customer_id, list(new))
    if "customer_key_contacts" in patch.model_fields_set:
        await _replace_contacts(session, principal, customer, patch.customer_key_contacts or [])
    return await _read(session, company_id, customer)


async def _replace_contacts(
    session: AsyncSession, principal: Principal, customer: Customer, given: list[ContactCreate]
) -> None:
    """updateCustomer's customerKeyContacts (EnKash): the list becomes the customer's contacts, under the
    rules of a create (one primary, the first when none is marked). The caller holds the customer's lock."""
    company_id, customer_id = customer.company_id, customer.customer_id
    for old in await repository.contacts_of(session, company_id, [customer_id]):
        before = audit.snapshot(old)
        await repository.delete_contact(session, old)
        await audit.record(
            session, company_id, principal.user_id, "contact", old.contact_id, "DELETE", before, None
        )
    await session.flush()
    contacts = [new_contact(company_id, customer_id, c) for c in given]
    if contacts and not any(c.primary for c in contacts):
        contacts[0].primary = True
    repository.add(session, *contacts)
    await session.flush()
    await _audit_new_contacts(session, company_id, principal, contacts)


# Column → API name, for customer.updated's changedFields.
_API_NAMES = {name: field.alias or name for name, field in CustomerRead.model_fields.items()}


def _changed_fields(columns: Sequence[str]) -> list[str]:
    return sorted({_API_NAMES[c] for c in columns if c in _API_NAMES and c != "updated_on"})


async def _updated(session: AsyncSession, company_id: str, customer_id: str, columns: Sequence[str]) -> None:
    """customer.updated, for any change of the customer's own fields: status and deletion included, since a
    receiver that keeps a copy of its customers needs those most."""
    changed = {"changedFields": _changed_fields(columns)}
    await repository.add_event(session, company_id, "customer.updated", customer_id, changed)


async def _set_status(
    session: AsyncSession, principal: Principal, company_id: str, customer_id: str, status: str
) -> CustomerRead:
    customer = await _for_change(session, company_id, customer_id)
    if customer.deleted:
        raise Unprocessable(f"Customer {customer_id} is deleted; it cannot be activated or deactivated.")
    if customer.status != status:
        before = customer.status
        await repository.set_flags(session, customer, status=status)
        action = "ACTIVATE" if status == "ACTIVE" else "DEACTIVATE"
        await audit.record(
            session,
            company_id,
            principal.user_id,
            "customer",
            customer_id,
            action,
            {"status": before},
            {"status": status},
        )
        await _updated(session, company_id, customer_id, ["status"])
    return await _read(session, company_id, customer)


async def activate(
    session: AsyncSession, principal: Principal, company_id: str, customer_id: str
) -> CustomerRead:
    return await _set_status(session, principal, company_id, customer_id, "ACTIVE")


async def deactivate(
    session: AsyncSession, principal: Principal, company_id: str, customer_id: str
) -> CustomerRead:
    return await _set_status(session, principal, company_id, customer_id, "INACTIVE")


async def has_invoices_under_collection(session: AsyncSession, company_id: str, customer_id: str) -> bool:
    """Whether deleting must be refused (api.md §3): an invoice of the customer is out for collection
    (dispatched or part paid) and still has a balance."""
    return await repository.has_invoices_under_collection(session, company_id, customer_id)


async def delete(
    session: AsyncSession, principal: Principal, company_id: str, customer_id: str
) -> CustomerRead:
    customer = await _for_change(session, company_id, customer_id)
    if customer.deleted:
        return await _read(session, company_id, customer)
    if await has_invoices_under_collection(session, company_id, customer_id):
        raise Unprocessable(
            f"Customer {customer_id} has invoices under collection with a balance; withdraw them first."
        )
    await repository.set_flags(session, customer, deleted=True)
    await audit.record(
        session,
        company_id,
        principal.user_id,
        "customer",
        customer_id,
        "DELETE",
        {"deleted": False},
        {"deleted": True},
    )
    await _updated(session, company_id, customer_id, ["deleted"])
    return await _read(session, company_id, customer)


# Contacts -------------------------------------------------------------------------------------------------


async def _for_contact_change(session: AsyncSession, company_id: str, customer_id: str) -> Customer:
    """The customer, locked: its contacts change one at a time, so the one-primary rule holds."""
    customer = await _for_change(session, company_id, customer_id)
    if customer.deleted:
        raise Unprocessable(f"Customer {customer_id} is deleted; its contacts are kept as they were.")
    return customer


async def list_contacts(session: AsyncSession, company_id: str, customer_id: str) -> list[ContactRead]:
    if await repository.get(session, company_id, customer_id) is None:
        raise _not_found(customer_id)
    contacts = await repository.contacts_of(session, company_id, [customer_id])
    return [ContactRead.model_validate(c) for c in contacts]


async def add_contact(
    session: AsyncSession, principal: Principal, company_id: str, customer_id: str, data: ContactCreate
) -> ContactRead:
    await _for_contact_change(session, company_id, customer_id)
    existing = await repository.contacts_of(session, company_id, [customer_id])
    contact = new_contact(company_id, customer_id, data)
    if not any(c.primary for c in existing):
        contact.primary = True
    elif contact.primary:
        await repository.clear_primary(session, company_id, customer_id, None)
    repository.add(session, contact)
    await session.flush()
    await audit.record(
        session,
        company_id,
        principal.user_id,
        "contact",
        contact.contact_id,
        "CREATE",
        None,
        audit.snapshot(contact),
    )
    return ContactRead.model_validate(contact)


async def update_contact(
    session: AsyncSession,
    principal: Principal,
    company_id: str,
    customer_id: str,
    contact_id: str,
    patch: ContactPatch,
) -> ContactRead:
    if patch.contact_id is not None and patch.contact_id != contact_id:
        raise ValidationFailed.field(
            "contactId", f"names another contact than the path's {contact_id}", patch.contact_id
        )
    await _for_contact_change(session, company_id, customer_id)
    contact = await repository.get_contact(session, company_id, customer_id, contact_id)
    if contact is None:
        raise NotFound(f"No contact {contact_id} for customer {customer_id}.")
    before = audit.snapshot(contact)
    values = patch.model_dump(exclude_unset=True)
    for field in ("name", "primary", "receive_invoices", "receive_reminders", "active"):
        if field in values and values[field] is None:
            raise ValidationFailed.field(
                field if field == "name" else _camel(field), "cannot be cleared", None
            )
    if values.get("primary") is False and contact.primary:
        raise ValidationFailed.field(
            "primary", "a customer's contacts keep one primary: make another contact primary instead", False
        )
    if values.get("primary") is True and not contact.primary:
        await repository.clear_primary(session, company_id, customer_id, contact_id)
    for field, value in values.items():
        if field == "channels":
            value = [str(c) for c in dict.fromkeys(value or [])]
        setattr(contact, field, value)
    if not contact.email and not contact.mobile:
        raise ValidationFailed.field("email", "a contact needs an email or a mobile", None)
    try:
        _check_channels(contact.channels, contact.email, contact.mobile)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValidationFailed.field("channels", str(exc), contact.channels) from exc
    await session.flush()
    old, new = audit.changes(before, audit.snapshot(contact))
    if new:
        await audit.record(session, company_id, principal.user_id, "contact", contact_id, "UPDATE", old, new)
    return ContactRead.model_validate(contact)


async def delete_contact(
    session: AsyncSession, principal: Principal, company_id: str, customer_id: str, contact_id: str
) -> None:
    await _for_contact_change(session, company_id, customer_id)
    contact = await repository.get_contact(session, company_id, customer_id, contact_id)
    if contact is None:
        raise NotFound(f"No contact {contact_id} for customer {customer_id}.")
    before = audit.snapshot(contact)
    was_primary = contact.primary
    await repository.delete_contact(session, contact)
    await session.flush()
    if was_primary:
        # Keep the rule "exactly one primary when any exist": the oldest remaining contact takes over.
        remaining = await repository.contacts_of(session, company_id, [customer_id])
        if remaining:
            successor = remaining[0]
            successor.primary = True
            await session.flush()
            await audit.record(
                session,
                company_id,
                principal.user_id,
                "contact",
                successor.contact_id,
                "UPDATE",
                {"primary": False},
                {"primary": True},
                reason=f"primary contact {contact_id} was removed",
            )
    await audit.record(session, company_id, principal.user_id, "contact", contact_id, "DELETE", before, None)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


# Bulk (uploads) ---------------------------------------------------------------------------------------------
# The same rules as create and update, applied to thousands of rows with a few statements per batch.

_CUSTOMER_ID_RE = re.compile(r"^KC[A-Z0-9]{14}\Z", re.ASCII)


def check_create(values: dict[str, Any]) -> CustomerCreate | list[SubError]:
    """A row validated exactly as createCustomer's body, or its field errors."""
    try:
        return CustomerCreate.model_validate(values)
    except ValidationError as exc:
        return sub_errors_from_pydantic(exc.errors())


def check_patch(values: dict[str, Any]) -> CustomerPatch | list[SubError]:
    """A row validated exactly as updateCustomer's body, or its field errors."""
    try:
        return CustomerPatch.model_validate(values)
    except ValidationError as exc:
        return sub_errors_from_pydantic(exc.errors())


@dataclass(frozen=True)
class BulkCreated:
    customer_id: str | None
    """The new customer, or the one that already holds the uniqueRefNo; None in a dry run."""
    existing: bool
    """True: not created, because a customer with this uniqueRefNo exists."""


def _row(customer_id: str, item: Any) -> dict[str, Any]:
    row = {name: getattr(item, name) for name in repository.BULK_COLUMNS}
    row["customer_id"] = customer_id
    row["status"] = str(row["status"])
    return row


_NOT_STORED = ("customer_key_contacts",)


def _created_row(company_id: str, customer_id: str, item: CustomerCreate) -> dict[str, Any]:
    """The insert's values, which are also its audit ``after``: audit.snapshot's keys for a new customer."""
    # The model's own field dict (snake_case, as the columns are named): thousands per batch, no getattr each.
    row = item.__dict__.copy()
    # company_id and deleted (EnKash's, checked by the model) are overwritten below with what dues decides.
    for name in _NOT_STORED:
        del row[name]
    row["customer_id"] = customer_id  # status stays the StrEnum: json.dumps writes it as its text
    row["branch_codes"] = row["branch_codes"] or []
    row["customer_reminders"] = row["customer_reminders"] or []
    row["company_id"] = company_id
    row["deleted"] = False
    row["credit_balance"] = "0.00"
    return row


@dataclass(frozen=True)
class PreparedCreate:
    """New customers' ids and the insert's document, made ahead of the database work (pure)."""

    customer_ids: list[str]
    document: str


def prepare_create(company_id: str, items: Sequence[CustomerCreate]) -> PreparedCreate:
    new_ids = ids.many("KC", len(items))
    rows = [_created_row(company_id, cid, item) for cid, item in zip(new_ids, items, strict=True)]
    return PreparedCreate(new_ids, repository.rows_document(rows))


async def create_many(
    session: AsyncSession,
    actor: str,
    company_id: str,
    items: Sequence[CustomerCreate],
    *,
    reason: str | None = None,
    dry_run: bool = False,
    prepared: PreparedCreate | None = None,
    check_first: bool = False,
) -> list[BulkCreated]:
    """Create validated customers with one statement that also writes their CREATE audit rows. A uniqueRefNo
    that exists already is not created again: it is answered with the customer that holds it. Contacts are
    not part of bulk creation.

    ``prepared`` is prepare_create(company_id, items), when made ahead. Without ``check_first`` the insert
    itself skips existing refs (ON CONFLICT, which also covers a ref taken concurrently) and only those are
    looked up: one statement for new rows. With it, existing refs are looked up first, which is cheaper
    when most rows exist already (a file uploaded again).
    """
    results: list[BulkCreated | None] = [None] * len(items)
    todo = list(range(len(items)))
    if dry_run or check_first:
        taken = await repository.refs_held(
            session, company_id, [i.unique_ref_no for i in items if i.unique_ref_no]
        )
        for k, item in enumerate(items):
            if item.unique_ref_no in taken:
                results[k] = BulkCreated(taken[item.unique_ref_no], existing=True)
            elif dry_run:
                results[k] = BulkCreated(None, existing=False)
        todo = [k for k in todo if results[k] is None]
        if len(todo) < len(items):
            prepared = None  # made for every row; only some are left
    if todo:
        fresh = [items[k] for k in todo]
        prepared = prepared or prepare_create(company_id, fresh)
        inserted = await repository.insert_many(
            session,
            company_id,
            prepared.document,
            actor=actor,
            request_id=current_request_id(),
            reason=reason,
        )
        skipped = [
            item.unique_ref_no or ""
            for item, cid in zip(fresh, prepared.customer_ids, strict=True)
            if cid not in inserted
        ]
        holders = await repository.refs_held(session, company_id, skipped) if skipped else {}
        for k, item, cid in zip(todo, fresh, prepared.customer_ids, strict=True):
            if cid in inserted:
                results[k] = BulkCreated(cid, existing=False)
            else:
                results[k] = BulkCreated(holders.get(item.unique_ref_no or ""), existing=True)
    return [r for r in results if r is not None]


@dataclass(frozen=True)
class BulkChange:
    """One customer to change, named by customerId or (when that is None) by uniqueRefNo."""

    customer_id: str | None
    unique_ref_no: str | None
    patch: CustomerPatch


@dataclass(frozen=True)
class BulkUpdated:
    customer_id: str | None
    changed: bool
    errors: list[SubError]


def _lookup_key(value: str | None, pattern: Any = None) -> str | None:
    """A key worth looking up: one that cannot exist (or that PostgreSQL would refuse) finds nothing."""
    if not value or "\x00" in value or len(value) > 100:
        return None
    if pattern is not None and not pattern.match(value):
        return None
    return value


async def update_many(
    session: AsyncSession,
    actor: str,
    company_id: str,
    changes: Sequence[BulkChange],
    *,
    reason: str | None = None,
    dry_run: bool = False,
) -> list[BulkUpdated]:
    """Apply PATCHes to many customers: the rows are locked in one query, each patch follows updateCustomer's
    rules (apply_patch) on a detached copy, and the changed rows are written with one UPDATE and audited."""
    by_key_ids = [_lookup_key(c.customer_id, _CUSTOMER_ID_RE) for c in changes]
    by_key_refs = [None if c.customer_id else _lookup_key(c.unique_ref_no) for c in changes]
    rows = await repository.lock_many(
        session,
        company_id,
        [k for k in by_key_ids if k],
        [r for r in by_key_refs if r],
    )
    by_id = {r["customer_id"]: r for r in rows}
    by_ref = {r["unique_ref_no"]: r for r in rows if r["unique_ref_no"] is not None}
    new_refs = [
        c.patch.unique_ref_no
        for c in changes
        if "unique_ref_no" in c.patch.model_fields_set and c.patch.unique_ref_no
    ]
    taken = await repository.refs_held(session, company_id, new_refs)
    claimed: set[str] = set()
    seen: set[str] = set()
    results: list[BulkUpdated] = []
    written: list[dict[str, Any]] = []
    for change, id_key, ref_key in zip(changes, by_key_ids, by_key_refs, strict=True):
        key: str | None
        if change.customer_id:
            row = by_id.get(id_key or "")
            key_field, key = "customerId", change.customer_id
        else:
            row = by_ref.get(ref_key or "")
            key_field, key = "uniqueRefNo", change.unique_ref_no
        if row is None:
            results.append(BulkUpdated(None, False, [SubError(key_field, "no customer has this value", key)]))
            continue
        cid = row["customer_id"]
        if row["deleted"]:
            error = SubError(key_field, f"customer {cid} is deleted and cannot be changed", key)
            results.append(BulkUpdated(cid, False, [error]))
            continue
        if cid in seen:
            message = f"customer {cid} is changed by an earlier row of the same upload; put both in one row"
            results.append(BulkUpdated(cid, False, [SubError(key_field, message, key)]))
            continue
        seen.add(cid)
        new_ref = change.patch.unique_ref_no if "unique_ref_no" in change.patch.model_fields_set else None
        if new_ref and new_ref != row["unique_ref_no"]:
            holder = taken.get(new_ref)
            if (holder and holder != cid) or new_ref in claimed:
                message = f"is already used by customer {holder}" if holder else "is set by an earlier row"
                results.append(BulkUpdated(cid, False, [SubError("uniqueRefNo", message, new_ref)]))
                continue
            claimed.add(new_ref)
        customer = Customer(**row)  # detached: nothing is flushed from it, the UPDATE below writes it
        try:
            apply_patch(customer, change.patch)
        except ValidationFailed as exc:
            results.append(BulkUpdated(cid, False, exc.sub_errors))
            continue
        # apply_patch changes only these columns, so comparing them is audit.changes(snapshot, snapshot).
        values = _row(cid, customer)
        changed = [k for k in repository.BULK_COLUMNS if values[k] != row[k]]
        results.append(BulkUpdated(cid, bool(changed), []))
        if changed:
            before = {k: row[k] for k in changed}
            after = {k: values[k] for k in changed}
            written.append(
                {
                    "customer_id": cid,
                    "values": values,
                    "before": before,
                    "after": after,
                    "changed": _changed_fields(changed),
                }
            )
    if not dry_run and written:
        await repository.update_many(
            session, company_id, written, actor=actor, request_id=current_request_id(), reason=reason
        )
    return results
