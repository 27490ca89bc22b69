"""A customer's statement of account (api.md §10 "Statement of account"): what it answers and what sending one
takes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from pydantic import Field, field_validator

from dues.companies.schemas import CamelInput, CamelModel
from dues.kit.fields import Email, FilterDate, Money
from dues.ledger.service import EntryType

# At most so many addresses a statement goes to at once: a customer's accounts people, not a mailing list.
MAX_ADDRESSES = 20


class StatementFormat(StrEnum):
    JSON = "json"
    PDF = "pdf"


class StatementParty(CamelModel):
    """The seller or the customer as the statement names them."""

    legal_name: str = Field(description="the registered name")
    gstin: str | None = Field(None, description="GSTIN, when registered under GST")
    pan: str | None = Field(None, description="PAN, when the party gave one instead of a GSTIN")
    address: str | None = Field(None, description="postal address as kept in dues")
    state: str | None = Field(None, description="the state (decides intra- or inter-state GST)")
    pin_code: str | None = Field(None, description="six-digit PIN code")
    email: str | None = Field(None, description="e-mail address as kept in dues")


class StatementCustomer(StatementParty):
    customer_id: str = Field(description="KC + 14 characters")


class StatementCompany(StatementParty):
    company_id: str = Field(description="the seller's company id (CEK + 7)")
    phone: str | None = Field(None, description="the seller's phone, as printed on its documents")


class StatementLine(CamelModel):
    """One movement of the period: the ledger's entries of one document on one day, netted (a payment that
    paid three invoices is one line)."""

    line_date: date = Field(alias="date", description="the movement's effective date (yyyy-MM-dd)")
    type: EntryType = Field(
        description="INVOICE, DEBIT_NOTE, PAYMENT, TDS, CREDIT_NOTE, WRITE_OFF, REVERSAL, REFUND"
    )
    document_id: str = Field(
        description="the invoice, payment, credit note, write-off or refund it came from"
    )
    document_number: str | None = Field(description="the document's number or the payment's reference (UTR)")
    description: str = Field(
        description='what happened, in words: "Invoice INV-...", "Payment received — UTR ..."'
    )
    debit: Money = Field(description="what this raised the amount owed by (0 when it lowered it)")
    credit: Money = Field(description="what this lowered the amount owed by (0 when it raised it)")
    running_balance: Money = Field(description="what the customer owed after this line (negative: in credit)")


class StatementAging(CamelModel):
    """What the customer owed on invoices at the end of the period, by days past the due date."""

    current: Money = Field(description="not yet due, or due on the statement's last day")
    days_1_30: Money = Field(alias="1-30", description="1 to 30 days past due")
    days_31_60: Money = Field(alias="31-60", description="31 to 60 days past due")
    days_61_90: Money = Field(alias="61-90", description="61 to 90 days past due")
    days_over_90: Money = Field(alias="90+", description="more than 90 days past due")
    total: Money = Field(description="owed on invoices in all: the buckets' sum")


class OpenInvoice(CamelModel):
    """An invoice (or debit note) with something still owed on it at the end of the period."""

    invoice_id: str = Field(description="INV + 13 characters")
    invoice_number: str = Field(description="the invoice's number as printed")
    invoice_date: date = Field(description="yyyy-MM-dd")
    due_date: date = Field(description="yyyy-MM-dd")
    total: Money = Field(description="the invoice's total, tax included")
    balance: Money = Field(description="what was still owed on it at the end of the period")
    days_past_due: int = Field(
        description="days from the due date to the period's last day; 0 when not yet due"
    )
    msme_due_date: date | None = Field(
        None,
        description="MSMED Act s.15: the agreed due date capped at 45 days after the invoice date, when the "
        "seller is a micro or small enterprise; null otherwise (docs/msme.md)",
    )
    msme_interest: Money | None = Field(
        None,
        description="MSMED Act s.16 interest accrued on it to the period's last day (compound, monthly "
        "rests, three times the RBI bank rate); null when the seller is not micro or small",
    )


class StatementRead(CamelModel):
    customer: StatementCustomer = Field(description="to whom the statement is addressed")
    company: StatementCompany = Field(description="the seller whose books it is drawn from")
    date_from: date = Field(alias="from", description="the first day covered (yyyy-MM-dd)")
    date_to: date = Field(alias="to", description="the last day covered (yyyy-MM-dd)")
    opening_balance: Money = Field(
        description="what the customer owed at the start of the first day (negative: in credit)"
    )
    lines: list[StatementLine] = Field(description="every movement of the period, oldest first")
    closing_balance: Money = Field(
        description="what the customer owed at the end of the last day (negative: in credit)"
    )
    total_debits: Money = Field(description="the lines' debits summed")
    total_credits: Money = Field(description="the lines' credits summed")
    unapplied_credit: Money = Field(
        description="payments and credit notes not yet set against an invoice at the end of the period"
    )
    aging: StatementAging = Field(description="what was owed on invoices at the end of the period, by age")
    open_invoices: list[OpenInvoice] = Field(
        description="the invoices still owing at the end of the period, oldest due first"
    )
    msme_interest: Money | None = Field(
        None,
        description="the open invoices' MSMED Act s.16 interest to the period's last day, summed; null when "
        "the seller is not a micro or small enterprise",
    )


class Line(NamedTuple):
    """A StatementLine as a statement is built and written: a statement has a thousand of them, and a pydantic
    model each took longer to make and to write than the ledger took to read (5 µs and 2 µs a line)."""

    line_date: date
    type: EntryType
    document_id: str
    document_number: str | None
    description: str
    debit: Decimal
    credit: Decimal
    running_balance: Decimal


# A line's wire names, in Line's order, from the model that documents them.
_LINE_KEYS = tuple(StatementLine.model_fields[name].alias or name for name in Line._fields)


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement of account as the service builds it: StatementRead's fields, its lines plain tuples."""

    customer: StatementCustomer
    company: StatementCompany
    date_from: date
    date_to: date
    opening_balance: Decimal
    lines: list[Line]
    closing_balance: Decimal
    total_debits: Decimal
    total_credits: Decimal
    unapplied_credit: Decimal
    aging: StatementAging
    open_invoices: list[OpenInvoice]
    msme_interest: Decimal | None

    def wire(self) -> dict[str, Any]:
        """The answer as StatementRead writes it: wire names, Python values for the envelope to write, each
        line's date already as text (a third of the time the envelope took to write the lines)."""
        head = {name: getattr(self, name) for name in self.__slots__ if name != "lines"}
        found = StatementRead.model_construct(**head, lines=[]).model_dump(mode="python", by_alias=True)
        found["lines"] = [
            dict(zip(_LINE_KEYS, (line[0].isoformat(), *line[1:]), strict=True)) for line in self.lines
        ]
        return found


