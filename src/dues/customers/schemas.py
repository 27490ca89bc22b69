from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from dues.companies.schemas import CamelInput, CamelModel
from dues.kit import india
from dues.kit.fields import (
    STORABLE,
    AccountNumber,
    Email,
    Ifsc,
    IstDateTime,
    LongText,
    Money,
    Name,
    PanOrGstin,
    Phone,
    PinCode,
    SearchText,
    ShortText,
    StateName,
)
from dues.kit.tds import TdsSection


class CustomerStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class Channel(StrEnum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    WHATSAPP = "WHATSAPP"


Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=STORABLE)]
ReminderId = Annotated[str, StringConstraints(pattern=r"^RM[A-Z0-9]{14}$")]
RefNo = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=STORABLE)
]


def field_errors(title: str, problems: list[tuple[str, str, Any]]) -> ValidationError:
    """Errors a model validator finds, each located at its (camelCase) field so apiSubErrors name it.

    pydantic keeps the location of a ValidationError raised inside a validator and prefixes the outer one
    (``customerKeyContacts[0].channels``); a plain ValueError would be reported at the model itself.
    """
    return ValidationError.from_exception_data(
        title,
        [
            InitErrorDetails(
                type=PydanticCustomError("value_error", "{error}", {"error": message}),
                loc=(field,),
                input=value,
            )
            for field, message, value in problems
        ],
    )


def _check_channels(channels: list[Channel] | None, email: str | None, mobile: str | None) -> None:
    if channels and Channel.EMAIL in channels and not email:
        raise ValueError("channel EMAIL needs the contact's email")
    if channels and (Channel.SMS in channels or Channel.WHATSAPP in channels) and not mobile:
        raise ValueError("channels SMS and WHATSAPP need the contact's mobile")


# What a client may echo back from an answer: computed by dues, accepted and dropped (api.md §1.1a).
_CONTACT_COMPUTED = frozenset({"contactId", "customerId", "createdOn", "updatedOn"})
_CUSTOMER_COMPUTED = frozenset({"createdOn", "updatedOn", "creditBalance"})
CompanyId = Annotated[str, StringConstraints(pattern=r"^CEK[A-Z0-9]{7}$")]


class ContactCreate(CamelInput):
    DROPPED = _CONTACT_COMPUTED

    name: Name
    designation: ShortText | None = None
    email: Email | None = None
    mobile: Phone | None = None
    primary: bool = False
    receive_invoices: bool = True
    receive_reminders: bool = True
    channels: list[Channel] | None = Field(None, max_length=3)
    active: bool = True

    @model_validator(mode="after")
    def _reachable(self) -> ContactCreate:
        if not self.email and not self.mobile:
            raise field_errors("ContactCreate", [("email", "a contact needs an email or a mobile", None)])
        if self.channels is None:
            self.channels = [Channel.EMAIL] if self.email else [Channel.SMS]
        self.channels = list(dict.fromkeys(self.channels))
        try:
            _check_channels(self.channels, self.email, self.mobile)
        except ValueError as exc:
            raise field_errors(
                "ContactCreate", [("channels", str(exc), [str(c) for c in self.channels])]
            ) from exc
        return self


class ContactPatch(CamelInput):
    DROPPED = _CONTACT_COMPUTED - {"contactId"}

    contact_id: str | None = Field(None, max_length=16, exclude=True, description="when given, the path's")

    name: Name | None = None
    designation: ShortText | None = None
    email: Email | None = None
    mobile: Phone | None = None
    primary: bool | None = None
    receive_invoices: bool | None = None
    receive_reminders: bool | None = None
    channels: list[Channel] | None = Field(None, max_length=3)
    active: bool | None = None


class ContactRead(CamelModel):
    contact_id: str
    customer_id: str
    name: str
    designation: str | None
    email: str | None
    mobile: str | None
    primary: bool
    receive_invoices: bool
    receive_reminders: bool
    channels: list[str]
    active: bool
    created_on: IstDateTime
    updated_on: IstDateTime


