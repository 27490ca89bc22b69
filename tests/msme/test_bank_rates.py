"""The RBI bank-rate table (api.md §10): read by any user at GET /api/v0/msme/bank-rates, kept by the
operator with `dues msme-rates list | set | remove` against the real database, and followed by the
interest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import psycopg
import pytest
from typer.testing import CliRunner

from dues.cli import app as cli
from dues.config import get_settings
from dues.db import Database, libpq_url
from dues.kit.timefmt import today_ist
from dues.msme.interest import accrue
from dues.msme.service import interest_for, set_bank_rate
from tests.customers.helpers import assert_error, payload
from tests.msme.helpers import RATES, bank_rates, bill, msme_seller
from tests.support import Tenant, TenantFactory

runner = CliRunner()


@pytest.fixture
def operator(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The CLI pointed at the test database; the table it commits to is put back as it was afterwards."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    with psycopg.connect(libpq_url(database_url)) as conn:
        kept = conn.execute("SELECT effective_from, bank_rate, note FROM msme_bank_rates").fetchall()
    yield database_url
    with psycopg.connect(libpq_url(database_url)) as conn:
        conn.execute("DELETE FROM msme_bank_rates")
        with conn.cursor() as cursor:
            cursor.executemany("INSERT INTO msme_bank_rates VALUES (%s, %s, %s)", kept)
    get_settings.cache_clear()


def dues(*args: str) -> Any:
    return runner.invoke(cli, ["msme-rates", *args])


def listed() -> list[dict[str, Any]]:
    result = dues("list", "--json")
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def refused(result: Any, *words: str) -> None:
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    for word in words:
        assert word.lower() in result.output.lower(), result.output


async def test_any_user_reads_the_table_newest_first(tenants: TenantFactory, tenant: Tenant) -> None:
    viewer = await tenants.user(tenant, "VIEWER")

    rates = payload(await viewer.get(RATES))

    assert rates[0] == {
        "effectiveFrom": "2025-12-05",
        "bankRate": 5.5,
        "interestRate": 16.5,
        "note": "RBI bank rate",
    }
    days = [r["effectiveFrom"] for r in rates]
    assert days == sorted(days, reverse=True) and days[-1] == "2020-03-27"
    assert all(Decimal(str(r["interestRate"])) == 3 * Decimal(str(r["bankRate"])) for r in rates)


async def test_the_table_needs_a_token(client: httpx.AsyncClient) -> None:
    assert_error(await client.get(RATES), 401, "UNAUTHORIZED")


def test_the_operator_sets_replaces_and_removes_a_rate(operator: str) -> None:
    before = listed()
    assert before[0] == {
        "effectiveFrom": "2025-12-05",
        "bankRate": "5.50",
        "interestRate": "16.50",
        "note": "RBI bank rate",
    }

    made = dues("set", "2030-06-15", "5.25", "--note", "RBI MPC, June 2030")
    replaced = dues("set", "2030-06-15", "5.40%")
    after_set = listed()
    removed = dues("remove", "2030-06-15")
    table = dues("list")

    assert made.exit_code == 0 and "5.25 % from 2030-06-15 (interest 15.75 % a year)" in made.output
    assert replaced.exit_code == 0, replaced.output
    assert after_set[0] == {
        "effectiveFrom": "2030-06-15",
        "bankRate": "5.40",
        "interestRate": "16.20",
        "note": None,
    }
    assert after_set[1:] == before
    assert removed.exit_code == 0 and "removed" in removed.output
    assert listed() == before
    assert table.exit_code == 0
    assert table.output.splitlines()[:2] == [
        "EFFECTIVE FROM  BANK RATE %  INTEREST %  NOTE",
        "2025-12-05             5.50       16.50  RBI bank rate",
    ]


def test_the_operator_is_told_what_is_wrong(operator: str) -> None:
    refused(dues("remove", "2030-06-15"), "no bank rate takes effect on 2030-06-15")
    refused(dues("set", "2030-13-01", "5.25"), "is not a date", "YYYY-MM-DD")
    refused(dues("set", "2030-06-15", "five"), "is not a number")
    refused(dues("set", "2030-06-15", "0"), "bankRate", "above 0 and below 100")
    refused(dues("set", "2030-06-15", "100"), "above 0 and below 100")
    refused(dues("set", "2030-06-15", "5.255"), "at most 2 decimals")
    refused(dues("set", "2030-06-15", "NaN"), "is not a number")
    assert listed()[0]["effectiveFrom"] == "2025-12-05"


def test_help_explains_the_table(operator: str) -> None:
    group = runner.invoke(cli, ["msme-rates", "--help"])
    setting = dues("set", "--help")
    top = runner.invoke(cli, ["--help"])

    assert group.exit_code == setting.exit_code == top.exit_code == 0
    text = " ".join(group.output.split())
    assert "three times the bank rate" in text and "every company" in text
    assert {"list", "set", "remove"} <= set(text.split())
    assert "YYYY-MM-DD" in setting.output and "5.50" in setting.output and "--note" in setting.output
    assert "msme-rates" in top.output


async def test_a_new_rate_changes_the_interest_from_its_day(db: Database, tenants: TenantFactory) -> None:
    """A rate set for a day after the invoice fell due applies from that day on (in this test's
    transaction, rolled back afterwards)."""
    seller = await msme_seller(tenants, "SMALL")
    buyer = (await seller.create_customer())["customerId"]
    invoice_date, due = today_ist() - timedelta(days=120), today_ist() - timedelta(days=90)
    made = await bill(seller, buyer, invoice_date, due, "50000.00")
    change = today_ist() - timedelta(days=30)

    async with db.sessionmaker() as session:
        before = await interest_for(session, seller.company_id, [made["invoiceId"]], today_ist())
        await set_bank_rate(session, change, Decimal("9.00"), "a test's rate")
        after = await interest_for(session, seller.company_id, [made["invoiceId"]], today_ist())
        await session.rollback()

    rates = [*await bank_rates(seller), (change, Decimal("9.00"))]
    expected = accrue(due, [(invoice_date, Decimal("50000.00"))], rates, today_ist())
    assert after[made["invoiceId"]] == expected
    assert after[made["invoiceId"]].interest > before[made["invoiceId"]].interest
