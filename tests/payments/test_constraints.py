"""The money rules hold in the database itself, whatever code path writes (CHECKs as well as code)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from dues.db import Database
from tests.customers.helpers import payload
from tests.payments.helpers import customer, invoice, pay
from tests.support import Tenant


async def _refused(db: Database, statement: str, constraint: str, **params: str) -> None:
    async with db.sessionmaker() as session:
        with pytest.raises(IntegrityError) as caught:
            await session.execute(text(statement), params)
    assert constraint in str(caught.value)


async def test_direct_updates_that_break_the_money_rules_are_refused(tenant: Tenant, db: Database) -> None:
    buyer = await customer(tenant)
    inv = (await invoice(tenant, buyer, partialPaymentAllowed=True))["invoiceId"]
    made = payload(await pay(tenant, buyer, 200, [(inv, 100)]))
    payment = made["paymentId"]

    await _refused(
        db,
        "UPDATE invoices SET paid_amount = -1, balance_amount = total_amount + 1 WHERE invoice_id = :i",
        "ck_invoices_paid_not_negative",
        i=inv,
    )
    await _refused(
        db,
        "UPDATE invoices SET paid_amount = paid_amount + 1 WHERE invoice_id = :i",
        "ck_invoices_settled_parts_make_total",
        i=inv,
    )
    await _refused(
        db,
        "UPDATE invoices SET paid_amount = total_amount + 1, balance_amount = -1 WHERE invoice_id = :i",
        "ck_invoices_balance_not_negative",
        i=inv,
    )
    await _refused(
        db,
        "UPDATE payment_allocations SET amount = 0 WHERE payment_id = :p",
        "ck_payment_allocations_amount_positive",
        p=payment,
    )
    await _refused(
        db,
        "UPDATE payments SET amount = 0, allocated_amount = 0, unallocated_amount = 0 WHERE payment_id = :p",
        "ck_payments_amount_positive",
        p=payment,
    )
    await _refused(
        db,
        "UPDATE payments SET unallocated_amount = unallocated_amount + 1 WHERE payment_id = :p",
        "ck_payments_parts_make_amount",
        p=payment,
    )
    await _refused(
        db,
        "UPDATE customers SET credit_balance = -1 WHERE customer_id = :c",
        "ck_customers_credit_not_negative",
        c=buyer,
    )
    async with db.sessionmaker() as session:
        row = (
            await session.execute(
                text("SELECT paid_amount, balance_amount, total_amount FROM invoices WHERE invoice_id = :i"),
                {"i": inv},
            )
        ).one()
    assert (str(row[0]), str(row[1]), str(row[2])) == ("100.00", "1080.00", "1180.00")
