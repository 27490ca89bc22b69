"""Documents of every kind, as a seller in Bengaluru would issue them, for the tests to render."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import replace
from datetime import date
from decimal import Decimal

from pypdf import PdfReader

from dues.documents.model import (
    BankAccount,
    CreditNoteDocument,
    DocumentType,
    InvoiceReference,
    Logo,
    Party,
    PdfLine,
    ReceiptAllocation,
    ReceiptDocument,
    StatementDocument,
    StatementRow,
    TaxInvoiceDocument,
)
from dues.kit.gst import line_tax, sum_lines
from dues.kit.india import make_gstin

SELLER_GSTIN = make_gstin("29", "AAACK1234F")
BUYER_GSTIN = make_gstin("29", "AAPFA5678K")
OTHER_STATE_GSTIN = make_gstin("27", "AAPFM9012L")
HINDI_NAME = "आनंद ट्रेडर्स"
BANK = BankAccount("Kaveri Precision Tools Pvt Ltd", "50200012345678", "HDFC0000523", "HDFC Bank, Peenya")


def seller(**changes: object) -> Party:
    party = Party(
        legal_name="Kaveri Precision Tools Private Limited",
        address="Plot 14, 2nd Phase, Peenya Industrial Area\nBengaluru 560058",
        state="Karnataka",
        state_code="29",
        gstin=SELLER_GSTIN,
        phone="+91 80 4123 4567",
        email="accounts@kaveri.example.in",
    )
    return replace(party, **changes)  # type: ignore[arg-type]


def buyer(*, intra_state: bool = True) -> Party:
    if intra_state:
        return Party("Anand Traders LLP", "12, Station Road\nMysuru 570001", "Karnataka", gstin=BUYER_GSTIN)
    return Party("Mehta Exports", "4 Dock Road\nMumbai 400001", "Maharashtra", gstin=OTHER_STATE_GSTIN)


def invoice(*, intra_state: bool = True, buyer_party: Party | None = None) -> TaxInvoiceDocument:
    """Three lines of 333.33 at 18 %: 999.99 + 180.00 = 1,179.99."""
    items = [
        ("Annual maintenance contract, Peenya plant", "998719"),
        ("Industrial bearings SKF 6205-2RS", "84821011"),
        ("Freight and handling", "996511"),
    ]
    taxes = [line_tax(Decimal("1"), Decimal("333.33"), Decimal("18"), intra_state=intra_state) for _ in items]
    lines = tuple(
        PdfLine(
            description=description,
            hsn_sac=hsn_sac,
            quantity=Decimal("1"),
            unit_price=Decimal("333.33"),
            gst_rate=Decimal("18"),
            taxable_value=tax.base,
            cgst=tax.cgst,
            sgst=tax.sgst,
            igst=tax.igst,
        )
        for (description, hsn_sac), tax in zip(items, taxes, strict=True)
    )
    total = sum_lines(taxes)
    return TaxInvoiceDocument(
        invoice_number="INV/2026-27/0042",
        invoice_date=date(2026, 11, 24),
        due_date=date(2026, 12, 24),
        seller=seller(),
        buyer=buyer_party or buyer(intra_state=intra_state),
        place_of_supply="Karnataka" if intra_state else "Maharashtra",
        taxable_value=total.base,
        cgst=total.cgst,
        sgst=total.sgst,
        igst=total.igst,
        cess=total.cess,
        total=total.total,
        lines=lines,
        buyer_reference="PO-4471/26",
        bank=BANK,
        upi_vpa="kaveri.tools@okhdfc",
    )


def big_invoice(count: int, *, description: str = "bush") -> TaxInvoiceDocument:
    """count lines, each naming its own number, every fifth long enough to wrap in its cell; 1,000.00 at
    18 % a line, so the total is count × 1,180.00."""
    tax = line_tax(Decimal("4"), Decimal("250"), Decimal("18"), intra_state=True)
    lines = tuple(
        PdfLine(
            description=f"Part {n:03d} "
            + (
                "hydraulic press spare with seals, gaskets, fitting kit and the maker's test certificate"
                if n % 5 == 0
                else description
            ),
            hsn_sac="84879000",
            quantity=Decimal("4"),
            unit_price=Decimal("250"),
            gst_rate=Decimal("18"),
            taxable_value=tax.base,
            cgst=tax.cgst,
            sgst=tax.sgst,
        )
        for n in range(1, count + 1)
    )
    total = sum_lines([tax] * count)
    return replace(
        invoice(),
        lines=lines,
        taxable_value=total.base,
        cgst=total.cgst,
        sgst=total.sgst,
        igst=total.igst,
        total=total.total,
    )


def debit_note() -> TaxInvoiceDocument:
    return replace(
        invoice(),
        invoice_number="DN/2026-27/0007",
        invoice_date=date(2026, 12, 2),
        due_date=date(2027, 1, 1),
        document_type=DocumentType.DEBIT_NOTE,
        original_invoices=(
            InvoiceReference("INV/2026-27/0042", date(2026, 11, 24)),
            InvoiceReference("INV/2026-27/0043", date(2026, 11, 25)),
        ),
        reason="PRICE_REVISION",
    )


def credit_note(*, with_lines: bool = False) -> CreditNoteDocument:
    """1,00,000.00 of taxable value credited at 18 % within Karnataka: 1,18,000.00."""
    lines: tuple[PdfLine, ...] = ()
    if with_lines:
        lines = (
            PdfLine(
                "Returned bearings SKF 6205-2RS",
                "84821011",
                Decimal("200"),
                Decimal("500"),
                Decimal("18"),
                Decimal("100000.00"),
                cgst=Decimal("9000.00"),
                sgst=Decimal("9000.00"),
            ),
        )
    return CreditNoteDocument(
        note_number="CN/2026-27/0003",
        note_date=date(2026, 12, 5),
        seller=seller(),
        buyer=buyer(),
        reason="SALES_RETURN",
        against=(
            InvoiceReference("INV/2026-27/0042", date(2026, 11, 24), Decimal("70800.00")),
            InvoiceReference("INV/2026-27/0051", date(2026, 11, 30), Decimal("47200.00")),
        ),
        taxable_value=Decimal("100000.00"),
        cgst=Decimal("9000.00"),
        sgst=Decimal("9000.00"),
        total=Decimal("118000.00"),
        lines=lines,
        place_of_supply="Karnataka",
    )


def receipt() -> ReceiptDocument:
    """₹ 1,17,900.00 by NEFT, TDS u/s 194J on two invoices, 500.00 left as credit."""
    return ReceiptDocument(
        receipt_number="RCPT/2026-27/0019",
        payment_id="PY7Q2M4K8D1X5C9B",
        received_on=date(2026, 12, 10),
        seller=seller(),
        payer=buyer(),
        mode="NEFT",
        reference="UTR HDFCN52026121099887766",
        amount=Decimal("117900.00"),
        allocations=(
            ReceiptAllocation(
                "INV/2026-27/0042", date(2026, 11, 24), Decimal("70000.00"), Decimal("1000.00")
            ),
            ReceiptAllocation("INV/2026-27/0051", date(2026, 11, 30), Decimal("47400.00"), Decimal("600.00")),
        ),
        unallocated=Decimal("500.00"),
        tds_section="194J",
        deductor_tan="BLRA12345B",
    )


def statement(rows: int = 6) -> StatementDocument:
    """An invoice of 1,180.00 and a payment of 1,000.00 in turn, from an opening balance of 25,000.00."""
    balance = Decimal("25000.00")
    movements = []
    for n in range(rows):
        day = date(2026, 11, 1 + n % 28)
        if n % 2 == 0:
            balance += Decimal("1180.00")
            movements.append(
                StatementRow(
                    day, "Invoice", f"INV/2026-27/{n + 1:04d}", debit=Decimal("1180.00"), balance=balance
                )
            )
        else:
            balance -= Decimal("1000.00")
            movements.append(
                StatementRow(day, "Payment", f"PY{n:014d}", credit=Decimal("1000.00"), balance=balance)
            )
    return StatementDocument(
        seller=seller(),
        customer=buyer(),
        period_from=date(2026, 11, 1),
        period_to=date(2026, 11, 30),
        opening_balance=Decimal("25000.00"),
        closing_balance=balance,
        rows=tuple(movements),
    )


def png(width: int, height: int, colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A plain PNG of one colour, made here so no image file is needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(colour) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


SVG_LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="240" height="60" viewBox="0 0 240 60">'
    b'<rect width="60" height="60" rx="10" fill="#1f5fbf"/>'
    b'<text x="72" y="42" font-size="32" fill="#1f5fbf">KAVERI</text></svg>'
)


def with_logo(party: Party, content: bytes, content_type: str) -> Party:
    return replace(party, logo=Logo(content, content_type))


def pages(data: bytes) -> list[str]:
    """Each page's text with runs of whitespace made one space, so wrapped lines still read as one; the
    invisible break places long words get are dropped."""
    reader = PdfReader(io.BytesIO(data))
    return [" ".join(page.extract_text().replace("\u200b", "").split()) for page in reader.pages]


def text(data: bytes) -> str:
    return " ".join(pages(data))
