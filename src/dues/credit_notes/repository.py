"""All SQL of credit notes, their parts, lines and allocations; every statement is scoped by company here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dues.models import Customer, Invoice
from dues.models.adjustment import CreditNote, CreditNoteAllocation, CreditNoteInvoice, CreditNoteLine

# An id that cannot have been issued is not looked up: it answers "not found" like any unknown id.
CREDIT_NOTE_ID = re.compile(r"^CN[A-Z0-9]{14}\Z", re.ASCII)


async def get(
    session: AsyncSession, company_id: str, credit_note_id: str, *, for_update: bool = False
) -> CreditNote | None:
    if not CREDIT_NOTE_ID.match(credit_note_id):
        return None
    stmt = select(CreditNote).where(
        CreditNote.company_id == company_id, CreditNote.credit_note_id == credit_note_id
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_many(
    session: AsyncSession, company_id: str, credit_note_ids: Sequence[str]
) -> list[CreditNote]:
    wanted = [i for i in credit_note_ids if CREDIT_NOTE_ID.match(i)]
    if not wanted:
        return []
    stmt = select(CreditNote).where(
        CreditNote.company_id == company_id, CreditNote.credit_note_id.in_(wanted)
    )
    return list((await session.execute(stmt)).scalars())


async def parts_of(
    session: AsyncSession, company_id: str, credit_note_ids: Sequence[str]
) -> list[tuple[CreditNoteInvoice, str, Any, str]]:
    """Each note's parts, with the invoice's number, date and place of supply, in invoice order."""
    if not credit_note_ids:
        return []
    stmt = (
        select(CreditNoteInvoice, Invoice.invoice_number, Invoice.invoice_date, Invoice.place_of_supply)
        .join(
            Invoice,
            (Invoice.company_id == CreditNoteInvoice.company_id)
            & (Invoice.invoice_id == CreditNoteInvoice.invoice_id),
        )
        .where(
            CreditNoteInvoice.company_id == company_id,
            CreditNoteInvoice.credit_note_id.in_(list(credit_note_ids)),
        )
        .order_by(CreditNoteInvoice.credit_note_id, Invoice.invoice_date, CreditNoteInvoice.invoice_id)
    )
    return [(row[0], row[1], row[2], row[3]) for row in (await session.execute(stmt)).all()]


async def lines_of(
    session: AsyncSession, company_id: str, credit_note_ids: Sequence[str]
) -> list[CreditNoteLine]:
    if not credit_note_ids:
        return []
    stmt = (
        select(CreditNoteLine)
        .where(
            CreditNoteLine.company_id == company_id, CreditNoteLine.credit_note_id.in_(list(credit_note_ids))
        )
        .order_by(CreditNoteLine.credit_note_id, CreditNoteLine.line_no)
    )
    return list((await session.execute(stmt)).scalars())


async def allocations_of(
    session: AsyncSession, company_id: str, credit_note_ids: Sequence[str]
) -> list[CreditNoteAllocation]:
    if not credit_note_ids:
        return []
    stmt = (
        select(CreditNoteAllocation)
        .where(
            CreditNoteAllocation.company_id == company_id,
            CreditNoteAllocation.credit_note_id.in_(list(credit_note_ids)),
        )
        .order_by(CreditNoteAllocation.credit_note_id, CreditNoteAllocation.invoice_id)
    )
    return list((await session.execute(stmt)).scalars())


async def number_taken(session: AsyncSession, company_id: str, financial_year: int, number: str) -> bool:
    stmt = select(
        exists().where(
            CreditNote.company_id == company_id,
            CreditNote.financial_year == financial_year,
            CreditNote.note_number == number,
        )
    )
    return bool((await session.execute(stmt)).scalar_one())


async def by_external_id(session: AsyncSession, company_id: str, external_id: str) -> CreditNote | None:
    stmt = select(CreditNote).where(
        CreditNote.company_id == company_id, CreditNote.external_id == external_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


_CREDITED = text(
    """
    SELECT p.invoice_id, sum(p.total_amount)
      FROM credit_note_invoices p
      JOIN credit_notes n ON n.company_id = p.company_id AND n.credit_note_id = p.credit_note_id
     WHERE p.company_id = :company_id AND p.invoice_id = ANY(CAST(:invoice_ids AS text[]))
       AND n.status <> 'REJECTED' AND n.credit_note_id <> :but
     GROUP BY p.invoice_id
    """
)


async def credited(
    session: AsyncSession, company_id: str, invoice_ids: Sequence[str], but: str = ""
) -> dict[str, Decimal]:
    """invoiceId → the totals of the notes against it that are not rejected (pending ones too), the note
    ``but`` left out. Callers hold the invoices locked, so no new note can join in meanwhile."""
    params = {"company_id": company_id, "invoice_ids": list(invoice_ids), "but": but}
    return {row[0]: Decimal(row[1]) for row in (await session.execute(_CREDITED, params)).all()}


async def insert(
    session: AsyncSession,
    note: CreditNote,
    parts: Sequence[CreditNoteInvoice],
    lines: Sequence[CreditNoteLine],
) -> bool:
    """Write a new note with its parts and lines; False when its number (or externalId) was taken by a
    concurrent create between the check and this write (nothing is written then)."""
    try:
        async with session.begin_nested():
            session.add(note)
            await session.flush()
            session.add_all([*parts, *lines])
            await session.flush()
    except IntegrityError:
        return False
    return True


_ALLOCATE = text(
    """
    INSERT INTO credit_note_allocations (company_id, credit_note_id, invoice_id, amount)
    SELECT :company_id, a.credit_note_id, a.invoice_id, a.amount
      FROM unnest(CAST(:note_ids AS text[]), CAST(:invoice_ids AS text[]), CAST(:amounts AS numeric[]))
           AS a(credit_note_id, invoice_id, amount)
    ON CONFLICT (company_id, credit_note_id, invoice_id)
    DO UPDATE SET amount = credit_note_allocations.amount + EXCLUDED.amount
    """
)


async def allocate(session: AsyncSession, company_id: str, parts: Sequence[tuple[str, str, Decimal]]) -> None:
    """(note, invoice, amount): where notes' money went; a second allocation to one invoice adds to it."""
    if not parts:
        return
    note_ids, invoice_ids, amounts = (list(c) for c in zip(*parts, strict=True))
    params = {"company_id": company_id, "note_ids": note_ids, "invoice_ids": invoice_ids, "amounts": amounts}
    await session.execute(_ALLOCATE, params)


