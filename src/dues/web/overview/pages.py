"""The overview (api.md §10's AR overview as a page): what is owed, how it ages, what came in, for a period
chosen in a GET form so that a period is a bookmark."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from dues.db import DuesRoute
from dues.errors import SubError, ValidationFailed
from dues.kit.timefmt import today_ist
from dues.replica import ReadSessionDep
from dues.reports.overview import service
from dues.web.common import NO_PROBLEMS, SignedIn, problems, render
from dues.web.overview.charts import ZERO
from dues.web.overview.view import (
    AGING,
    MAX_DATE_TEXT,
    aging_chart,
    month_names,
    monthly_chart,
    parse_day,
    presets,
)

router = APIRouter(route_class=DuesRoute)


@router.get("/app")
async def overview(request: Request, user: SignedIn, session: ReadSessionDep) -> Response:
    typed = {name: request.query_params.get(name, "").strip()[:MAX_DATE_TEXT] for name in ("from", "to")}
    parsed = {name: parse_day(value, name) for name, value in typed.items()}
    today = today_ist()
    context: dict[str, Any] = {"typed": typed, "presets": presets(today), "today": today}
    bad = [p for p in parsed.values() if isinstance(p, SubError)]
    try:
        if bad:
            raise ValidationFailed.of(bad)
        date_from, date_to = (p if isinstance(p, date) else None for p in parsed.values())
        report = await service.overview(session, user.company_id, date_from, date_to)
    except ValidationFailed as exc:
        return render(
            request, "overview/index.html", exc.status_code, user=user, report=None, problems=problems(exc),
            **context,
        )  # fmt: skip
    return render(
        request,
        "overview/index.html",
        user=user,
        report=report,
        problems=NO_PROBLEMS,
        aging=[(key, label, css, report.aging.get(key, ZERO)) for key, label, css, _ in AGING],
        months=month_names(report),
        aging_chart=aging_chart(report),
        monthly_chart=monthly_chart(report),
        **context,
    )
