"""All SQL of the Bharat Connect business flows (presentment, confirmations, payments, cd-notes, purchase
orders); every statement is scoped by company here. The transport's own queries (the message queue, the
inbound router) are its repository's."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import ColumnElement, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from dues.models import Customer, Invoice, InvoiceLine
from dues.models.adjustment import CreditNote, CreditNoteInvoice
from dues.models.bharat_connect import (
    BcCdNote,
    BcInvoice,
    BcMessage,
    BcPayment,
    BcPurchaseOrder,
)

INVOICE_ID = re.compile(r"^INV[A-Z0-9]{13}\Z", re.ASCII)
PO_ID = re.compile(r"^PO[A-Z0-9]{14}\Z", re.ASCII)
PAYMENT_ID = re.compile(r"^PAY[A-Z0-9]{13}\Z", re.ASCII)


# ------------------------------------------------------------------------------------------------ invoices


async def presentable(
    session: AsyncSession, company_id: str, invoice_ids: Sequence[str]
) -> list[tuple[Invoice, Customer]]:
    """The invoices among ``invoice_ids`` whose customer has a Bharat Connect B2B id and that were never
    presented, with their customers, in invoice id order."""
    wanted = [i for i in invoice_ids if INVOICE_ID.match(i)]
    if not wanted:
        return []
    stmt = (
        select(Invoice, Customer)
        .join(
            Customer,
            (Customer.company_id == Invoice.company_id) & (Customer.customer_id == Invoice.customer_id),
        )
        .outerjoin(
            BcInvoice,
            (BcInvoice.company_id == Invoice.company_id) & (BcInvoice.invoice_id == Invoice.invoice_id),
        )
        .where(
            Invoice.company_id == company_id,
            Invoice.invoice_id.in_(wanted),
            Customer.bharat_connect_b2b_id.is_not(None),
            Customer.bharat_connect_b2b_id != "",
            BcInvoice.invoice_id.is_(None),
        )
        .order_by(Invoice.invoice_id)
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def invoice_with_customer(
    session: AsyncSession, company_id: str, invoice_id: str
) -> tuple[Invoice, Customer] | None:
    if not INVOICE_ID.match(invoice_id):
        return None
    stmt = (
        select(Invoice, Customer)
        .join(
            Customer,
            (Customer.company_id == Invoice.company_id) & (Customer.customer_id == Invoice.customer_id),
        )
        .where(Invoice.company_id == company_id, Invoice.invoice_id == invoice_id)
    )
    row = (await session.execute(stmt)).first()
    return None if row is None else (row[0], row[1])


async def lines_of(session: AsyncSession, company_id: str, invoice_ids: Sequence[str]) -> list[InvoiceLine]:
    if not invoice_ids:
        return []
    stmt = (
        select(InvoiceLine)
        .where(InvoiceLine.company_id == company_id, InvoiceLine.invoice_id.in_(list(invoice_ids)))
        .order_by(InvoiceLine.invoice_id, InvoiceLine.line_no)
    )
    return list((await session.execute(stmt)).scalars())


async def invoice_states(
    session: AsyncSession, company_id: str, invoice_ids: Sequence[str]
) -> dict[str, tuple[Decimal, Decimal, str]]:
    """invoiceId → (paidAmount, balanceAmount, status) as dues holds them now."""
    if not invoice_ids:
        return {}
    stmt = select(Invoice.invoice_id, Invoice.paid_amount, Invoice.balance_amount, Invoice.status).where(
        Invoice.company_id == company_id, Invoice.invoice_id.in_(list(invoice_ids))
    )
    return {row[0]: (row[1], row[2], row[3]) for row in (await session.execute(stmt)).all()}


async def invoice_numbers(
    session: AsyncSession, company_id: str, invoice_ids: Sequence[str]
) -> dict[str, str]:
    """invoiceId → its number."""
    if not invoice_ids:
        return {}
    stmt = select(Invoice.invoice_id, Invoice.invoice_number).where(
        Invoice.company_id == company_id, Invoice.invoice_id.in_(list(invoice_ids))
    )
    return {row[0]: row[1] for row in (await session.execute(stmt)).all()}


async def customers_of(session: AsyncSession, company_id: str, invoice_ids: Sequence[str]) -> dict[str, str]:
    """invoiceId → its customer's id."""
    if not invoice_ids:
        return {}
    stmt = select(Invoice.invoice_id, Invoice.customer_id).where(
        Invoice.company_id == company_id, Invoice.invoice_id.in_(list(invoice_ids))
    )
    return {row[0]: row[1] for row in (await session.execute(stmt)).all()}


