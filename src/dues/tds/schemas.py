"""The TDS register's bodies and answers (api.md §9.2)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from dues.companies.schemas import CamelInput, CamelModel
from dues.kit.fields import IstDateTime, Money
from dues.kit.money import to_paise
from dues.kit.tds import TdsSection
from dues.payments.schemas import CustomerRef, Tan


class TdsStatus(StrEnum):
    AWAITING_CERTIFICATE = "AWAITING_CERTIFICATE"
    CERTIFICATE_RECEIVED = "CERTIFICATE_RECEIVED"
    MATCHED = "MATCHED"
    MISMATCHED = "MISMATCHED"
    CANCELLED = "CANCELLED"


class TdsEntryRead(CamelModel):
    """TDS a buyer deducted from one payment, and how far the seller has confirmed it."""

    tds_id: str = Field(description="The register entry: TD + 14 letters or digits")
    payment_id: str = Field(description="The payment the buyer deducted it from")
    customer_id: str = Field(description="The buyer (the deductor)")
    invoice_ids: list[str] = Field(description="The invoices the TDS settled")
    deductor_tan: str | None = Field(description="The buyer's TAN")
    section: TdsSection = Field(description="The section it was deducted under")
    payment_code: str | None = Field(description="The buyer's s.393 payment code, when given")
    amount: Money = Field(description="The TDS deducted, in all")
    deducted_on: date = Field(description="When: the payment's paidOn, yyyy-MM-dd")
    quarter: str = Field(description="The financial year's quarter of the deduction, like 2026-27-Q3")
    status: TdsStatus = Field(
        description="AWAITING_CERTIFICATE (recorded with the payment), CERTIFICATE_RECEIVED (a Form 16A for "
        "the same amount), MISMATCHED (a Form 16A for another amount), MATCHED (found in Form 26AS / AIS), "
        "CANCELLED (its payment was reversed)"
    )
    certificate_number: str | None = Field(description="The Form 16A certificate's number, once recorded")
    certificate_date: date | None = Field(description="The Form 16A certificate's date, once recorded")
    certificate_amount: Money | None = Field(description="The TDS the Form 16A certificate states")
    matched_amount: Money | None = Field(
        description="The tax deducted that Form 26AS / AIS shows, once matched"
    )
    statement_id: str | None = Field(description="The imported statement that matched it (TS...)")
    created_on: IstDateTime = Field(description="When it was recorded, yyyy-MM-dd HH:mm:ss, IST")
    updated_on: IstDateTime = Field(description="When it last changed, yyyy-MM-dd HH:mm:ss, IST")


QuarterText = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{4}-[0-9]{2}-Q[1-4]$", max_length=10)
]


class TdsSearch(CamelInput):
    quarter: QuarterText | None = Field(None, description="The quarter, like 2026-27-Q3 (April-June is Q1)")
    status: TdsStatus | None = Field(None, description="Only entries in this status")
    customer_ids: list[CustomerRef] | None = Field(
        None, max_length=5000, description="Only the TDS of these customers (KC...)"
    )
    deductor_tan: Tan | None = Field(None, description="Only the TDS of this deductor's TAN")


ORDERABLE = {
    "deductedOn": "deducted_on",
    "amount": "amount",
    "quarter": "quarter",
    "status": "status",
    "tdsId": "tds_id",
    "customerId": "customer_id",
    "createdOn": "created_on",
}

CertificateNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9/-]+$")
]


class CertificateIn(CamelInput):
    """A Form 16A TDS certificate the buyer issued for this deduction (downloaded by it from TRACES)."""

    certificate_number: CertificateNumber = Field(
        description="The certificate's number as printed on it (letters, digits, / and -; up to 32)"
    )
    certificate_date: date = Field(description="The certificate's date, yyyy-MM-dd; not in the future")
    amount: Money = Field(
        gt=0,
        description="The TDS the certificate states for this deduction; more than 1.00 away from the "
        "register's amount marks the entry MISMATCHED",
    )

    @field_validator("amount")
    @classmethod
    def _paise(cls, value: Decimal) -> Decimal:
        return to_paise(value)  # Money has refused more than 2 decimals already


class RowStatus(StrEnum):
    MATCHED = "MATCHED"
    UNMATCHED = "UNMATCHED"
    AMBIGUOUS = "AMBIGUOUS"


class StatementRow(CamelModel):
    """One row of the imported statement and what it matched."""

    row: int = Field(description="The row's number as a spreadsheet shows it (the header is row 1)")
    status: RowStatus = Field(
        description="MATCHED (one register entry fits it), UNMATCHED (none does, or the row cannot be "
        "read: see message), AMBIGUOUS (several fit equally well: record their certificates instead)"
    )
    tds_id: str | None = Field(None, description="The register entry it matched, when MATCHED")
    candidate_ids: list[str] | None = Field(None, description="The entries that fit it, when AMBIGUOUS")
    deductor_tan: str | None = Field(None, description="The row's deductor TAN")
    deductor_name: str | None = Field(None, description="The row's deductor name")
    section: str | None = Field(None, description="The row's section (or payment code)")
    transaction_date: date | None = Field(None, description="The row's transaction date")
    quarter: str | None = Field(None, description="The quarter of the transaction date")
    amount_paid: Money | None = Field(None, description="The row's amount paid or credited")
    tax_deducted: Money | None = Field(None, description="The row's tax deducted")
    tax_deposited: Money | None = Field(None, description="The row's tax deposited")
    message: str | None = Field(None, description="Why the row could not be read, or what to look at")


class StatementResult(CamelModel):
    statement_id: str = Field(description="The import: TS + 14 letters or digits")
    file_name: str | None = Field(description="The file's name as uploaded")
    total_rows: int = Field(description="Data rows read (blank rows left out)")
    matched_rows: int = Field(description="Rows that matched a register entry")
    quarters: list[str] = Field(description="The quarters of the statement's transaction dates")
    rows: list[StatementRow] = Field(description="Every data row, in file order, with what it matched")
    unmatched_entries: list[TdsEntryRead] = Field(
        description="The register's entries of those quarters that are still not matched: TDS the buyer "
        "deducted that Form 26AS does not show (yet)"
    )
