from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from dues.auth.deps import CurrentPrincipal
from dues.companies.deps import SellerScope as Scope
from dues.db import DuesRoute
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.ledger import queries
from dues.ledger.schemas import LedgerRead
from dues.replica import ReadSessionDep

router = APIRouter(prefix="/api/v0", route_class=DuesRoute, tags=["ledger"])

CustomerIdPath = Annotated[str, Path(max_length=16, description="KC + 14 characters")]


@router.get(
    "/customer/{customerId}/ledger",
    response_model=Envelope[LedgerRead],
    summary="A customer's ledger",
    description=(
        "Every movement of what the customer owes, in date order: invoices and debit notes (debit), "
        "payments, TDS, credit notes, write-offs (credit), reversals, refunds and credit applied, "
        "each with the running balance. `from` and `to` (yyyy-MM-dd, both optional) bound the "
        "effective dates; the opening balance is what was owed before `from`. Entries are never "
        "changed: a correction is a new entry. A customer of another company answers 404."
    ),
)
async def customer_ledger(
    customerId: CustomerIdPath,
    principal: CurrentPrincipal,
    company_id: Scope,
    session: ReadSessionDep,
    date_from: Annotated[
        date | None, Query(alias="from", description="first effective date (yyyy-MM-dd)")
    ] = None,
    date_to: Annotated[date | None, Query(alias="to", description="last effective date (yyyy-MM-dd)")] = None,
) -> JSONBody:
    return ok(await queries.ledger_of(session, company_id, customerId, date_from, date_to))