async def bc_invoices(
    session: AsyncSession, company_id: str, invoice_ids: Sequence[str], *, for_update: bool = False
) -> dict[str, BcInvoice]:
    """invoiceId → its network record, for those of the ids that were presented (locked when asked, in
    invoice id order)."""
    wanted = sorted({i for i in invoice_ids if INVOICE_ID.match(i)})
    if not wanted:
        return {}
    stmt = (
        select(BcInvoice)
        .where(BcInvoice.company_id == company_id, BcInvoice.invoice_id.in_(wanted))
        .order_by(BcInvoice.invoice_id)
    )
    if for_update:
        stmt = stmt.with_for_update()
    return {b.invoice_id: b for b in (await session.execute(stmt)).scalars()}


async def bc_invoices_by_object(
    session: AsyncSession, company_id: str, object_ids: Sequence[str], *, for_update: bool = False
) -> dict[str, BcInvoice]:
    """objectId → the network record of this company's invoice presented under it (locked when asked)."""
    if not object_ids:
        return {}
    stmt = (
        select(BcInvoice)
        .where(BcInvoice.company_id == company_id, BcInvoice.object_id.in_(list(object_ids)))
        .order_by(BcInvoice.invoice_id)
    )
    if for_update:
        stmt = stmt.with_for_update()
    return {b.object_id: b for b in (await session.execute(stmt)).scalars()}


def add(session: AsyncSession, *rows: BcInvoice | BcPayment | BcCdNote | BcPurchaseOrder) -> None:
    session.add_all(rows)


_PRESENTED_PATHS = ("/api/v0/invoice/req-send-invoice", "/api/v0/invoice/req-edit-invoice")


