"""Background jobs of collection: sending the outbox's messages."""

from __future__ import annotations

from procrastinate import JobContext

from dues import jobs
from dues.collection import repository, sending
from dues.collection.service import SEND_TASK
from dues.jobs import job_app


@job_app.task(name=SEND_TASK, pass_context=True)
async def send_messages(context: JobContext, company_id: str) -> None:
    """Send a company's due messages. Failures are retried per message (sending.MAX_ATTEMPTS), not by
    re-running the job, so one bad address never holds the others back."""
    await sending.send_due(jobs.database(), company_id, SEND_TASK)


@job_app.periodic(cron="* * * * *", periodic_id="sweep-messages")
@job_app.task(name="dues.collection.sweep_messages", queueing_lock="sweep-messages", pass_context=True)
async def sweep_messages(context: JobContext, timestamp: int) -> None:
    """Every minute: a send job for each company with messages due (retries whose job was lost) or left
    SENDING by a dead worker."""
    database = jobs.database()
    async with database.sessionmaker() as session:
        for company_id in await repository.companies_with_due_messages(session):
            await jobs.enqueue(session, SEND_TASK, company_id=company_id)
        await session.commit()
