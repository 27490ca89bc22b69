"""A micro or small seller's reminders state the MSMED Act interest accrued to the day and its basis, in one
sentence, in the e-mail and the SMS (read from the outbox the messages are written to)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from dues.db import Database
from dues.kit.timefmt import today_ist
from dues.msme.interest import accrue
from tests.collection.helpers import dispatch
from tests.customers.helpers import payload
from tests.msme.helpers import bank_rates, bill, msme_seller
from tests.reminders.helpers import REMINDERS, customer, reminder_messages, run_at, set_default
from tests.support import Tenant, TenantFactory

TODAY = today_ist()


async def _late_invoice(seller: Tenant, days_late: int = 70) -> tuple[str, str]:
    """A dispatched invoice of 25,000.00 to a customer who takes reminders by e-mail and SMS, dated 30 days
    before its due date; (invoiceId, invoiceNumber)."""
    buyer = await customer(seller)
    due = TODAY - timedelta(days=days_late)
    made = await bill(seller, buyer, due - timedelta(days=30), due, "25000.00")
    assert (await dispatch(seller, [made["invoiceId"]]))[made["invoiceId"]]["success"]
    return made["invoiceId"], made["invoiceNumber"]


def _by_channel(rows: list[tuple[object, ...]]) -> dict[object, str]:
    return {channel: str(body) for channel, _, _, _, body in rows}


async def test_a_reminder_states_the_interest_accrued_to_the_day(
    db: Database, tenants: TenantFactory
) -> None:
    seller = await msme_seller(tenants, "SMALL")
    invoice_id, _ = await _late_invoice(seller)
    due = TODAY - timedelta(days=70)

    payload(await seller.post(f"/api/v0/invoice/{invoice_id}/remind"))
    sent = _by_channel(await reminder_messages(db, invoice_id))

    owed = accrue(due, [(due - timedelta(days=30), Decimal("25000.00"))], await bank_rates(seller), TODAY)
    assert owed.interest > 0
    amount = f"INR {owed.interest:,.2f}"
    assert (
        f"Under the MSMED Act 2006 (s.16), interest of {amount} has accrued to {TODAY:%d %b %Y} on the "
        f"amount unpaid since {due:%d %b %Y}, compounded monthly at three times the RBI bank rate.\n"
    ) in sent["EMAIL"]
    assert (
        f"Interest to {TODAY:%d %b %Y}: {amount} (MSMED Act s.16, 3x RBI bank rate, monthly rests)."
        in (sent["SMS"])
    )


async def test_before_the_due_date_it_states_when_interest_starts(
    db: Database, tenants: TenantFactory
) -> None:
    seller = await msme_seller(tenants, "MICRO")
    invoice_id, _ = await _late_invoice(seller, days_late=-10)
    due = TODAY + timedelta(days=10)

    payload(await seller.post(f"/api/v0/invoice/{invoice_id}/remind"))
    sent = _by_channel(await reminder_messages(db, invoice_id))

    assert (
        f"Under the MSMED Act 2006 (s.16), payment after {due:%d %b %Y} attracts compound interest with "
        "monthly rests at three times the RBI bank rate." in sent["EMAIL"]
    )
    assert f"Interest runs after {due:%d %b %Y} (MSMED Act s.16)." in sent["SMS"]


async def test_other_sellers_reminders_say_nothing_of_it(db: Database, tenants: TenantFactory) -> None:
    for category in ("MEDIUM", None):
        seller = await msme_seller(tenants, category)
        invoice_id, _ = await _late_invoice(seller)

        payload(await seller.post(f"/api/v0/invoice/{invoice_id}/remind"))
        sent = _by_channel(await reminder_messages(db, invoice_id))

        assert set(sent) == {"EMAIL", "SMS"}
        assert not any("MSMED" in body or "nterest" in body for body in sent.values()), (category, sent)


async def test_a_template_takes_the_sentence_where_it_says(db: Database, tenants: TenantFactory) -> None:
    """A scheduled step with its own text: {msmeInterest} is the sentence, as of the day the engine sends."""
    seller = await msme_seller(tenants, "SMALL")
    step = {
        "offsetDays": 0,
        "channels": ["EMAIL"],
        "template": "{invoiceNumber}: {balanceAmount}. {msmeInterest}",
    }
    made = payload(
        await seller.post(
            REMINDERS, json={"name": "Daily", "steps": [step], "repeatEveryDays": 1, "sendAt": "09:00"}
        )
    )
    await set_default(seller, made["reminderId"])
    invoice_id, number = await _late_invoice(seller)
    due = TODAY - timedelta(days=70)
    # Two days on, past the dispatch (which itself told the customer), the daily repeat is due.
    day = TODAY + timedelta(days=2)

    assert await run_at(db, f"{day:%Y-%m-%d} 12:00") == 1
    sent = _by_channel(await reminder_messages(db, invoice_id))

    owed = accrue(due, [(due - timedelta(days=30), Decimal("25000.00"))], await bank_rates(seller), day)
    assert sent["EMAIL"] == (
        f"{number}: INR 25,000.00. Under the MSMED Act 2006 (s.16), interest of INR {owed.interest:,.2f} has "
        f"accrued to {day:%d %b %Y} on the amount unpaid since {due:%d %b %Y}, compounded monthly at three "
        "times the RBI bank rate."
    )
