from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from dues.models.base import Base, Timestamps


class ApprovalChain(StrEnum):
    NONE = "NONE"
    MAKER_CHECKER = "MAKER_CHECKER"
    MAKER_CHECKER_APPROVER = "MAKER_CHECKER_APPROVER"


class Role(StrEnum):
    ADMIN = "ADMIN"
    MAKER = "MAKER"
    CHECKER = "CHECKER"
    APPROVER = "APPROVER"
    VIEWER = "VIEWER"


class Company(Base, Timestamps):
    __tablename__ = "companies"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    gstin: Mapped[str | None] = mapped_column(String(15))
    state: Mapped[str] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(500))
    pin_code: Mapped[str | None] = mapped_column(String(6))
    email: Mapped[str | None] = mapped_column(String(254))
    upi_vpa: Mapped[str | None] = mapped_column(String(100))
    upi_payee_name: Mapped[str | None] = mapped_column(String(100))
    approval_chain: Mapped[str] = mapped_column(String(32), default=ApprovalChain.NONE)
    invoice_number_prefix: Mapped[str | None] = mapped_column(String(8))
    parent_company_id: Mapped[str | None] = mapped_column(ForeignKey("companies.company_id"), index=True)
    default_reminder_id: Mapped[str | None] = mapped_column(String(16))
    # Printed on the seller's documents (CGST Rules r.46) and, for transfers, on the payment page (0018).
    phone: Mapped[str | None] = mapped_column(String(20))
    bank_account_name: Mapped[str | None] = mapped_column(String(100))
    bank_account_number: Mapped[str | None] = mapped_column(String(36))
    bank_ifsc: Mapped[str | None] = mapped_column(String(11))
    bank_name: Mapped[str | None] = mapped_column(String(100))
    # Above this balance the payment page offers no UPI QR code or link: UPI's per-transaction limit.
    upi_max_amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), server_default="100000.00")
    # §1.7 and §9 (0019): the notes' own series, the logo printed on documents, write-off and TDS limits.
    credit_note_prefix: Mapped[str | None] = mapped_column(String(8))
    debit_note_prefix: Mapped[str | None] = mapped_column(String(8))
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_content_type: Mapped[str | None] = mapped_column(String(32))
    auto_write_off_below: Mapped[Decimal] = mapped_column(Numeric(16, 2), server_default="0")
    tds_sanity_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), server_default="10")
    # §10 (0020): MSMED Act registration, and the day of the month last month's statements go out.
    udyam_number: Mapped[str | None] = mapped_column(String(19))
    msme_category: Mapped[str | None] = mapped_column(String(8))
    statement_day: Mapped[int | None] = mapped_column(SmallInteger)

    @property
    def bank_account(self) -> dict[str, str] | None:
        """The four bank columns as the API's bankAccount object; None unless an account number is set."""
        if not self.bank_account_number:
            return None
        return {
            "account_name": self.bank_account_name or "",
            "account_number": self.bank_account_number,
            "ifsc": self.bank_ifsc or "",
            "bank_name": self.bank_name or "",
        }

    __table_args__ = (
        CheckConstraint(
            "approval_chain IN ('NONE','MAKER_CHECKER','MAKER_CHECKER_APPROVER')", name="approval_chain"
        ),
        CheckConstraint(
            "parent_company_id IS NULL OR parent_company_id <> company_id", name="not_own_parent"
        ),
        CheckConstraint("upi_max_amount > 0", name="upi_max_amount_positive"),
        CheckConstraint("auto_write_off_below >= 0", name="auto_write_off_below"),
        CheckConstraint("tds_sanity_percent > 0 AND tds_sanity_percent <= 100", name="tds_sanity_percent"),
        CheckConstraint("msme_category IN ('MICRO', 'SMALL', 'MEDIUM')", name="msme_category"),
        CheckConstraint("statement_day BETWEEN 1 AND 28", name="statement_day"),
    )


class ApiClient(Base):
    """OAuth client credentials. A company's first client has the company id as its client id (EnKash)."""

    __tablename__ = "api_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.company_id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_on: Mapped[datetime] = mapped_column(server_default=func.now())


class User(Base, Timestamps):
    __tablename__ = "users"

    user_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("companies.company_id"))
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    # Bumped on deactivation or password change: every token carries it, so older tokens stop working.
    token_version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("uq_users_company_email", "company_id", func.lower(email), unique=True),
        CheckConstraint("role IN ('ADMIN','MAKER','CHECKER','APPROVER','VIEWER')", name="role"),
    )
