"""A seller or buyer as documents print it, from the fields dues keeps (pure: no database here)."""

from __future__ import annotations

from dues.documents.model import Logo, Party


def party(
    legal_name: str,
    address: str | None,
    pin_code: str | None,
    state: str | None,
    tax_id: str | None,
    phone: str | None = None,
    email: str | None = None,
    logo: Logo | None = None,
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
    )
