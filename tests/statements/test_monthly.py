"""statementDay (api.md §1.7, §10): on that day of the month, last month's statement goes to every customer
with a balance at its end, once, however many workers run it; zero balances are left out, and a customer with
no e-mail address is skipped and counted."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import structlog

from dues import jobs
from dues.config import get_settings
from dues.db import Database
from dues.statements.tasks import last_month, send_monthly
from tests.collection.helpers import sql
from tests.collection.providers import Inbox, smtp_server
from tests.conftest import run_jobs
from tests.customers.helpers import assert_invalid, payload
from tests.statements.helpers import TODAY, has_row, invoice, pay, pdf_text
from tests.support import Tenant, TenantFactory

COMPANY = "/api/v0/company"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    for port in smtp_server(inbox):
        monkeypatch.setenv("DUES_SMTP_URL", f"smtp://127.0.0.1:{port}")
        get_settings.cache_clear()
        yield inbox
    get_settings.cache_clear()


async def test_the_statement_day_is_a_day_every_month_has(tenant: Tenant, tenants: TenantFactory) -> None:
    assert payload(await tenant.get(COMPANY))["statementDay"] is None

    assert payload(await tenant.patch(COMPANY, json={"statementDay": 28}))["statementDay"] == 28
    for wrong in (0, 29, 31, "fifth"):
        assert_invalid(await tenant.patch(COMPANY, json={"statementDay": wrong}), "statementDay")
    assert payload(await tenant.get(COMPANY))["statementDay"] == 28
    assert payload(await tenant.patch(COMPANY, json={"statementDay": None}))["statementDay"] is None
    maker = await tenants.user(tenant, "MAKER")
    assert (await maker.patch(COMPANY, json={"statementDay": 5})).status_code == 403


def _on(day: int) -> str:
    """That day of the month before this one."""
    start, _ = last_month(TODAY)
    return (start + timedelta(days=day - 1)).isoformat()


async def test_last_months_statements_go_once_to_every_customer_with_a_balance(
    committed: Database, live_tenants: TenantFactory, smtp: Inbox, tmp_path: Path
) -> None:
    run_day = TODAY.replace(day=5)
    start, end = last_month(run_day)
    seller = await live_tenants.create("Monthly Seller Pvt Ltd")
    payload(await seller.patch(COMPANY, json={"statementDay": 5}))
    owing = (await seller.create_customer(email="owing@buyer.example"))["customerId"]
    bill = await invoice(seller, owing, "1000", _on(3), _on(20))
    settled = (await seller.create_customer(email="settled@buyer.example"))["customerId"]
    paid = await invoice(seller, settled, "1000", _on(3), _on(20))
    await pay(seller, settled, "1180", _on(4), "UTRMONTH0001", [(paid["invoiceId"], "1180")])
    silent = (await seller.create_customer(email=None))["customerId"]
    await invoice(seller, silent, "1000", _on(3), _on(20))
    later = (await seller.create_customer(email="later@buyer.example"))["customerId"]
    # Owed only from this month: nothing at the end of the last one.
    await invoice(seller, later, "1000", (end + timedelta(days=1)).isoformat(), run_day.isoformat())
    ahead = (await seller.create_customer(email="ahead@buyer.example"))["customerId"]
    await pay(seller, ahead, "500", _on(2), "UTRMONTH0002")
    elsewhere = await live_tenants.create("Other Day Pvt Ltd")
    payload(await elsewhere.patch(COMPANY, json={"statementDay": 6}))
    theirs = (await elsewhere.create_customer(email="theirs@buyer.example"))["customerId"]
    await invoice(elsewhere, theirs, "1000", _on(3), _on(20))

    with structlog.testing.capture_logs() as logs:
        # Two workers at once, then a later run the same day: one sends, the others find the month claimed.
        first, second = await asyncio.gather(
            send_monthly(committed, run_day), send_monthly(committed, run_day)
        )
        again = await send_monthly(committed, run_day)

    assert sorted([first, second, again]) == [0, 0, 1]
    [logged] = [entry for entry in logs if entry["event"] == "monthly statements sent"]
    assert (logged["company_id"], logged["customers_with_balance"], logged["customers_sent"]) == (
        seller.company_id,
        3,
        2,
    )
    assert (logged["skipped_without_email"], logged["messages"]) == (1, 2)
    assert (logged["period_start"], logged["period_end"]) == (start.isoformat(), end.isoformat())
    runs = await sql(committed, "SELECT company_id, period_start, customers FROM statement_runs")
    assert [tuple(r) for r in runs if r[0] in (seller.company_id, elsewhere.company_id)] == [
        (seller.company_id, start, 2)
    ]

    await run_jobs(committed)

    by_address = {to[0]: mail for to, mail in smtp.mails}
    assert sorted(by_address) == ["ahead@buyer.example", "owing@buyer.example"]
    name = f"statement-{owing}-{start.isoformat()}-{end.isoformat()}.pdf"
    [pdf] = list(by_address["owing@buyer.example"].iter_attachments())
    assert pdf.get_filename() == name
    text = pdf_text(pdf.get_content(), tmp_path)
    assert has_row(text, f"Invoice {bill['invoiceNumber']} 1,180.00 1,180.00")
    assert "Balance Due ₹ 1,180.00" in text
    assert "in credit by INR 500.00" in by_address["ahead@buyer.example"].get_body().get_content()


async def test_the_worker_runs_it_on_the_day(
    committed: Database, live_tenants: TenantFactory, smtp: Inbox
) -> None:
    if TODAY.day > 28:
        pytest.skip("no company's statement day is after the 28th: nothing runs today")
    seller = await live_tenants.create("Today Seller Pvt Ltd")
    payload(await seller.patch(COMPANY, json={"statementDay": TODAY.day}))
    buyer = (await seller.create_customer(email="today@buyer.example"))["customerId"]
    start, _ = last_month(TODAY)
    await invoice(seller, buyer, "1000", (start + timedelta(days=1)).isoformat(), TODAY.isoformat())
    async with committed.sessionmaker() as session:
        await jobs.enqueue(session, "dues.statements.send_monthly", timestamp=0)
        await session.commit()

    await run_jobs(committed)
    # The send job the monthly one queued may come after the worker found its queue empty and stopped.
    await run_jobs(committed)

    assert [to for to, _ in smtp.mails] == [["today@buyer.example"]]
