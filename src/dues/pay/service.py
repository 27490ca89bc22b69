"""The payment page's rules (api.md §5 "Payment page", "Gateways", "Rules that always hold").

What a payer may pay: the whole balance, or, when the invoice allows part-payment, any amount from its
minimumPartialAmount (0.01 when unset) up to the balance. The page offers only that, the checkout refuses
anything else, and the payments service checks it again under the invoice's row lock when the gateway reports
success, since the balance may have changed in between.

An attempt moves once, STARTED → SUCCEEDED or FAILED, under its row lock; a replayed callback finds it
settled and changes nothing, so a payment is applied once however often its callback comes. Reconciliation
(pay.reconcile) settles attempts whose callback never came through the same function, and so the same lock.

The customer portal pays several invoices of one customer in one checkout (start_checkout_of_invoices): the
attempt names no invoice, its parts are in payment_attempt_invoices, and its success is ONE payment allocated
across them, settled by the same apply_callback; any invoice that can no longer take its part fails it all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import quote, urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.config import get_settings
from dues.errors import Unprocessable
from dues.kit import ids, tds
from dues.kit.money import decimal_places, rupees
from dues.kit.timefmt import now
from dues.models import Company, Invoice
from dues.models.gateway import PaymentAttempt
from dues.pay import repository
from dues.pay.gateway import GATEWAYS, CallbackResult, CheckoutRequest
from dues.payments import service as payments
from dues.payments.schemas import PaymentMode

PENNY = Decimal("0.01")
OPEN = ("CREATED", "DISPATCHED", "PARTIALLY_PAID")


@dataclass(frozen=True)
class PayView:
    """Everything the page shows about one invoice, and nothing else."""

    token: str
    seller: str
    invoice_number: str
    invoice_date: date
    due_date: date
    customer: str
    total: Decimal
    paid: Decimal
    due: Decimal
    status: str
    part_allowed: bool
    part_minimum: Decimal
    # The upi://pay link and QR code, for upi_amount: the balance when it is within upi_max, else a part the
    # payer chose (when parts are allowed); None when UPI is not offered for the amount.
    upi_link: str | None
    upi_vpa: str | None = None
    upi_max: Decimal = Decimal("100000.00")
    upi_amount: Decimal | None = None
    # Why the part the payer asked to pay by UPI was refused, and what they typed (shown back to them).
    upi_error: str | None = None
    upi_asked: str | None = None
    # The seller's account for transfers: accountName, accountNumber, ifsc, bankName.
    bank: dict[str, str] | None = None
    # TDS the buyer deducted so far, and, for a customer with a TDS default, what it pays of the balance after
    # deducting that TDS ("TDS u/s 194Q at 0.1 %").
    tds_deducted: Decimal = Decimal("0.00")
    after_tds: tds.AfterTds | None = None
    tds_terms: str | None = None

    @property
    def payable(self) -> bool:
        return self.status in OPEN and self.due > 0

    @property
    def over_upi_limit(self) -> bool:
        return self.due > self.upi_max

    @property
    def upi_part_offered(self) -> bool:
        """Above the UPI limit, a part within it may still go by UPI, when parts are allowed at all."""
        return (
            bool(self.upi_vpa)
            and self.over_upi_limit
            and self.offers_part
            and self.part_minimum <= self.upi_max
        )

    @property
    def offers_part(self) -> bool:
        # A part must stay below the balance and reach the minimum: with the minimum at or above the
        # balance there is no part to offer, only the whole.
        return self.part_allowed and self.part_minimum < self.due


class PageNotFound(Exception):
    """An unknown or cleared token, or an attempt not of this invoice: a plain 404 that says nothing more."""


class AmountRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def upi_link(company: Company, invoice: Invoice, due: Decimal) -> str | None:
    """The upi://pay deep link (NPCI's UPI linking spec); None when the seller has no VPA."""
    if not company.upi_vpa:
        return None
    params = {
        "pa": company.upi_vpa,
        "pn": company.upi_payee_name or company.legal_name,
        "am": f"{due:.2f}",
        "tr": invoice.invoice_id,
        "tn": invoice.invoice_number,
        "cu": "INR",
    }
    return "upi://pay?" + urlencode(params, quote_via=quote)


async def _open(session: AsyncSession, token: str) -> tuple[Invoice, Company]:
    invoice = await repository.invoice_by_token(session, token)
    if invoice is None:
        raise PageNotFound()
    company = await repository.company(session, invoice.company_id)
    if company is None:
        raise PageNotFound()
    return invoice, company


