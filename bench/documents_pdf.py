"""Documents from Typst: milliseconds per warm render of each kind of PDF dues makes.

Each dispatch e-mail carries its invoice as a PDF, and 10,000 of them must reach the SMTP server within 60 s
on 2 cores with one worker: the PDF may take some 3 ms of it. Targets: a 3-line invoice ≤ 3 ms and a
50-line one ≤ 8 ms (median, warm); a statement of account of 1,000 movements ≤ 50 ms (the monthly run draws
one per customer with a balance).

Documents, each with a seller, a buyer, bank and UPI details: tax invoices of 3 and 50 lines (some
descriptions long enough to wrap; 50 lines run over two pages), a credit note against two invoices, a payment
receipt with TDS, and a statement of account of 1,000 movements (21 pages; then its aging strip and ten
open invoices, as dues prints every statement). Every render is of a different
document (its number, buyer and lines' text change), as in a dispatch run, so no render is a copy of the one
before; the time is from the document's model to the PDF's bytes (what it prints worked out in Python, then
Typst). The first render of the process (fonts, the templates' parse) is printed on its own, not counted.

Baseline, from the same run and compiler: a trivial one-line Typst document (a different line each time).
Each document's median is also printed as a multiple of it, a figure that holds across machines better than
milliseconds do.

--rounds rounds of --repeat renders of each document, interleaved; printed per document: each round's
median, the median of those, the 90th percentile of all renders, and the PDF's size. The statement's rounds
come after all the others: once a process has laid out a document of 21 pages, every later render of it is
some 0.6 ms slower (Typst's caches keep the room they grew to), which would tax the small documents' rounds.

    python bench/documents_pdf.py
    python bench/documents_pdf.py --rounds 5 --repeat 300
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dues.documents import render as render_module
from dues.documents.content import render_credit_note, render_invoice, render_receipt, render_statement
from dues.documents.model import (
    BankAccount,
    CreditNoteDocument,
    InvoiceReference,
    Party,
    PdfLine,
    ReceiptAllocation,
    ReceiptDocument,
    StatementDocument,
    StatementInvoice,
    StatementRow,
    TaxInvoiceDocument,
)
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
SELLER = Party(
    legal_name="Kaveri Precision Tools Private Limited",
    address="Plot 14, 2nd Phase, Peenya Industrial Area\nBengaluru 560058",
    state="Karnataka",
    gstin=make_gstin("29", "AAACK1234F"),
    phone="+91 80 4123 4567",
    email="accounts@kaveri.example.in",
)
BANK = BankAccount("Kaveri Precision Tools Pvt Ltd", "50200012345678", "HDFC0000523", "HDFC Bank, Peenya")
DAY = date(2026, 11, 24)


def buyer(k: int) -> Party:
    return Party(
        f"Anand Traders {k} LLP",
        f"{k % 90 + 1}, Station Road\nMysuru 570001",
        "Karnataka",
        gstin=make_gstin("29", "AAPFA5678K"),
    )


def invoice(lines: int, k: int) -> TaxInvoiceDocument:
    taxes = []
    printed = []
    for number in range(lines):
        description, hsn_sac, quantity, price = ITEMS[number % len(ITEMS)]
        tax = line_tax(Decimal(quantity), Decimal(price) + k % 7, Decimal("18"), intra_state=True)
        taxes.append(tax)
        printed.append(
            PdfLine(
                description=f"{description} (lot {k}-{number})",
                hsn_sac=hsn_sac,
                quantity=Decimal(quantity),
                unit_price=Decimal(price) + k % 7,
                gst_rate=Decimal("18"),
                taxable_value=tax.base,
                cgst=tax.cgst,
                sgst=tax.sgst,
            )
        )
    total = sum_lines(taxes)
    return TaxInvoiceDocument(
        invoice_number=f"INV/2026-27/{k:05d}",
        invoice_date=DAY,
        due_date=DAY + timedelta(days=30),
        seller=SELLER,
        buyer=buyer(k),
        place_of_supply="Karnataka",
        taxable_value=total.base,
        cgst=total.cgst,
        sgst=total.sgst,
        total=total.total,
        lines=tuple(printed),
        buyer_reference=f"PO-{4471 + k}/26",
        bank=BANK,
        upi_vpa="kaveri.tools@okhdfc",
    )


def credit_note(k: int) -> CreditNoteDocument:
    return CreditNoteDocument(
        note_number=f"CN/2026-27/{k:05d}",
        note_date=DAY,
        seller=SELLER,
        buyer=buyer(k),
        reason="SALES_RETURN",
        against=(
            InvoiceReference(f"INV/2026-27/{k:05d}", DAY, Decimal("70800.00")),
            InvoiceReference(f"INV/2026-27/{k + 1:05d}", DAY, Decimal("47200.00") + k),
        ),
        taxable_value=Decimal("100000.00") + k,
        cgst=Decimal("9000.00"),
        sgst=Decimal("9000.00"),
        total=Decimal("118000.00") + k,
        place_of_supply="Karnataka",
    )


def receipt(k: int) -> ReceiptDocument:
    return ReceiptDocument(
        receipt_number=f"RCPT/2026-27/{k:05d}",
        payment_id=f"PY{k:014d}",
        received_on=DAY,
        seller=SELLER,
        payer=buyer(k),
        mode="NEFT",
        reference=f"UTR HDFCN5202612{k:010d}",
        amount=Decimal("117900.00") + k,
        allocations=(
            ReceiptAllocation(f"INV/2026-27/{k:05d}", DAY, Decimal("70000.00"), Decimal("1000.00")),
            ReceiptAllocation(f"INV/2026-27/{k + 1:05d}", DAY, Decimal("47400.00") + k, Decimal("600.00")),
        ),
        unallocated=Decimal("500.00"),
        tds_section="194J",
        deductor_tan="BLRA12345B",
    )


def statement(rows: int, k: int) -> StatementDocument:
    balance = Decimal("25000.00") + k
    movements = []
    for n in range(rows):
        day = DAY - timedelta(days=rows - n)
        if n % 2 == 0:
            balance += Decimal("1180.00")
            movements.append(
                StatementRow(day, "Invoice", f"INV/{k}/{n:05d}", debit=Decimal("1180.00"), balance=balance)
            )
        else:
            balance -= Decimal("1000.00")
            movements.append(
                StatementRow(day, "Payment", f"PY{k:06d}{n:08d}", credit=Decimal("1000.00"), balance=balance)
            )
    # What every statement ends with: what was owed at the end by age, and the invoices still open.
    open_invoices = tuple(
        StatementInvoice(
            f"INV/{k}/{n:05d}",
            DAY - timedelta(days=2 * n),
            DAY + timedelta(days=30 - 2 * n),
            Decimal("1180.00"),
            Decimal("1180.00"),
            max(0, 2 * n - 30),
        )
        for n in range(rows - 20, rows, 2)
    )
    return StatementDocument(
        seller=SELLER,
        customer=buyer(k),
        period_from=DAY - timedelta(days=rows),
        period_to=DAY,
        opening_balance=Decimal("25000.00") + k,
        closing_balance=balance,
        rows=tuple(movements),
        aging=(
            ("current", Decimal("11800.00")),
            ("1-30", Decimal("0.00")),
            ("31-60", Decimal("0.00")),
            ("61-90", Decimal("0.00")),
            ("90+", balance - Decimal("11800.00")),
        ),
        open_invoices=open_invoices,
    )


def trivial(k: int) -> bytes:
    """A one-line Typst document through the same warm compiler: the floor every render stands on."""
    source = f'#set text(font: "Hind")\nInvoice INV/2026-27/{k:05d} for Anand Traders {k} LLP.'.encode()
    warm = render_module._compiler()
    with warm.lock:
        pdf = warm.compiler.compile(input={"main.typ": source}, pdf_tags=False)  # type: ignore[type-var]
    assert isinstance(pdf, bytes)
    return pdf


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds, each rendering every document (5)")
    parser.add_argument("--repeat", type=int, default=200, help="renders of each document a round (200)")
    parser.add_argument("--statement-repeat", type=int, default=5, help="of the 1,000-line statement (5)")
    args = parser.parse_args()

    # (name, make the k-th document, render it, renders a round, target)
    kinds: list[tuple[str, Callable[[int], Any], Callable[[Any], bytes], int, str | None]] = [
        ("trivial doc (baseline)", lambda k: k, trivial, args.repeat, None),
        ("invoice, 3 lines", lambda k: invoice(3, k), render_invoice, args.repeat, "≤ 3 ms"),
        ("invoice, 50 lines", lambda k: invoice(50, k), render_invoice, args.repeat, "≤ 8 ms"),
        ("credit note", credit_note, render_credit_note, args.repeat, None),
        ("receipt", receipt, render_receipt, args.repeat, None),
        (
            "statement, 1,000 rows",
            lambda k: statement(1000, k),
            render_statement,
            args.statement_repeat,
            "≤ 50 ms",
        ),
    ]
    start = time.perf_counter()
    render_invoice(invoice(3, 0))
    print(f"first render of the process (fonts, templates): {(time.perf_counter() - start) * 1000:.0f} ms")
    for _, make, draw, _, _ in kinds[:-1]:
        draw(make(0))

    times: dict[str, list[list[float]]] = {name: [] for name, *_ in kinds}
    sizes: dict[str, int] = {}
    k = 1
    small, large = kinds[:-1], kinds[-1:]
    for group in (small, large):
        for _ in range(args.rounds):
            for name, make, draw, repeat, _ in group:
                # Made before the clock starts: the bench times the renderer, not the making of documents.
                documents = [make(k + n) for n in range(repeat)]
                k += repeat
                round_times = []
                for document in documents:
                    begin = time.perf_counter()
                    sizes[name] = len(draw(document))
                    round_times.append((time.perf_counter() - begin) * 1000)
                times[name].append(round_times)

    baseline = statistics.median(statistics.median(r) for r in times[kinds[0][0]])
    print(f"{args.rounds} rounds; medians in ms, each round's and (bold in the docs) the median of those")
    print(f"{'document':<24} {'rounds':<40} {'median':>8} {'p90':>8} {'× base':>7} {'bytes':>8}  target")
    for name, _, _, _, target in kinds:
        medians = [statistics.median(r) for r in times[name]]
        every = [t for r in times[name] for t in r]
        p90 = statistics.quantiles(every, n=10)[-1] if len(every) > 1 else every[0]
        median = statistics.median(medians)
        rounds = " ".join(f"{m:.2f}" for m in medians)
        print(
            f"{name:<24} {rounds:<40} {median:>8.2f} {p90:>8.2f} {median / baseline:>7.1f} "
            f"{sizes[name]:>8}  {target or ''}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
