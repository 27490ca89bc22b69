"""dues's API for Bharat Connect onboarding (api.md §8): the company's registration on the network and the
search of its entities."""

from __future__ import annotations

from fastapi import APIRouter

from dues.auth.deps import AdminPrincipal, CurrentPrincipal, WriterPrincipal
from dues.bharat_connect import onboarding
from dues.bharat_connect.schemas import EntitySearch, RegistrationCreate, RegistrationRead, SearchResult
from dues.companies.deps import CompanyScope
from dues.db import DuesRoute, SessionDep
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.kit.openapi import errors

router = APIRouter(prefix="/api/v0/bharat-connect", route_class=DuesRoute, tags=["bharat-connect"])


@router.post(
    "/registration",
    response_model=Envelope[RegistrationRead],
    summary="Register the company on Bharat Connect",
    description=(
        "Asks the network for the company's B2B id (its supplierB2BId on every message) by its PAN and "
        "GSTIN. The answer is asynchronous: the registration is PENDING now and becomes REGISTERED, with "
        "b2bId, once the network has answered each onboarding step (check the business, register it, give "
        "its id); FAILED says why. Asking again restarts it, unless already REGISTERED (422). ADMIN only."
    ),
)
async def register(
    body: RegistrationCreate, principal: AdminPrincipal, company_id: CompanyScope, session: SessionDep
) -> JSONBody:
    return ok(await onboarding.register(session, principal, company_id, body))


@router.get(
    "/registration",
    response_model=Envelope[RegistrationRead],
    summary="The company's Bharat Connect registration",
    responses=errors({404: "RECORD_NOT_FOUND: the company never asked to register on the network"}),
    description=(
        "Where the company's registration on the network stands: PENDING, REGISTERED (with its b2bId) or "
        "FAILED (with the reason). 404 when it was never asked for."
    ),
)
async def registration(
    principal: CurrentPrincipal, company_id: CompanyScope, session: SessionDep
) -> JSONBody:
    return ok(await onboarding.get(session, company_id))


@router.post(
    "/search",
    response_model=Envelope[SearchResult],
    summary="Search the Bharat Connect network's businesses",
    responses=errors(
        {
            404: "RECORD_NOT_FOUND: no customer with the customerId given",
            503: "SYSTEM_ERROR: the network (or the database) did not answer in time, or cannot take the "
            "search now; retry later",
        }
    ),
    description=(
        "The businesses the network knows by GSTIN, PAN or name (exactly one), with their B2B ids. With "
        "customerId and exactly one business found, that customer's bharatConnectB2BId is set to its B2B "
        "id (audited as any edit of the customer), so its invoices are presented on the network. A network "
        "that does not answer gives 503: try again."
    ),
)
async def search(
    body: EntitySearch, principal: WriterPrincipal, company_id: CompanyScope, session: SessionDep
) -> JSONBody:
    return ok(await onboarding.search(session, principal, company_id, body))