async def view(session: AsyncSession, token: str, upi_amount: str | None = None) -> PayView:
    """The page; ``upi_amount`` is a part the payer asked to pay by UPI on an invoice above the UPI limit."""
    invoice, company = await _open(session, token)
    page = await _view(session, token, invoice, company)
    if upi_amount is None or not page.upi_part_offered or not page.payable:
        return page
    try:
        amount = check_amount(page, upi_amount)
    except AmountRefused as refused:
        return replace(page, upi_error=refused.message, upi_asked=upi_amount[:32])
    if amount > page.upi_max:
        limit = rupees(page.upi_max)
        message = f"UPI takes at most {limit} in one payment: enter {limit} or less."
        return replace(page, upi_error=message, upi_asked=upi_amount[:32])
    return replace(page, upi_amount=amount, upi_link=upi_link(company, invoice, amount))


async def _view(session: AsyncSession, token: str, invoice: Invoice, company: Company) -> PayView:
    customer, section, rate = await repository.customer_terms(
        session, invoice.company_id, invoice.customer_id
    )
    after, terms = None, None
    if section is not None and rate is not None and invoice.balance_amount > 0:
        taxable = tds.taxable_value(
            invoice.total_amount, invoice.cgst, invoice.sgst, invoice.igst, invoice.cess
        )
        after = tds.after_tds(invoice.balance_amount, invoice.total_amount, taxable, rate)
        terms = tds.describe(section, rate)
    # A UPI app refuses a payment above its limit, so above it the page offers no QR code or link for the
    # balance (it offers a part within the limit instead, when parts are allowed).
    within = invoice.balance_amount <= company.upi_max_amount
    return PayView(
        token=token,
        seller=company.legal_name,
        invoice_number=invoice.invoice_number,
        invoice_date=invoice.invoice_date,
        due_date=invoice.due_date,
        customer=customer,
        total=invoice.total_amount,
        paid=invoice.paid_amount,
        due=invoice.balance_amount,
        status=invoice.status,
        part_allowed=invoice.partial_payment_allowed,
        part_minimum=invoice.minimum_partial_amount or PENNY,
        upi_link=upi_link(company, invoice, invoice.balance_amount) if within else None,
        upi_vpa=company.upi_vpa,
        upi_max=company.upi_max_amount,
        upi_amount=invoice.balance_amount if within and company.upi_vpa else None,
        bank=company.bank_account,
        tds_deducted=invoice.tds_amount,
        after_tds=after if after is not None and after.tds > 0 else None,
        tds_terms=terms,
    )


def check_amount(page: PayView, raw: str) -> Decimal:
    """The amount the payer asked to pay, or AmountRefused saying why not, in words for the payer."""
    try:
        amount = Decimal(raw.strip().replace(",", ""))
    except InvalidOperation:
        raise AmountRefused("Enter the amount as a number, such as 1500.00.") from None
    if not amount.is_finite():
        raise AmountRefused("Enter the amount as a number, such as 1500.00.")
    if amount <= 0:
        raise AmountRefused("Enter an amount above zero.")
    # Read off the digits, not by quantize(): 1e999999999 would raise, and 1e-999999999 take long.
    if decimal_places(amount) > 2:
        raise AmountRefused("Enter the amount in rupees and paise, with at most 2 decimals.")
    if amount > page.due:
        raise AmountRefused(f"The amount is more than what is due (₹{page.due:,.2f}).")
    if amount < page.due:
        if not page.part_allowed:
            raise AmountRefused(f"This invoice must be paid in full: the amount due is ₹{page.due:,.2f}.")
        if amount < page.part_minimum:
            raise AmountRefused(f"The smallest part-payment this invoice takes is ₹{page.part_minimum:,.2f}.")
    return amount.quantize(PENNY)


@dataclass(frozen=True)
class Started:
    attempt_id: str
    redirect_url: str


