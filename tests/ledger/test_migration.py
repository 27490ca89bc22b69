"""Migration 0019 writes the ledger of what existed before it: an installation upgraded with invoices and
payments on its books starts with entries that add up, or stops naming the customer that does not."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from dues.db import libpq_url, sqlalchemy_url, start_embedded
from dues.migrations import upgrade

_BOOKS = """
INSERT INTO companies (company_id, legal_name, state, approval_chain)
VALUES ('CEKMIGR001', 'Old Books Pvt Ltd', 'Karnataka', 'MAKER_CHECKER');
INSERT INTO customers (company_id, customer_id, legal_name, credit_balance)
VALUES ('CEKMIGR001', 'KCMIGRATION00001', 'Buyer One', 50.00),
       ('CEKMIGR001', 'KCMIGRATION00002', 'Buyer Two', 0);
INSERT INTO invoices (company_id, invoice_id, customer_id, invoice_number, financial_year, invoice_date,
                      due_date, place_of_supply, base_amount, total_amount, paid_amount, balance_amount,
                      approval_status, status, created_by)
VALUES
  -- approved, part paid
  ('CEKMIGR001', 'INVMIGRATION0001', 'KCMIGRATION00001', 'A-1', 2026, '2026-10-01', '2026-10-31', 'Karnataka',
   1000, 1000, 400, 600, 'CHECKER_APPROVED', 'PARTIALLY_PAID', 'U1'),
  -- awaiting approval: not owed yet
  ('CEKMIGR001', 'INVMIGRATION0002', 'KCMIGRATION00001', 'A-2', 2026, '2026-10-02', '2026-11-01', 'Karnataka',
   700, 700, 0, 700, 'CHECKER_APPROVAL_PENDING', 'CREATED', 'U1'),
  -- withdrawn from collection: not owed
  ('CEKMIGR001', 'INVMIGRATION0003', 'KCMIGRATION00002', 'A-3', 2026, '2026-10-03', '2026-11-02', 'Karnataka',
   300, 300, 0, 300, 'CHECKER_APPROVED', 'COLLECTION_DELETED', 'U1');
INSERT INTO payments (company_id, payment_id, customer_id, mode, amount, allocated_amount, unallocated_amount,
                      reference, paid_on, created_by)
VALUES ('CEKMIGR001', 'PAYMIGRATION0001', 'KCMIGRATION00001', 'NEFT', 450, 400, 50, 'UTR-OLD-1',
        '2026-10-10', 'U1');
INSERT INTO payment_allocations (company_id, payment_id, invoice_id, amount)
VALUES ('CEKMIGR001', 'PAYMIGRATION0001', 'INVMIGRATION0001', 400);
"""


@pytest.fixture
def fresh_url() -> Iterator[str]:
    server = os.environ.get("DUES_TEST_DATABASE_URL") or start_embedded(
        Path(os.environ.get("DUES_TEST_PG_HOME", Path(tempfile.gettempdir()) / "dues-test-pg")),
        database="postgres",
    )
    name = f"dues_migrate_{secrets.token_hex(4)}"
    admin = libpq_url(server)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield make_url(sqlalchemy_url(server)).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_existing_invoices_and_payments_get_their_entries(fresh_url: str) -> None:
    upgrade(fresh_url, "0018")
    with psycopg.connect(libpq_url(fresh_url), autocommit=True) as conn:
        conn.execute(_BOOKS)
    upgrade(fresh_url)
    with psycopg.connect(libpq_url(fresh_url)) as conn:
        entries = conn.execute(
            "SELECT customer_id, entry_type, invoice_id, amount::text FROM ledger_entries ORDER BY entry_id"
        ).fetchall()
        posted = conn.execute("SELECT invoice_id FROM invoices WHERE posted ORDER BY invoice_id").fetchall()
    assert entries == [
        ("KCMIGRATION00001", "INVOICE", "INVMIGRATION0001", "1000.00"),
        ("KCMIGRATION00001", "PAYMENT", "INVMIGRATION0001", "-400.00"),
        ("KCMIGRATION00001", "PAYMENT", None, "-50.00"),
    ]
    assert posted == [("INVMIGRATION0001",)]


def test_books_that_do_not_add_up_stop_the_upgrade(fresh_url: str) -> None:
    upgrade(fresh_url, "0018")
    with psycopg.connect(libpq_url(fresh_url), autocommit=True) as conn:
        # Credit the payments never gave: the customer's books disagree before the ledger exists.
        conn.execute(_BOOKS.replace("'Buyer One', 50.00", "'Buyer One', 80.00"))
    with pytest.raises(Exception, match="ledger out of balance for customer KCMIGRATION00001"):
        upgrade(fresh_url)
    with psycopg.connect(libpq_url(fresh_url)) as conn:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert version == ("0018",)
