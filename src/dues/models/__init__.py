"""All ORM models. Domains import from here, never from each other."""

from dues.models.audit import AuditLog
from dues.models.base import Base
from dues.models.company import ApiClient, Company, User
from dues.models.customer import Contact, Customer
from dues.models.idempotency import IdempotencyKey
from dues.models.invoice import Event, Invoice, InvoiceLine, InvoiceOpenCount, InvoiceSeries
from dues.models.upload import Upload, UploadChunk, UploadRow

__all__ = [
    "ApiClient",
    "AuditLog",
    "Base",
    "Company",
    "Contact",
    "Customer",
    "Event",
    "IdempotencyKey",
    "Invoice",
    "InvoiceLine",
    "InvoiceOpenCount",
    "InvoiceSeries",
    "Upload",
    "UploadChunk",
    "UploadRow",
    "User",
]
