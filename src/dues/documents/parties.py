"""Parties and lines as documents print them, from the fields dues keeps (pure: no database here)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from dues.documents.model import Logo, Party, PdfLine


def party(
    legal_name: str,
    address: str | None,
    pin_code: str | None,
    state: str | None,
    tax_id: str | None,
    phone: str | None = None,
    email: str | None = None,
    logo: Logo | None = None,
    udyam_number: str | None = None,
) -> Party:
    """``tax_id`` is a GSTIN (15 characters) or a PAN (10), printed as what it is."""
    gstin = tax_id if tax_id and len(tax_id) == 15 else None
    pan = tax_id if tax_id and len(tax_id) == 10 else None
    return Party(
        legal_name=legal_name,
        address="\n".join(part for part in (address, pin_code) if part),
        state=state,
        gstin=gstin,
        pan=pan,
        phone=phone,
        email=email,
        logo=logo,
        udyam_number=udyam_number,
    )


class _Seller(Protocol):
    """A company as dues stores it (dues.models.Company), as far as its documents print it."""

    legal_name: str
    address: str | None
    pin_code: str | None
    state: str
    gstin: str | None
    phone: str | None
    email: str | None
    udyam_number: str | None


def seller_party(company: _Seller, logo: Logo | None = None) -> Party:
    """The seller as every one of its documents prints it: name, address, contact, GSTIN and Udyam number."""
    return party(
        company.legal_name,
        company.address,
        company.pin_code,
        company.state,
        company.gstin,
        company.phone,
        company.email,
        logo,
        company.udyam_number,
    )


class _StoredLine(Protocol):
    """An invoice's or a credit note's line as dues stores it."""

    description: str
    hsn_sac: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    gst_rate: Decimal
    base_amount: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal


def printed_lines(lines: Iterable[_StoredLine]) -> tuple[PdfLine, ...]:
    """Stored lines as documents print them: the figures as stored, never recomputed."""
    return tuple(
        PdfLine(
            description=line.description,
            hsn_sac=line.hsn_sac,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            gst_rate=line.gst_rate,
            taxable_value=line.base_amount,
            cgst=line.cgst,
            sgst=line.sgst,
            igst=line.igst,
        )
        for line in lines
    )
