"""Background jobs of collection: sending the outbox's messages."""

from __future__ import annotations

import structlog
from procrastinate import JobContext

from dues import jobs
from dues.collection import repository, sending
from dues.collection.service import SEND_TASK
from dues.jobs import job_app

log = structlog.get_logger("dues.collection")


@job_app.task(name=SEND_TASK, pass_context=True)
async def send_messages(context: JobContext, company_id: str) -> None:
    """Send a company's due messages. Failures are retried per message (sending.MAX_ATTEMPTS), not by
    re-running the job, so one bad address never holds the others back."""
    await sending.send_due(jobs.database(), company_id, SEND_TASK, worker_id=context.job.worker_id)


@job_app.periodic(cron="* * * * *", periodic_id="sweep-messages")
@job_app.task(name="dues.collection.sweep_messages", queueing_lock="sweep-messages", pass_context=True)
async def sweep_messages(context: JobContext, timestamp: int) -> None:
    """Every minute: a send job for each company with messages due (retries whose job was lost) or left
    SENDING by a dead worker, whose own send jobs would otherwise stay 'doing'."""
    await _sweep(context)


@job_app.task(name="dues.collection.recover", pass_context=True)
async def recover(context: JobContext) -> None:
    """The same sweep, queued by a worker as it starts (jobs.RECOVERY_TASKS)."""
    await _sweep(context)


async def _sweep(context: JobContext) -> None:
    manager = context.app.job_manager
    for job in await manager.get_stalled_jobs(task_name=SEND_TASK, seconds_since_heartbeat=jobs.dead_after()):
        log.warning("send job of a dead worker queued again", job_id=job.id)
        await manager.retry_job(job)
    database = jobs.database()
    async with database.sessionmaker() as session:
        companies = await repository.companies_with_due_messages(
            session, sending.STALE_SECONDS, jobs.dead_after()
        )
        for company_id in companies:
            await jobs.enqueue(session, SEND_TASK, company_id=company_id)
        await session.commit()
