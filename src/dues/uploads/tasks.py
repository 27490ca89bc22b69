"""Upload jobs: process a stored file, and put back the uploads of workers that died mid-file."""

from __future__ import annotations

import procrastinate
import structlog
from procrastinate import JobContext, RetryStrategy

from dues import jobs
from dues.jobs import job_app
from dues.uploads import service

log = structlog.get_logger("dues.uploads")

# A failure part-way (database restart, deadlock, a race on a uniqueRefNo) rolls back only the chunk in hand;
# the retry resumes at the first row not done. After the last attempt the upload is marked FAILED.
MAX_ATTEMPTS = 3
_RETRY = RetryStrategy(max_attempts=MAX_ATTEMPTS, wait=5)


async def requeue_stalled(app: procrastinate.App) -> int:
    """Queue again the upload jobs of workers that died (no heartbeat for jobs.dead_after() seconds);
    processing resumes at the upload's rows_done. A killed worker otherwise leaves its job 'doing' for
    ever."""
    manager = app.job_manager
    stalled = list(
        await manager.get_stalled_jobs(task_name=service.TASK, seconds_since_heartbeat=jobs.dead_after())
    )
    for job in stalled:
        log.warning(
            "upload job stalled; queued again", job_id=job.id, upload_id=job.task_kwargs.get("upload_id")
        )
        await manager.retry_job(job)
    return len(stalled)


@job_app.task(name=service.TASK, retry=_RETRY, pass_context=True)
async def process_upload(context: JobContext, upload_id: str, company_id: str) -> None:
    database = jobs.database()
    # Each upload job also rescues the uploads a dead worker left behind, at once rather than at the next
    # minute of the periodic sweep below.
    await requeue_stalled(context.app)
    try:
        await service.process(database, upload_id, company_id)
    except Exception as exc:
        final = context.job.attempts >= MAX_ATTEMPTS
        log.exception("upload job failed", upload_id=upload_id, attempt=context.job.attempts + 1, final=final)
        if final:
            await service.mark_failed(
                database,
                upload_id,
                company_id,
                f"Processing stopped after {MAX_ATTEMPTS + 1} attempts ({type(exc).__name__}); rows already "
                "reported stand. The error is in the service log; upload the remaining rows again.",
            )
        raise


@job_app.periodic(cron="* * * * *", periodic_id="requeue-stalled-uploads")
@job_app.task(name="dues.uploads.requeue_stalled", queueing_lock="requeue-stalled-uploads", pass_context=True)
async def requeue_stalled_uploads(context: JobContext, timestamp: int) -> None:
    """Every minute, on whichever worker takes it: uploads of dead workers go back in the queue even when no
    new upload arrives to notice them."""
    await requeue_stalled(context.app)


@job_app.task(name="dues.uploads.recover", pass_context=True)
async def recover(context: JobContext) -> None:
    """The same, queued by a worker as it starts (jobs.RECOVERY_TASKS)."""
    await requeue_stalled(context.app)
