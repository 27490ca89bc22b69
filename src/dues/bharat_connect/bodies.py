"""The bodies dues sends on the network, built from what dues holds (pure: no database here).

Each body is checked by its wire.py model as it is built (a body dues sends is complete), then written as
JSON-ready data: EnKash's names, dates ``yyyy-MM-dd``, ``ts`` ISO 8601 with the IST offset, and amounts left
as Decimals, which the transport writes as exact JSON numbers (dues.kit.envelope.dumps). Fields with no value
are left out rather than sent as null.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel

from dues.bharat_connect import wire
from dues.kit.money import ZERO
from dues.kit.tds import taxable_value
from dues.kit.timefmt import IST
from dues.models import Company, Customer, Invoice, InvoiceLine

# Values of our additionalInfos on a presented invoice (ours: EnKash publishes none): whether the buyer may
# pay part of it, and the least part, as dues's payment page and API hold the payer to them.
PARTIAL_ALLOWED = "partialPaymentAllowed"
MINIMUM_PARTIAL = "minimumPartialAmount"


def stamp(at: datetime) -> str:
    """A ``ts``: ISO 8601 in IST with its offset, to the second."""
    return at.astimezone(IST).isoformat(timespec="seconds")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return stamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def dump(model: BaseModel) -> dict[str, Any]:
    """A wire model as the body carries it."""
    data = _jsonable(model.model_dump(mode="python", by_alias=True, exclude_none=True))
    assert isinstance(data, dict)
    return data


def request(
    kind: type[wire.Request], buyer_b2b_id: str, supplier_b2b_id: str, **objects: Any
) -> dict[str, Any]:
    """A req-* body: a fresh reqMsgId, the device, both parties' ids and the object(s) under their names."""
    body = kind.model_validate(
        {
            "reqMsgId": wire.req_msg_id(),
            "device": wire.device(),
            "b2bIds": {"buyerB2BId": buyer_b2b_id, "supplierB2BId": supplier_b2b_id},
            **objects,
        }
    )
    return dump(body)


def _pan(tax_id: str | None) -> str | None:
    if tax_id and len(tax_id) == 15:
        return tax_id[2:12]
    return tax_id if tax_id and len(tax_id) == 10 else None


def supplier(company: Company, b2b_id: str) -> dict[str, Any]:
    return {
        "b2bId": b2b_id,
        "legalName": company.legal_name,
        "gstin": company.gstin,
        "pan": _pan(company.gstin),
        "address": company.address,
        "state": company.state,
        "pinCode": company.pin_code,
        "email": company.email,
    }


def buyer(customer: Customer, b2b_id: str) -> dict[str, Any]:
    tax_id = customer.pan_or_gstin
    return {
        "b2bId": b2b_id,
        "legalName": customer.legal_name,
        "gstin": tax_id if tax_id and len(tax_id) == 15 else None,
        "pan": _pan(tax_id),
        "address": customer.address,
        "state": customer.state,
        "pinCode": customer.pin_code,
        "email": customer.email,
    }


def bank_account(company: Company) -> dict[str, Any] | None:
    """Where the buyer pays off the platform: the company's bank account (masked) and UPI id."""
    number = company.bank_account_number
    if not number and not company.upi_vpa:
        return None
    return {
        "maskedAccountNumber": "X" * max(len(number) - 4, 0) + number[-4:] if number else None,
        "ifsc": company.bank_ifsc,
        "beneficiaryName": company.bank_account_name or company.legal_name,
        "businessVPA": company.upi_vpa,
    }


def _items(invoice: Invoice, lines: Sequence[InvoiceLine]) -> list[dict[str, Any]]:
    if lines:
        return [
            {
                "slNo": line.line_no,
                "description": line.description,
                "hsnSac": line.hsn_sac,
                "quantity": line.quantity,
                "unit": line.unit,
                "unitPrice": line.unit_price,
                "taxableValue": line.base_amount,
                "gstRate": line.gst_rate,
                "cgst": line.cgst,
                "sgst": line.sgst,
                "igst": line.igst,
                "total": line.base_amount + line.cgst + line.sgst + line.igst,
            }
            for line in lines
        ]
    # An invoice made from amounts alone is one item: its taxable value and taxes.
    taxable = _taxable(invoice)
    taxes = invoice.cgst + invoice.sgst + invoice.igst
    rate = (taxes * 100 / taxable).quantize(Decimal("0.01")) if taxable > 0 else ZERO
    return [
        {
            "slNo": 1,
            "description": invoice.description or f"Invoice {invoice.invoice_number}",
            "quantity": Decimal(1),
            "unitPrice": taxable,
            "taxableValue": taxable,
            "gstRate": rate,
            "cgst": invoice.cgst,
            "sgst": invoice.sgst,
            "igst": invoice.igst,
            "cess": invoice.cess,
            "total": invoice.total_amount,
        }
    ]


def _taxable(invoice: Invoice) -> Decimal:
    return taxable_value(invoice.total_amount, invoice.cgst, invoice.sgst, invoice.igst, invoice.cess)


def invoice(
    company: Company,
    customer: Customer,
    inv: Invoice,
    lines: Sequence[InvoiceLine],
    *,
    supplier_b2b_id: str,
    buyer_b2b_id: str,
    object_id: str,
    version: tuple[int, int],
    transition: tuple[str | None, str],
    at: datetime,
) -> dict[str, Any]:
    """The B2B invoice object of req-send-invoice and req-edit-invoice, as the invoice now is."""
    model = wire.Invoice.model_validate(
        {
            "objectId": object_id,
            "supplierInvoiceNumber": inv.invoice_number,
            "objectVersion": wire.version(*version),
            "ts": at,
            "statusTransition": wire.transition(*transition),
            "transactionDetails": {
                "invoiceType": "DEBIT_NOTE" if inv.document_type == "DEBIT_NOTE" else "INVOICE",
                "invoiceDate": inv.invoice_date,
                "dueDate": inv.due_date,
                "placeOfSupply": inv.place_of_supply,
                "supplyType": "INTRA_STATE" if inv.place_of_supply == company.state else "INTER_STATE",
            },
            "supplierDetails": supplier(company, supplier_b2b_id),
            "buyerDetails": buyer(customer, buyer_b2b_id),
            "itemLists": _items(inv, lines),
            "valueDetails": {
                "taxableValue": _taxable(inv),
                "cgst": inv.cgst,
                "sgst": inv.sgst,
                "igst": inv.igst,
                "cess": inv.cess,
                "totalAmount": inv.total_amount,
                "dueAmount": inv.balance_amount,
            },
            "supplierBankAccountDetails": bank_account(company),
        }
    )
    return dump(model)


def invoice_infos(inv: Invoice) -> list[dict[str, str]]:
    """additionalInfos of a presented invoice: the part-payment terms dues holds the payer to."""
    infos = [{"name": PARTIAL_ALLOWED, "value": "true" if inv.partial_payment_allowed else "false"}]
    if inv.partial_payment_allowed and inv.minimum_partial_amount is not None:
        infos.append({"name": MINIMUM_PARTIAL, "value": f"{inv.minimum_partial_amount:.2f}"})
    return infos


# What an edit compares: the invoice as the buyer sees it, less what changes with every message.
_NOT_CONTENT = ("ts", "objectVersion", "statusTransition")


def content(invoice_object: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in invoice_object.items() if k not in _NOT_CONTENT}
