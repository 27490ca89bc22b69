"""The company on the network: its registration (its own B2B id, the supplierB2BId of every message), and
the search of the network's entities that fills a customer's bharatConnectB2BId.

Registration is EnKash's business-onboarding chain, each step sent when the previous one's resp-* comes back:
reg-check-entity (the PAN known?) → reg-entity (register the business: an orgId) → reg-id (its B2B id).
The registration is PENDING meanwhile, REGISTERED with the B2B id at the end, FAILED (with the network's
words) when a step is refused. Asking again restarts the chain; answers to an earlier chain are ignored.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dues.audit import service as audit
from dues.auth.service import Principal
from dues.bharat_connect import messages, repository, wire
from dues.bharat_connect.network import Network, Unreachable, network_of
from dues.bharat_connect.schemas import (
    EntityRead,
    EntitySearch,
    RegistrationCreate,
    RegistrationRead,
    SearchResult,
)
from dues.companies import service as companies
from dues.config import get_settings
from dues.customers import service as customers
from dues.customers.schemas import CustomerPatch
from dues.errors import DuesError, ErrorType, NotFound, Unprocessable, ValidationFailed
from dues.models.bharat_connect import BcMessage, BcRegistration

STEPS = (wire.CHECK_ENTITY, wire.REGISTER_ENTITY, wire.REGISTER_ID)
_B2B_ID = re.compile(r'^[^\\"]{1,100}\Z')
_ORG_ID = re.compile(r"^ORG[A-Za-z0-9]{32}\Z")
ACTOR = "bharat-connect"


class NetworkUnavailable(DuesError):
    """The network did not answer, or could not take the call now: worth trying again (503)."""

    status_code = 503
    error_type = ErrorType.SYSTEM_ERROR


def _network() -> Network:
    network = network_of(get_settings())
    if network is None:
        raise Unprocessable(
            "Bharat Connect is off on this server: the operator turns it on with DUES_BHARAT_CONNECT."
        )
    return network


def _read(registration: BcRegistration, network: Network | None) -> RegistrationRead:
    return RegistrationRead(
        status=registration.status,
        pan=registration.pan,
        gstin=registration.gstin,
        registered_name=registration.registered_name,
        b2b_id=registration.b2b_id,
        detail=registration.detail,
        network=network.name if network is not None else "off",
        test_mode=network.test_mode if network is not None else False,
        created_on=registration.created_on,
        updated_on=registration.updated_on,
    )


def _envelope(**parts: Any) -> dict[str, Any]:
    return {"reqMsgId": wire.req_msg_id(), "device": wire.device(), **parts, "additionalInfos": []}


async def register(
    session: AsyncSession, principal: Principal, company_id: str, data: RegistrationCreate
) -> RegistrationRead:
    """Ask the network for the company's B2B id: PENDING now, REGISTERED when the chain has answered."""
    network = _network()
    company = await companies.get(session, company_id)
    gstin = data.gstin
    if gstin is None and company.gstin and company.gstin[2:12] == data.pan:
        gstin = company.gstin
    if gstin is not None and gstin[2:12] != data.pan:
        raise ValidationFailed.field(
            "gstin", f"does not carry the PAN {data.pan} (a GSTIN's characters 3 to 12 are its PAN)", gstin
        )
    name = data.registered_name or company.legal_name
    registration = await repository.registration(session, company_id, for_update=True)
    before = None if registration is None else audit.snapshot(registration)
    if registration is not None and registration.status == "REGISTERED":
        raise Unprocessable(f"The company is already registered on the network as {registration.b2b_id}.")
    if registration is None:
        registration = BcRegistration(company_id=company_id)
        repository.add_registration(session, registration)
    registration.status = "PENDING"
    registration.pan = data.pan
    registration.gstin = gstin
    registration.registered_name = name
    registration.b2b_id = None
    registration.detail = "Checking the business with the network."
    await session.flush()
    check = {"docName": "PAN", "type": "BUSINESS", "value": data.pan, "registeredName": name}
    await messages.queue(session, company_id, wire.CHECK_ENTITY, _envelope(checkInstitute=check))
    await audit.record(
        session, company_id, principal.user_id, "bc_registration", company_id, "REGISTER", before,
        audit.snapshot(registration),
    )  # fmt: skip
    return _read(registration, network)


async def get(session: AsyncSession, company_id: str) -> RegistrationRead:
    registration = await repository.registration(session, company_id)
    if registration is None:
        raise NotFound(
            "The company has not asked to register on Bharat Connect: "
            "POST /api/v0/bharat-connect/registration."
        )
    # Shown even while Bharat Connect is off: what the network once said stays true.
    return _read(registration, network_of(get_settings()))


# The chain, one step per resp-*.


async def _current(session: AsyncSession, company_id: str, message: BcMessage) -> BcRegistration | None:
    """The PENDING registration this answer belongs to; None for an answer to a chain asked again since
    (only the newest onboarding message's answer moves the registration on)."""
    registration = await repository.registration(session, company_id, for_update=True)
    if registration is None or registration.status != "PENDING":
        return None
    latest = await repository.latest_out(session, company_id, STEPS)
    return registration if latest == message.message_id else None


