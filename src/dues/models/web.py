"""What the web app and the portal keep (migration 0026): the customers' portal links and the invoice list's
saved views."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index, Integer, LargeBinary, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from dues.models.base import Base


class PortalLink(Base):
    """A customer's link to the portal (api.md §12). The link's secret is not stored: it is derived from the
    server's key and the link's id (dues.web.portal), so the same link can be printed in every statement
    and reminder, and a revoked link stops working at once while a new one gets a new id."""

    __tablename__ = "portal_links"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    link_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(64))
    created_on: Mapped[datetime] = mapped_column(server_default=func.now())
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoked_on: Mapped[datetime | None] = mapped_column()
    last_used_on: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "customer_id"],
            ["customers.company_id", "customers.customer_id"],
            ondelete="CASCADE",
        ),
        CheckConstraint("(revoked_on IS NULL) = (revoked_by IS NULL)", name="revoked_by_whom"),
        # One live link per customer: a new one is made only after the old one is revoked.
        Index(
            "uq_portal_links_live",
            "company_id",
            "customer_id",
            unique=True,
            postgresql_where=text("revoked_on IS NULL"),
        ),
    )


class SavedView(Base):
    """A named set of filters of a list page (the invoices'), kept per user."""

    __tablename__ = "saved_views"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    view_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(16))
    page: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(80))
    # The list page's query string, as its filter form sends it.
    query: Mapped[str] = mapped_column(String(2000))
    created_on: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        CheckConstraint("length(btrim(name)) > 0", name="name_not_blank"),
        Index("uq_saved_views_name", "company_id", "user_id", "page", "name", unique=True),
    )


# A Form 16A is a page or two of PDF; anything far larger is not one.
CERTIFICATE_MAX_BYTES = 5 * 1024 * 1024


class TdsCertificateFile(Base):
    """The Form 16A PDF a customer uploaded through the portal for one TDS register entry; a new upload for
    the entry replaces it (as the certificate's details on the entry are replaced)."""

    __tablename__ = "tds_certificate_files"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    tds_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    # The portal link it came through: who, as far as dues can tell.
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_on: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "tds_id"], ["tds_entries.company_id", "tds_entries.tds_id"], ondelete="CASCADE"
        ),
        CheckConstraint(f"size > 0 AND size <= {CERTIFICATE_MAX_BYTES}", name="size_bounded"),
    )
