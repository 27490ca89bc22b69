from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from dues.auth.deps import CurrentPrincipal
from dues.companies.deps import SellerScope as Scope
from dues.db import DuesRoute
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.replica import ReadSessionDep
from dues.reports.overview import service
from dues.reports.overview.schemas import OverviewRead

router = APIRouter(prefix="/api/v0/reports", route_class=DuesRoute, tags=["reports"])


@router.get(
    "/overview",
    response_model=Envelope[OverviewRead],
    summary="The accounts receivable overview",
    description=(
        "What customers owe at the end of `to` (outstanding, current, overdue, unapplied credit, aging by "
        "days past due, the 10 customers most overdue), what moved within [from, to] (invoiced, collected, "
        "credit notes, write-offs, TDS, refunds, reversals), how well it is collected (countback DSO and "
        "best possible DSO over the 90 days ending at `to`, CEI over the period, average days to pay and "
        "days late) and the 12 calendar months ending with the month of `to`. `to` defaults to today (IST) "
        "and may not be in the future; `from` defaults to 1 April of the financial year of `to`; the period "
        "is at most five years. Any role. Formulas and a worked example: docs/overview.md."
    ),
)
async def overview(
    principal: CurrentPrincipal,
    company_id: Scope,
    session: ReadSessionDep,
    date_from: Annotated[
        date | None,
        Query(
            alias="from",
            description="The period's first day, yyyy-MM-dd; default 1 April of the financial year of `to`",
        ),
    ] = None,
    date_to: Annotated[
        date | None,
        Query(
            alias="to",
            description="The period's last day, yyyy-MM-dd; default today (IST); not in the future",
        ),
    ] = None,
) -> JSONBody:
    return ok(await service.overview(session, company_id, date_from, date_to))
