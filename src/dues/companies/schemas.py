from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ModelWrapValidatorHandler, model_validator

from dues.kit import leniency
from dues.kit.fields import Email, Gstin, IstDateTime, LongText, Name, PinCode, ShortText, StateName
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
    created_on: IstDateTime
    updated_on: IstDateTime


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
    default_reminder_id: str | None = Field(None, pattern=r"^RM[A-Z0-9]{14}$")
