"""The AR overview on a history made by hand, whose every figure is worked out below by hand.

A seller without GSTIN (bills of supply: the total is the amount) and three customers X, Y, Z:

    date        movement                                           X       Y       Z
    2026-07-01  I6  Y  1,500  due 2026-07-31 (never paid)                  +1,500
    2026-08-01  I1  X 10,000  due 2026-08-31                       +10,000
    2026-09-10  I2  Y  5,000  due 2026-10-10                               +5,000
    2026-09-15  P0  X pays 4,000 on I1                             -4,000
    2026-10-05  I3  X  8,000  due 2026-11-04                       +8,000
    2026-10-10  P2  Y pays 2,000 on I2, and deducts 200 TDS                -2,200
    2026-10-20  P1  X pays 6,000 on I1 (now paid)                  -6,000
    2026-11-10  CN  credit note of 1,000 on I3                     -1,000
    2026-11-20  I4  Z  6,000  due 2026-12-20                                       +6,000
    2026-11-25  P3  Z pays 1,500: 1,000 on I4, 500 to credit                       -1,000 (credit 500)
    2026-11-26  RF  Z is refunded 200 of its credit                                (credit 300)
    2026-11-28  I5  Y  3,000  due 2026-12-28                               +3,000

The overview for from = 2026-10-01, to = 2026-11-30 (61 days):

- Owed at the end of 2026-11-30: I2 2,800 (51 days past due), I3 7,000 (26), I4 5,000 (not due), I5 3,000
  (not due), I6 1,500 (122 days past due): outstanding 19,300; current 8,000; overdue 11,300. Aging: current
  8,000, 1-30 7,000, 31-60 2,800, 61-90 0, 90+ 1,500. Unapplied credit 500 - 200 = 300.
- Beginning receivables (end of 2026-09-30): I6 1,500 + I1 6,000 + I2 5,000 = 12,500.
- Within the period: invoiced I3 + I4 + I5 = 17,000; collected 2,000 + 6,000 + 1,500 = 9,500; credit notes
  1,000; TDS 200; refunds 200; no write-off, no reversal. Check: 12,500 + 17,000 - 9,500 - 1,000 - 200 + 200
  = 19,000 = 19,300 - 300 (owed less credit at the end).
- CEI = (12,500 + 17,000 - 19,300) / (12,500 + 17,000 - 8,000) x 100 = 10,200 / 21,500 x 100 = 47.44 -> 47.4.
- Countback DSO over the 90 days 2026-09-02 .. 2026-11-30, receivables 19,300. Walking back from 11-30:
  11-30, 11-29 no sales (2 days); 11-28 sells 3,000 -> 16,300 left (3 days); 11-27 .. 11-21 none (10 days);
  11-20 sells 6,000 -> 10,300 left (11 days); 11-19 .. 10-06 none (45 days: 56); 10-05 sells 8,000 -> 2,300
  left (57); 10-04 .. 09-11 none (24 days: 81); 09-10 sells 5,000 >= 2,300: 81 + 2,300 / 5,000 = 81.46 ->
  81.5. (I1 of 2026-08-01 is outside the window and never needed.)
- Best possible DSO = current 8,000 / the window's sales 22,000 x 90 = 32.727 -> 32.7.
- Average days to pay, over the payments and TDS on invoices dated within the period (the 500 to credit is on
  no invoice): P2 2,000 and TDS 200 30 days after I2's date, P1 6,000 80 days after I1's, P3 1,000 5 days
  after I4's: (2,200 x 30 + 6,000 x 80 + 1,000 x 5) / 9,200 = 551,000 / 9,200 = 59.89 -> 59.9. Days late:
  only P1, 50 days past I1's due date: 6,000 x 50 / 9,200 = 32.61 -> 32.6.
- Monthly (2025-12 .. 2026-11): 2026-07 invoiced 1,500, owed 1,500 at its end; 08 invoiced 10,000, owed
  11,500; 09 invoiced 5,000, collected 4,000, owed 12,500; 10 invoiced 8,000, collected 8,000 (2,000 + 6,000;
  the TDS is not cash), owed 12,500 + 8,000 - 2,200 - 6,000 = 12,300; 11 invoiced 9,000, collected 1,500,
  owed 12,300 - 1,000 + 6,000 - 1,000 + 3,000 = 19,300. The months before July are zeros.
- Most overdue at 2026-11-30: X 7,000 (oldest due 2026-11-04, 26 days), Y 4,300 (I2 2,800 + I6 1,500, oldest
  due 2026-07-31, 122 days); Z owes nothing past due.
- The same as of 2026-10-15 (payments after that day added back): X 6,000 (I1, due 08-31, 45 days), Y 4,300
  (I6 + I2, due 07-31, 76 days); and as of 2026-09-20 (read from the entries up to it): X 6,000 (20 days),
  Y 1,500 (I6 only: I2 is not due yet, 51 days).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from dues.db import Database
from dues.kit.timefmt import today_ist
from dues.reports.overview import formulas, repository
from tests.customers.helpers import payload
from tests.reports.helpers import bill, credit_note, money, overview, paid, refund
from tests.support import Tenant, TenantFactory

D = Decimal


async def _history(seller: Tenant) -> dict[str, str]:
    x = str((await seller.create_customer(legalName="Xylo Traders Pvt Ltd"))["customerId"])
    y = str((await seller.create_customer(legalName="Yamuna Mills Ltd"))["customerId"])
    z = str((await seller.create_customer(legalName="Zenith Stores LLP"))["customerId"])
    i6 = await bill(seller, y, "1500", "2026-07-01", "2026-07-31")
    i1 = await bill(seller, x, "10000", "2026-08-01", "2026-08-31")
    i2 = await bill(seller, y, "5000", "2026-09-10", "2026-10-10")
    await paid(seller, x, "4000", "2026-09-15", [(i1, "4000")])
    i3 = await bill(seller, x, "8000", "2026-10-05", "2026-11-04")
    await paid(seller, y, "2000", "2026-10-10", [(i2, "2000")], tds="200")
    await paid(seller, x, "6000", "2026-10-20", [(i1, "6000")])
    await credit_note(seller, x, i3, "1000", "2026-11-10")
    i4 = await bill(seller, z, "6000", "2026-11-20", "2026-12-20")
    await paid(seller, z, "1500", "2026-11-25", [(i4, "1000")])
    payload(await refund(seller, z, "200", "2026-11-26"))
    await bill(seller, y, "3000", "2026-11-28", "2026-12-28")
    return {"X": x, "Y": y, "Z": z, "I6": i6}


def _amounts(answer: dict, *names: str) -> list[Decimal]:
    return [money(answer[n]) for n in names]


async def test_every_figure_is_the_one_worked_out_by_hand(tenants: TenantFactory) -> None:
    seller = await tenants.create("Handmade Ledger Traders", registered=False)
    who = await _history(seller)

    answer = await overview(seller, **{"from": "2026-10-01", "to": "2026-11-30"})

    assert (answer["from"], answer["to"]) == ("2026-10-01", "2026-11-30")
    assert _amounts(answer, "outstanding", "current", "overdue", "unappliedCredit", "outstandingAtStart") == [
        D("19300"),
        D("8000"),
        D("11300"),
        D("300"),
        D("12500"),
    ]
    assert {k: money(v) for k, v in answer["aging"].items()} == {
        "current": D("8000"),
        "1-30": D("7000"),
        "31-60": D("2800"),
        "61-90": D("0"),
        "90+": D("1500"),
    }
    flows = ("invoiced", "collected", "creditNotes", "writeOffs", "tdsDeducted", "refunds", "reversals")
    assert _amounts(answer, *flows) == [D("17000"), D("9500"), D("1000"), 0, D("200"), D("200"), 0]
    assert _amounts(answer, "dso", "bestPossibleDso", "cei", "averageDaysToPay", "averageDaysLate") == [
        D("81.5"),
        D("32.7"),
        D("47.4"),
        D("59.9"),
        D("32.6"),
    ]
    months = {
        m["month"]: tuple(money(m[k]) for k in ("invoiced", "collected", "outstandingAtEnd"))
        for m in answer["monthly"]
    }
    assert list(months) == ["2025-12"] + [f"2026-{n:02d}" for n in range(1, 12)]
    assert {m: v for m, v in months.items() if v != (0, 0, 0)} == {
        "2026-07": (D("1500"), 0, D("1500")),
        "2026-08": (D("10000"), 0, D("11500")),
        "2026-09": (D("5000"), D("4000"), D("12500")),
        "2026-10": (D("8000"), D("8000"), D("12300")),
        "2026-11": (D("9000"), D("1500"), D("19300")),
    }
    assert [
        (c["customerId"], c["customerName"], money(c["overdue"]), c["oldestDueDate"], c["daysPastDue"])
        for c in answer["topOverdueCustomers"]
    ] == [
        (who["X"], "Xylo Traders Pvt Ltd", D("7000"), "2026-11-04", 26),
        (who["Y"], "Yamuna Mills Ltd", D("4300"), "2026-07-31", 122),
    ]


async def test_the_most_overdue_as_of_past_days(tenants: TenantFactory) -> None:
    """As of 2026-10-15 half the entries are later (the open invoices, less what moved since, are read); as
    of 2026-09-20 most are (the entries up to the day are read). Both agree with the hand computation."""
    seller = await tenants.create("Handmade Ledger Traders", registered=False)
    who = await _history(seller)

    def top(answer: dict) -> list[tuple[str, Decimal, str, int]]:
        return [
            (c["customerId"], money(c["overdue"]), c["oldestDueDate"], c["daysPastDue"])
            for c in answer["topOverdueCustomers"]
        ]

    assert top(await overview(seller, to="2026-10-15")) == [
        (who["X"], D("6000"), "2026-08-31", 45),
        (who["Y"], D("4300"), "2026-07-31", 76),
    ]
    assert top(await overview(seller, to="2026-09-20")) == [
        (who["X"], D("6000"), "2026-08-31", 20),
        (who["Y"], D("1500"), "2026-07-31", 51),
    ]


async def test_the_three_readings_of_the_most_overdue_agree_on_every_day(
    tenants: TenantFactory, db: Database
) -> None:
    """The repository's three statements (open invoices only; open invoices less later entries; entries up
    to the day) answer the same on every day the two history-reading ones apply to, and the first agrees
    with them once nothing is dated later."""
    seller = await tenants.create("Handmade Ledger Traders", registered=False)
    await _history(seller)
    day = date(2026, 6, 30)
    async with db.sessionmaker() as session:
        while day <= today_ist():
            params = {"company_id": seller.company_id, "as_of": day, "limit": 10}
            late = (await session.execute(repository.OPEN_LESS_LATER, params)).all()
            early = (await session.execute(repository.ENTRIES_UP_TO, params)).all()
            assert late == early, day
            if day >= date(2026, 11, 28):
                assert (await session.execute(repository.OPEN_NOW, params)).all() == late, day
            day += timedelta(days=1)


async def test_the_last_month_ends_with_what_is_outstanding(tenants: TenantFactory) -> None:
    seller = await tenants.create("Handmade Ledger Traders", registered=False)
    await _history(seller)
    for to in ("2026-09-15", "2026-10-31", "2026-11-25"):
        answer = await overview(seller, to=to)
        assert money(answer["monthly"][-1]["outstandingAtEnd"]) == money(answer["outstanding"]), to
        assert sum(money(v) for v in answer["aging"].values()) == money(answer["outstanding"])


def test_the_formulas_on_their_own() -> None:
    window = [D(0)] * 90
    for days_back, sales in ((2, "3000"), (10, "6000"), (56, "8000"), (81, "5000")):
        window[days_back] = D(sales)
    assert formulas.countback_dso(D("19300"), window) == D("81.5")
    assert formulas.best_possible_dso(D("8000"), D("22000"), 90) == D("32.7")
    assert formulas.cei(D("12500"), D("17000"), D("19300"), D("8000")) == D("47.4")
    assert formulas.weighted_days(D("551000"), D("9200")) == D("59.9")
    assert formulas.weighted_days(D("300000"), D("9200")) == D("32.6")
    # Receivables the 90 days' sales do not exhaust: what is left at the window's average daily sales.
    assert formulas.countback_dso(D("1000"), [D(10)] * 90) == D("100.0")
    # Exhausted exactly by the newest day; nothing owed; a fraction of a day.
    assert formulas.countback_dso(D("500"), [D(500)] + [D(0)] * 89) == D("1.0")
    assert formulas.countback_dso(D("0"), [D(500)] + [D(0)] * 89) == D("0.0")
    assert formulas.countback_dso(D("125"), [D(500)] + [D(0)] * 89) == D("0.3")
    # A day whose corrections exceed its sales counts as a day without sales.
    assert formulas.countback_dso(D("700"), [D(-300), D(500), D(400)]) == D("2.5")
    # Zero denominators: null, never a division error.
    assert formulas.countback_dso(D("100"), [D(0)] * 90) is None
    assert formulas.best_possible_dso(D("100"), D(0), 90) is None
    assert formulas.cei(D(0), D(0), D(0), D(0)) is None
    assert formulas.weighted_days(D(0), D(0)) is None
    # Half up at the first decimal.
    assert formulas.weighted_days(D("1.25"), D("1")) == D("1.3")
    assert formulas.financial_year_start(date(2027, 3, 31)) == date(2026, 4, 1)
    assert formulas.financial_year_start(date(2026, 4, 1)) == date(2026, 4, 1)
    assert formulas.months_ending(date(2026, 2, 10))[0] == date(2025, 3, 1)
