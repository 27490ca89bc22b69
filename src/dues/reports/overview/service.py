"""The AR overview (api.md §10 "Overview"): balances at the end of `to`, movements within [from, to], DSO,
CEI, days to pay, aging, the customers most overdue and twelve months, from the summaries migration 0020
keeps. docs/overview.md explains each figure and how the entry types count.

Entry types, as counted here (signs as in the ledger: positive raised what is owed):
- INVOICE and DEBIT_NOTE make ``invoiced`` (the credit sales of DSO and CEI), amendments included: a PATCH
  that changes an issued invoice's amount writes the difference, dated the day of the change, so it counts
  on that day.
- PAYMENT makes ``collected`` (on invoices and to credit); TDS, CREDIT_NOTE, WRITE_OFF and REFUND their own
  figures.
- REVERSAL is reported as it is, signed (``reversals``): the day totals hold one sum per day, in which an
  undone payment (+) and a withdrawn invoice (-) cannot be told apart.
- CREDIT_APPLIED is in no flow: its two entries (on the invoice, on the credit) cancel; the money was counted
  when the payment or note that made the credit was. It lowers outstanding and unappliedCredit alike.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from dues.errors import ValidationFailed
from dues.kit.money import ZERO, to_paise
from dues.kit.timefmt import today_ist
from dues.reports import buckets, summaries
from dues.reports.overview import formulas, memo, repository
from dues.reports.overview.repository import AFTER, BEFORE, NO_FLOW, Flow
from dues.reports.overview.schemas import MonthFigures, OverdueCustomer, OverviewRead

# Five years of 365 days and the two 29 Februaries they may hold.
MAX_PERIOD_DAYS = 5 * 365 + 2
# Nothing in an AR ledger is older; the windows reaching back from `to` (90 days, 12 months) stay valid dates.
EARLIEST = date(1900, 1, 1)
TOP = 10
SALES = ("INVOICE", "DEBIT_NOTE")
PAID = ("PAYMENT", "TDS")


def period(date_from: date | None, date_to: date | None, today: date) -> tuple[date, date]:
    """The period asked for, its defaults filled in (to: today; from: 1 April of the financial year of to),
    or a VALIDATION_ERROR naming the parameter."""
    for name, value in (("from", date_from), ("to", date_to)):
        if value is not None and value < EARLIEST:
            raise ValidationFailed.field(
                name, f"must be on or after {EARLIEST.isoformat()}", value.isoformat()
            )
    to = date_to or today
    if to > today:
        raise ValidationFailed.field(
            "to",
            f"is in the future (today is {today.isoformat()} in India): nothing is known of days to come",
            to.isoformat(),
        )
    start = date_from or formulas.financial_year_start(to)
    if start > to:
        raise ValidationFailed.field("from", f"is after to ({to.isoformat()})", start.isoformat())
    days = (to - start).days + 1
    if days > MAX_PERIOD_DAYS:
        earliest = to - timedelta(days=MAX_PERIOD_DAYS - 1)
        raise ValidationFailed.field(
            "from",
            f"makes a period of {days} days; the overview covers at most five years ({MAX_PERIOD_DAYS} "
            f"days): choose {earliest.isoformat()} or later",
            start.isoformat(),
        )
    return start, to


def _flow(flows: dict[str, Flow], *types: str) -> Flow:
    picked = [flows.get(t, NO_FLOW) for t in types]
    return Flow(
        sum((f.on_invoices for f in picked), ZERO),
        sum((f.on_credit for f in picked), ZERO),
        sum(f.entries for f in picked),
        sum((f.days_weighted for f in picked), ZERO),
        sum((f.late_weighted for f in picked), ZERO),
    )


def _settled(flows: dict[str, Flow], *types: str) -> Decimal:
    """What entries of these types lowered, as a positive amount (ZERO - x: never a negative zero)."""
    return ZERO - _flow(flows, *types).amount


async def overview(
    session: AsyncSession, company_id: str, date_from: date | None, date_to: date | None
) -> OverviewRead:
    start, to = period(date_from, date_to, today_ist())
    flows = await repository.flows(session, company_id, start, to)
    after = flows.get(AFTER, NO_FLOW).entries
    total = sum(f.entries for f in flows.values())

    # Balances at the end of `to`, by due date; the share of entries dated after it picks the side to read.
    owed = await summaries.owed_by_date(
        session, company_id, summaries.Basis.DUE_DATE, to, early=after * 2 > total
    )
    aging = buckets.split(owed, to, buckets.DEFAULT_EDGES)
    current = aging[buckets.CURRENT]
    outstanding = sum(aging.values(), ZERO)
    credit = to_paise(await summaries.credit_as_of(session, company_id, to))

    beginning = flows.get(BEFORE, NO_FLOW).on_invoices
    invoiced = _flow(flows, *SALES).amount
    paid = _flow(flows, *PAID)
    paid_amount = ZERO - paid.on_invoices  # payments to credit have no invoice, hence no days

    # Countback: the credit sales of each of the 90 days ending at `to`, newest first.
    window = formulas.countback_days(to)
    sales_by_day: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for row in await summaries.day_totals(session, company_id, window[-1], to):
        if row.entry_type in SALES:
            sales_by_day[row.effective_date] += row.on_invoices + row.on_credit
    daily_sales = [sales_by_day[day] for day in window]
    window_sales = sum(daily_sales, ZERO)

    months = formulas.months_ending(to)
    rows = await repository.monthly(session, company_id, months[0], to)
    opening = next((r.moved_on_invoices for r in rows if r.month is None), ZERO)
    by_month = {r.month: r for r in rows if r.month is not None}
    month_rows = [by_month.get(m) for m in months]
    owed_at_end = formulas.running_totals(opening, (r.moved_on_invoices if r else ZERO for r in month_rows))

    # The costliest read, and the one that changes least often: remembered while the ledger and the amounts
    # owed by due date stay as they are (memo.py says why that is enough).
    remembered = memo.key(company_id, to, total, after, owed)
    top = memo.get(remembered)
    if top is None:
        top = await repository.top_overdue(session, company_id, to, after, total, TOP)
        memo.put(remembered, top)
    else:
        top = await repository.with_current_names(session, company_id, top)

    return OverviewRead(
        date_from=start,
        date_to=to,
        outstanding=outstanding,
        current=current,
        overdue=outstanding - current,
        unapplied_credit=credit,
        outstanding_at_start=beginning,
        invoiced=invoiced,
        collected=_settled(flows, "PAYMENT"),
        credit_notes=_settled(flows, "CREDIT_NOTE"),
        write_offs=_settled(flows, "WRITE_OFF"),
        tds_deducted=_settled(flows, "TDS"),
        refunds=_flow(flows, "REFUND").amount,
        reversals=_flow(flows, "REVERSAL").amount,
        dso=formulas.countback_dso(outstanding, daily_sales),
        best_possible_dso=formulas.best_possible_dso(current, window_sales, formulas.DSO_DAYS),
        cei=formulas.cei(beginning, invoiced, outstanding, current),
        average_days_to_pay=formulas.weighted_days(paid.days_weighted, paid_amount),
        average_days_late=formulas.weighted_days(paid.late_weighted, paid_amount),
        aging=aging,
        top_overdue_customers=[
            OverdueCustomer(
                customer_id=r.customer_id,
                customer_name=r.customer_name,
                overdue=r.overdue,
                oldest_due_date=r.oldest_due_date,
                days_past_due=(to - r.oldest_due_date).days,
            )
            for r in top
        ],
        monthly=[
            MonthFigures(
                month=f"{m.year:04d}-{m.month:02d}",
                invoiced=r.invoiced if r else ZERO,
                collected=r.collected if r else ZERO,
                outstanding_at_end=owed,
            )
            for m, r, owed in zip(months, month_rows, owed_at_end, strict=True)
        ],
    )
