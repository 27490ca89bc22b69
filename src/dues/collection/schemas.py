"""Bodies and answers of dispatch, delete and the outbox (api.md §4, §4.1, §5)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from dues.companies.schemas import CamelInput, CamelModel
from dues.kit.envelope import ApiSubError
from dues.kit.fields import IstDateTime, LongText
from dues.kit.logging import current_request_id
from dues.kit.timefmt import format_ist, now

MAX_IDS = 5000
# Longer than any id the server issues, so a mistyped id is answered per id rather than refused whole.
InvoiceIdItem = Annotated[str, StringConstraints(max_length=64)]


class Channel(StrEnum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    # Reminders only; no provider yet, so these stay in the outbox (docs/reminders.md).
    WHATSAPP = "WHATSAPP"


class DispatchRequest(CamelInput):
    """Dispatch Invoice Collection: the ids (up to 5,000), and whether the payer may pay in parts. Left out,
    partialPaymentAllowed keeps each invoice's own setting."""

    invoice_ids: list[InvoiceIdItem] = Field(min_length=1, max_length=MAX_IDS)
    partial_payment_allowed: bool | None = None


class DeleteRequest(CamelInput):
    """Delete Invoice Collection: the ids (up to 5,000) and why they are withdrawn (for the audit trail)."""

    invoice_ids: list[InvoiceIdItem] = Field(min_length=1, max_length=MAX_IDS)
    reason: LongText = Field(min_length=1)


class IdOutcome(CamelModel):
    """One id of a bulk call: it succeeded, or why it failed (errorMessage, present only on failure)."""

    invoice_id: str
    success: bool
    error_message: str | None = None


class IdListAnswer(BaseModel):
    """The payload of Dispatch and Delete Invoice Collection (api.md §4.1): the object the seed page documents
    (EnKash's ErrorResponse shape, every field null or empty when every id succeeded) plus ``results``."""

    apiSubErrors: list[ApiSubError] = Field(
        description="one per id that failed: field invoiceIds[k], rejectedValue the id, message why"
    )
    errorMessage: str | None = Field(
        description='e.g. "2 of 5 invoices were not dispatched"; null when every id succeeded'
    )
    errorType: str | None = Field(description="UNPROCESSABLE_REQUEST when an id failed, else null")
    requestId: str = Field(description="the request's id (also the X-Request-Id header)")
    timestamp: str = Field(description="yyyy-MM-dd HH:mm:ss, IST")
    results: list[IdOutcome] = Field(description="every id of the request, in its order")


def id_list_answer(invoice_ids: list[str], errors: dict[str, str | None], verb: str) -> dict[str, Any]:
    """The wire form of IdListAnswer for a request's ids and each id's refusal (None: it succeeded)."""
    failed = [(k, i, errors[i]) for k, i in enumerate(invoice_ids) if errors[i] is not None]
    message = None
    if failed:
        were = "was" if len(failed) == 1 else "were"
        message = f"{len(failed)} of {len(invoice_ids)} invoices {were} not {verb}"
    return {
        "apiSubErrors": [
            {"field": f"invoiceIds[{k}]", "rejectedValue": i, "message": error} for k, i, error in failed
        ],
        "errorMessage": message,
        "errorType": "UNPROCESSABLE_REQUEST" if failed else None,
        "requestId": current_request_id(),
        "timestamp": format_ist(now()),
        "results": [outcome(i, errors[i]) for i in invoice_ids],
    }


class Attachment(CamelModel):
    name: str
    content_type: str
    size: int | None = None


class MessageRead(CamelModel):
    """One e-mail or SMS: to whom, what, and what became of it."""

    message_id: str
    invoice_id: str | None
    channel: Channel
    to: str
    subject: str | None
    body: str
    attachments: list[Attachment]
    status: str
    attempts: int
    last_error: str | None
    created_on: IstDateTime
    sent_on: IstDateTime | None


def outcome(invoice_id: str, error: str | None) -> dict[str, Any]:
    """An id's line of a bulk answer, as the wire has it (errorMessage only when it failed)."""
    if error is None:
        return {"invoiceId": invoice_id, "success": True}
    return {"invoiceId": invoice_id, "success": False, "errorMessage": error}
