"""The overview (api.md §10's AR overview as a page): what is owed, how it ages, what came in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from dues.db import DuesRoute
from dues.replica import ReadSessionDep
from dues.reports.overview import service
from dues.web.common import SignedIn, render

router = APIRouter(route_class=DuesRoute)


@router.get("/app")
async def overview(request: Request, user: SignedIn, session: ReadSessionDep) -> Response:
    report = await service.overview(session, user.company_id, None, None)
    return render(request, "overview/index.html", user=user, report=report)
