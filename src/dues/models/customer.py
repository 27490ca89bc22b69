from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Numeric,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from dues.models.base import Base, Timestamps


class Customer(Base, Timestamps):
    __tablename__ = "customers"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    customer_company_id: Mapped[str | None] = mapped_column(String(64))
    pan_or_gstin: Mapped[str | None] = mapped_column(String(15))
    email: Mapped[str | None] = mapped_column(String(254))
    contact_number: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(500))
    state: Mapped[str | None] = mapped_column(String(64))
    pin_code: Mapped[str | None] = mapped_column(String(6))
    account_number: Mapped[str | None] = mapped_column(String(36))
    ifsc: Mapped[str | None] = mapped_column(String(11))
    unique_ref_no: Mapped[str | None] = mapped_column(String(100))
    assigned_agent: Mapped[str | None] = mapped_column(String(100))
    branch_codes: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default="{}")
    customer_reminders: Mapped[list[str]] = mapped_column(ARRAY(String(16)), server_default="{}")
    status: Mapped[str] = mapped_column(String(8), server_default="ACTIVE")
    deleted: Mapped[bool] = mapped_column(Boolean, server_default="false")
    bharat_connect_b2b_id: Mapped[str | None] = mapped_column(String(64))
    credit_balance: Mapped[Decimal] = mapped_column(Numeric(16, 2), server_default="0")
    # §9.2: the TDS this buyer usually deducts; pages and reminders show the amount after it (0019).
    tds_section: Mapped[str | None] = mapped_column(String(8))
    tds_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))

    __table_args__ = (
        ForeignKeyConstraint(["company_id"], ["companies.company_id"]),
        CheckConstraint("status IN ('ACTIVE','INACTIVE')", name="status"),
        CheckConstraint("credit_balance >= 0", name="credit_not_negative"),
        CheckConstraint("tds_rate IS NULL OR (tds_rate > 0 AND tds_rate <= 100)", name="tds_rate"),
        CheckConstraint(
            "tds_section IS NULL OR tds_section IN ('194C', '194H', '194I', '194J', '194O', '194Q', 'OTHER')",
            name="tds_section",
        ),
        Index(
            "uq_customers_company_ref",
            "company_id",
            "unique_ref_no",
            unique=True,
            postgresql_where=text("unique_ref_no IS NOT NULL"),
        ),
        Index("ix_customers_company_created", "company_id", "created_on"),
        Index("ix_customers_company_pan", "company_id", "pan_or_gstin"),
        Index("ix_customers_company_email", "company_id", text("lower(email)")),
    )


class Contact(Base, Timestamps):
    __tablename__ = "customer_contacts"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    designation: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(20))
    primary: Mapped[bool] = mapped_column("is_primary", Boolean, server_default="false")
    receive_invoices: Mapped[bool] = mapped_column(Boolean, server_default="true")
    receive_reminders: Mapped[bool] = mapped_column(Boolean, server_default="true")
    channels: Mapped[list[str]] = mapped_column(ARRAY(String(16)), server_default="{EMAIL}")
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")

    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "customer_id"],
            ["customers.company_id", "customers.customer_id"],
            ondelete="CASCADE",
        ),
        Index("ix_customer_contacts_customer", "company_id", "customer_id"),
        # At most one primary per customer, enforced by the database as well as by the service.
        Index(
            "uq_customer_contacts_primary",
            "company_id",
            "customer_id",
            unique=True,
            postgresql_where=text("is_primary"),
        ),
    )
