"""All ORM models. Domains import from here, never from each other."""

# Modules whose models are not exported yet: imported so that their tables are part of Base.metadata.
from dues.models import bharat_connect as bharat_connect
from dues.models import dispute as dispute
from dues.models import gateway as gateway
from dues.models import message as message
from dues.models import payment as payment
from dues.models import reminder as reminder
from dues.models import web as web
from dues.models import webhook as webhook
from dues.models.adjustment import (
    CreditNote,
    CreditNoteAllocation,
    CreditNoteInvoice,
    CreditNoteLine,
    Refund,
    RefundSource,
    TdsEntry,
    TdsStatement,
    WriteOff,
)
from dues.models.audit import AuditLog
from dues.models.base import Base
from dues.models.company import ApiClient, Company, User
from dues.models.customer import Contact, Customer
from dues.models.idempotency import IdempotencyKey
from dues.models.invoice import Event, Invoice, InvoiceLine, InvoiceOpenCount, InvoiceSeries
from dues.models.ledger import CustomerLedgerBalance, LedgerEntry
from dues.models.refresh_token import RefreshTokenFamily
from dues.models.report import LedgerDayTotal, MsmeBankRate, ReceivableDelta, ReceivableOpen, StatementRun
from dues.models.upload import Upload, UploadChunk, UploadRow

__all__ = [
    "ApiClient",
    "AuditLog",
    "Base",
    "Company",
    "Contact",
    "CreditNote",
    "CreditNoteAllocation",
    "CreditNoteInvoice",
    "CreditNoteLine",
    "Customer",
    "CustomerLedgerBalance",
    "Event",
    "IdempotencyKey",
    "Invoice",
    "InvoiceLine",
    "InvoiceOpenCount",
    "InvoiceSeries",
    "LedgerDayTotal",
    "LedgerEntry",
    "MsmeBankRate",
    "ReceivableDelta",
    "ReceivableOpen",
    "RefreshTokenFamily",
    "Refund",
    "RefundSource",
    "StatementRun",
    "TdsEntry",
    "TdsStatement",
    "Upload",
    "UploadChunk",
    "UploadRow",
    "User",
    "WriteOff",
]