async def lock_credit_sources(session: AsyncSession, company_id: str, customer_id: str) -> list[CreditNote]:
    """The customer's issued notes with unapplied credit, oldest first (the order their credit is used),
    locked."""
    stmt = (
        select(CreditNote)
        .where(
            CreditNote.company_id == company_id,
            CreditNote.customer_id == customer_id,
            CreditNote.status == "ISSUED",
            CreditNote.unapplied_amount > 0,
        )
        .order_by(CreditNote.note_date, CreditNote.created_on, CreditNote.credit_note_id)
        .with_for_update()
    )
    return list((await session.execute(stmt)).scalars())


_TAKE_UNAPPLIED = text(
    """
    UPDATE credit_notes n
       SET applied_amount = n.applied_amount + t.amount,
           unapplied_amount = n.unapplied_amount - t.amount,
           updated_on = now()
      FROM (SELECT credit_note_id, sum(amount) AS amount
              FROM unnest(CAST(:note_ids AS text[]), CAST(:amounts AS numeric[])) AS p(credit_note_id, amount)
             GROUP BY credit_note_id) t
     WHERE n.company_id = :company_id AND n.credit_note_id = t.credit_note_id
    """
)


async def take_unapplied(
    session: AsyncSession, company_id: str, parts: Sequence[tuple[str, str, Decimal]]
) -> None:
    """Move (note, invoice, amount) parts of notes' unapplied credit onto invoices: the notes' CHECKs (parts
    not negative, parts make the total) hold whatever the caller checked."""
    if not parts:
        return
    note_ids, _, amounts = (list(c) for c in zip(*parts, strict=True))
    params = {"company_id": company_id, "note_ids": note_ids, "amounts": amounts}
    await session.execute(_TAKE_UNAPPLIED, params)
    await allocate(session, company_id, parts)


# Search -----------------------------------------------------------------------------------------------


def _filters(company_id: str, f: dict[str, Any]) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [CreditNote.company_id == company_id]
    for name, column in (
        ("customer_ids", CreditNote.customer_id),
        ("statuses", CreditNote.status),
        ("external_ids", CreditNote.external_id),
    ):
        if f.get(name):
            conds.append(column.in_([str(v) for v in f[name]]))
    if f.get("note_date_from") is not None:
        conds.append(CreditNote.note_date >= f["note_date_from"])
    if f.get("note_date_to") is not None:
        conds.append(CreditNote.note_date <= f["note_date_to"])
    if f.get("reason") is not None:
        conds.append(CreditNote.reason == str(f["reason"]))
    if f.get("note_number"):
        conds.append(CreditNote.note_number == f["note_number"])
    if f.get("invoice_ids"):
        conds.append(
            exists().where(
                CreditNoteInvoice.company_id == CreditNote.company_id,
                CreditNoteInvoice.credit_note_id == CreditNote.credit_note_id,
                CreditNoteInvoice.invoice_id.in_([str(v) for v in f["invoice_ids"]]),
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
) -> tuple[list[tuple[CreditNote, str]], int]:
    """A page of the seller's notes matching every filter, each with its customer's legal name; and how many
    match."""
    conds = _filters(company_id, filters)
    total = int(
        (await session.execute(select(func.count()).select_from(CreditNote).where(*conds))).scalar_one()
    )
    if total == 0 or offset >= total:
        return [], total
    column = getattr(CreditNote, order_column)
    order = (
        [column.desc(), CreditNote.credit_note_id.desc()]
        if descending
        else [column, CreditNote.credit_note_id]
    )
    stmt = (
        select(CreditNote, Customer.legal_name)
        .join(
            Customer,
            (Customer.company_id == CreditNote.company_id) & (Customer.customer_id == CreditNote.customer_id),
        )
        .where(*conds)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()], total
