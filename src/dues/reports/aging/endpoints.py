from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse

from dues.auth.deps import CurrentPrincipal
from dues.companies.deps import SellerScope as Scope
from dues.db import DuesRoute
from dues.kit.envelope import Envelope, ok
from dues.kit.pagination import MAX_LIMIT
from dues.replica import ReadSessionDep
from dues.reports.aging import export, service
from dues.reports.aging.schemas import AgingReport, Format, GroupBy
from dues.reports.summaries import Basis

router = APIRouter(prefix="/api/v0/reports", route_class=DuesRoute, tags=["reports"])


@router.get(
    "/aging",
    response_model=Envelope[AgingReport],
    summary="Aging of receivables",
    description=(
        "What the company's customers owed at the end of `asOf` (default today, IST; a day after today is "
        "refused), by how old it was: with `basis=DUE_DATE` (default) by days past each invoice's due date "
        "(not yet past due: `current`), with `INVOICE_DATE` by days since its invoice date. A past `asOf` "
        "answers what was owed that day: only documents and movements dated on or before it count, and "
        "amounts settled later still show as owed. `buckets` (default 30,60,90: `current`, `1-30`, `31-60`, "
        "`61-90`, `90+`) takes 1 to 6 increasing numbers of days up to 3650. Per customer: the buckets, "
        "`total` (their sum), `unappliedCredit` (payments and credit notes not yet applied to an invoice) "
        "and `net` = total - unappliedCredit, the customer's ledger balance that day to the paisa; `totals` "
        "the same for the company, or for the `customerIds` given (up to 1000, comma-separated; an id that "
        "is not a customer of the company is a VALIDATION_ERROR naming it). `groupBy=CUSTOMER` (default) "
        "lists the customers that owed something or held credit (and every one named), net descending, "
        "paged by limit and offset; `groupBy=NONE` the totals only, read from summaries kept with each "
        "movement. `format=csv` or `xlsx` answers a file (`aging-<asOf>.csv`) with every customer and a "
        "Total row, amounts as numbers. Any user of the company may read it."
    ),
    responses={
        200: {
            "content": {
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            },
            "description": "The report in the envelope (format=json), or the file (csv, xlsx)",
        }
    },
)
async def aging(
    principal: CurrentPrincipal,
    company_id: Scope,
    session: ReadSessionDep,
    asOf: Annotated[
        str | None, Query(max_length=32, description="The day reported, yyyy-MM-dd; default today (IST)")
    ] = None,
    basis: Annotated[
        Basis,
        Query(description="DUE_DATE (days past due, default) or INVOICE_DATE (days since invoice date)"),
    ] = Basis.DUE_DATE,
    buckets: Annotated[
        str | None,
        Query(
            max_length=64,
            description="Upper edges of the buckets in days, increasing, e.g. 30,60,90 (default)",
        ),
    ] = None,
    customerIds: Annotated[
        list[str] | None,
        Query(description="Only these customers (KC...), comma-separated or repeated; up to 1000"),
    ] = None,
    groupBy: Annotated[
        GroupBy, Query(description="CUSTOMER (default): a row per customer; NONE: the totals only")
    ] = GroupBy.CUSTOMER,
    fmt: Annotated[Format, Query(alias="format", description="json (default), csv or xlsx")] = Format.JSON,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Customers per page, 1..5000 (JSON)")] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Customers before this page (JSON)")] = 0,
) -> Response:
    asked = await service.query(
        session,
        company_id,
        as_of=asOf,
        basis=basis,
        buckets_text=buckets,
        customer_ids=customerIds,
        group_by=groupBy,
    )
    if fmt == Format.JSON:
        return ok(await service.report(session, company_id, asked, limit, offset))
    name, body = await service.export(session, company_id, asked, fmt)
    return StreamingResponse(
        export.pieces(body),
        media_type=export.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
