"""The AR overview's answer (api.md §10 "Overview"); docs/overview.md explains every figure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import Field, WithJsonSchema

from dues.companies.schemas import CamelModel
from dues.kit.fields import Money

_DAYS = "one decimal"
# A measure (days, percent) goes out as a JSON number with its exact digits, as amounts do (kit/envelope.py).
Measure = Annotated[Decimal, WithJsonSchema({"type": "number", "example": 45.3})]


class OverdueCustomer(CamelModel):
    """A customer among those owing the most past the due date at the end of `to`."""

    customer_id: str = Field(description="The customer (KC...)")
    customer_name: str = Field(description="The customer's legal name")
    overdue: Money = Field(description="What it owed on invoices past their due date at the end of `to`")
    oldest_due_date: date = Field(description="The due date of the oldest invoice it owed on, yyyy-MM-dd")
    days_past_due: int = Field(description="Days from that due date to `to`")


class MonthFigures(CamelModel):
    """One calendar month of the twelve ending with the month of `to`."""

    month: str = Field(description="The month, yyyy-MM")
    invoiced: Money = Field(
        description="Invoices and debit notes dated in the month, corrections of their amounts included"
    )
    collected: Money = Field(description="Payments received in the month (cash, before reversals)")
    outstanding_at_end: Money = Field(
        description="Owed on invoices at the end of the month's last day (for the month of `to`, of `to`)"
    )


class OverviewRead(CamelModel):
    """What customers owe and how well it is collected: balances at the end of `to`, movements within
    [from, to], collection measures, aging, the customers most overdue and twelve months of history."""

    date_from: date = Field(alias="from", description="The period's first day, yyyy-MM-dd")
    date_to: date = Field(
        alias="to", description="The period's last day, yyyy-MM-dd; balances are at its end"
    )
    outstanding: Money = Field(description="Owed on invoices at the end of `to` (current + overdue)")
    current: Money = Field(description="The part of outstanding not yet past its due date")
    overdue: Money = Field(description="The part of outstanding past its due date")
    unapplied_credit: Money = Field(
        description="Payments and credit notes not yet applied to an invoice at the end of `to`; not "
        "subtracted from outstanding"
    )
    outstanding_at_start: Money = Field(
        description="Owed on invoices at the end of the day before `from` (the CEI's beginning receivables)"
    )
    invoiced: Money = Field(
        description="Invoices and debit notes dated within the period, less corrections that lowered their "
        "amounts (the credit sales of DSO and CEI)"
    )
    collected: Money = Field(description="Payments dated within the period, on invoices and to credit")
    credit_notes: Money = Field(description="Credit notes dated within the period")
    write_offs: Money = Field(description="Write-offs made within the period")
    tds_deducted: Money = Field(description="TDS customers deducted from payments dated within the period")
    refunds: Money = Field(description="Credit paid back to customers within the period")
    reversals: Money = Field(
        description="Reversals within the period, signed: positive raised what is owed (payments undone, "
        "e.g. a bounced cheque), negative lowered it (invoices withdrawn from collection or moved to "
        "another customer)"
    )
    dso: Measure | None = Field(
        description=f"Days sales outstanding, countback over the 90 days ending at `to`, {_DAYS}; null "
        "when those days had no credit sales"
    )
    best_possible_dso: Measure | None = Field(
        description=f"Current receivables / credit sales of the 90 days ending at `to` x 90, {_DAYS}; null "
        "when those days had no credit sales"
    )
    cei: Measure | None = Field(
        description="Collection effectiveness index over the period, percent with one decimal; null when "
        "nothing was owed or sold"
    )
    average_days_to_pay: Measure | None = Field(
        description=f"Amount-weighted days from invoice date to payment, over the payments and TDS on "
        f"invoices dated within the period (the invoices may be older), {_DAYS}; null when there were none"
    )
    average_days_late: Measure | None = Field(
        description=f"The same, days past the due date (0 for a payment on time), {_DAYS}; null when there "
        "were none"
    )
    aging: dict[str, Money] = Field(
        description="Outstanding by days past due at the end of `to`: current, 1-30, 31-60, 61-90, 90+"
    )
    top_overdue_customers: list[OverdueCustomer] = Field(
        description="Up to 10 customers with the most overdue at the end of `to`, most first"
    )
    monthly: list[MonthFigures] = Field(description="The 12 calendar months ending with the month of `to`")
