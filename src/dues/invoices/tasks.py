"""Background jobs of invoices: the hourly invoice.overdue sweep."""

from __future__ import annotations

from datetime import date

import structlog
from procrastinate import JobContext

from dues import jobs
from dues.db import Database
from dues.invoices import repository
from dues.jobs import job_app
from dues.kit.timefmt import today_ist

log = structlog.get_logger("dues.invoices")

# Invoices marked per statement: a company whose whole book fell due at once (the first run after an upgrade)
# is worked through in transactions of this size rather than one that holds every row lock.
OVERDUE_BATCH = 2000


async def emit_overdue(database: Database, today: date | None = None) -> int:
    """invoice.overdue for every invoice that became overdue before ``today`` (IST) and has not had it: one
    statement per batch of a company's invoices, each in its own transaction. How many events."""
    today = today or today_ist()
    async with database.sessionmaker() as session:
        companies = await repository.companies_with_overdue(session, today)
    made = 0
    for company_id in companies:
        while True:
            async with database.sessionmaker() as session, session.begin():
                marked = await repository.mark_overdue(session, company_id, today, OVERDUE_BATCH)
            made += marked
            if marked < OVERDUE_BATCH:
                break
    return made


# Hourly: an invoice becomes overdue at midnight IST, and the hour bounds how late its event comes; a worker
# that was down catches up at its next run.
@job_app.periodic(cron="7 * * * *", periodic_id="invoices-overdue")
@job_app.task(name="dues.invoices.emit_overdue", queueing_lock="invoices-overdue", pass_context=True)
async def overdue_sweep(context: JobContext, timestamp: int) -> None:
    made = await emit_overdue(jobs.database())
    if made:
        log.info("invoice.overdue events written", events=made)