async def start_checkout(session: AsyncSession, token: str, raw_amount: str, *, gateway: str) -> Started:
    """Check the amount, record a STARTED attempt, and ask the gateway for its checkout."""
    invoice, company = await _open(session, token)
    page = await _view(session, token, invoice, company)
    if not page.payable:
        raise AmountRefused("There is nothing to pay on this invoice.")
    amount = check_amount(page, raw_amount)
    attempt_id = ids.payment_attempt_id()
    adapter = GATEWAYS[gateway]
    base = get_settings().public_url.rstrip("/")
    checkout = adapter.start_checkout(
        CheckoutRequest(
            company_id=invoice.company_id,
            attempt_id=attempt_id,
            amount=amount,
            merchant_name=company.legal_name,
            description=f"Invoice {invoice.invoice_number}",
            return_url=f"{base}/pay/{token}/receipt/{attempt_id}",
        )
    )
    attempt = PaymentAttempt(
        company_id=invoice.company_id,
        attempt_id=attempt_id,
        invoice_id=invoice.invoice_id,
        amount=amount,
        gateway=adapter.name,
        status="STARTED",
        gateway_reference=checkout.gateway_reference,
    )
    await repository.add_attempt(session, attempt)
    await audit.record(
        session,
        invoice.company_id,
        "payer",
        "payment_attempt",
        attempt_id,
        "START",
        after={"invoice_id": invoice.invoice_id, "amount": f"{amount:.2f}", "gateway": adapter.name},
    )
    return Started(attempt_id, checkout.redirect_url)


class NothingToPay(Exception):
    """A checkout of several invoices with none chosen, or one no longer payable: say so to the payer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def start_checkout_of_invoices(
    session: AsyncSession,
    company_id: str,
    customer_id: str,
    invoice_ids: Sequence[str],
    *,
    gateway: str,
    return_url: Callable[[str], str],
    actor: str,
) -> Started:
    """One checkout for the whole balance of several of one customer's issued invoices (the customer
    portal): a STARTED attempt naming no invoice, its parts in payment_attempt_invoices; its success is ONE
    payment allocated across them (apply_callback). ``return_url(attempt_id)``: where the gateway sends the
    payer back. Refuses (NothingToPay) an invoice not this customer's, not issued, or with nothing due."""
    chosen = sorted(set(invoice_ids))
    if not chosen:
        raise NothingToPay("Choose at least one invoice to pay.")
    invoices = await repository.invoices_of_customer(session, company_id, customer_id, chosen)
    if len(invoices) != len(chosen):
        raise NothingToPay("One of the invoices chosen is not yours to pay here.")
    for invoice in invoices:
        if not invoice.dispatched or invoice.status not in OPEN or invoice.balance_amount <= 0:
            raise NothingToPay(f"There is nothing to pay on invoice {invoice.invoice_number} any more.")
    company = await repository.company(session, company_id)
    if company is None:
        raise PageNotFound()
    parts = {i.invoice_id: i.balance_amount for i in invoices}
    amount = sum(parts.values(), Decimal("0.00"))
    attempt_id = ids.payment_attempt_id()
    adapter = GATEWAYS[gateway]
    numbers = ", ".join(i.invoice_number for i in invoices)
    checkout = adapter.start_checkout(
        CheckoutRequest(
            company_id=company_id,
            attempt_id=attempt_id,
            amount=amount,
            merchant_name=company.legal_name,
            description=f"Invoices {numbers}"[:200] if len(invoices) > 1 else f"Invoice {numbers}",
            return_url=return_url(attempt_id),
        )
    )
    attempt = PaymentAttempt(
        company_id=company_id,
        attempt_id=attempt_id,
        invoice_id=None,
        amount=amount,
        gateway=adapter.name,
        status="STARTED",
        gateway_reference=checkout.gateway_reference,
    )
    await repository.add_attempt(session, attempt)
    await repository.add_attempt_parts(session, company_id, attempt_id, parts)
    await audit.record(
        session,
        company_id,
        actor,
        "payment_attempt",
        attempt_id,
        "START",
        after={
            "customer_id": customer_id,
            "invoices": {k: f"{v:.2f}" for k, v in parts.items()},
            "amount": f"{amount:.2f}",
            "gateway": adapter.name,
        },
    )
    return Started(attempt_id, checkout.redirect_url)


@dataclass(frozen=True)
class Settled:
    attempt_id: str
    status: str
    replay: bool
    payment_id: str | None
    reason: str | None


