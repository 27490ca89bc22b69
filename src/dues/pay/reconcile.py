"""Reconciliation: asking gateways about attempts whose callback never came (docs/paypage.md).

A run takes a bounded batch of STARTED attempts old enough for their callback to have come, asks each one's
gateway for its status with no transaction open (a real gateway answers over the network), and settles each
final answer in a short transaction of its own through the callback's own service function: the attempt's row
lock and STARTED check make a late callback, or a second run at the same moment, find it settled. An attempt
its gateway still knows nothing of when its time is up is settled FAILED.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import structlog

from dues.config import get_settings
from dues.db import Database
from dues.pay import repository, service
from dues.pay.gateway import GATEWAYS, CallbackResult, StatusQuery

log = structlog.get_logger("dues.pay.reconcile")

RECONCILED = "reconciliation: status queried from the gateway"


@dataclass
class Report:
    asked: int = 0  # attempts whose gateway was asked
    settled: int = 0  # settled by this run from the gateway's answer
    gave_up: int = 0  # settled FAILED by this run: no result in time
    pending: int = 0  # the gateway has nothing final yet
    already: int = 0  # settled meanwhile by a callback or another run
    errors: int = 0  # the gateway could not be asked, or the answer could not be applied


async def run(database: Database, limit: int | None = None) -> Report:
    settings = get_settings()
    async with database.sessionmaker() as session:
        due = await repository.unsettled_attempts(
            session,
            settings.pay_reconcile_after_seconds,
            settings.pay_give_up_after_seconds,
            limit or settings.pay_reconcile_batch,
        )
    report = Report()
    # Attempts left STARTED by this run, to be asked about later than those not asked yet, whatever kept
    # them (no answer, an error): a row that always fails must not take a place in every run's batch.
    asked: dict[str, list[str]] = defaultdict(list)
    for attempt in due:
        adapter = GATEWAYS.get(attempt.gateway)
        if adapter is None:
            log.error(
                "attempt of an unknown gateway", company_id=attempt.company_id, attempt=attempt.attempt_id
            )
            report.errors += 1
            asked[attempt.company_id].append(attempt.attempt_id)
            continue
        report.asked += 1
        try:
            result = await adapter.fetch_status(
                StatusQuery(attempt.company_id, attempt.attempt_id, attempt.gateway_reference, attempt.amount)
            )
        except Exception:
            log.exception("gateway status query failed", gateway=adapter.name, attempt=attempt.attempt_id)
            report.errors += 1
            asked[attempt.company_id].append(attempt.attempt_id)
            continue
        if result is not None and (result.company_id, result.attempt_id) != (
            attempt.company_id,
            attempt.attempt_id,
        ):
            # Applying it would settle some other attempt on the word of a query about this one.
            log.error(
                "gateway answered about another attempt",
                gateway=adapter.name,
                attempt=attempt.attempt_id,
                answered=result.attempt_id,
            )
            report.errors += 1
            asked[attempt.company_id].append(attempt.attempt_id)
            continue
        if result is None and not attempt.overdue:
            report.pending += 1
            asked[attempt.company_id].append(attempt.attempt_id)
            continue
        if not await _settle(database, adapter.name, attempt, result, report):
            asked[attempt.company_id].append(attempt.attempt_id)
    if asked:
        async with database.sessionmaker() as session:
            for company_id, attempt_ids in asked.items():
                await repository.mark_checked(session, company_id, attempt_ids)
            await session.commit()
    if due:
        log.info("payment attempts reconciled", **vars(report))
    return report


async def _settle(
    database: Database,
    gateway: str,
    attempt: repository.Unsettled,
    result: CallbackResult | None,
    report: Report,
) -> bool:
    """Apply the gateway's answer, or give up; False when that failed (logged)."""
    try:
        async with database.sessionmaker() as session:
            if result is None:
                settled = await service.give_up(session, attempt.company_id, gateway, attempt.attempt_id)
            else:
                settled = await service.apply_callback(session, gateway, result, note=RECONCILED)
            await session.commit()
    except Exception:
        log.exception(
            "reconciling an attempt failed", company_id=attempt.company_id, attempt=attempt.attempt_id
        )
        report.errors += 1
        return False
    if settled is None or settled.replay:
        report.already += 1
        return True
    if result is None:
        report.gave_up += 1
    else:
        report.settled += 1
    log.info(
        "payment attempt settled by reconciliation",
        company_id=attempt.company_id,
        attempt=attempt.attempt_id,
        gateway=gateway,
        status=settled.status,
        payment_id=settled.payment_id,
        reason=settled.reason,
    )
    return True
