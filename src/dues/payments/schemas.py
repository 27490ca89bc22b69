"""Payment bodies and answers (api.md §5): EnKash-style camelCase on the wire, amounts as exact decimals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from dues.companies.schemas import CamelInput, CamelModel
from dues.invoices.schemas import MAX_AMOUNT
from dues.kit.fields import IstDateTime, Money
from dues.kit.money import is_money, to_paise


class PaymentMode(StrEnum):
    UPI = "UPI"
    NEFT = "NEFT"
    RTGS = "RTGS"
    IMPS = "IMPS"
    CHEQUE = "CHEQUE"
    CASH = "CASH"
    CARD = "CARD"


def _amount(value: Decimal) -> Decimal:
    if not is_money(value):
        raise ValueError("must have at most 2 decimal places")
    if value > MAX_AMOUNT:
        raise ValueError("must be at most 99,999,999,999,999.99")
    # 500 and 500.00 are the same money: stored, answered and audited as 500.00.
    return to_paise(value)


# Ids are checked for shape here, so a malformed one is named as the field it came in, not looked up.
InvoiceRef = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^INV[A-Z0-9]{13}$")]
CustomerRef = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^KC[A-Z0-9]{14}$")]
Reference = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$"),
]


class AllocationIn(CamelInput):
    invoice_id: InvoiceRef
    amount: Money = Field(gt=0)

    @field_validator("amount")
    @classmethod
    def _paise(cls, value: Decimal) -> Decimal:
        return _amount(value)


class PaymentCreate(CamelInput):
    mode: PaymentMode
    amount: Money = Field(gt=0)
    reference: Reference = Field(description="UTR, cheque number or receipt number")
    paid_on: date
    customer_id: CustomerRef
    allocations: list[AllocationIn] | None = Field(
        None,
        min_length=1,
        max_length=1000,
        description="leave out to apply the payment to the customer's open invoices, oldest due date first",
    )

    @field_validator("amount")
    @classmethod
    def _paise(cls, value: Decimal) -> Decimal:
        return _amount(value)


class AllocationRead(CamelModel):
    invoice_id: str
    amount: Money


class PaymentRead(CamelModel):
    payment_id: str
    company_id: str
    customer_id: str
    mode: PaymentMode
    amount: Money
    allocated_amount: Money
    unallocated_amount: Money = Field(description="what went to the customer's credit")
    reference: str
    paid_on: date
    allocations: list[AllocationRead]
    created_by: str
    created_on: IstDateTime
    # §9.3: a reversed payment keeps its rows as they were; these say that, when and why it was undone.
    status: str = Field("RECORDED", description="RECORDED, or REVERSED once reversed")
    reversed_on: IstDateTime | None = Field(None, description="when it was reversed")
    reversed_by: str | None = Field(None, description="the user who reversed it")
    reversal_reason: str | None = Field(
        None, description="CHEQUE_BOUNCED, PAYMENT_RECALLED or ENTERED_IN_ERROR"
    )
    reversal_remarks: str | None = Field(None, description="the remarks given with the reversal")
    reversal_charge_invoice_id: str | None = Field(
        None, description="the debit note that charged the customer for the reversal, if any"
    )


class CreditApply(CamelInput):
    allocations: list[AllocationIn] | None = Field(
        None,
        min_length=1,
        max_length=1000,
        description="leave out to apply the credit to the customer's open invoices, oldest due date first",
    )


class CreditApplication(CamelModel):
    """Part of an earlier payment's unallocated amount, or of a credit note's unapplied one, now allocated to
    an invoice."""

    payment_id: str | None = None
    credit_note_id: str | None = Field(
        None, description="The credit note whose unapplied credit is used (null when a payment's is)"
    )
    invoice_id: str
    amount: Money


class CreditApplied(CamelModel):
    customer_id: str
    applied: list[CreditApplication]
    credit_balance: Money = Field(description="the customer's credit left after this")