async def last_presented_body(
    session: AsyncSession, company_id: str, invoice_id: str
) -> dict[str, Any] | None:
    """The body of the last req-send-invoice or req-edit-invoice queued for the invoice."""
    stmt = (
        select(BcMessage.body)
        .where(
            BcMessage.company_id == company_id,
            BcMessage.dues_id == invoice_id,
            BcMessage.direction == "OUT",
            BcMessage.path.in_(_PRESENTED_PATHS),
        )
        # By the version it carries: messages queued in one transaction share their created_on.
        .order_by(BcMessage.body["invoice"]["objectVersion"]["newVersion"].as_integer().desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


# ------------------------------------------------------------------------------------------------ messages


async def tag_inbound(
    session: AsyncSession, company_id: str, req_msg_id: str, dues_id: str | None, object_id: str | None
) -> None:
    """Name what a message received is about on its stored row (the transport stores it before the flow
    knows), so that it is listed with that invoice, payment or purchase order."""
    await session.execute(
        update(BcMessage)
        .where(
            BcMessage.company_id == company_id,
            BcMessage.direction == "IN",
            BcMessage.req_msg_id == req_msg_id,
        )
        .values(dues_id=dues_id, object_id=func.coalesce(BcMessage.object_id, object_id))
    )


async def messages_of(session: AsyncSession, company_id: str, dues_ids: Sequence[str]) -> list[BcMessage]:
    """The messages about any of ``dues_ids``, oldest first."""
    if not dues_ids:
        return []
    stmt = (
        select(BcMessage)
        .where(BcMessage.company_id == company_id, BcMessage.dues_id.in_(list(dues_ids)))
        .order_by(BcMessage.created_on, BcMessage.message_id)
    )
    return list((await session.execute(stmt)).scalars())


# ------------------------------------------------------------------------------------------------ payments


async def bc_payment(
    session: AsyncSession, company_id: str, object_id: str, *, for_update: bool = False
) -> BcPayment | None:
    stmt = select(BcPayment).where(BcPayment.company_id == company_id, BcPayment.object_id == object_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def bc_payment_of(
    session: AsyncSession, company_id: str, payment_id: str, *, for_update: bool = False
) -> BcPayment | None:
    """The network payment recorded as dues's payment ``payment_id``."""
    if not PAYMENT_ID.match(payment_id):
        return None
    stmt = select(BcPayment).where(BcPayment.company_id == company_id, BcPayment.payment_id == payment_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalars().first()


async def payments_naming(session: AsyncSession, company_id: str, object_id: str) -> list[BcPayment]:
    """Every network payment (held, recorded or rejected) that names the invoice presented as ``object_id``,
    oldest first."""
    named = orjson.dumps([{"objectId": object_id}]).decode()
    stmt = (
        select(BcPayment)
        .where(BcPayment.company_id == company_id, text("invoices @> CAST(:named AS jsonb)"))
        .order_by(BcPayment.received_on, BcPayment.object_id)
        .params(named=named)
    )
    return list((await session.execute(stmt)).scalars())


# ------------------------------------------------------------------------------------------------ cd-notes


async def credit_note(session: AsyncSession, company_id: str, credit_note_id: str) -> CreditNote | None:
    stmt = select(CreditNote).where(
        CreditNote.company_id == company_id, CreditNote.credit_note_id == credit_note_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def presented_parts(
    session: AsyncSession, company_id: str, credit_note_id: str
) -> list[tuple[CreditNoteInvoice, str, date, BcInvoice]]:
    """The note's parts against invoices presented on the network (and not cancelled or withdrawn there),
    with each invoice's number and date and its network record, in invoice order."""
    stmt = (
        select(CreditNoteInvoice, Invoice.invoice_number, Invoice.invoice_date, BcInvoice)
        .join(
            Invoice,
            (Invoice.company_id == CreditNoteInvoice.company_id)
            & (Invoice.invoice_id == CreditNoteInvoice.invoice_id),
        )
        .join(
            BcInvoice,
            (BcInvoice.company_id == CreditNoteInvoice.company_id)
            & (BcInvoice.invoice_id == CreditNoteInvoice.invoice_id),
        )
        .where(
            CreditNoteInvoice.company_id == company_id,
            CreditNoteInvoice.credit_note_id == credit_note_id,
            BcInvoice.status.not_in(("CANCELLED", "WITHDRAWN")),
        )
        .order_by(CreditNoteInvoice.invoice_id)
    )
    return [(r[0], r[1], r[2], r[3]) for r in (await session.execute(stmt)).all()]


async def bc_cd_note(session: AsyncSession, company_id: str, credit_note_id: str) -> BcCdNote | None:
    stmt = select(BcCdNote).where(
        BcCdNote.company_id == company_id, BcCdNote.credit_note_id == credit_note_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def bc_cd_note_by_object(
    session: AsyncSession, company_id: str, object_id: str, *, for_update: bool = False
) -> BcCdNote | None:
    stmt = select(BcCdNote).where(BcCdNote.company_id == company_id, BcCdNote.object_id == object_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


# ------------------------------------------------------------------------------------------ purchase orders


async def customer_of_b2b_id(session: AsyncSession, company_id: str, b2b_id: str) -> str | None:
    """The company's customer (not deleted) whose bharatConnectB2BId is ``b2b_id``: the active one first,
    then the oldest."""
    stmt = (
        select(Customer.customer_id)
        .where(
            Customer.company_id == company_id,
            Customer.bharat_connect_b2b_id == b2b_id,
            Customer.deleted.is_(False),
        )
        .order_by((Customer.status == "ACTIVE").desc(), Customer.created_on, Customer.customer_id)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def purchase_order(
    session: AsyncSession, company_id: str, po_id: str, *, for_update: bool = False
) -> BcPurchaseOrder | None:
    if not PO_ID.match(po_id):
        return None
    stmt = select(BcPurchaseOrder).where(
        BcPurchaseOrder.company_id == company_id, BcPurchaseOrder.po_id == po_id
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def purchase_order_by_object(
    session: AsyncSession, company_id: str, object_id: str, *, for_update: bool = False
) -> BcPurchaseOrder | None:
    stmt = select(BcPurchaseOrder).where(
        BcPurchaseOrder.company_id == company_id, BcPurchaseOrder.object_id == object_id
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


def _po_filters(company_id: str, f: dict[str, Any]) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [BcPurchaseOrder.company_id == company_id]
    lists: tuple[tuple[str, Any], ...] = (
        ("statuses", BcPurchaseOrder.status),
        ("customer_ids", BcPurchaseOrder.customer_id),
        ("buyer_b2b_ids", BcPurchaseOrder.buyer_b2b_id),
        ("po_ids", BcPurchaseOrder.po_id),
    )
    for name, column in lists:
        if f.get(name):
            conds.append(column.in_([str(v) for v in f[name]]))
    if f.get("buyer_po_number"):
        conds.append(BcPurchaseOrder.buyer_po_number == f["buyer_po_number"])
    if f.get("order_date_from") is not None:
        conds.append(BcPurchaseOrder.order_date >= f["order_date_from"])
    if f.get("order_date_to") is not None:
        conds.append(BcPurchaseOrder.order_date <= f["order_date_to"])
    return conds


async def search_purchase_orders(
    session: AsyncSession,
    company_id: str,
    filters: dict[str, Any],
    order_column: str,
    descending: bool,
    limit: int,
    offset: int,
) -> tuple[list[BcPurchaseOrder], int]:
    """A page of the company's purchase orders matching every filter, and how many match."""
    conds = _po_filters(company_id, filters)
    total = int(
        (await session.execute(select(func.count()).select_from(BcPurchaseOrder).where(*conds))).scalar_one()
    )
    if total == 0 or offset >= total:
        return [], total
    column = getattr(BcPurchaseOrder, order_column)
    order = [column.desc(), BcPurchaseOrder.po_id.desc()] if descending else [column, BcPurchaseOrder.po_id]
    stmt = select(BcPurchaseOrder).where(*conds).order_by(*order).limit(limit).offset(offset)
    return list((await session.execute(stmt)).scalars()), total
