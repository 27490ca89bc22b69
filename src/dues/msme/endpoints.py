from __future__ import annotations

from fastapi import APIRouter

from dues.auth.deps import CurrentPrincipal
from dues.db import DuesRoute, SessionDep
from dues.kit.envelope import Envelope, JSONBody, ok
from dues.msme import service
from dues.msme.interest import interest_rate
from dues.msme.schemas import BankRateRead

router = APIRouter(prefix="/api/v0/msme", route_class=DuesRoute, tags=["msme"])


@router.get(
    "/bank-rates",
    response_model=Envelope[list[BankRateRead]],
    summary="RBI bank rates for MSME interest",
    description=(
        "The RBI bank rates dues reckons MSMED Act s.16 interest from, newest first: each is in force from "
        "its effectiveFrom until the next one, and the interest rate is three times it, compounded with "
        "monthly rests. The table is the same for every company on this installation; the operator "
        "keeps it with `dues msme-rates`. Any role."
    ),
)
async def bank_rates(principal: CurrentPrincipal, session: SessionDep) -> JSONBody:
    rates = await service.bank_rates(session)
    return ok(
        [
            BankRateRead(
                effective_from=r.effective_from,
                bank_rate=r.bank_rate,
                interest_rate=interest_rate(r.bank_rate),
                note=r.note,
            )
            for r in rates
        ]
    )
