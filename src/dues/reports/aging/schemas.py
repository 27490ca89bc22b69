"""The aging report's query and answer (api.md §10 "Aging").

The buckets' names follow the ``buckets`` parameter (``current``, ``1-30``, ``31-60``, ``61-90``, ``90+`` for
30,60,90), so a row's amounts are fields named at run time: they are kept as the model's extra fields, in
bucket order, and the OpenAPI document lists those of the default buckets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self

from pydantic import ConfigDict, Field

from dues.companies.schemas import CamelModel
from dues.kit.money import PAISA
from dues.kit.pagination import Page
from dues.reports import buckets
from dues.reports.summaries import Basis


class GroupBy(StrEnum):
    CUSTOMER = "CUSTOMER"
    NONE = "NONE"


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True)
class AgingQuery:
    """The report asked for, checked: ``customer_ids`` None means every customer of the company."""

    as_of: date
    basis: Basis
    edges: tuple[int, ...]
    customer_ids: tuple[str, ...] | None
    group_by: GroupBy

    @property
    def labels(self) -> list[str]:
        return buckets.labels(self.edges)


_AMOUNT = "in rupees, a JSON number with 2 decimals"
_DOCUMENTED = {
    "current": "Owed on invoices not yet due as of asOf (basis DUE_DATE: due that day or later; "
    "INVOICE_DATE: dated that day or later), " + _AMOUNT,
    "1-30": "Owed on invoices 1 to 30 days past due (or since their invoice date) as of asOf; with other "
    "buckets the names follow them (e.g. 1-15, 16-45, 46+), " + _AMOUNT,
    "31-60": "Owed on invoices 31 to 60 days past due (or since their invoice date), " + _AMOUNT,
    "61-90": "Owed on invoices 61 to 90 days past due (or since their invoice date), " + _AMOUNT,
    "90+": "Owed on invoices more than 90 days past due (or since their invoice date), " + _AMOUNT,
    "total": "The sum of the buckets: owed on invoices as of asOf, " + _AMOUNT,
    "unappliedCredit": "Payments and credit notes received by asOf and not yet applied to an invoice, "
    + _AMOUNT,
    "net": "total - unappliedCredit: the ledger balance as of asOf (negative: the customer is in credit), "
    + _AMOUNT,
}


def _amount_properties(schema: dict[str, Any]) -> None:
    properties = schema.setdefault("properties", {})
    for name, text in _DOCUMENTED.items():
        properties[name] = {"type": "number", "example": 1180.00, "description": text}
    # Not required: with other buckets the names differ (total, unappliedCredit and net are always there).
    schema["required"] = [*schema.get("required", []), "total", "unappliedCredit", "net"]
    schema["additionalProperties"] = {
        "type": "number",
        "description": "The bucket of that name, when the buckets asked for are not 30,60,90",
    }


class AgingAmounts(CamelModel):
    """Bucket by bucket, then total, unappliedCredit and net. The buckets are fields named after them."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_amount_properties)

    @classmethod
    def of(cls, by_bucket: Mapping[str, Decimal], credit: Decimal, **fields: Any) -> Self:
        """The amounts in the order of ``by_bucket`` (the buckets' own), each to the paisa."""
        total = sum(by_bucket.values(), Decimal(0))
        amounts = {label: _paise(amount) for label, amount in by_bucket.items()}
        amounts |= {"total": _paise(total), "unappliedCredit": _paise(credit), "net": _paise(total - credit)}
        return cls(**fields, **amounts)

    def amounts(self) -> dict[str, Decimal]:
        """The buckets, total, unappliedCredit and net, in that order."""
        return dict(self.__pydantic_extra__ or {})


class AgingRow(AgingAmounts):
    """One customer's amounts as of the day."""

    customer_id: str = Field(description="The customer (KC + 14 letters or digits)")
    customer_name: str = Field(description="The customer's legal name")


class AgingReport(CamelModel):
    """What the company's customers owed as of a day, by how old it was."""

    as_of: date = Field(description="The day reported: amounts at the end of it, yyyy-MM-dd (IST)")
    basis: Basis = Field(
        description="DUE_DATE: buckets by days past the due date; INVOICE_DATE: by days since the invoice "
        "date"
    )
    buckets: list[str] = Field(description="The buckets' names in order, as they appear in each row")
    totals: AgingAmounts = Field(
        description="The sums over every customer (or over the customerIds asked for), same fields as a row"
    )
    customers: Page[AgingRow] | None = Field(
        None,
        description="groupBy=CUSTOMER: one row per customer that owed something or held credit (and every "
        "customer named in customerIds), net descending then customerId, paged by limit and offset; "
        "groupBy=NONE: null",
    )


def _paise(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(PAISA)
