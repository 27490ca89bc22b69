"""Publish and subscribe, in-process and inside the caller's transaction."""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

Handler = Callable[[AsyncSession, Any], Awaitable[None]]
_handlers: dict[type, list[Handler]] = defaultdict(list)
_wired = False


@dataclass(frozen=True)
class InvoicesSettled:
    """Invoices' balances moved (a payment, TDS, a credit note, a write-off, or their reversal).
    ``settled``: those whose balance reached 0; ``reopened``: those owed again after being settled."""

    company_id: str
    settled: tuple[str, ...] = ()
    reopened: tuple[str, ...] = ()
    # Every invoice the movement touched, with the balance it left.
    balances: tuple[tuple[str, Decimal], ...] = ()
    # PAYMENT, TDS, CREDIT_NOTE, CREDIT_APPLIED, WRITE_OFF or REVERSAL, and who caused it.
    cause: str = ""
    actor: str = ""


@dataclass(frozen=True)
class InvoicesDispatched:
    """Invoices went out for collection (Dispatch Invoice Collection, dispatchNow), re-dispatches included."""

    company_id: str
    invoice_ids: tuple[str, ...]


@dataclass(frozen=True)
class InvoiceAmended:
    """An invoice was edited (updateInvoice changed something of it)."""

    company_id: str
    invoice_id: str


@dataclass(frozen=True)
class CreditNoteApproved:
    """A credit note was issued (approved): it now lowers the balances of the invoices it is against."""

    company_id: str
    credit_note_id: str


@dataclass(frozen=True)
class InvoicesHeld:
    """Invoices that must not be reminded of for now: the buyer rejected or returned them on Bharat Connect
    (``cause`` REJECTED or RETURNED, with the buyer's ``remarks``), or the seller cancelled them there
    (CANCELLED). A disputes feature (api.md §11) opens its dispute from here."""

    company_id: str
    invoice_ids: tuple[str, ...]
    cause: str
    remarks: str | None = None


@dataclass(frozen=True)
class InvoicesPresentedAgain:
    """Invoices the buyer had rejected or returned on Bharat Connect were presented to it again (an edit's
    new version, or the seller's REOPEN) and await a new answer: the dispute the refusal opened is closed."""

    company_id: str
    invoice_ids: tuple[str, ...]


def subscribe(kind: type, handler: Handler) -> None:
    if handler not in _handlers[kind]:
        _handlers[kind].append(handler)


async def publish(session: AsyncSession, event: object) -> None:
    """Run every handler of the event's type, in registration order, in the caller's transaction."""
    global _wired
    if not _wired:
        # Imported on first use rather than at import time: the handlers import the domains that publish.
        importlib.import_module("dues.events.wiring")
        _wired = True
    for handler in _handlers[type(event)]:
        await handler(session, event)
