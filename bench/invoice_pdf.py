"""Tax-invoice PDF rendering: milliseconds per document, the direct writer (fast path) against fpdf2.

Each dispatch e-mail carries its invoice as a PDF, and 10,000 of them must reach the SMTP server within
60 s on 2 cores: about 12 ms of one core per mail for everything, of which the PDF may take some 3 ms.

Two documents, both intra-state with a seller, a buyer, bank and UPI details and a buyer's reference: a
typical one with 3 lines and a long one with 50 (some descriptions long enough to wrap, so it runs over two
pages).
Each is rendered --repeat times through render_invoice_pdf, which takes the fast path for them (checked
first), and --fpdf2-repeat times by the fpdf2 renderer that documents outside the fast path's character
set still take. Printed per document and path: the median and the 90th percentile in ms, and the size.
The first fast render of the process, which subsets the fonts, is printed on its own and not counted.

    python bench/invoice_pdf.py
    python bench/invoice_pdf.py --repeat 1000 --fpdf2-repeat 50
    python bench/invoice_pdf.py --lines 3 10 50 200
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from dues.invoices import pdf
from dues.invoices.pdf import BankAccount, Party, PdfLine, TaxInvoiceDocument, render_invoice_pdf
from dues.kit.gst import line_tax, sum_lines
from dues.kit.india import make_gstin

ITEMS = [
    ("Annual maintenance contract, Peenya plant", "998719", "1", "45000.00"),
    ("Industrial bearings SKF 6205-2RS", "84821011", "24", "412.50"),
    ("Freight and handling", "996511", "1", "1850.00"),
    (
        "Hydraulic press spare kit with seals, gaskets, O-rings and fitting instructions",
        "84129090",
        "2",
        "8725.00",
    ),
    ("CNC spindle alignment and calibration visit", "998719", "3", "3500.00"),
]


def document(lines: int) -> TaxInvoiceDocument:
    taxes = []
    printed = []
    for number in range(lines):
        description, hsn_sac, quantity, price = ITEMS[number % len(ITEMS)]
        tax = line_tax(Decimal(quantity), Decimal(price), Decimal("18"), intra_state=True)
        taxes.append(tax)
        printed.append(
            PdfLine(
                description=description,
                hsn_sac=hsn_sac,
                quantity=Decimal(quantity),
                unit_price=Decimal(price),
                gst_rate=Decimal("18"),
                taxable_value=tax.base,
                cgst=tax.cgst,
                sgst=tax.sgst,
            )
        )
    total = sum_lines(taxes)
    return TaxInvoiceDocument(
        invoice_number="KPT/2026-27/00042",
        invoice_date=date(2026, 11, 24),
        due_date=date(2026, 12, 24),
        seller=Party(
            legal_name="Kaveri Precision Tools Private Limited",
            address="Plot 14, 2nd Phase, Peenya Industrial Area\nBengaluru 560058",
            state="Karnataka",
            gstin=make_gstin("29", "AAACK1234F"),
            phone="+91 9845012345",
            email="accounts@kaveri.example.in",
        ),
        buyer=Party(
            legal_name="Anand Traders LLP",
            address="12, Station Road\nMysuru 570001",
            state="Karnataka",
            gstin=make_gstin("29", "AAPFA5678K"),
        ),
        place_of_supply="Karnataka",
        taxable_value=total.base,
        cgst=total.cgst,
        sgst=total.sgst,
        total=total.total,
        lines=tuple(printed),
        buyer_reference="PO-4471/26",
        bank=BankAccount(
            "Kaveri Precision Tools Pvt Ltd", "50200012345678", "HDFC0000523", "HDFC Bank, Peenya"
        ),
        upi_vpa="kaveri.tools@okhdfc",
    )


def timed(render: Callable[[], bytes], repeat: int) -> tuple[list[float], int]:
    times = []
    size = 0
    for _ in range(repeat):
        start = time.perf_counter()
        size = len(render())
        times.append((time.perf_counter() - start) * 1000)
    return times, size


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=300, help="renders of each document, fast path (300)")
    parser.add_argument("--fpdf2-repeat", type=int, default=20, help="renders of each document, fpdf2 (20)")
    parser.add_argument("--lines", type=int, nargs="+", default=[3, 50], help="documents' line counts (3 50)")
    args = parser.parse_args()

    typeface = pdf._typeface()
    if not typeface.unicode:
        sys.exit("the fast path needs the Hind fonts: pip install fontpkg-hind")
    documents = {count: document(count) for count in args.lines}
    first = documents[args.lines[0]]

    start = time.perf_counter()
    if pdf._render_fast(first, typeface) is None:
        sys.exit("the benchmark documents must take the fast path")
    first_ms = (time.perf_counter() - start) * 1000
    print(f"first fast render (subsets the fonts once per process): {first_ms:.0f} ms")
    if any(pdf._render_fast(doc, typeface) is None for doc in documents.values()):
        sys.exit("the benchmark documents must take the fast path")

    print(f"{'document':>10}  {'path':<6} {'renders':>7} {'median ms':>10} {'p90 ms':>8} {'bytes':>7}")
    for count, doc in documents.items():
        paths: list[tuple[str, Callable[[], bytes], int]] = [
            ("fast", lambda doc=doc: render_invoice_pdf(doc), args.repeat),
            ("fpdf2", lambda doc=doc: pdf._Renderer(doc, typeface).render(), args.fpdf2_repeat),
        ]
        for name, render, repeat in paths:
            if repeat <= 0:
                continue
            times, size = timed(render, repeat)
            p90 = statistics.quantiles(times, n=10)[-1] if len(times) > 1 else times[0]
            label = f"{count} lines"
            print(
                f"{label:>10}  {name:<6} {repeat:>7} {statistics.median(times):>10.2f} {p90:>8.2f} {size:>7}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
