"""All SQL for customers and contacts; every statement is scoped by company here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dues.models import Contact, Customer


async def get(
    session: AsyncSession, company_id: str, customer_id: str, *, for_update: bool = False
) -> Customer | None:
    stmt = select(Customer).where(Customer.company_id == company_id, Customer.customer_id == customer_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_by_ref(session: AsyncSession, company_id: str, unique_ref_no: str) -> Customer | None:
    stmt = select(Customer).where(Customer.company_id == company_id, Customer.unique_ref_no == unique_ref_no)
    return (await session.execute(stmt)).scalar_one_or_none()


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
        conds.append(Customer.branch_codes.any(f["branch_code"]))
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
    stmt = (
        select(Customer).where(and_(*conds)).order_by(*order).limit(limit).offset(offset)
    )
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
