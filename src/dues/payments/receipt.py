"""A payment's receipt (a PDF from the documents' Typst templates): what was received, how, and what it
settled, with the TDS the buyer deducted."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from dues.companies import service as companies
from dues.customers import service as customers
from dues.documents.content import render_receipt
from dues.documents.model import ReceiptAllocation, ReceiptDocument
from dues.documents.parties import party, seller_party
from dues.errors import NotFound, Unprocessable
from dues.kit.timefmt import format_ist
from dues.payments import repository


async def receipt_pdf(session: AsyncSession, company_id: str, payment_id: str) -> tuple[str, bytes]:
    """The receipt of a recorded payment and a file name for it; 404 for another company's payment, 422 for a
    reversed one (the money did not arrive: a receipt would say it did)."""
    payment = await repository.get(session, company_id, payment_id)
    if payment is None:
        raise NotFound(f"No payment {payment_id}.")
    if payment.status == "REVERSED" and payment.reversed_on is not None:
        raise Unprocessable(
            f"Payment {payment_id} was reversed on {format_ist(payment.reversed_on)} "
            f"({payment.reversal_reason}); it has no receipt."
        )
    company = await companies.get(session, company_id)
    customer = await customers.get_model(session, company_id, payment.customer_id)
    if customer is None:
        raise NotFound(f"No payment {payment_id}.")
    allocations = await repository.allocations_of(session, company_id, [payment_id])
    invoices = await repository.invoice_numbers(session, company_id, [a.invoice_id for a in allocations])
    document = ReceiptDocument(
        receipt_number=payment.payment_id,
        received_on=payment.paid_on,
        seller=seller_party(company, await companies.logo(session, company_id)),
        payer=party(
            customer.legal_name, customer.address, customer.pin_code, customer.state, customer.pan_or_gstin
        ),
        mode=payment.mode,
        amount=payment.amount,
        reference=payment.reference,
        payment_id=payment.payment_id,
        allocations=tuple(
            ReceiptAllocation(*invoices[a.invoice_id], amount=a.amount, tds_amount=a.tds_amount)
            for a in sorted(allocations, key=lambda a: invoices[a.invoice_id])
        ),
        unallocated=payment.unallocated_amount + payment.refunded_amount,
        tds_section=payment.tds_section,
        deductor_tan=payment.deductor_tan,
    )
    content = await asyncio.to_thread(render_receipt, document)
    return f"receipt-{payment.payment_id}.pdf", content
