from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator

from dues.companies.schemas import CamelInput, CamelModel
from dues.kit.fields import IstDateTime, LongText
from dues.webhooks import targets

URL_MAX = 2048


class WebhookEvent(StrEnum):
    """The event types an endpoint may subscribe to (api.md §6)."""

    CUSTOMER_CREATED = "customer.created"
    CUSTOMER_UPDATED = "customer.updated"
    INVOICE_CREATED = "invoice.created"
    INVOICE_APPROVED = "invoice.approved"
    INVOICE_DISPATCHED = "invoice.dispatched"
    INVOICE_PAYMENT_RECEIVED = "invoice.payment_received"
    INVOICE_PAID = "invoice.paid"
    INVOICE_COLLECTION_DELETED = "invoice.collection_deleted"
    INVOICE_OVERDUE = "invoice.overdue"
    REMINDER_SENT = "reminder.sent"
    UPLOAD_COMPLETED = "upload.completed"
    CREDIT_NOTE_CREATED = "credit_note.created"
    CREDIT_NOTE_APPROVED = "credit_note.approved"
    INVOICE_WRITTEN_OFF = "invoice.written_off"
    PAYMENT_REVERSED = "payment.reversed"
    CUSTOMER_REFUNDED = "customer.refunded"
    TDS_MATCHED = "tds.matched"
    # Disputes and promises to pay (api.md §11).
    INVOICE_DISPUTED = "invoice.disputed"
    INVOICE_DISPUTE_RESOLVED = "invoice.dispute_resolved"
    INVOICE_PROMISE_BROKEN = "invoice.promise_broken"
    # The Bharat Connect B2B messages (api.md §8): data is {path, message}, the network message as EnKash's
    # webhook carries it, so an endpoint of format enkash can be sent it at that path, as EnKash does.
    BHARAT_CONNECT_INVOICE_PRESENTED = "bharat_connect.invoice.presented"
    BHARAT_CONNECT_INVOICE_CONFIRMED = "bharat_connect.invoice.confirmed"
    BHARAT_CONNECT_PAYMENT_RECEIVED = "bharat_connect.payment.received"
    BHARAT_CONNECT_CD_NOTE_CONFIRMED = "bharat_connect.cd_note.confirmed"
    BHARAT_CONNECT_PURCHASE_ORDER_RECEIVED = "bharat_connect.purchase_order.received"


class WebhookFormat(StrEnum):
    """How deliveries are written (api.md §6): ``standard``, our {type, timestamp, data} at the endpoint's
    URL; ``enkash``, EnKash's B2B webhook as it is (the network message, at EnKash's path under the URL), for
    clients written against EnKash. Both are signed per Standard Webhooks."""

    STANDARD = "standard"
    ENKASH = "enkash"


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


class WebhookCreate(CamelInput):
    url: str = Field(max_length=URL_MAX, description="http(s) URL on a public address")
    events: list[WebhookEvent] = Field(min_length=1, max_length=len(WebhookEvent))
    description: LongText | None = None
    format: WebhookFormat = Field(
        WebhookFormat.STANDARD,
        description=(
            "standard (default): {type, timestamp, data} POSTed to url. enkash: each Bharat Connect event"
            " POSTed to url + EnKash's webhook path, its body the network message as EnKash sends it; such an"
            " endpoint subscribes to bharat_connect.* events only"
        ),
    )

    @field_validator("url")
    @classmethod
    def _sendable(cls, value: str) -> str:
        try:
            url = str(targets.parse(value.strip()))
        except targets.UnsafeTarget as exc:
            raise ValueError(str(exc)) from exc
        if len(url) > URL_MAX:
            # Normalising (percent-encoding) can lengthen a URL that passed the length check.
            raise ValueError(f"must be at most {URL_MAX} characters once encoded")
        return url

    @field_validator("events")
    @classmethod
    def _distinct(cls, value: list[WebhookEvent]) -> list[WebhookEvent]:
        return list(dict.fromkeys(value))


class WebhookRead(CamelModel):
    webhook_id: str
    url: str
    events: list[str]
    description: str | None
    format: WebhookFormat = Field(
        description="standard: {type, timestamp, data} at url; enkash: EnKash's B2B webhooks at url + path"
    )
    created_on: IstDateTime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="whsec_...: shown only in this answer; verify signatures with it")


class AttemptRead(CamelModel):
    attempted_on: IstDateTime
    status_code: int | None = Field(description="the receiver's HTTP status; null when it did not answer")
    error: str | None = Field(description="why there was no answer (timeout, refused address ...)")
    duration_ms: int


class DeliveryRead(CamelModel):
    delivery_id: str = Field(description="the webhook-id header: the same on every attempt")
    webhook_id: str
    event_id: int
    event_type: str
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: IstDateTime | None
    created_on: IstDateTime
    last_attempt_on: IstDateTime | None
    delivered_on: IstDateTime | None
    attempts: list[AttemptRead] = Field(default_factory=list)
