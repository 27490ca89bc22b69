"""Background jobs of webhooks: send due deliveries.

A sending job is queued by the database when deliveries are made (trigger on ``events``), by a failed attempt
for the time its retry is due, and by a manual retry. The minutely sweep below is the safety net: it picks up
deliveries whose worker died mid-send once their lease has run out.
"""

from __future__ import annotations

import structlog
from procrastinate import JobContext

from dues import jobs
from dues.jobs import job_app
from dues.webhooks import repository, service

log = structlog.get_logger("dues.webhooks")


@job_app.task(name=repository.SEND_TASK, queue=repository.QUEUE)
async def send_due() -> None:
    made = await service.send_due(jobs.database())
    if made:
        log.info("webhook attempts made", attempts=made)


@job_app.periodic(cron="* * * * *", periodic_id="webhooks-send-due")
@job_app.task(
    name="dues.webhooks.sweep", queue=repository.QUEUE, queueing_lock="webhooks-sweep", pass_context=True
)
async def sweep(context: JobContext, timestamp: int) -> None:
    await service.send_due(jobs.database())
