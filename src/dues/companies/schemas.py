from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StringConstraints,
    field_validator,
    model_validator,
)

from dues.kit import india, leniency
from dues.kit.fields import (
    AccountNumber,
    Email,
    Gstin,
    Ifsc,
    IstDateTime,
    LongText,
    Money,
    Name,
    Phone,
    PinCode,
    ShortText,
    StateName,
)
from dues.kit.money import is_money
from dues.models.company import ApprovalChain


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=_camel, populate_by_name=True, from_attributes=True)


class CamelInput(CamelModel):
    """A request body, read as EnKash reads it (api.md §1.1a, kit/leniency.py): wire (camelCase) names only;
    a null where the field takes none is the field left out; the documented fields a model lists in DROPPED
    (computed by dues) are dropped; an unknown field is ignored and named in X-Ignored-Fields."""

    model_config = ConfigDict(
        populate_by_name=False,
        validate_by_name=False,
        validate_by_alias=True,
        extra="ignore",
        json_schema_extra=leniency.document_dropped,
    )
    DROPPED: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="wrap")
    @classmethod
    def _lenient(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        return leniency.validate(cls, data, handler)


class BankAccount(CamelModel):
    """The account the seller takes transfers into, printed on its documents and on the payment page."""

    account_name: ShortText = Field(description="the account holder's name as the bank has it")
    account_number: AccountNumber = Field(description="9 to 36 letters or digits")
    ifsc: Ifsc = Field(description="the branch's IFSC, e.g. HDFC0001234")
    bank_name: ShortText = Field(description="the bank (and branch), e.g. HDFC Bank, Fort")


class BankAccountInput(BankAccount, CamelInput):
    """The bank account in a settings PATCH, read leniently like every request body."""


class MsmeCategory(StrEnum):
    """The seller's enterprise category under the MSMED Act 2006 (its Udyam registration)."""

    MICRO = "MICRO"
    SMALL = "SMALL"
    MEDIUM = "MEDIUM"


_UDYAM = re.compile(r"^UDYAM-([A-Z]{2})-[0-9]{2}-[0-9]{7}\Z", re.ASCII)


def _udyam(value: str) -> str:
    found = _UDYAM.match(value)
    if found is None:
        raise ValueError(
            "must be a Udyam registration number: UDYAM-XX-00-0000000 (e.g. UDYAM-MH-19-0001234)"
        )
    if found.group(1) not in india.STATE_ABBREVIATIONS:
        raise ValueError(f"{found.group(1)} is not the code of an Indian state or union territory")
    return value


# The Udyam registration number (MSMED Act s.8, Udyam notification of 26 June 2020): the state's letters,
# the district's two digits and seven digits.
UdyamNumber = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True), AfterValidator(_udyam)]


# UPI's usual per-transaction limit (NPCI): above it a QR code or intent link would be refused by the app.
DEFAULT_UPI_MAX_AMOUNT = Decimal("100000.00")
# No TDS section's rate comes near 10 % of the taxable value but 194J's: more is a typing error (§9.2).
DEFAULT_TDS_SANITY_PERCENT = Decimal("10.00")


class CompanyRead(CamelModel):
    company_id: str
    legal_name: str
    gstin: str | None
    state: str
    address: str | None
    pin_code: str | None
    email: str | None
    upi_vpa: str | None
    upi_payee_name: str | None
    approval_chain: ApprovalChain
    invoice_number_prefix: str | None
    parent_company_id: str | None
    default_reminder_id: str | None
    phone: str | None = Field(None, description="printed on the seller's documents")
    bank_account: BankAccount | None = Field(
        None, description="printed on documents and the payment page for transfers"
    )
    upi_max_amount: Money = Field(
        DEFAULT_UPI_MAX_AMOUNT, description="above this amount the payment page offers no UPI QR code or link"
    )
    credit_note_prefix: str | None = Field(
        None, description='the credit notes\' number series prefix (null: "CN"), as CN2627-000000001'
    )
    debit_note_prefix: str | None = Field(
        None, description='the debit notes\' number series prefix (null: "DN"), as DN2627-000000001'
    )
    auto_write_off_below: Money = Field(
        Decimal("0.00"),
        description="a payment leaving an invoice owing more than 0 and less than this writes the rest off "
        "automatically; 0: never",
    )
    tds_sanity_percent: Money = Field(
        DEFAULT_TDS_SANITY_PERCENT,
        description="the most TDS a payment may record on an invoice, in percent of its taxable value "
        "(default 10)",
    )
    statement_day: int | None = Field(
        None,
        description="the day of the month (1 to 28) on which last month's statement of account is e-mailed "
        "to every customer with a balance at its end; null: never",
    )
    logo_content_type: str | None = Field(
        None,
        description="image/png or image/svg+xml when the company has a logo (printed on its documents; "
        "GET /api/v0/company/logo), else null",
    )
    udyam_number: str | None = Field(
        None, description="the Udyam registration number (UDYAM-XX-00-0000000), printed on documents; or null"
    )
    msme_category: MsmeCategory | None = Field(
        None,
        description="MICRO, SMALL or MEDIUM (MSMED Act 2006), or null; a micro or small seller's invoices "
        "show the MSMED Act s.15 due date and s.16 interest",
    )
    created_on: IstDateTime
    updated_on: IstDateTime


