"""Background jobs of the payment page: reconciling attempts whose gateway callback never came."""

from __future__ import annotations

from dues import jobs
from dues.jobs import job_app
from dues.pay import reconcile

RECONCILE_TASK = "dues.pay.reconcile"


@job_app.periodic(cron="* * * * *", periodic_id="reconcile-payment-attempts")
@job_app.task(name=RECONCILE_TASK, queueing_lock="reconcile-payment-attempts")
async def reconcile_attempts(timestamp: int) -> None:
    """Every minute: ask the gateways about attempts left STARTED past their grace period (a bounded batch
    per run; the rest wait for the next minute)."""
    await reconcile.run(jobs.database())
