"""Customers and their contacts (api.md §3, §3.1): the rules live here; SQL lives in the repository."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

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
)
from dues.errors import NotFound, Unprocessable, ValidationFailed
from dues.kit import ids
from dues.kit.pagination import Page, PageParams
from dues.kit.timefmt import parse_filter_datetime
from dues.models import Contact, Customer

_CLEARABLE_NOT = {"legal_name": "legalName", "status": "status"}


def to_read(customer: Customer, contacts: list[Contact]) -> CustomerRead:
    read = CustomerRead.model_validate(customer)
    read.customer_key_contacts = [ContactRead.model_validate(c) for c in contacts]
    return read


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
    return to_read(customer, contacts)


async def get(session: AsyncSession, company_id: str, customer_id: str) -> CustomerRead:
    customer = await repository.get(session, company_id, customer_id)
    if customer is None:
        raise _not_found(customer_id)
    return to_read(customer, await repository.contacts_of(session, company_id, [customer_id]))


async def search(
    session: AsyncSession, company_id: str, query: CustomerSearch, page: PageParams
) -> Page[CustomerRead]:
    filters: dict[str, Any] = query.model_dump()
    for field, end in (("created_on_from", False), ("created_on_to", True)):
        raw = filters.pop(field)
        if raw:
            try:
                filters["created_from" if not end else "created_to"] = parse_filter_datetime(
                    raw, end_of_day=end
                )
            except ValueError as exc:
                wire = "createdOnFrom" if not end else "createdOnTo"
                raise ValidationFailed.field(wire, "must be yyyy-MM-dd or yyyy-MM-dd HH:mm:ss", raw) from exc
    column = page.column(ORDERABLE, "createdOn")
    rows, total = await repository.search(
        session, company_id, filters, column, page.descending, page.limit, page.offset
    )
    contacts = await repository.contacts_of(session, company_id, [c.customer_id for c in rows])
    by_customer: dict[str, list[Contact]] = defaultdict(list)
    for contact in contacts:
        by_customer[contact.customer_id].append(contact)
    items = [to_read(c, by_customer[c.customer_id]) for c in rows]
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
        if field == "status":
            value = str(value)
        setattr(customer, field, value)
    if (
        "pan_or_gstin" in values
        and customer.pan_or_gstin
        and len(customer.pan_or_gstin) == 15
        and ("state" not in values)
    ):
        # A new GSTIN decides the state unless the same request sets one.
        from dues.kit import india

        customer.state = india.gstin_state(customer.pan_or_gstin)
    problem = gstin_state_problem(customer.pan_or_gstin, customer.state)
    if problem:
        field = "state" if "state" in values else "panOrGstin"
        raise ValidationFailed.field(
            field, problem, getattr(customer, "state" if field == "state" else "pan_or_gstin")
        )


async def update(
    session: AsyncSession, principal: Principal, company_id: str, customer_id: str, patch: CustomerPatch
) -> CustomerRead:
    customer = await _for_change(session, company_id, customer_id)
    if customer.deleted:
        raise Unprocessable(f"Customer {customer_id} is deleted and cannot be changed.")
    before = audit.snapshot(customer)
    new_ref = patch.unique_ref_no if "unique_ref_no" in patch.model_fields_set else None
    if new_ref and new_ref != customer.unique_ref_no:
        existing = await repository.get_by_ref(session, company_id, new_ref)
        if existing is not None:
            raise _duplicate_ref(new_ref, existing.customer_id)
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
    return to_read(customer, await repository.contacts_of(session, company_id, [customer_id]))


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
    return to_read(customer, await repository.contacts_of(session, company_id, [customer_id]))


async def activate(
    session: AsyncSession, principal: Principal, company_id: str, customer_id: str
) -> CustomerRead:
    return await _set_status(session, principal, company_id, customer_id, "ACTIVE")


async def deactivate(
    session: AsyncSession, principal: Principal, company_id: str, customer_id: str
) -> CustomerRead:
    return await _set_status(session, principal, company_id, customer_id, "INACTIVE")


async def has_invoices_under_collection(session: AsyncSession, company_id: str, customer_id: str) -> bool:
    """Whether deleting must be refused (api.md §3). Invoices arrive with the invoices issue, which replaces
    this with a query on dispatched invoices that still have a balance."""
    return False


async def delete(
    session: AsyncSession, principal: Principal, company_id: str, customer_id: str
) -> CustomerRead:
    customer = await _for_change(session, company_id, customer_id)
    if customer.deleted:
        return to_read(customer, await repository.contacts_of(session, company_id, [customer_id]))
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
    return to_read(customer, await repository.contacts_of(session, company_id, [customer_id]))


# Contacts -------------------------------------------------------------------------------------------------


async def list_contacts(session: AsyncSession, company_id: str, customer_id: str) -> list[ContactRead]:
    if await repository.get(session, company_id, customer_id) is None:
        raise _not_found(customer_id)
    contacts = await repository.contacts_of(session, company_id, [customer_id])
    return [ContactRead.model_validate(c) for c in contacts]


async def add_contact(
    session: AsyncSession, principal: Principal, company_id: str, customer_id: str, data: ContactCreate
) -> ContactRead:
    customer = await _for_change(session, company_id, customer_id)
    if customer.deleted:
        raise Unprocessable(f"Customer {customer_id} is deleted.")
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
    await _for_change(session, company_id, customer_id)
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
    await _for_change(session, company_id, customer_id)
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
            remaining[0].primary = True
            await session.flush()
    await audit.record(session, company_id, principal.user_id, "contact", contact_id, "DELETE", before, None)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)
