"""The invoice form's state: what a person typed (kept as typed, so a refused form shows it again), the API
body it stands for (wire names, so a service's complaint names the same field the form shows), and the
figures the form previews (kit.gst, the services' own arithmetic).

A line row with nothing typed in it is no line: a new form shows one empty row and "Add line" adds another,
and a row emptied by hand is dropped, which is how a person removes a line without scripts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from starlette.datastructures import FormData

from dues.invoices.schemas import InvoiceRead
from dues.kit import gst
from dues.kit.money import ZERO, to_paise
from dues.web.common import Problems

# Buyers here have no payment terms of their own: a new invoice falls due a month after it is dated.
DEFAULT_TERMS = timedelta(days=30)
DEFAULT_GST = "18"
LINE_FIELDS = ("description", "hsnSac", "quantity", "unit", "unitPrice", "gstRate")
LINE_LABELS = {
    "description": "Description",
    "hsnSac": "HSN/SAC",
    "quantity": "Quantity",
    "unit": "Unit",
    "unitPrice": "Rate (₹)",
    "gstRate": "GST %",
}
FIELD_LABELS = {
    "customerId": "Customer",
    "invoiceNumber": "Invoice number",
    "invoiceDate": "Invoice date",
    "dueDate": "Due date",
    "placeOfSupply": "Place of supply",
    "documentType": "Document type",
    "originalInvoiceIds": "Original invoices",
    "noteReason": "Debit note reason",
    "description": "Notes",
    "cess": "Cess (₹)",
    "minimumPartialAmount": "Minimum part payment (₹)",
    "lineItems": "Line items",
    "baseAmount": "Line items",
}
_LINE_NAME = re.compile(r"^lineItems\[(\d{1,3})\]\.(\w+)$")
_NUMERIC = frozenset({"quantity", "unitPrice", "gstRate"})


def _number(value: str) -> str:
    """A number as typed, without the grouping commas and ₹ a person may add; the schema judges the rest."""
    return value.replace(",", "").replace("₹", "").strip()


# The fields carry their wire names: the form's input, the API body and the service's complaint share them.
@dataclass
class Line:
    description: str = ""
    hsnSac: str = ""
    quantity: str = ""
    unit: str = "NOS"
    unitPrice: str = ""
    gstRate: str = DEFAULT_GST

    @property
    def empty(self) -> bool:
        return not (self.description or self.hsnSac or self.quantity or self.unitPrice)

    def body(self) -> dict[str, str]:
        values = {name: getattr(self, name) for name in LINE_FIELDS}
        return {k: _number(v) if k in _NUMERIC else v for k, v in values.items() if v != ""}


@dataclass(frozen=True)
class Preview:
    """A line's or the invoice's figures, as the service will compute them (None: not computable yet)."""

    base: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal

    @property
    def tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst


@dataclass
class InvoiceForm:
    customerId: str = ""
    invoiceNumber: str = ""
    invoiceDate: str = ""
    dueDate: str = ""
    placeOfSupply: str = ""
    documentType: str = ""
    originalInvoiceIds: list[str] = field(default_factory=list)
    noteReason: str = ""
    ratesIncludeGst: bool = False
    chargeCustomer: bool = False
    description: str = ""
    partialPaymentAllowed: bool = False
    minimumPartialAmount: str = ""
    cess: str = ""
    lines: list[Line] = field(default_factory=lambda: [Line()])

    @classmethod
    def blank(cls, customer_id: str, place: str, document_type: str, today: date) -> InvoiceForm:
        return cls(
            customerId=customer_id,
            invoiceDate=today.isoformat(),
            dueDate=(today + DEFAULT_TERMS).isoformat(),
            placeOfSupply=place,
            documentType=document_type,
        )

    @classmethod
    def of_invoice(cls, invoice: InvoiceRead) -> InvoiceForm:
        lines = [
            Line(
                line.description,
                line.hsn_sac,
                _plain(line.quantity),
                line.unit,
                _plain(line.unit_price),
                _plain(line.gst_rate),
            )
            for line in invoice.line_items
        ]
        return cls(
            customerId=invoice.customer_id,
            invoiceNumber=invoice.invoice_number,
            invoiceDate=invoice.invoice_date.isoformat(),
            dueDate=invoice.due_date.isoformat(),
            placeOfSupply=invoice.place_of_supply,
            documentType=invoice.document_type.value,
            originalInvoiceIds=list(invoice.original_invoice_ids or []),
            noteReason=invoice.note_reason.value if invoice.note_reason else "",
            ratesIncludeGst=not invoice.gst_exclusive,
            chargeCustomer=invoice.charge_customer,
            description=invoice.description or "",
            partialPaymentAllowed=invoice.partial_payment_allowed,
            minimumPartialAmount=_plain(invoice.minimum_partial_amount),
            cess=_plain(invoice.cess) if invoice.cess else "",
            lines=lines or [Line()],
        )

    @classmethod
    def of_form(cls, form: FormData) -> InvoiceForm:
        def text(name: str, limit: int = 500) -> str:
            value = form.get(name)
            return value.strip()[:limit] if isinstance(value, str) else ""

        rows: dict[int, Line] = {}
        for key, value in form.multi_items():
            match = _LINE_NAME.match(key)
            if match and match.group(2) in LINE_FIELDS and isinstance(value, str):
                row = rows.setdefault(int(match.group(1)), Line(unit="", gstRate=""))
                setattr(row, match.group(2), value.strip()[:500])
        lines = [rows[k] for k in sorted(rows) if not rows[k].empty]
        return cls(
            customerId=text("customerId", 16),
            invoiceNumber=text("invoiceNumber", 16),
            invoiceDate=text("invoiceDate", 10),
            dueDate=text("dueDate", 10),
            placeOfSupply=text("placeOfSupply", 64),
            documentType=text("documentType", 16),
            originalInvoiceIds=[v for v in form.getlist("originalInvoiceIds") if isinstance(v, str)][:100],
            noteReason=text("noteReason", 32),
            ratesIncludeGst=bool(text("ratesIncludeGst")),
            chargeCustomer=bool(text("chargeCustomer")),
            description=text("description", 2000),
            partialPaymentAllowed=bool(text("partialPaymentAllowed")),
            minimumPartialAmount=text("minimumPartialAmount", 30),
            cess=text("cess", 30),
            lines=lines or [Line()],
        )

    def with_empty_line(self) -> InvoiceForm:
        lines = [line for line in self.lines if not line.empty]
        return replace(self, lines=[*lines, Line()])

    def body(self, *, editing: bool = False) -> dict[str, object]:
        """The createInvoice (or, ``editing``, updateInvoice) body this form stands for, by wire name. A blank
        field is left out, so that the schema says "required" where it is, and defaults apply elsewhere."""
        lines = [line.body() for line in self.lines if not line.empty]
        body: dict[str, object] = {
            "customerId": self.customerId,
            "invoiceNumber": self.invoiceNumber,
            "invoiceDate": self.invoiceDate,
            "dueDate": self.dueDate,
            "placeOfSupply": self.placeOfSupply,
            "description": self.description,
            "minimumPartialAmount": _number(self.minimumPartialAmount),
            "cess": _number(self.cess),
        }
        body = {k: v for k, v in body.items() if v != ""}
        body["gstExclusive"] = not self.ratesIncludeGst
        body["chargeCustomer"] = self.chargeCustomer
        body["partialPaymentAllowed"] = self.partialPaymentAllowed
        if lines:
            body["lineItems"] = lines
        if not editing:
            if self.documentType:
                body["documentType"] = self.documentType
            if self.documentType == "DEBIT_NOTE":
                body["originalInvoiceIds"] = self.originalInvoiceIds or None
                if self.noteReason:
                    body["noteReason"] = self.noteReason
        return body

    def preview(self, seller_state: str) -> tuple[list[Preview | None], Preview]:
        """Each line's figures and the sums, by the services' arithmetic (kit.gst): what the page shows
        before scripts (or without them) compute it as the person types."""
        intra = self.placeOfSupply == seller_state
        figures: list[Preview | None] = []
        for line in self.lines:
            try:
                tax = gst.line_tax(
                    Decimal(_number(line.quantity)),
                    Decimal(_number(line.unitPrice)),
                    Decimal(_number(line.gstRate) or "0"),
                    intra_state=intra,
                    inclusive=self.ratesIncludeGst,
                )
            except (InvalidOperation, ArithmeticError):
                figures.append(None)
                continue
            figures.append(Preview(tax.base, tax.cgst, tax.sgst, tax.igst))
        shown = [f for f in figures if f is not None]
        total = Preview(
            sum((f.base for f in shown), ZERO),
            sum((f.cgst for f in shown), ZERO),
            sum((f.sgst for f in shown), ZERO),
            sum((f.igst for f in shown), ZERO),
        )
        return figures, total

    def cess_amount(self) -> Decimal:
        try:
            value = Decimal(_number(self.cess) or "0")
        except InvalidOperation:
            return ZERO
        return to_paise(value) if value.is_finite() else ZERO


def _plain(value: Decimal | None) -> str:
    """A stored number as a person would type it: 2.000 → 2, 1180.50 → 1180.50."""
    if value is None:
        return ""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return str(value.normalize()) if value.as_tuple().exponent != -2 else str(value)  # type: ignore[operator]


def label(field_name: str) -> str:
    """A field as the form labels it: lineItems[1].quantity → "Quantity, line 2"."""
    match = _LINE_NAME.match(field_name)
    if match:
        return f"{LINE_LABELS.get(match.group(2), match.group(2))}, line {int(match.group(1)) + 1}"
    return FIELD_LABELS.get(field_name, field_name)


def for_people(found: Problems, headline: str) -> Problems:
    """A refusal as the form shows it: the headline names each field by its label, not its wire name."""
    if not found.fields:
        return found
    listed = "; ".join(f"{label(name)}: {message}" for name, message in found.fields.items())
    return Problems(f"{headline} {listed}", found.fields)
