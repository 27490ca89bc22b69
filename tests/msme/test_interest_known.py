"""MSMED Act 2006 s.15-16 interest worked out by hand, to the paisa (docs/msme.md states the rules).

Every case writes its arithmetic out. The rate is three times the RBI bank rate, a day's interest is
base x rate / 365, and each month's interest is rounded half up to the paisa at its rest (the statutory due
date's day of each month), where it joins the base. "16.5 %" is three times the bank rate of 5.50 % in force
from 5 December 2025.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dues.db import Database
from dues.kit.timefmt import today_ist
from dues.msme.interest import MsmeInterest, accrue, rest_dates, statutory_due_date
from dues.msme.service import interest_for
from tests.customers.helpers import payload
from tests.msme.helpers import INVOICES, bank_rates, bill, msme_seller, pay
from tests.support import TenantFactory

D = Decimal
RATES = [(date(2025, 12, 5), D("5.50"))]
INVOICE = [(date(2026, 1, 1), D("100000.00"))]
DUE = date(2026, 1, 31)


def test_one_rate_over_two_months_compounds_at_the_rest() -> None:
    """Invoice of 1,00,000.00 dated 1 Jan 2026, agreed due 31 Jan (30 days: under the cap), unpaid.

    First month, 1-28 Feb (28 days; the rest falls on 28 Feb, 31 Jan's day clamped):
        1,00,000.00 x 16.5 % x 28 / 365 = 4,62,000 / 365 = 1,265.7534... -> 1,265.75, added to the base.
    Second month, 1-31 Mar (31 days; rest on 31 Mar):
        1,01,265.75 x 16.5 % x 31 / 365 = 5,17,974.31125 / 365 = 1,419.1077... -> 1,419.11.
    As of 28 Feb: 1,265.75. As of 31 Mar: 1,265.75 + 1,419.11 = 2,684.86, 59 days late."""
    assert rest_dates(DUE, date(2026, 4, 30)) == (date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30))
    assert rest_dates(date(2024, 1, 31), date(2024, 3, 30)) == (date(2024, 2, 29),)
    assert accrue(DUE, INVOICE, RATES, date(2026, 2, 28)) == MsmeInterest(
        DUE, D("100000.00"), D("1265.75"), 28
    )
    assert accrue(DUE, INVOICE, RATES, date(2026, 3, 31)) == MsmeInterest(
        DUE, D("100000.00"), D("2684.86"), 59
    )


def test_nothing_on_or_before_the_statutory_due_date_and_a_day_after_it_one_days_interest() -> None:
    """On 31 Jan nothing is late. On 1 Feb: 1,00,000.00 x 16.5 % / 365 = 45.2054... -> 45.21."""
    assert accrue(DUE, INVOICE, RATES, DUE) == MsmeInterest(DUE, D("100000.00"), D("0.00"), 0)
    assert accrue(DUE, INVOICE, RATES, date(2026, 2, 1)) == MsmeInterest(DUE, D("100000.00"), D("45.21"), 1)


def test_a_rate_change_mid_month() -> None:
    """Bank rate 6.25 % from 9 Apr 2025 (18.75 %), 5.75 % from 6 Jun 2025 (17.25 %). Invoice of 50,000.00
    dated 1 Apr 2025, agreed due 1 May 2025.

    First month, 2 May - 1 Jun (31 days at 18.75 %):
        50,000.00 x 18.75 % x 31 / 365 = 2,90,625 / 365 = 796.2328... -> 796.23, added on 1 Jun.
    Open month to 15 Jun, on 50,796.23: 2-5 Jun (4 days) at 18.75 %, 6-15 Jun (10 days) at 17.25 %:
        50,796.23 x (18.75 x 4 + 17.25 x 10) % / 365 = 50,796.23 x 2.475 / 365 = 344.4401... -> 344.44.
    Total 796.23 + 344.44 = 1,140.67, 45 days late."""
    rates = [(date(2025, 4, 9), D("6.25")), (date(2025, 6, 6), D("5.75"))]
    due = date(2025, 5, 1)

    owed = accrue(due, [(date(2025, 4, 1), D("50000.00"))], rates, date(2025, 6, 15))

    assert owed == MsmeInterest(due, D("50000.00"), D("1140.67"), 45)


def test_a_reversed_payment_resumes_interest_on_the_principal_and_the_interest_added() -> None:
    """1,000.00 due 31 Jan, paid in full on 1 Mar, the payment reversed (a bounced cheque) on 11 Mar.
    February (28 days): 1,000.00 x 16.5 % x 28 / 365 = 12.6575... -> 12.66, added on 28 Feb.
    1-10 Mar: nothing owed, nothing accrues. 11-31 Mar (21 days) on 1,000.00 + 12.66:
        1,012.66 x 16.5 % x 21 / 365 = 9.6133... -> 9.61. In all 22.27, 28 + 21 = 49 days late."""
    movements = [
        (date(2026, 1, 1), D("1000.00")),
        (date(2026, 3, 1), D("-1000.00")),
        (date(2026, 3, 11), D("1000.00")),
    ]

    assert accrue(DUE, movements, RATES, date(2026, 3, 31)) == MsmeInterest(DUE, D("1000.00"), D("22.27"), 49)


def test_a_partial_payment_mid_month_lowers_the_base_from_its_day() -> None:
    """The 1,00,000.00 invoice due 31 Jan; 40,000.00 received on 15 Feb (the day it arrives bears interest
    only on what is left at its end).

    1-14 Feb (14 days) on 1,00,000.00 and 15-28 Feb (14 days) on 60,000.00:
        (1,00,000 x 14 + 60,000 x 14) x 16.5 % / 365 = 22,40,000 x 0.165 / 365 = 1,012.6027... -> 1,012.60.
    On to 31 Mar: the base from 1 Mar is 60,000.00 + 1,012.60 = 61,012.60, for 31 days:
        61,012.60 x 16.5 % x 31 / 365 = 855.0122... -> 855.01; in all 1,012.60 + 855.01 = 1,867.61."""
    movements = [*INVOICE, (date(2026, 2, 15), D("-40000.00"))]

    assert accrue(DUE, movements, RATES, date(2026, 2, 28)) == MsmeInterest(
        DUE, D("60000.00"), D("1012.60"), 28
    )
    assert accrue(DUE, movements, RATES, date(2026, 3, 31)) == MsmeInterest(
        DUE, D("60000.00"), D("1867.61"), 59
    )


def test_paid_in_full_stops_the_interest_and_keeps_what_accrued() -> None:
    """Paid in full on 11 Feb: 1-10 Feb (10 days) bore interest,
        1,00,000.00 x 16.5 % x 10 / 365 = 1,65,000 / 365 = 452.0547... -> 452.05,
    and that is still what is owed on 30 Jun: no interest runs on nil principal, nor on interest alone."""
    movements = [*INVOICE, (date(2026, 2, 11), D("-100000.00"))]

    assert accrue(DUE, movements, RATES, date(2026, 2, 28)) == MsmeInterest(DUE, D("0.00"), D("452.05"), 10)
    assert accrue(DUE, movements, RATES, date(2026, 6, 30)) == MsmeInterest(DUE, D("0.00"), D("452.05"), 10)


def test_the_agreed_due_date_is_capped_at_45_days() -> None:
    """Agreed due 31 Mar 2026 on an invoice of 1 Jan: s.15 caps it at 45 days, 15 Feb, and interest runs from
    16 Feb although the agreed day has not come.
    16 Feb - 15 Mar (28 days): 1,00,000.00 x 16.5 % x 28 / 365 = 1,265.7534... -> 1,265.75, added on 15 Mar.
    16-31 Mar (16 days) on 1,01,265.75: x 16.5 % x 16 / 365 = 2,67,341.58 / 365 = 732.4427... -> 732.44.
    Total 1,998.19, 44 days late. An agreed date within the 45 days is kept as it is."""
    capped = statutory_due_date(date(2026, 1, 1), date(2026, 3, 31))

    assert capped == date(2026, 2, 15)
    assert statutory_due_date(date(2026, 1, 1), date(2026, 2, 15)) == date(2026, 2, 15)
    assert statutory_due_date(date(2026, 1, 1), date(2026, 1, 10)) == date(2026, 1, 10)
    assert accrue(capped, INVOICE, RATES, date(2026, 3, 31)) == MsmeInterest(
        capped, D("100000.00"), D("1998.19"), 44
    )


def test_with_no_agreed_date_the_due_date_is_15_days_after_the_invoice() -> None:
    """s.15 with nothing agreed: 15 days after acceptance (the invoice date).
    1 Jan -> 16 Jan; 31 Dec -> 15 Jan."""
    assert statutory_due_date(date(2026, 1, 1), None) == date(2026, 1, 16)
    assert statutory_due_date(date(2025, 12, 31), None) == date(2026, 1, 15)


def test_each_months_interest_is_rounded_at_its_rest() -> None:
    """1,010.00 due 31 Jan, unpaid to 31 Mar.
    February: 1,010.00 x 16.5 % x 28 / 365 = 12.7841... -> 12.78 joins the base.
    March: 1,022.78 x 16.5 % x 31 / 365 = 14.3329... -> 14.33. Total 27.11.
    (Rounded once at the end instead, it would be 12.7841 + 14.3330 = 27.1171 -> 27.12: the rounding at each
    rest is what dues does, and says so in docs/msme.md.)"""
    owed = accrue(DUE, [(date(2026, 1, 1), D("1010.00"))], RATES, date(2026, 3, 31))

    assert owed.interest == D("27.11")


async def test_a_medium_or_unset_seller_is_owed_nothing(db: Database, tenants: TenantFactory) -> None:
    for category in ("MEDIUM", None):
        seller = await msme_seller(tenants, category)
        buyer = (await seller.create_customer())["customerId"]
        made = await bill(seller, buyer, date(2026, 1, 1), DUE, "100000.00")

        async with db.sessionmaker() as session:
            found = await interest_for(session, seller.company_id, [made["invoiceId"]], date(2026, 3, 31))
        read = payload(await seller.get(f"{INVOICES}/{made['invoiceId']}"))

        assert found == {}, category
        assert read["msmeDueDate"] is None and read["msmeInterest"] is None, category


async def test_a_small_sellers_invoice_through_the_api(db: Database, tenants: TenantFactory) -> None:
    """The partial payment case above, made through the API: a bill of 1,00,000.00 of a SMALL seller dated
    1 Jan 2026 and due 31 Jan, 40,000.00 received on 15 Feb, entered later (backdated). As of 28 Feb the
    interest is 1,012.60 and as of 31 Mar 1,867.61 (worked out above); GET invoice shows it as of today."""
    seller = await msme_seller(tenants, "SMALL")
    buyer = (await seller.create_customer())["customerId"]
    made = await bill(seller, buyer, date(2026, 1, 1), DUE, "100000.00")
    await pay(seller, buyer, made["invoiceId"], "40000.00", date(2026, 2, 15))

    async with db.sessionmaker() as session:
        feb = await interest_for(session, seller.company_id, [made["invoiceId"]], date(2026, 2, 28))
        mar = await interest_for(session, seller.company_id, [made["invoiceId"]], date(2026, 3, 31))
        before = await interest_for(session, seller.company_id, [made["invoiceId"]], date(2025, 12, 31))
    read = payload(await seller.get(f"{INVOICES}/{made['invoiceId']}"))

    invoice_id = made["invoiceId"]
    assert feb == {invoice_id: MsmeInterest(DUE, D("60000.00"), D("1012.60"), 28)}
    assert mar == {invoice_id: MsmeInterest(DUE, D("60000.00"), D("1867.61"), 59)}
    # Before its date the invoice owed nothing yet.
    assert before == {invoice_id: MsmeInterest(DUE, D("0.00"), D("0.00"), 0)}
    today = accrue(
        DUE, [*INVOICE, (date(2026, 2, 15), D("-40000.00"))], await bank_rates(seller), today_ist()
    )
    assert read["msmeDueDate"] == "2026-01-31"
    assert D(str(read["msmeInterest"])) == today.interest > D("1867.61")
    assert D(str(read["balanceAmount"])) == D("60000.00")
