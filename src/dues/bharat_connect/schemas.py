"""The API's models for Bharat Connect onboarding (api.md §8): the company's registration and the search of
the network's entities. (The network's own bodies are in wire.py.)"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from dues.companies.schemas import CamelInput, CamelModel
from dues.kit import india
from dues.kit.fields import Gstin, IstDateTime, Name, ShortText


def _pan(value: str) -> str:
    if not india.PAN_RE.match(value):
        raise ValueError("is not a PAN (5 letters, 4 digits, 1 letter, e.g. AAPFU0939F)")
    return value


Pan = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True), AfterValidator(_pan)]
CustomerIdField = Annotated[str, StringConstraints(strip_whitespace=True, max_length=16)]


class RegistrationCreate(CamelInput):
    pan: Pan = Field(description="The company's PAN, which the network registers the business by")
    gstin: Gstin | None = Field(
        None,
        description="The GSTIN the B2B id is for (it must carry the PAN); default: the company's own GSTIN "
        "when it carries the PAN",
    )
    registered_name: Name | None = Field(
        None, description="The business's name as registered with the PAN; default: the company's legal name"
    )


class RegistrationRead(CamelModel):
    status: str = Field(
        description="PENDING (the network is being asked), REGISTERED (b2bId is the company's) or FAILED "
        "(detail says why; register again)"
    )
    pan: str = Field(description="The PAN the registration was asked for")
    gstin: str | None = Field(description="The GSTIN the B2B id is for")
    registered_name: str = Field(description="The business's name as registered with the PAN")
    b2b_id: str | None = Field(
        alias="b2bId", description="The company's B2B id on the network (its supplierB2BId), once REGISTERED"
    )
    detail: str | None = Field(description="Where the registration stands, or why it failed, for a person")
    network: str = Field(description="The network dues talks to: sandbox (test mode), enkash, or off")
    test_mode: bool = Field(description="true on the sandbox network: no real business is registered")
    created_on: IstDateTime = Field(description="When the registration was first asked for (IST)")
    updated_on: IstDateTime = Field(description="When it last changed (IST)")


class EntitySearch(CamelInput):
    gstin: Gstin | None = Field(None, description="Find the business with this GSTIN")
    pan: Pan | None = Field(None, description="Find the businesses (GSTINs) of this PAN")
    name: ShortText | None = Field(None, description="Find businesses by name")
    customer_id: CustomerIdField | None = Field(
        None,
        description="A customer whose bharatConnectB2BId is filled with the B2B id found, when exactly one "
        "entity is found",
    )

    @model_validator(mode="after")
    def _one_key(self) -> EntitySearch:
        given = [name for name in ("gstin", "pan", "name") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("give exactly one of gstin, pan or name")
        return self


class EntityRead(CamelModel):
    b2b_id: str = Field(alias="b2bId", description="The business's B2B id on the network (buyerB2BId)")
    legal_name: str = Field(description="The business's legal name as the network knows it")
    gstin: str | None = Field(None, description="Its GSTIN")
    pan: str | None = Field(None, description="Its PAN")


class SearchResult(CamelModel):
    entities: list[EntityRead] = Field(description="The network's entities matching the search")
    customer_id: str | None = Field(description="The customer named in the search, if any")
    filled: bool = Field(
        description="true when that customer's bharatConnectB2BId was set to the one entity found"
    )
    network: str = Field(description="The network searched: sandbox (test mode) or enkash")
    test_mode: bool = Field(description="true on the sandbox network: its entities are made up")