class CompanyLogoRead(CamelModel):
    """The logo just kept."""

    content_type: str = Field(description="image/png or image/svg+xml, as the bytes showed it to be")
    size: int = Field(description="Its size in bytes")


class CompanyPatch(CamelInput):
    """PATCH: a field left out is unchanged, null clears it, a value sets it. The read-only fields of the
    answer are dropped, so a client may send back what it read."""

    DROPPED = frozenset({"companyId", "parentCompanyId", "createdOn", "updatedOn"})

    legal_name: Name | None = None
    gstin: Gstin | None = None
    state: StateName | None = None
    address: LongText | None = None
    pin_code: PinCode | None = None
    email: Email | None = None
    upi_vpa: str | None = Field(None, pattern=r"^[A-Za-z0-9.\-_]{2,256}@[A-Za-z][A-Za-z0-9]{1,64}$")
    upi_payee_name: ShortText | None = None
    approval_chain: ApprovalChain | None = None
    invoice_number_prefix: str | None = Field(None, pattern=r"^[A-Za-z0-9/-]{1,8}$")
    credit_note_prefix: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9/-]{1,8}$",
        description='prefix of the credit notes\' numbers, 1 to 8 of A-Z a-z 0-9 / -; null: back to "CN"',
    )
    debit_note_prefix: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9/-]{1,8}$",
        description='prefix of the debit notes\' numbers, 1 to 8 of A-Z a-z 0-9 / -; null: back to "DN"',
    )
    default_reminder_id: str | None = Field(None, pattern=r"^RM[A-Z0-9]{14}$")
    phone: Phone | None = Field(None, description="printed on the seller's documents")
    bank_account: BankAccountInput | None = Field(
        None,
        description="printed on documents and the payment page for transfers; replaced whole, null clears",
    )
    upi_max_amount: Money | None = Field(
        None,
        gt=0,
        le=Decimal("99999999999999.99"),
        description="above it the payment page offers no UPI QR code or link; null: back to 100000.00",
    )
    tds_sanity_percent: Money | None = Field(
        None,
        gt=0,
        le=100,
        description="the most TDS a payment may record on an invoice, in percent of its taxable value (above "
        "0, at most 100); null: back to 10",
    )

    udyam_number: UdyamNumber | None = Field(
        None,
        description="the Udyam registration number, UDYAM-XX-00-0000000 (state letters, district digits, "
        "seven digits), printed on documents; null clears it",
    )
    msme_category: MsmeCategory | None = Field(
        None,
        description="MICRO, SMALL or MEDIUM as the Udyam registration says; MICRO or SMALL makes buyers owe "
        "MSMED Act s.16 interest on late payment; null clears it",
    )
    statement_day: int | None = Field(
        None,
        ge=1,
        le=28,
        description="the day of the month (1 to 28) on which last month's statements go out to every "
        "customer with a balance; null: never",
    )
    auto_write_off_below: Money | None = Field(
        None,
        ge=0,
        le=Decimal("99999999999999.99"),
        description="residuals a payment leaves below this are written off automatically; 0 or null: never",
    )

    @field_validator("upi_max_amount", "auto_write_off_below", "tds_sanity_percent")
    @classmethod
    def _paise(cls, value: Decimal | None) -> Decimal | None:
        # Read off the digits: normalising 1e-999999999 underflows to 0 and would pass as "two places".
        if value is not None and not (is_money(value) and value == value.quantize(Decimal("0.01"))):
            raise ValueError("must have at most 2 decimal places")
        return value
