"""Background jobs of reminders: the engine, every minute."""

from __future__ import annotations

from datetime import datetime

import structlog
from procrastinate import JobContext

from dues import jobs
from dues.db import Database
from dues.jobs import job_app
from dues.kit.timefmt import now
from dues.reminders import repository, service

log = structlog.get_logger("dues.reminders")

# Invoices per transaction: a company whose whole book is due at once (the first run after a long stop) is
# worked through in transactions of this size rather than one that holds every invoice's row lock.
BATCH = 1000


async def send_reminders(database: Database, at: datetime | None = None) -> int:
    """Send every reminder occurrence due at ``at`` (default now) and not sent yet: each company's invoices a
    batch per transaction. How many reminders went out (invoices with at least one message)."""
    at = at or now()
    async with database.sessionmaker() as session:
        companies = await repository.companies_with_active_reminders(session)
    sent = 0
    for company_id in companies:
        after = ""
        while True:
            async with database.sessionmaker() as session, session.begin():
                looked_at, made, after = await service.send_due(session, company_id, at, BATCH, after)
            sent += made
            if looked_at < BATCH:
                break
    return sent


# Every minute, so a step goes within a minute of its sendAt; the queueing lock keeps one run waiting at a
# time, and two running at once (a slow run, several workers) are harmless: reminder_sends decides.
@job_app.periodic(cron="* * * * *", periodic_id="send-reminders")
@job_app.task(name="dues.reminders.send_due", queueing_lock="send-reminders", pass_context=True)
async def reminder_sweep(context: JobContext, timestamp: int) -> None:
    sent = await send_reminders(jobs.database())
    if sent:
        log.info("payment reminders sent", reminders=sent)
