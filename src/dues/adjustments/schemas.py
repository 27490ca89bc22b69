"""Bodies and answers of write-offs, reversals and refunds (api.md §9.3): camelCase on the wire, exact
amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from dues.companies.schemas import CamelInput, CamelModel
from dues.kit.fields import IstDateTime, Money
from dues.kit.money import MAX_AMOUNT, is_money, to_paise
from dues.payments.schemas import PaymentMode, PaymentRead

Reason = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=500, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$"
    ),
]
Reference = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$"),
]


def _paise(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if not is_money(value):
        raise ValueError("must have at most 2 decimal places")
    if value > MAX_AMOUNT:
        raise ValueError("must be at most 99,999,999,999,999.99")
    # 0.4 and 0.40 are the same money: stored, answered and audited as 0.40.
    return to_paise(value)


class WriteOffCreate(CamelInput):
    amount: Money = Field(
        gt=0, description="the part of the balance written off: above 0, at most the balance"
    )
    reason: Reason = Field(description="why it is written off, kept in the write-off and the audit trail")

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: Decimal) -> Decimal | None:
        return _paise(value)


class WriteOffRead(CamelModel):
    write_off_id: str = Field(description="WO + 14 characters")
    invoice_id: str = Field(description="the invoice written off (INV...)")
    customer_id: str
    amount: Money = Field(description="the amount written off")
    reason: str = Field(description="why it was written off")
    automatic: bool = Field(
        description="true when the company's autoWriteOffBelow wrote it off after a payment"
    )
    created_by: str = Field(description="the user who wrote it off, or system")
    created_on: IstDateTime
    status: str = Field(description="the invoice's status after it: WRITTEN_OFF when its balance reached 0")
    balance_amount: Money = Field(description="the invoice's balance after it")
    written_off_amount: Money = Field(description="everything written off on the invoice so far")


class ReversalReason(StrEnum):
    CHEQUE_BOUNCED = "CHEQUE_BOUNCED"
    PAYMENT_RECALLED = "PAYMENT_RECALLED"
    ENTERED_IN_ERROR = "ENTERED_IN_ERROR"


class ReversalCreate(CamelInput):
    reason: ReversalReason = Field(description="CHEQUE_BOUNCED, PAYMENT_RECALLED or ENTERED_IN_ERROR")
    remarks: Reason | None = Field(None, description="anything more to say, e.g. the bank's return memo")
    charge_amount: Money | None = Field(
        None,
        gt=0,
        description="charged to the customer for the reversal (a bounced cheque's bank charges): a debit "
        "note of this amount, without GST, due 7 days from today",
    )

    @field_validator("charge_amount")
    @classmethod
    def _amount(cls, value: Decimal | None) -> Decimal | None:
        return _paise(value)


class ReversedInvoice(CamelModel):
    """An invoice as the reversal left it: what the payment had settled on it is owed again."""

    invoice_id: str
    amount: Money = Field(description="the payment's cash allocation undone on this invoice")
    tds_amount: Money = Field(description="the TDS of that allocation, undone with it")
    status: str = Field(description="the invoice's status after the reversal")
    balance_amount: Money = Field(description="the invoice's balance after the reversal")


class ReversalRead(CamelModel):
    payment: PaymentRead = Field(description="the payment, now REVERSED")
    invoices: list[ReversedInvoice] = Field(description="every invoice the payment had settled, as it is now")
    credit_removed: Money = Field(
        description="the payment's unallocated credit taken off the customer's credit"
    )
    credit_balance: Money = Field(description="the customer's credit after the reversal")


class RefundCreate(CamelInput):
    amount: Money = Field(gt=0, description="paid back to the customer: at most its creditBalance")
    mode: PaymentMode = Field(description="how it was paid back: UPI, NEFT, RTGS, IMPS, CHEQUE, CASH or CARD")
    reference: Reference = Field(description="UTR, cheque number or receipt number of the refund")
    paid_on: date = Field(description="when it was paid back (yyyy-MM-dd), not in the future")

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: Decimal) -> Decimal | None:
        return _paise(value)


class RefundSourceRead(CamelModel):
    """Credit a refund paid back: part of a payment's unallocated amount or of a credit note's unapplied
    one."""

    source_type: str = Field(description="PAYMENT or CREDIT_NOTE")
    source_id: str = Field(description="the payment (PAY...) or credit note (CN...)")
    amount: Money = Field(description="what the refund took from it")


class RefundRead(CamelModel):
    refund_id: str = Field(description="RF + 14 characters")
    customer_id: str
    amount: Money = Field(description="paid back to the customer")
    mode: PaymentMode = Field(description="how it was paid back")
    reference: str = Field(description="UTR, cheque number or receipt number of the refund")
    paid_on: date = Field(description="when it was paid back")
    sources: list[RefundSourceRead] = Field(
        description="the credit it paid back: which payments and credit notes"
    )
    created_by: str
    created_on: IstDateTime


class RefundMade(RefundRead):
    credit_balance: Money = Field(description="the customer's credit left after the refund")
