"""Who reacts to what: the one place where domains are wired to each other's events."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dues.adjustments import write_offs
from dues.bharat_connect import cd_notes as network_cd_notes
from dues.bharat_connect import service as network
from dues.disputes import service as disputes
from dues.events.bus import (
    CreditNoteApproved,
    InvoiceAmended,
    InvoicesDispatched,
    InvoicesHeld,
    InvoicesPresentedAgain,
    InvoicesSettled,
    subscribe,
)
from dues.reminders import service as reminders


async def _reminders_of_settled(session: AsyncSession, event: InvoicesSettled) -> None:
    # Reopened invoices need nothing here: the reminder sweep picks every open, dispatched invoice up again.
    await reminders.invoices_paid(session, event.company_id, list(event.settled))


subscribe(InvoicesSettled, _reminders_of_settled)
# After the reminders: a residual a payment leaves below the company's autoWriteOffBelow is written off, and
# that write-off's own InvoicesSettled (cause WRITE_OFF) cancels the reminders it settles.
subscribe(InvoicesSettled, write_offs.write_off_residuals)


async def _reminders_of_held(session: AsyncSession, event: InvoicesHeld) -> None:
    await reminders.invoices_held(session, event.company_id, list(event.invoice_ids))


subscribe(InvoicesHeld, _reminders_of_held)
# A buyer's REJECT or RETURN on the network opens a dispute with the buyer's remarks (api.md §11).
subscribe(InvoicesHeld, disputes.opened_on_network)
subscribe(InvoicesPresentedAgain, disputes.closed_on_network)
# Bharat Connect (api.md §8): what dispatch, edits and credit notes mean on the network, queued in the same
# transaction as the change (the transport sends the messages after the commit).
subscribe(InvoicesDispatched, network.present_dispatched)
subscribe(InvoiceAmended, network.present_amended)
subscribe(CreditNoteApproved, network_cd_notes.send_for_note)