async def _fail(
    session: AsyncSession, registration: BcRegistration, detail: str, action: str = "REGISTRATION_FAILED"
) -> None:
    before = audit.snapshot(registration)
    registration.status = "FAILED"
    registration.detail = detail[:500]
    await session.flush()
    await audit.record(
        session, registration.company_id, ACTOR, "bc_registration", registration.company_id, action, before,
        audit.snapshot(registration),
    )  # fmt: skip


def _refused(step: str, message: BcMessage) -> str:
    said = " ".join(p for p in (message.error_cd, message.error_dtl) if p)
    return f"The network refused {step}: {said or 'no reason given'}."


@messages.response_hook(wire.CHECK_ENTITY)
async def _checked(session: AsyncSession, company_id: str, message: BcMessage, body: dict[str, Any]) -> None:
    registration = await _current(session, company_id, message)
    if registration is None:
        return
    if message.state == "FAILED":
        await _fail(session, registration, _refused("the business check", message))
        return
    company = await companies.get(session, company_id)
    entity = {
        "legalName": company.legal_name,
        "pan": registration.pan,
        "gstin": registration.gstin,
        "registeredName": registration.registered_name,
    }
    await messages.queue(session, company_id, wire.REGISTER_ENTITY, _envelope(entity=entity))
    registration.detail = "Registering the business with the network."
    await session.flush()


@messages.response_hook(wire.REGISTER_ENTITY)
async def _entity_registered(
    session: AsyncSession, company_id: str, message: BcMessage, body: dict[str, Any]
) -> None:
    registration = await _current(session, company_id, message)
    if registration is None:
        return
    if message.state == "FAILED":
        await _fail(session, registration, _refused("the registration", message))
        return
    org_id = body.get("orgId")
    if not isinstance(org_id, str) or not _ORG_ID.match(org_id):
        await _fail(session, registration, "The network registered the business but sent no orgId.")
        return
    await messages.queue(
        session,
        company_id,
        wire.REGISTER_ID,
        _envelope(orgId=org_id, pan=registration.pan, gstin=registration.gstin),
    )
    registration.detail = "Asking the network for the B2B id."
    await session.flush()


@messages.response_hook(wire.REGISTER_ID)
async def _id_given(session: AsyncSession, company_id: str, message: BcMessage, body: dict[str, Any]) -> None:
    registration = await _current(session, company_id, message)
    if registration is None:
        return
    if message.state == "FAILED":
        await _fail(session, registration, _refused("the B2B id", message))
        return
    b2b_id = body.get("b2bId")
    if not isinstance(b2b_id, str) or not _B2B_ID.match(b2b_id):
        await _fail(session, registration, "The network's answer carried no valid b2bId.")
        return
    holder = await repository.holder_of_b2b_id(session, b2b_id)
    if holder is not None and holder != company_id:
        await _fail(session, registration, f"The B2B id {b2b_id} is another company's on this server.")
        return
    before = audit.snapshot(registration)
    registration.status = "REGISTERED"
    registration.b2b_id = b2b_id
    registration.detail = None
    await session.flush()
    await audit.record(
        session, company_id, ACTOR, "bc_registration", company_id, "REGISTERED", before,
        audit.snapshot(registration),
    )  # fmt: skip


# Search.


async def search(
    session: AsyncSession, principal: Principal, company_id: str, data: EntitySearch
) -> SearchResult:
    """The network's entities for a GSTIN, a PAN or a name (a synchronous call); with customerId and one
    entity found, the customer's bharatConnectB2BId is set to it, as any edit of the customer (audited)."""
    network = _network()
    if data.customer_id is not None:
        customer = await customers.get_model(session, company_id, data.customer_id)
        if customer is None or customer.deleted:
            raise NotFound(f"No customer {data.customer_id}.")
    query = {k: v for k, v in (("gstin", data.gstin), ("pan", data.pan), ("name", data.name)) if v}
    try:
        answer = await network.send(wire.SEARCH_ENTITY, _envelope(searchEntity=query))
    except Unreachable as exc:
        raise NetworkUnavailable(
            f"The Bharat Connect network ({network.name}) did not answer the search ({exc}); try again in a "
            "moment."
        ) from exc
    if not answer.taken:
        raise NetworkUnavailable(
            f"The Bharat Connect network ({network.name}) could not take the search now "
            f"({answer.describe()}); try again in a moment."
        )
    payload = answer.payload if isinstance(answer.payload, dict) else {}
    found = payload.get("entities") if isinstance(payload.get("entities"), list) else []
    entities = [entity for entity in map(_entity, found or []) if entity is not None]
    filled = False
    if data.customer_id is not None and len(entities) == 1:
        patch = CustomerPatch.model_validate({"bharatConnectB2BId": entities[0].b2b_id})
        await customers.update(session, principal, company_id, data.customer_id, patch)
        filled = True
    return SearchResult(
        entities=entities,
        customer_id=data.customer_id,
        filled=filled,
        network=network.name,
        test_mode=network.test_mode,
    )


def _entity(value: Any) -> EntityRead | None:
    """An entity as the network described it; one it could not have meant (no valid b2bId) is left out."""
    try:
        entity = wire.Entity.model_validate(value)
    except ValueError:
        return None
    return EntityRead(b2b_id=entity.b2bId, legal_name=entity.legalName, gstin=entity.gstin, pan=entity.pan)
