"""Issue 12's TDS acceptance case, end to end with real commits: a payment of 1,17,900 with 100 of TDS under
194Q against an invoice of 1,18,000 (taxable 1,00,000 + 18 % GST) pays it, no reminder goes out, the register
shows the TDS awaiting its certificate, and a Form 26AS file with that row and two others matches it and lists
the two."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dues.db import Database
from dues.kit.tds import quarter_of
from dues.kit.timefmt import today_ist
from tests.collection.helpers import get_invoice, sql
from tests.customers.helpers import payload
from tests.reminders.helpers import (
    YEAR,
    customer,
    open_invoice,
    reminder,
    reminder_messages,
    run_at,
    sends,
    set_default,
)
from tests.support import Tenant, TenantFactory
from tests.tds.helpers import OTHER_TAN, TAN, pay_with_tds, register, statement_csv, statement_xlsx, upload


@pytest.fixture
async def seller(live_tenants: TenantFactory) -> Tenant:
    return await live_tenants.create()


async def _paid_with_tds(seller: Tenant) -> tuple[str, str, dict[str, object]]:
    """A dispatched invoice of 1,18,000 reminded once, then paid 1,17,900 in cash and 100 of TDS."""
    rid = str((await reminder(seller))["reminderId"])  # 3 days before, on, and 7 days after the due date
    await set_default(seller, rid)
    buyer = await customer(seller)
    invoice_id = await open_invoice(seller, buyer, baseAmount=100000, cgst=9000, sgst=9000)
    assert (await get_invoice(seller, invoice_id))["totalAmount"] == 118000
    return (
        buyer,
        invoice_id,
        await pay_with_tds(seller, buyer, invoice_id, 117900, 100, today_ist().isoformat()),
    )


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_a_194q_deduction_settles_the_invoice_and_form_26as_confirms_it(
    committed: Database, seller: Tenant, kind: str
) -> None:
    rid = str((await reminder(seller))["reminderId"])
    await set_default(seller, rid)
    buyer = await customer(seller)
    invoice_id = await open_invoice(seller, buyer, baseAmount=100000, cgst=9000, sgst=9000)
    # A reminder is written three days before the due date, not yet handed to a provider.
    assert await run_at(committed, f"{YEAR}-06-27 10:00") == 1

    paid_on = today_ist()
    payment = await pay_with_tds(seller, buyer, invoice_id, 117900, 100, paid_on.isoformat())

    shown = await get_invoice(seller, invoice_id)
    assert shown["status"] == "PAID"
    assert (shown["paidAmount"], shown["tdsAmount"], shown["balanceAmount"]) == (117900, 100, 0)
    # The reminder written before is cancelled, and none goes out afterwards.
    assert {m[2] for m in await reminder_messages(committed, invoice_id)} == {"CANCELLED"}
    assert await run_at(committed, f"{YEAR}-07-08 10:00") == 0
    assert len(await sends(committed, invoice_id)) == 1

    [entry] = await register(seller)
    quarter = quarter_of(paid_on)
    assert (entry["paymentId"], entry["invoiceIds"], entry["status"], entry["quarter"]) == (
        payment["paymentId"],
        [invoice_id],
        "AWAITING_CERTIFICATE",
        quarter,
    )
    assert (entry["amount"], entry["section"], entry["deductorTan"], entry["deductedOn"]) == (
        100,
        "194Q",
        TAN,
        paid_on.isoformat(),
    )

    day = paid_on.strftime("%d-%b-%Y")
    rows = [
        ["1", "Buyer Ltd", TAN, "194Q", day, "118000.00", "100.00", "100.00"],
        ["2", "Another Buyer Ltd", OTHER_TAN, "194C", day, "50000.00", "1000.00", "1000.00"],
        ["3", "Buyer Ltd", TAN, "194Q", day, "250000.00", "250.00", "250.00"],
    ]
    content = statement_csv(rows) if kind == "csv" else statement_xlsx(rows)
    result = payload(await upload(seller, f"26AS.{kind}", content))

    assert (result["totalRows"], result["matchedRows"], result["quarters"]) == (3, 1, [quarter])
    assert [(r["row"], r["status"], r["tdsId"]) for r in result["rows"]] == [
        (2, "MATCHED", entry["tdsId"]),
        (3, "UNMATCHED", None),
        (4, "UNMATCHED", None),
    ]
    unmatched_rows = result["rows"][1:]
    assert [(r["deductorTan"], r["taxDeducted"]) for r in unmatched_rows] == [(OTHER_TAN, 1000), (TAN, 250)]
    assert all(r["message"] for r in unmatched_rows)
    assert result["unmatchedEntries"] == []

    matched = payload(await seller.get(f"/api/v0/tds/{entry['tdsId']}"))
    assert (matched["status"], matched["matchedAmount"], matched["statementId"]) == (
        "MATCHED",
        100,
        result["statementId"],
    )
    # The statement is kept, with what each row matched; the match is audited and announced.
    [(stored_rows, matched_rows)] = await sql(
        committed,
        "SELECT total_rows, matched_rows FROM tds_statements WHERE company_id = :c AND statement_id = :s",
        c=seller.company_id,
        s=result["statementId"],
    )
    assert (stored_rows, matched_rows) == (3, 1)
    [(event,)] = await sql(
        committed,
        "SELECT payload FROM events WHERE company_id = :c AND event_type = 'tds.matched'",
        c=seller.company_id,
    )
    assert (event["tdsId"], event["status"], event["matchedAmount"]) == (entry["tdsId"], "MATCHED", 100)
    [(action,)] = await sql(
        committed,
        "SELECT action FROM audit_log WHERE company_id = :c AND entity_type = 'tds' AND entity_id = :t "
        "AND action = 'MATCH'",
        c=seller.company_id,
        t=entry["tdsId"],
    )
    assert action == "MATCH"

    # The same statement again confirms the same entry: MATCHED still, announced once.
    again = payload(await upload(seller, f"26AS-again.{kind}", content))
    assert [r["status"] for r in again["rows"]] == ["MATCHED", "UNMATCHED", "UNMATCHED"]
    events = await sql(
        committed,
        "SELECT 1 FROM events WHERE company_id = :c AND event_type = 'tds.matched'",
        c=seller.company_id,
    )
    assert len(events) == 1


async def test_a_statement_lists_the_deductions_it_does_not_show(committed: Database, seller: Tenant) -> None:
    buyer, invoice_id, payment = await _paid_with_tds(seller)
    day = today_ist().strftime("%d-%b-%Y")
    # Only another deductor's row: the buyer's 100 is still missing from Form 26AS.
    result = payload(
        await upload(
            seller, "26AS.csv", statement_csv([["1", "X", OTHER_TAN, "194C", day, "1", "1.00", "1.00"]])
        )
    )
    [missing] = result["unmatchedEntries"]
    assert (missing["paymentId"], missing["customerId"], missing["status"]) == (
        payment["paymentId"],
        buyer,
        "AWAITING_CERTIFICATE",
    )
    assert Decimal(str(missing["amount"])) == Decimal("100.00") and missing["invoiceIds"] == [invoice_id]
