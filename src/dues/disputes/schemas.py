"""Dispute and promise-to-pay bodies and answers (api.md §11)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import Field, field_validator

from dues.companies.schemas import CamelInput, CamelModel
from dues.kit.fields import IstDateTime, LongText, Money
from dues.kit.money import is_money, to_paise


class DisputeReason(StrEnum):
    PRICING = "PRICING"
    QUANTITY = "QUANTITY"
    QUALITY = "QUALITY"
    NOT_RECEIVED = "NOT_RECEIVED"
    DUPLICATE = "DUPLICATE"
    OTHER = "OTHER"


class DisputeOutcome(StrEnum):
    CREDIT_NOTE = "CREDIT_NOTE"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"


def _paise(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if not is_money(value):
        raise ValueError("must have at most 2 decimal places")
    return to_paise(value)


class DisputeCreate(CamelInput):
    reason: DisputeReason
    remarks: LongText | None = Field(None, description="What the customer says is wrong")
    amount: Money | None = Field(
        None, gt=0, description="The part of the invoice disputed, at most its balance; left out: all of it"
    )

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: Decimal | None) -> Decimal | None:
        return _paise(value)


class DisputeResolve(CamelInput):
    outcome: DisputeOutcome
    remarks: LongText | None = None


class DisputeRead(CamelModel):
    dispute_id: str = Field(description="DS + 14 characters")
    invoice_id: str
    customer_id: str
    reason: str
    remarks: str | None
    amount: Money | None
    status: str = Field(description="OPEN or RESOLVED")
    outcome: str | None
    resolution_remarks: str | None = Field(description="What the resolver said")
    opened_by: str = Field(description="The user who opened it, or network:bharat-connect")
    source: str = Field(description="API, PORTAL or BHARAT_CONNECT")
    created_on: IstDateTime
    resolved_on: IstDateTime | None = Field(description="When it was resolved (IST)")


class PromiseCreate(CamelInput):
    promised_date: date = Field(description="yyyy-MM-dd, today (IST) or later")
    amount: Money = Field(gt=0, description="What the customer promised to pay by then, at most the balance")

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: Decimal) -> Decimal:
        paise = _paise(value)
        assert paise is not None
        return paise


class PromiseRead(CamelModel):
    promise_id: str = Field(description="PP + 14 characters")
    invoice_id: str
    customer_id: str
    promised_date: date = Field(description="The date the customer promised to pay by")
    amount: Money
    status: str = Field(description="OPEN, KEPT, BROKEN, or SUPERSEDED (a newer promise replaced it)")
    created_on: IstDateTime
    settled_on: IstDateTime | None = Field(description="When it became KEPT, BROKEN or SUPERSEDED (IST)")
