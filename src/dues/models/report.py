"""Summaries the reports read (api.md §10, migration 0020), kept by statement triggers on ``ledger_entries``
in the transaction of each movement and never written by the application; the MSME bank-rate table; the
record of monthly statements sent."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Date, Integer, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column

from dues.models.base import Base

MONEY = Numeric(18, 2)


class ReceivableDelta(Base):
    """Per company, basis and effective date: the sum of the entries by the invoices' due date (basis ``D``)
    or invoice date (``I``); ``C`` rows are entries on customers' credit (``age_date`` = effective date).
    What was owed on day X = the rows with ``effective_date <= X``."""

    __tablename__ = "receivable_deltas"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    basis: Mapped[str] = mapped_column(String(1), primary_key=True)
    effective_date: Mapped[date] = mapped_column(Date, primary_key=True)
    age_date: Mapped[date] = mapped_column(Date, primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)

    __table_args__ = (CheckConstraint("basis IN ('D', 'I', 'C')", name="basis"),)


class ReceivableOpen(Base):
    """``receivable_deltas`` summed over every effective date: what is owed now on invoices, by due date
    (``D``) or invoice date (``I``), future-dated entries included."""

    __tablename__ = "receivable_open"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    basis: Mapped[str] = mapped_column(String(1), primary_key=True)
    age_date: Mapped[date] = mapped_column(Date, primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)

    __table_args__ = (CheckConstraint("basis IN ('D', 'I')", name="basis"),)


class LedgerDayTotal(Base):
    """Per company, day and entry type: the entries on invoices and on credit and their count; for PAYMENT
    and TDS on invoices, the sums of amount x days since the invoice date and amount x days past due (so an
    amount-weighted average days to pay is a division)."""

    __tablename__ = "ledger_day_totals"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    effective_date: Mapped[date] = mapped_column(Date, primary_key=True)
    entry_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    on_invoices: Mapped[Decimal] = mapped_column(MONEY)
    on_credit: Mapped[Decimal] = mapped_column(MONEY)
    entries: Mapped[int] = mapped_column(BigInteger)
    days_weighted: Mapped[Decimal] = mapped_column(Numeric(24, 2))
    late_weighted: Mapped[Decimal] = mapped_column(Numeric(24, 2))


class MsmeBankRate(Base):
    """The RBI bank rate from the day it took effect (MSMED Act s.16: interest at three times it)."""

    __tablename__ = "msme_bank_rates"

    effective_from: Mapped[date] = mapped_column(Date, primary_key=True)
    bank_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    note: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (CheckConstraint("bank_rate > 0 AND bank_rate < 100", name="rate"),)


class StatementRun(Base):
    """A company's monthly statements of ``period_start``'s month, claimed once by the first worker."""

    __tablename__ = "statement_runs"

    company_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    started_on: Mapped[datetime] = mapped_column(server_default=func.now())
    customers: Mapped[int] = mapped_column(Integer, server_default="0")