class StatementSend(CamelInput):
    """Whom to send the statement to, and the period it covers (the defaults as for reading one)."""

    date_from: FilterDate | None = Field(
        None, alias="from", description="first day covered (default: 1 April of to's financial year)"
    )
    date_to: FilterDate | None = Field(None, alias="to", description="last day covered (default: today, IST)")
    email_addresses: list[Email] | None = Field(
        None,
        max_length=MAX_ADDRESSES,
        description="send to these addresses instead of the customer's contacts that take invoices (or its "
        "own e-mail); at most 20",
    )

    @field_validator("email_addresses")
    @classmethod
    def _some(cls, value: list[str] | None) -> list[str] | None:
        # An empty list is taken as "not given": the customer's own addresses.
        return value or None


class StatementMessage(CamelModel):
    message_id: str = Field(description="the outbox message (GET /api/v0/outbox), one per address")
    to: str = Field(description="the e-mail address it goes to")


class StatementSent(CamelModel):
    customer_id: str = Field(description="KC + 14 characters")
    date_from: date = Field(alias="from", description="the first day the statement covers")
    date_to: date = Field(alias="to", description="the last day the statement covers")
    closing_balance: Money = Field(
        description="what the customer owed at the end of the period, as the PDF says"
    )
    messages: list[StatementMessage] = Field(
        description="one e-mail per address, each with the statement's PDF attached; sent after the request "
        "commits, by the job worker"
    )