def tds_pair_problem(section: object, rate: object) -> tuple[str, str] | None:
    """A TDS default is a section and a rate together: the field missing, and why, when only one is set."""
    if section is not None and rate is None:
        return "tdsRate", "is required with tdsSection: the rate the customer deducts TDS at"
    if rate is not None and section is None:
        return "tdsSection", "is required with tdsRate: the section the customer deducts TDS under"
    return None


class _CustomerFields(CamelInput):
    customer_company_id: ShortText | None = None
    pan_or_gstin: PanOrGstin | None = None
    email: Email | None = None
    contact_number: Phone | None = None
    address: LongText | None = None
    state: StateName | None = None
    pin_code: PinCode | None = None
    account_number: AccountNumber | None = None
    ifsc: Ifsc | None = None
    unique_ref_no: RefNo | None = None
    assigned_agent: ShortText | None = None
    branch_codes: list[Code] | None = Field(None, max_length=100)
    customer_reminders: list[ReminderId] | None = Field(None, max_length=20)
    bharat_connect_b2b_id: ShortText | None = Field(None, alias="bharatConnectB2BId")
    # Ours (§9.2): EnKash's clients never send these.
    tds_section: TdsSection | None = Field(
        None,
        description="The section this customer deducts TDS under by default (194C, 194H, 194I, 194J, 194O, "
        "194Q, OTHER); with tdsRate, pages, e-mails and reminders show the amount to pay after TDS",
    )
    tds_rate: Money | None = Field(
        None,
        gt=0,
        le=100,
        description="The TDS rate in percent (above 0, at most 100, 2 decimals) the customer deducts at, on "
        "the value without GST; set with tdsSection",
    )

    @field_validator("tds_rate")
    @classmethod
    def _rate(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else value.quantize(Decimal("0.01"))

    @field_validator("email", "contact_number", "account_number", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        # EnKash's patterns accept "" for these; stored as absent.
        return None if isinstance(value, str) and value.strip() == "" else value


def gstin_state_problem(pan_or_gstin: str | None, state: str | None) -> str | None:
    if pan_or_gstin and len(pan_or_gstin) == 15 and state:
        gst_state = india.gstin_state(pan_or_gstin)
        if gst_state != state:
            return f"the GSTIN is registered in {gst_state}, not in {state}"
    return None


def _one_primary(contacts: list[ContactCreate] | None) -> tuple[str, str, Any] | None:
    if contacts and sum(1 for c in contacts if c.primary) > 1:
        return ("customerKeyContacts", "only one contact can be primary", None)
    return None


class CustomerCreate(_CustomerFields):
    # customerId is the service's to give; a client generated from EnKash's DTO sends it null.
    DROPPED = _CUSTOMER_COMPUTED | {"customerId"}

    legal_name: Name
    status: CustomerStatus = CustomerStatus.ACTIVE
    customer_key_contacts: list[ContactCreate] = Field(default_factory=list, max_length=50)
    # EnKash's fields that dues decides: checked, then not stored (exclude: never in model_dump).
    company_id: CompanyId | None = Field(
        None, exclude=True, description="the owner: the token's company or a child of it (as ?companyId=)"
    )
    deleted: bool | None = Field(
        None, exclude=True, description="false or null: a new customer is not deleted"
    )

    @model_validator(mode="after")
    def _consistent(self) -> CustomerCreate:
        problems: list[tuple[str, str, Any]] = []
        if self.deleted:
            problems.append(("deleted", "a new customer cannot be deleted: leave it out or send false", True))
        if self.pan_or_gstin and len(self.pan_or_gstin) == 15 and not self.state:
            self.state = india.gstin_state(self.pan_or_gstin)
        problem = gstin_state_problem(self.pan_or_gstin, self.state)
        if problem:
            problems.append(("state", problem, self.state))
        primary = _one_primary(self.customer_key_contacts)
        if primary:
            problems.append(primary)
        tds = tds_pair_problem(self.tds_section, self.tds_rate)
        if tds:
            problems.append((tds[0], tds[1], None))
        if problems:
            raise field_errors("CustomerCreate", problems)
        return self


class CustomerPatch(_CustomerFields):
    """PATCH (JsonNullable): a field left out is unchanged, null clears it, a value sets it."""

    DROPPED = _CUSTOMER_COMPUTED

    legal_name: Name | None = None
    status: CustomerStatus | None = None
    # EnKash's fields with rules of their own (customers/service.py); exclude: never in model_dump.
    customer_id: str | None = Field(
        None, max_length=16, exclude=True, description="when given, the path's customerId"
    )
    company_id: CompanyId | None = Field(
        None,
        exclude=True,
        description="the owner: the token's company or a child of it (as ?parentCompanyId=)",
    )
    deleted: bool | None = Field(
        None, exclude=True, description="true is refused: delete with DELETE /api/v0/customer/{customerId}"
    )
    customer_key_contacts: list[ContactCreate] | None = Field(
        None,
        max_length=50,
        exclude=True,
        description="the new contact list, replacing the current one (null or []: no contacts)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> CustomerPatch:
        problems: list[tuple[str, str, Any]] = []
        if self.deleted:
            problems.append(("deleted", "delete a customer with DELETE /api/v0/customer/{customerId}", True))
        primary = _one_primary(self.customer_key_contacts)
        if primary:
            problems.append(primary)
        if problems:
            raise field_errors("CustomerPatch", problems)
        return self


class CustomerRead(CamelModel):
    customer_id: str
    company_id: str
    legal_name: str
    customer_company_id: str | None
    pan_or_gstin: str | None
    email: str | None
    contact_number: str | None
    address: str | None
    state: str | None
    pin_code: str | None
    account_number: str | None
    ifsc: str | None
    unique_ref_no: str | None
    assigned_agent: str | None
    branch_codes: list[str]
    customer_key_contacts: list[ContactRead] = Field(default_factory=list)
    customer_reminders: list[str]
    status: CustomerStatus
    deleted: bool
    bharat_connect_b2b_id: str | None = Field(alias="bharatConnectB2BId")
    tds_section: TdsSection | None = Field(
        None, description="The section the customer deducts TDS under by default, if it does"
    )
    tds_rate: Money | None = Field(None, description="The rate in percent it deducts TDS at, with tdsSection")
    credit_balance: Money
    created_on: IstDateTime
    updated_on: IstDateTime
    # api.md §11: counted when read, from the disputes and promises tables.
    promises_kept: int = Field(0, description="How many of its promises to pay were kept")
    promises_broken: int = Field(0, description="How many of its promises to pay were broken")
    open_disputes: int = Field(0, description="How many of its invoices' disputes are open")


class CustomerSearch(CamelInput):
    customer_ids: list[Annotated[SearchText, StringConstraints(max_length=16)]] | None = Field(
        None, max_length=5000
    )
    legal_name: Annotated[SearchText, StringConstraints(max_length=200)] | None = None
    email: Annotated[SearchText, StringConstraints(max_length=254)] | None = None
    contact_number: Annotated[SearchText, StringConstraints(max_length=20)] | None = None
    pan_or_gstin: Annotated[SearchText, StringConstraints(max_length=15)] | None = None
    unique_ref_no: Annotated[SearchText, StringConstraints(max_length=100)] | None = None
    status: CustomerStatus | None = None
    deleted: bool | None = None
    created_on_from: str | None = Field(
        None, max_length=32, description="yyyy-MM-dd or yyyy-MM-dd HH:mm:ss (IST)"
    )
    created_on_to: str | None = Field(
        None,
        max_length=32,
        description="yyyy-MM-dd or yyyy-MM-dd HH:mm:ss (IST); a date covers the whole day",
    )
    assigned_agent: Annotated[SearchText, StringConstraints(max_length=100)] | None = None
    branch_code: Annotated[SearchText, StringConstraints(max_length=64)] | None = None
    account_number: Annotated[SearchText, StringConstraints(max_length=36)] | None = Field(
        None, description="the customer's bank account number, exactly"
    )


ORDERABLE = {
    "createdOn": "created_on",
    "updatedOn": "updated_on",
    "legalName": "legal_name",
    "customerId": "customer_id",
    "email": "email",
    "uniqueRefNo": "unique_ref_no",
    "status": "status",
    "state": "state",
    "assignedAgent": "assigned_agent",
}
