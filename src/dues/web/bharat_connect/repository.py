"""The Bharat Connect page's own reads: the invoices presented on the network, newest change first, with what
the finance team recognises them by (number, customer, amounts). Every query is scoped by company."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dues.models import Customer, Invoice
from dues.models.bharat_connect import BcInvoice, BcPayment


@dataclass(frozen=True)
class Presented:
    invoice_id: str
    invoice_number: str
    customer_id: str
    customer_name: str
    due_date: date
    total_amount: Decimal
    balance_amount: Decimal
    network_status: str
    version: int
    buyer_response: str | None
    buyer_remarks: str | None
    updated_on: datetime


async def presented(
    session: AsyncSession, company_id: str, status: str | None, limit: int, offset: int
) -> tuple[list[Presented], int]:
    conds = [BcInvoice.company_id == company_id]
    if status:
        conds.append(BcInvoice.status == status)
    stmt = (
        select(
            BcInvoice.invoice_id,
            Invoice.invoice_number,
            Invoice.customer_id,
            Customer.legal_name.label("customer_name"),
            Invoice.due_date,
            Invoice.total_amount,
            Invoice.balance_amount,
            BcInvoice.status.label("network_status"),
            BcInvoice.version,
            BcInvoice.buyer_response,
            BcInvoice.buyer_remarks,
            BcInvoice.updated_on,
        )
        .join(
            Invoice,
            and_(Invoice.company_id == BcInvoice.company_id, Invoice.invoice_id == BcInvoice.invoice_id),
        )
        .join(
            Customer,
            and_(Customer.company_id == Invoice.company_id, Customer.customer_id == Invoice.customer_id),
        )
        .where(*conds)
        .order_by(BcInvoice.updated_on.desc(), BcInvoice.invoice_id)
        .limit(limit)
        .offset(offset)
    )
    rows = [Presented(**row._asdict()) for row in (await session.execute(stmt)).all()]
    total = (await session.execute(select(func.count()).select_from(BcInvoice).where(*conds))).scalar_one()
    return rows, int(total)


async def held_payments(session: AsyncSession, company_id: str) -> int:
    """How many payments the network reported wait for the supplier's confirmation (OFFPLATFORM, HELD)."""
    stmt = select(func.count()).where(BcPayment.company_id == company_id, BcPayment.status == "HELD")
    return int((await session.execute(stmt)).scalar_one())
