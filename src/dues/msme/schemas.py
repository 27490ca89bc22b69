"""MSME answers (api.md §10): the RBI bank-rate table s.16 interest is reckoned from."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from dues.companies.schemas import CamelModel
from dues.kit.fields import Money


class BankRateRead(CamelModel):
    """The RBI bank rate from the day it took effect, and the s.16 interest rate it gives."""

    effective_from: date = Field(
        description="The day the rate took effect, yyyy-MM-dd; in force until the next one"
    )
    bank_rate: Money = Field(description="The RBI bank rate, percent a year")
    interest_rate: Money = Field(
        description="The MSMED Act s.16 rate: three times the bank rate, percent a year, compounded monthly"
    )
    note: str | None = Field(None, description="Where the rate comes from (a note of the operator's)")
