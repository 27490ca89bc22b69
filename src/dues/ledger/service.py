"""Posting movements to the ledger (api.md §9.4), and the invariant checked in code.

A movement's service moves the balances (invoices, customer credit) and then posts its entries here, in the
same transaction. Signs: positive raises what the customer owes. An entry with an ``invoice_id`` moved that
invoice's balance; one without moved the customer's credit (negative: the credit grew). So for every customer
``sum(entries) = sum(balances of posted invoices) - credit``, in two halves: the entries on invoices sum to
their balances, and those on no invoice to minus the credit. ``post`` checks both for the customers it touched
before it returns; the database checks them again at commit (migration 0019), whatever code path wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from dues.ledger import repository

log = structlog.get_logger("dues.ledger")


class EntryType(StrEnum):
    INVOICE = "INVOICE"
    DEBIT_NOTE = "DEBIT_NOTE"
    PAYMENT = "PAYMENT"
    TDS = "TDS"
    CREDIT_NOTE = "CREDIT_NOTE"
    WRITE_OFF = "WRITE_OFF"
    REVERSAL = "REVERSAL"
    REFUND = "REFUND"
    CREDIT_APPLIED = "CREDIT_APPLIED"


@dataclass(frozen=True)
class Entry:
    customer_id: str
    effective_date: date
    entry_type: EntryType
    document_id: str
    amount: Decimal
    invoice_id: str | None = None
    document_number: str | None = None


class LedgerOutOfBalance(RuntimeError):
    """The movement left a customer's ledger disagreeing with its balances: a bug, never a client's error.
    The request fails with 500 and its transaction rolls back."""


# The property test turns this off to show that the database's own check still refuses a bad commit.
CHECK_IN_CODE = True


async def post(
    session: AsyncSession, company_id: str, entries: Sequence[Entry], *, deferred: bool = False
) -> None:
    """Write the entries of one movement (zero amounts are left out) and check the touched customers.

    ``deferred=True`` is for a movement made inside another one, by a handler of that movement's event (an
    automatic write-off inside a payment): the outer movement has not posted its own entries yet, so the check
    is left to its ``post``, which covers the same customer, and to the database's at commit."""
    rows = [
        (
            e.customer_id,
            e.effective_date,
            e.entry_type.value,
            e.document_id,
            e.document_number,
            e.invoice_id,
            e.amount,
        )
        for e in entries
        if e.amount != 0
    ]
    await repository.insert(session, company_id, rows)
    if CHECK_IN_CODE and not deferred:
        await verify(session, company_id, sorted({e.customer_id for e in entries}))


async def verify(session: AsyncSession, company_id: str, customer_ids: Sequence[str]) -> None:
    """Raise LedgerOutOfBalance when a customer's entries do not sum to its balances less its credit."""
    if not customer_ids:
        return
    for customer_id, on_invoices, on_credit, open_sum, credit in await repository.sums(
        session, company_id, customer_ids
    ):
        # Both halves, as the database checks: a lost pair that cancels out (a credit application's) shows.
        if on_invoices != open_sum or on_credit != -credit:
            log.error(
                "ledger out of balance",
                company_id=company_id,
                customer_id=customer_id,
                entries_on_invoices=str(on_invoices),
                entries_on_credit=str(on_credit),
                open_invoices=str(open_sum),
                credit=str(credit),
            )
            raise LedgerOutOfBalance(
                f"ledger of customer {customer_id} out of balance: entries on invoices {on_invoices} <> "
                f"open invoices {open_sum}, or entries on credit {on_credit} <> -credit {credit}"
            )


def invoice_entry(
    customer_id: str, invoice_id: str, number: str, on: date, total: Decimal, debit_note: bool = False
) -> Entry:
    """The entry of an invoice (or debit note) entering the ledger: its whole total is owed."""
    kind = EntryType.DEBIT_NOTE if debit_note else EntryType.INVOICE
    return Entry(customer_id, on, kind, invoice_id, total, invoice_id=invoice_id, document_number=number)
