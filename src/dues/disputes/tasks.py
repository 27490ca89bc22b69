"""Background jobs of promises to pay: settling those whose date has passed."""

from __future__ import annotations

from datetime import date

import structlog
from procrastinate import JobContext

from dues import jobs
from dues.db import Database
from dues.disputes import repository, service
from dues.jobs import job_app
from dues.kit.timefmt import today_ist

log = structlog.get_logger("dues.disputes")


async def settle_promises(database: Database, today: date | None = None) -> int:
    """Every open promise dated before ``today`` (IST, default today) becomes KEPT or BROKEN, each company in
    a transaction of its own; the rows are locked, so two runs at once settle each promise once. How many."""
    today = today or today_ist()
    async with database.sessionmaker() as session:
        companies = await repository.companies_with_promises_due(session, today)
    settled = 0
    for company_id in companies:
        async with database.sessionmaker() as session, session.begin():
            counts = await service.settle_due(session, company_id, today)
        settled += sum(counts.values())
        log.info(
            "promises to pay settled", company_id=company_id, **{k.lower(): v for k, v in counts.items()}
        )
    return settled


# Hourly: a promise is settled in the first hour after its date (IST) ends, and a worker that was down
# settles it when it is back. Reminders do not wait for this: the engine stops honouring a passed date itself.
@job_app.periodic(cron="35 * * * *", periodic_id="settle-promises")
@job_app.task(name="dues.disputes.settle_promises", queueing_lock="settle-promises", pass_context=True)
async def promises_settled(context: JobContext, timestamp: int) -> None:
    await settle_promises(jobs.database())
