"""Payment bodies and answers (api.md §5): EnKash-style camelCase on the wire, amounts as exact decimals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, field_validator

from dues.companies.schemas import CamelInput, CamelModel
from dues.invoices.schemas import MAX_AMOUNT
from dues.kit.fields import IstDateTime, Money, ShortText
from dues.kit.money import ZERO, is_money, to_paise
from dues.kit.tds import TAN, TdsSection


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


def _tan(value: str) -> str:
    if not TAN.match(value):
        raise ValueError("is not a TAN: 4 letters, 5 digits and a letter, such as MUMA12345B")
    return value


Tan = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True),
    AfterValidator(_tan),
]
# The Income-tax Act 2025 (s.393) replaces section numbers with payment codes in TDS statements; dues keeps
# the code as the buyer gives it: one line of text, up to 16 characters.
PaymentCode = Annotated[ShortText, StringConstraints(min_length=1, max_length=16)]


class AllocationIn(CamelInput):
    invoice_id: InvoiceRef
    amount: Money = Field(gt=0)

    @field_validator("amount")
    @classmethod
    def _paise(cls, value: Decimal) -> Decimal:
        return _amount(value)


class PaymentAllocationIn(CamelInput):
    """A payment's part for one invoice: cash, and the TDS the buyer deducted from it (§9.2). Together they
    settle ``amount + tdsAmount`` of the invoice."""

    invoice_id: InvoiceRef = Field(description="The invoice paid (INV...)")
    amount: Money = Field(
        ge=0,
        description="How much of the payment's money goes to this invoice, in rupees with at most 2 "
        "decimals; 0 when TDS alone settles what this invoice still owes",
    )
    tds_amount: Money = Field(
        ZERO,
        ge=0,
        description="TDS the buyer deducted on this invoice (needs tdsSection and deductorTan); at most the "
        "company's tdsSanityPercent of the invoice's taxable value",
    )

    @field_validator("amount", "tds_amount")
    @classmethod
    def _paise(cls, value: Decimal) -> Decimal:
        return _amount(value)

    @property
    def settles(self) -> Decimal:
        return self.amount + self.tds_amount


class PaymentCreate(CamelInput):
    mode: PaymentMode
    amount: Money = Field(
        ge=0,
        description="the money received; 0 only to record TDS on its own (allocations with tdsAmount), "
        "deducted from a payment recorded before, e.g. through the payment page",
    )
    reference: Reference = Field(description="UTR, cheque number or receipt number")
    paid_on: date
    customer_id: CustomerRef
    allocations: list[PaymentAllocationIn] | None = Field(
        None,
        min_length=1,
        max_length=1000,
        description="leave out to apply the payment to the customer's open invoices, oldest due date "
        "first; TDS needs them (each allocation carries its tdsAmount)",
    )
    tds_section: TdsSection | None = Field(
        None,
        description="The section the buyer deducted TDS under: 194C, 194H, 194I, 194J, 194O, 194Q or "
        "OTHER; required when an allocation has a tdsAmount",
    )
    tds_payment_code: PaymentCode | None = Field(
        None,
        description="Optional: the buyer's payment code under the Income-tax Act 2025, s.393 (as printed "
        "on its TDS certificate), up to 16 characters",
    )
    deductor_tan: Tan | None = Field(
        None,
        description="The buyer's TAN (tax deduction account number), like MUMA12345B; required with TDS",
    )
    tds_amount: Money | None = Field(
        None,
        ge=0,
        description="Optional: the payment's TDS in all; when given it must equal the sum of the "
        "allocations' tdsAmount",
    )

    @field_validator("amount")
    @classmethod
    def _paise(cls, value: Decimal) -> Decimal:
        return _amount(value)

    @field_validator("tds_amount")
    @classmethod
    def _tds_paise(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else _amount(value)


class AllocationRead(CamelModel):
    invoice_id: str
    amount: Money
    tds_amount: Money = Field(description="TDS the buyer deducted on this invoice (§9.2)")


class PaymentRead(CamelModel):
    payment_id: str
    company_id: str
    customer_id: str
    mode: PaymentMode
    amount: Money
    allocated_amount: Money
    unallocated_amount: Money = Field(description="what went to the customer's credit")
    tds_section: TdsSection | None = Field(description="The section the buyer deducted TDS under")
    tds_payment_code: str | None = Field(description="The buyer's s.393 payment code, when given")
    deductor_tan: str | None = Field(description="The buyer's TAN, when the payment carries TDS")
    tds_amount: Money = Field(
        description="TDS the buyer deducted, in all: settled on the invoices beside the money received"
    )
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
