"""Reading credit notes: one by id, and search (api.md §9.1)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dues.credit_notes import repository
from dues.credit_notes.schemas import (
    ORDERABLE,
    CreditNoteAllocationRead,
    CreditNoteInvoiceRead,
    CreditNoteLineRead,
    CreditNoteRead,
    CreditNoteSearch,
)
from dues.customers import service as customers
from dues.errors import NotFound
from dues.kit.pagination import Page, PageParams
from dues.models.adjustment import CreditNote, CreditNoteInvoice, CreditNoteLine


def _reads(
    notes: Sequence[tuple[CreditNote, str | None]],
    parts: Sequence[tuple[CreditNoteInvoice, str, date, str]],
    lines: Sequence[CreditNoteLine],
    allocations: Sequence[Any],
) -> list[CreditNoteRead]:
    by_note: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for part, number, invoice_date, place in parts:
        by_note[part.credit_note_id]["parts"].append(
            CreditNoteInvoiceRead(
                invoice_id=part.invoice_id,
                invoice_number=number,
                invoice_date=invoice_date,
                place_of_supply=place,
                base_amount=part.base_amount,
                cgst=part.cgst,
                sgst=part.sgst,
                igst=part.igst,
                cess=part.cess,
                total_amount=part.total_amount,
            )
        )
    for line in lines:
        by_note[line.credit_note_id]["lines"].append(CreditNoteLineRead.model_validate(line))
    for allocation in allocations:
        by_note[allocation.credit_note_id]["allocations"].append(
            CreditNoteAllocationRead.model_validate(allocation)
        )
    return [
        CreditNoteRead.model_validate(
            {
                **{c: getattr(note, c) for c in CreditNote.__table__.columns.keys()},
                "seller_id": note.company_id,
                "customer_legal_name": name,
                "against_invoices": by_note[note.credit_note_id]["parts"],
                "line_items": by_note[note.credit_note_id]["lines"],
                "allocations": by_note[note.credit_note_id]["allocations"],
            }
        )
        for note, name in notes
    ]


async def _read_many(
    session: AsyncSession, company_id: str, notes: Sequence[tuple[CreditNote, str | None]]
) -> list[CreditNoteRead]:
    note_ids = [note.credit_note_id for note, _ in notes]
    return _reads(
        notes,
        await repository.parts_of(session, company_id, note_ids),
        await repository.lines_of(session, company_id, note_ids),
        await repository.allocations_of(session, company_id, note_ids),
    )


async def get(session: AsyncSession, company_id: str, credit_note_id: str) -> CreditNoteRead:
    note = await repository.get(session, company_id, credit_note_id)
    if note is None:
        raise NotFound(f"No credit note {credit_note_id}.")
    customer = await customers.get_model(session, company_id, note.customer_id)
    [read] = await _read_many(session, company_id, [(note, customer.legal_name if customer else None)])
    return read


async def search(
    session: AsyncSession, company_id: str, query: CreditNoteSearch, page: PageParams
) -> Page[CreditNoteRead]:
    column = page.column(ORDERABLE, "createdOn")
    rows, total = await repository.search(
        session, company_id, query.model_dump(), column, page.descending, page.limit, page.offset
    )
    items = await _read_many(session, company_id, rows)
    return Page[CreditNoteRead](items=items, total=total, offset=page.offset, limit=page.limit)
