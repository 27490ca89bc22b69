"""Background jobs of statements: last month's statements, on each company's statement day."""

from __future__ import annotations

from datetime import date, timedelta

import structlog
from procrastinate import JobContext

from dues import jobs
from dues.db import Database
from dues.jobs import job_app
from dues.kit.timefmt import today_ist
from dues.statements import repository, sending

log = structlog.get_logger("dues.statements")


def last_month(today: date) -> tuple[date, date]:
    """The first and last day of the month before ``today``'s."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


async def send_monthly(database: Database, today: date | None = None) -> int:
    """On a company's statement day (IST), last month's statement to each of its customers with a balance at
    the end of that month. Each company in a transaction of its own that first claims the month in
    ``statement_runs``: a second worker, or a later run the same day, finds it claimed and sends nothing; a
    run that fails rolls its claim back with its messages, so the next run sends them. How many companies."""
    today = today or today_ist()
    start, end = last_month(today)
    async with database.sessionmaker() as session:
        due = await repository.companies_due(session, today.day, start)
    done = 0
    for company_id in due:
        async with database.sessionmaker() as session, session.begin():
            if not await repository.claim_run(session, company_id, start):
                continue
            made = await sending.send_month(session, company_id, start, end)
            await repository.count_run(session, company_id, start, made.sent)
        done += 1
        log.info(
            "monthly statements sent",
            company_id=company_id,
            period_start=start.isoformat(),
            period_end=end.isoformat(),
            customers_with_balance=made.owing,
            customers_sent=made.sent,
            skipped_without_email=made.skipped,
            messages=made.messages,
        )
    return done


# Daily from 09:30 IST (04:00 UTC), and each hour after until 23:30: the first run of the day sends, and
# a worker that was down at 09:30 still sends that day when it is back. The claim keeps it to once.
@job_app.periodic(cron="0 4-18 * * *", periodic_id="monthly-statements")
@job_app.task(name="dues.statements.send_monthly", queueing_lock="monthly-statements", pass_context=True)
async def monthly_statements(context: JobContext, timestamp: int) -> None:
    await send_monthly(jobs.database())