async def apply_callback(
    session: AsyncSession, gateway: str, result: CallbackResult, *, note: str | None = None
) -> Settled | None:
    """Settle the attempt a verified callback (or the gateway's answer to a status query) names, once; None
    when no such attempt exists. ``note`` goes to the audit row's reason (how the result came).

    A success the invoice can no longer take (paid by someone else meanwhile, withdrawn) settles the attempt
    as FAILED with that reason: the gateway still gets its 200, and the money has to go back to the payer."""
    attempt = await repository.lock_attempt(session, result.company_id, result.attempt_id)
    if attempt is None or attempt.gateway != gateway:
        return None
    if attempt.status != "STARTED":
        return _replay(attempt)
    actor = f"gateway:{gateway}"
    reason: str | None = None
    if result.gateway_reference != attempt.gateway_reference:
        reason = "The gateway reported a different checkout reference than the one it started."
    elif result.amount != attempt.amount:
        reason = (
            f"The gateway reported {result.amount:.2f}, but the payment was started for {attempt.amount:.2f}."
        )
    elif not result.succeeded:
        reason = result.reason or "The payment was declined."
    else:
        # One invoice, or several (the portal's checkout): either way ONE payment, allocated as started.
        parts = (
            {attempt.invoice_id: attempt.amount}
            if attempt.invoice_id is not None
            else await repository.attempt_parts(session, attempt.company_id, attempt.attempt_id)
        )
        try:
            payment = await payments.record_for_invoices(
                session, attempt.company_id, parts, PaymentMode.UPI, attempt.attempt_id, actor
            )
        except Unprocessable as refused:
            reason = f"Paid at the gateway but not applied: {refused.message}"
        else:
            attempt.payment_id = payment.payment_id
    return await _settle(session, attempt, reason, actor, note)


NO_RESULT = "No result from the gateway: the payment was not completed in time."
RECONCILER = "system:reconcile"


async def give_up(session: AsyncSession, company_id: str, gateway: str, attempt_id: str) -> Settled | None:
    """Settle as FAILED an attempt its gateway still knows nothing of when its time is up (the payer left the
    checkout). Under the same row lock as a callback, so a result that lands meanwhile wins or finds it
    settled; None when no such attempt exists."""
    attempt = await repository.lock_attempt(session, company_id, attempt_id)
    if attempt is None or attempt.gateway != gateway:
        return None
    if attempt.status != "STARTED":
        return _replay(attempt)
    return await _settle(session, attempt, NO_RESULT, RECONCILER, "reconciliation: time is up")


def _replay(attempt: PaymentAttempt) -> Settled:
    return Settled(attempt.attempt_id, attempt.status, True, attempt.payment_id, attempt.failure_reason)


async def _settle(
    session: AsyncSession, attempt: PaymentAttempt, reason: str | None, actor: str, note: str | None
) -> Settled:
    """Move a locked STARTED attempt to FAILED (with reason) or SUCCEEDED (its payment_id already set)."""
    before = {"status": attempt.status}
    attempt.status = "FAILED" if reason else "SUCCEEDED"
    attempt.failure_reason = reason[:500] if reason else None
    attempt.completed_on = now()
    await repository.flush(session)
    after = {
        "status": attempt.status,
        "payment_id": attempt.payment_id,
        "failure_reason": attempt.failure_reason,
    }
    await audit.record(
        session,
        attempt.company_id,
        actor,
        "payment_attempt",
        attempt.attempt_id,
        attempt.status,
        before,
        after,
        note,
    )
    return Settled(attempt.attempt_id, attempt.status, False, attempt.payment_id, attempt.failure_reason)


@dataclass(frozen=True)
class Receipt:
    page: PayView
    attempt_id: str
    amount: Decimal
    status: str
    reason: str | None


async def receipt(session: AsyncSession, token: str, attempt_id: str) -> Receipt:
    invoice, company = await _open(session, token)
    attempt = await repository.attempt_of_invoice(session, invoice.company_id, invoice.invoice_id, attempt_id)
    if attempt is None:
        raise PageNotFound()
    page = await _view(session, token, invoice, company)
    return Receipt(page, attempt.attempt_id, attempt.amount, attempt.status, attempt.failure_reason)


@dataclass(frozen=True)
class PaidPart:
    invoice_id: str
    invoice_number: str
    amount: Decimal
    balance: Decimal


@dataclass(frozen=True)
class ReceiptOfInvoices:
    """What an attempt over several invoices came to, for the customer portal's receipt."""

    attempt_id: str
    amount: Decimal
    status: str
    reason: str | None
    payment_id: str | None
    parts: list[PaidPart]


async def receipt_of_invoices(
    session: AsyncSession, company_id: str, customer_id: str, attempt_id: str
) -> ReceiptOfInvoices:
    """The portal's receipt; PageNotFound for an attempt that is not one over this customer's invoices."""
    found = await repository.attempt_of_customer(session, company_id, customer_id, attempt_id)
    if found is None:
        raise PageNotFound()
    attempt, parts = found
    return ReceiptOfInvoices(
        attempt.attempt_id,
        attempt.amount,
        attempt.status,
        attempt.failure_reason,
        attempt.payment_id,
        [PaidPart(i.invoice_id, i.invoice_number, amount, i.balance_amount) for i, amount in parts],
    )
