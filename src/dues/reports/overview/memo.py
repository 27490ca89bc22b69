"""The most overdue customers, remembered while nothing they depend on has changed.

Finding them groups every open overdue invoice by customer (67,474 invoices into 46,930 customers for the
1,000,000-invoice bench seller: most of the overview's time, docs/benchmarks.md "Pages"), yet the answer
changes only when the ledger or a due date does. So it is kept per process, under a key made of what the
overview has read already:

- the company and the day asked for;
- how many ledger entries the company has, and how many are dated after the day: the ledger is append-only
  (migration 0019 refuses an update or delete), and every movement of an invoice's balance, a withdrawal or
  a move to another customer writes entries, so any such change changes the count;
- what is owed at the end of the day by due date (``summaries.owed_by_date``): a due date moved without an
  entry moves an amount from one date to another there.

The customers' names are not kept: they are read afresh each time (a rename shows at once). What the key
cannot see is two open invoices of different customers trading due dates in one instant so that the owed
amounts by date come out the same; the entry following either clears it. Bounded (least recently used) and
per process: a miss only costs the query.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from dues.reports.overview.repository import OverdueRow

MAX_KEYS = 256

_kept: OrderedDict[str, list[OverdueRow]] = OrderedDict()


def key(
    company_id: str, as_of: date, entries_total: int, entries_after: int, owed: Iterable[tuple[date, Decimal]]
) -> str:
    digest = hashlib.sha256()
    digest.update(f"{company_id}|{as_of.isoformat()}|{entries_total}|{entries_after}".encode())
    for due, amount in sorted(owed):
        digest.update(f"|{due.isoformat()}={amount}".encode())
    return digest.hexdigest()


def get(k: str) -> list[OverdueRow] | None:
    rows = _kept.get(k)
    if rows is not None:
        _kept.move_to_end(k)
    return rows


def put(k: str, rows: list[OverdueRow]) -> None:
    _kept[k] = rows
    _kept.move_to_end(k)
    while len(_kept) > MAX_KEYS:
        _kept.popitem(last=False)


def clear() -> None:
    _kept.clear()
