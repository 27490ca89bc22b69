"""The customer ledger's answer (api.md §10 "Ledger"): entries in date order with a running balance."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from dues.companies.schemas import CamelModel
from dues.kit.fields import IstDateTime, Money
from dues.ledger.service import EntryType


class LedgerLine(CamelModel):
    entry_id: int = Field(description="the entry's number, increasing in the order entries were posted")
    entry_date: date = Field(
        alias="date", description="the movement's effective date (invoice date, payment date, note date...)"
    )
    type: EntryType = Field(description="what moved: INVOICE, PAYMENT, TDS, CREDIT_NOTE, REVERSAL ...")
    document_id: str = Field(
        description="the invoice, payment, credit note, write-off or refund it came from"
    )
    document_number: str | None = Field(description="the document's number or reference, as printed")
    invoice_id: str | None = Field(
        description="the invoice whose balance it moved; null: the customer's credit"
    )
    debit: Money = Field(description="what this raised the amount owed by (0 when it lowered it)")
    credit: Money = Field(description="what this lowered the amount owed by (0 when it raised it)")
    running_balance: Money = Field(
        description="what the customer owed after this entry (negative: in credit)"
    )
    posted_on: IstDateTime = Field(description="when the entry was written (IST)")


class LedgerRead(CamelModel):
    customer_id: str
    date_from: date | None = Field(None, alias="from", description="first day covered; null: from the start")
    date_to: date | None = Field(None, alias="to", description="last day covered; null: to today")
    opening_balance: Money = Field(description="what the customer owed before the first day covered")
    entries: list[LedgerLine] = Field(description="the entries dated within the period, oldest first")
    closing_balance: Money = Field(description="what the customer owed at the end of the last day covered")
