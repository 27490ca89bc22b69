"""Background jobs of Bharat Connect: send the network messages that are due.

A send job is deferred in the transaction that queues a message (messages.queue), and by a failed attempt
for the second its retry is due. The minutely sweep is the safety net: it takes up messages whose sender died
mid-send once their lease has run out.
"""

from __future__ import annotations

import structlog
from procrastinate import JobContext

from dues import jobs
from dues.bharat_connect import messages, repository
from dues.jobs import job_app

log = structlog.get_logger("dues.bharat_connect")


@job_app.task(name=repository.SEND_TASK, queue=repository.QUEUE)
async def send_due() -> None:
    made = await messages.send_due(jobs.database())
    if made:
        log.info("network message attempts made", attempts=made)


@job_app.periodic(cron="* * * * *", periodic_id="bharat-connect-send-due")
@job_app.task(
    name="dues.bharat_connect.sweep",
    queue=repository.QUEUE,
    queueing_lock="bharat-connect-sweep",
    pass_context=True,
)
async def sweep(context: JobContext, timestamp: int) -> None:
    await messages.send_due(jobs.database())
