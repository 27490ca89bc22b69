"""The tax-invoice PDF: what a reader of the printed invoice must find on it, read back with pypdf."""

from __future__ import annotations

import io
import random
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from dues.invoices import pdf as pdf_module
from dues.invoices import pdf_fast
from dues.invoices.pdf import BankAccount, Party, PdfLine, TaxInvoiceDocument, format_inr, render_invoice_pdf
from dues.kit.gst import line_tax, sum_lines
from dues.kit.india import make_gstin
from dues.kit.words import rupees_in_words

SELLER_GSTIN = make_gstin("29", "AAACK1234F")
BUYER_GSTIN = make_gstin("29", "AAPFA5678K")
OTHER_STATE_GSTIN = make_gstin("27", "AAPFM9012L")
HINDI_NAME = "आनंद ट्रेडर्स"
RUPEE = r"(?:₹|Rs\.)"


def _seller() -> Party:
    return Party(
        legal_name="Kaveri Precision Tools Private Limited",
        address="Plot 14, 2nd Phase, Peenya Industrial Area\nBengaluru 560058",
        state="Karnataka",
        state_code="29",
        gstin=SELLER_GSTIN,
        phone="+91 80 4123 4567",
        email="accounts@kaveri.example.in",
    )


BANK = BankAccount("Kaveri Precision Tools Pvt Ltd", "50200012345678", "HDFC0000523", "HDFC Bank, Peenya")


def _invoice(*, intra_state: bool, buyer: Party | None = None) -> TaxInvoiceDocument:
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
    if buyer is None:
        buyer = Party(
            legal_name="Anand Traders LLP" if intra_state else "Mehta Exports",
            address="12, Station Road\nMysuru 570001" if intra_state else "4 Dock Road\nMumbai 400001",
            state="Karnataka" if intra_state else "Maharashtra",
            gstin=BUYER_GSTIN if intra_state else OTHER_STATE_GSTIN,
        )
    return TaxInvoiceDocument(
        invoice_number="INV/2026-27/0042",
        invoice_date=date(2026, 11, 24),
        due_date=date(2026, 12, 24),
        seller=_seller(),
        buyer=buyer,
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


def _pages(data: bytes) -> list[str]:
    """Each page's text with runs of whitespace made one space, so wrapped lines still read as one."""
    reader = PdfReader(io.BytesIO(data))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def _text(data: bytes) -> str:
    return " ".join(_pages(data))


def _core_fonts_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Render as on a machine without the font packages."""
    latin1 = frozenset(range(0x20, 0x7F)) | frozenset(range(0xA0, 0x100))
    monkeypatch.setattr(pdf_module, "_typeface", lambda: pdf_module._Typeface(None, None, None, latin1))


def _fpdf2_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Render every document with fpdf2, as before the fast path existed."""
    monkeypatch.setattr(pdf_module, "_render_fast", lambda doc, typeface: None)


def _fast_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any render that falls back to fpdf2: the document must take the fast path."""
    if not pdf_module._typeface().unicode:
        pytest.skip("the fast path draws in Hind: package fontpkg-hind not installed")

    def fallback(self: object) -> bytes:
        raise AssertionError("a Latin invoice fell back to fpdf2")

    monkeypatch.setattr(pdf_module._Renderer, "render", fallback)


@pytest.fixture(params=["fast", "fpdf2"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test using this runs twice: on the direct writer (which the document must take) and on fpdf2."""
    if request.param == "fast":
        _fast_only(monkeypatch)
    else:
        _fpdf2_only(monkeypatch)
    return str(request.param)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0", "0.00"),
        ("0.50", "0.50"),
        ("999.00", "999.00"),
        ("1000.00", "1,000.00"),
        ("99999.99", "99,999.99"),
        ("100000", "1,00,000.00"),
        ("123456.78", "1,23,456.78"),
        ("12345678.90", "1,23,45,678.90"),
        ("1234567890123.45", "12,34,56,78,90,123.45"),
        ("0.005", "0.01"),
        ("-1234.5", "-1,234.50"),
    ],
)
def test_format_inr_groups_in_lakhs_and_crores(amount: str, expected: str) -> None:
    assert format_inr(Decimal(amount)) == expected


def test_format_inr_refuses_what_is_not_an_amount() -> None:
    with pytest.raises(ValueError):
        format_inr(Decimal("NaN"))


@pytest.mark.usefixtures("path")
def test_intra_state_invoice_shows_cgst_and_sgst() -> None:
    doc = _invoice(intra_state=True)
    # 3 x 333.33 at 18%: each line 30.00 CGST + 30.00 SGST, so the invoice is 999.99 + 180.00.
    assert [line.cgst for line in doc.lines] == [Decimal("30.00")] * 3
    assert doc.total == Decimal("1179.99")

    data = render_invoice_pdf(doc)

    assert data.startswith(b"%PDF")
    text = _text(data)
    assert "TAX INVOICE" in text
    for expected in (
        "Kaveri Precision Tools Private Limited",
        "Peenya Industrial Area",
        SELLER_GSTIN,
        "Anand Traders LLP",
        BUYER_GSTIN,
        "Karnataka (Code: 29)",
        "INV/2026-27/0042",
        "24-11-2026",
        "24-12-2026",
        "998719",
        "84821011",
        "996511",
        "This is a computer-generated tax invoice.",
    ):
        assert expected in text, expected
    assert re.search(r"Place of Supply Karnataka \(Code: 29\)", text)
    assert "CGST SGST" in text and "IGST" not in text  # an intra-state supply has no IGST, not even 0.00
    assert re.search(r"1 NOS 333\.33 333\.33 18% 30\.00 30\.00", text)
    assert re.search(r"Total 999\.99 90\.00 90\.00", text)
    # The rate of each tax head (r.46(j)), in the totals.
    assert re.search(r"Taxable Value 999\.99 CGST @ 9% 90\.00 SGST @ 9% 90\.00", text)
    assert re.search(rf"Total {RUPEE} 1,179\.99", text)
    words = rupees_in_words(Decimal("1179.99"))
    assert words == "Rupees One Thousand One Hundred Seventy-Nine and Ninety-Nine Paise Only"
    assert words in text


@pytest.mark.usefixtures("path")
def test_a_tax_invoice_carries_what_rule_46_asks() -> None:
    text = _text(render_invoice_pdf(_invoice(intra_state=True)))

    for expected in (
        "Reverse Charge No",
        "Buyer's Ref. PO-4471/26",
        "Phone: +91 80 4123 4567",
        "E-mail: accounts@kaveri.example.in",
        "Bank: HDFC Bank, Peenya",
        "A/c Name: Kaveri Precision Tools Pvt Ltd",
        "A/c No.: 50200012345678 IFSC: HDFC0000523",
        "UPI ID: kaveri.tools@okhdfc",
        "For Kaveri Precision Tools Private Limited",
        "Authorised Signatory",
        "Original for Recipient",
    ):
        assert expected in text, expected
    assert "Reverse Charge Yes" in _text(
        render_invoice_pdf(replace(_invoice(intra_state=True), reverse_charge=True))
    )


@pytest.mark.usefixtures("path")
def test_the_document_shows_nothing_that_changes_after_issue() -> None:
    data = render_invoice_pdf(_invoice(intra_state=True))
    text = _text(data)

    for absent in ("Amount Paid", "Balance Due", "Pay online", "/pay/"):
        assert absent not in text, absent
    links = [a for page in PdfReader(io.BytesIO(data)).pages for a in page.get("/Annots", [])]
    assert links == []


@pytest.mark.usefixtures("path")
def test_a_seller_without_gstin_issues_a_bill_of_supply() -> None:
    unregistered = replace(_seller(), gstin=None)
    line = PdfLine(
        "Tuition, November", "999293", Decimal("2"), Decimal("1500.00"), Decimal("0"), Decimal("3000.00")
    )
    doc = replace(
        _invoice(intra_state=True),
        seller=unregistered,
        lines=(line,),
        taxable_value=Decimal("3000.00"),
        cgst=Decimal("0.00"),
        sgst=Decimal("0.00"),
        igst=Decimal("0.00"),
        cess=Decimal("0.00"),
        total=Decimal("3000.00"),
    )

    data = render_invoice_pdf(doc)
    text = _text(data)

    assert "BILL OF SUPPLY" in text
    assert "TAX INVOICE" not in text
    assert "not registered under GST" in text
    assert "# Description HSN/SAC Qty Unit Price Amount" in text
    assert re.search(r"Tuition, November 999293 2 NOS 1,500\.00 3,000\.00", text)
    for absent in ("CGST", "SGST", "IGST", "GST %", "Reverse Charge"):
        assert absent not in text, absent
    assert "This is a computer-generated bill of supply." in text
    assert PdfReader(io.BytesIO(data)).metadata.title == "Bill of Supply INV/2026-27/0042"


@pytest.mark.usefixtures("path")
def test_inter_state_invoice_shows_igst() -> None:
    doc = _invoice(intra_state=False)
    assert [line.igst for line in doc.lines] == [Decimal("60.00")] * 3

    text = _text(render_invoice_pdf(doc))

    assert "Mehta Exports" in text
    assert OTHER_STATE_GSTIN in text
    assert "Maharashtra (Code: 27)" in text
    assert "Inter-state (IGST)" in text
    assert "GST % IGST" in text
    assert "CGST" not in text and "SGST" not in text
    assert re.search(r"333\.33 333\.33 18% 60\.00", text)
    assert re.search(r"Taxable Value 999\.99 IGST @ 18% 180\.00", text)
    assert re.search(rf"Total {RUPEE} 1,179\.99", text)
    assert rupees_in_words(Decimal("1179.99")) in text


@pytest.mark.usefixtures("path")
def test_without_lines_a_summary_line_carries_the_description_and_base_amount() -> None:
    doc = replace(
        _invoice(intra_state=True),
        lines=(),
        description="Consulting retainer for November 2026",
        taxable_value=Decimal("123456.78"),
        cgst=Decimal("11111.11"),
        sgst=Decimal("11111.11"),
        total=Decimal("145679.00"),
    )

    text = _text(render_invoice_pdf(doc))

    assert re.search(r"1 Consulting retainer for November 2026 1,23,456\.78 11,111\.11 11,111\.11", text)
    # 11,111.11 is 9 % of 1,23,456.78 to the paisa: the rate is worked back for the totals.
    assert re.search(r"CGST @ 9% 11,111\.11 SGST @ 9% 11,111\.11", text)
    assert re.search(rf"Total {RUPEE} 1,45,679\.00", text)
    assert "Rupees One Lakh Forty-Five Thousand Six Hundred Seventy-Nine Only" in text


@pytest.mark.usefixtures("path")
def test_buyer_without_gstin_prints_pan_or_unregistered() -> None:
    with_pan = Party("Ravi Kumar", "Mysuru", "Karnataka", pan="ABCPK1234Q")
    nothing = Party("Walk-in Customer")

    pan_text = _text(render_invoice_pdf(_invoice(intra_state=True, buyer=with_pan)))
    bare_text = _text(render_invoice_pdf(_invoice(intra_state=True, buyer=nothing)))

    assert "PAN: ABCPK1234Q" in pan_text
    assert "Walk-in Customer" in bare_text
    assert bare_text.count("GSTIN: Unregistered") == 1


@pytest.mark.usefixtures("path")
def test_nil_rated_supply_between_states_uses_the_igst_column() -> None:
    doc = replace(
        _invoice(intra_state=False),
        lines=(
            PdfLine("Printed books", "4901", Decimal("10"), Decimal("100"), Decimal("0"), Decimal("1000.00")),
        ),
        taxable_value=Decimal("1000.00"),
        igst=Decimal("0.00"),
        total=Decimal("1000.00"),
    )

    text = _text(render_invoice_pdf(doc))

    assert "GST % IGST" in text
    assert re.search(r"Printed books 4901 10 NOS 100\.00 1,000\.00 0% 0\.00", text)
    assert re.search(r"IGST @ 0% 0\.00", text)


def test_unicode_buyer_name_renders() -> None:
    buyer = Party(HINDI_NAME, "मुख्य बाज़ार, नाशिक", "Maharashtra", gstin=OTHER_STATE_GSTIN)
    doc = _invoice(intra_state=False, buyer=buyer)

    data = render_invoice_pdf(doc)

    assert data.startswith(b"%PDF")
    if pdf_module._typeface().unicode:
        # Devanagari needs shaping (conjuncts, vowel signs), which only the fpdf2 path does.
        assert pdf_fast.render(doc, pdf_module._typeface()) is None
        assert HINDI_NAME in _text(data)
        assert re.search(r"Total ₹ 1,179\.99", _text(data))


def test_core_fonts_replace_what_latin_1_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    _core_fonts_only(monkeypatch)
    assert pdf_module._render_fast(_invoice(intra_state=True), pdf_module._typeface()) is None
    buyer = Party(f"{HINDI_NAME} “Nguyễn” – Café", "Addr", "Maharashtra", gstin=OTHER_STATE_GSTIN)

    text = _text(render_invoice_pdf(_invoice(intra_state=False, buyer=buyer)))

    # Devanagari letters become '?', its vowel signs (combining marks) are dropped, accents are stripped.
    assert '??? ????? "Nguyen" - Café' in text
    assert re.search(r"Total Rs\. 1,179\.99", text)
    assert OTHER_STATE_GSTIN in text


@pytest.mark.parametrize("core_fonts", [False, True])
def test_any_printable_text_renders(monkeypatch: pytest.MonkeyPatch, core_fonts: bool) -> None:
    if core_fonts:
        _core_fonts_only(monkeypatch)
    rng = random.Random(20261124)
    blocks = [
        (0x20, 0x7E),
        (0xA0, 0x24F),
        (0x300, 0x36F),  # combining marks
        (0x370, 0x52F),
        (0x590, 0x6FF),  # Hebrew, Arabic
        (0x900, 0xDFF),  # Indic scripts
        (0x2000, 0x2BFF),
        (0x4E00, 0x4FFF),
        (0xFE00, 0xFE0F),  # variation selectors
        (0x1F300, 0x1F6FF),
    ]

    def junk(length: int) -> str:
        chars = []
        while len(chars) < length:
            low, high = rng.choice(blocks)
            ch = chr(rng.randint(low, high))
            if ch.isprintable():
                chars.append(ch)
        return "".join(chars)

    for _ in range(2):
        party = Party(junk(500), junk(500), junk(100), junk(2), junk(15), junk(10))
        line = PdfLine(junk(500), junk(8), Decimal("1.5"), Decimal("10.00"), Decimal("18"), Decimal("15.00"))
        doc = replace(
            _invoice(intra_state=True),
            invoice_number=junk(16),
            seller=party,
            buyer=party,
            place_of_supply=junk(64),
            lines=(line,) * 3,
            description=junk(1000),
            buyer_reference=junk(100),
            bank=BankAccount(junk(100), junk(36), junk(11), junk(100)),
            upi_vpa=junk(100),
        )
        assert render_invoice_pdf(doc).startswith(b"%PDF")
        assert render_invoice_pdf(replace(doc, lines=())).startswith(b"%PDF")


@pytest.mark.usefixtures("path")
def test_control_characters_and_the_page_alias_are_plain_text() -> None:
    buyer = Party("Tab\tand\x00nul {nb} Ltd", "Line 1\r\nLine 2\x1b[31m", "Karnataka", gstin=BUYER_GSTIN)

    text = _text(render_invoice_pdf(_invoice(intra_state=True, buyer=buyer)))

    assert "Tab and nul {nb} Ltd" in text
    assert "Line 1 Line 2 [31m" in text


@pytest.mark.usefixtures("path")
def test_huge_amounts_stay_on_one_line() -> None:
    big = Decimal("99999999999999.99")
    line = PdfLine("Turbine", "8406", Decimal("1"), big, Decimal("28"), big, cgst=big, sgst=big)
    doc = replace(
        _invoice(intra_state=True),
        lines=(line,),
        taxable_value=big,
        cgst=big,
        sgst=big,
        total=big,
    )

    text = _text(render_invoice_pdf(doc))

    assert format_inr(big) == "9,99,99,99,99,99,999.99"
    assert text.count("9,99,99,99,99,99,999.99") >= 8


@pytest.mark.usefixtures("path")
def test_long_invoice_breaks_pages_and_repeats_the_table_header() -> None:
    doc = _invoice(intra_state=True)
    doc = replace(doc, lines=doc.lines * 67)

    pages = _pages(render_invoice_pdf(doc))

    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        if number < len(pages):
            assert "# Description HSN/SAC Qty Unit Price Taxable Value GST % CGST SGST" in page
    assert "201 Freight and handling" in pages[-1]
    # The totals, their words and the signature stay together on the last page.
    for closing in ("Total in words", "CGST @ 9%", "Authorised Signatory"):
        assert closing in pages[-1], closing


@pytest.mark.usefixtures("path")
def test_no_payment_details_without_bank_or_upi() -> None:
    text = _text(render_invoice_pdf(replace(_invoice(intra_state=True), bank=None, upi_vpa=None)))

    assert "PAYMENT DETAILS" not in text and "UPI ID" not in text
    assert "Authorised Signatory" in text


@pytest.mark.usefixtures("path")
def test_same_invoice_same_bytes() -> None:
    doc = _invoice(intra_state=True)

    assert render_invoice_pdf(doc) == render_invoice_pdf(doc)


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="pdftoppm (Debian package poppler-utils) not installed"
)
@pytest.mark.usefixtures("path")
def test_first_page_rasterises(tmp_path: Path) -> None:
    pdf_file = tmp_path / "invoice.pdf"
    pdf_file.write_bytes(render_invoice_pdf(_invoice(intra_state=True)))

    subprocess.run(  # noqa: S603 - fixed arguments, no shell
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf_file), str(tmp_path / "out")],  # noqa: S607
        check=True,
        capture_output=True,
        timeout=60,
    )

    pngs = list(tmp_path.glob("out*.png"))
    assert len(pngs) == 1
    assert pngs[0].read_bytes().startswith(b"\x89PNG")


def test_the_fallback_font_is_embedded_only_for_text_that_needs_it() -> None:
    typeface = pdf_module._typeface()
    if typeface.fallback is None:
        pytest.skip("no fallback font installed")
    latin = render_invoice_pdf(_invoice(intra_state=True))
    assert b"NotoSans" not in latin
    letter = next(chr(c) for c in sorted(typeface.covered - typeface.primary) if chr(c).isalpha())
    buyer = Party(f"Buyer {letter} Ltd", "1 Main Road, Nashik", "Maharashtra", gstin=OTHER_STATE_GSTIN)

    mixed = render_invoice_pdf(_invoice(intra_state=False, buyer=buyer))

    assert b"NotoSans" in mixed
    assert f"Buyer {letter} Ltd" in _text(mixed)


def _numbered_invoice(count: int) -> TaxInvoiceDocument:
    """count lines, each naming its own number; every fifth long enough to wrap in its cell."""
    doc = _invoice(intra_state=True)
    line = doc.lines[0]
    lines = tuple(
        replace(
            line,
            description=f"Part {number:03d} "
            + ("hydraulic press spare with seals, gaskets and fitting kit" if number % 5 == 0 else "bush"),
        )
        for number in range(1, count + 1)
    )
    return replace(doc, lines=lines)


@pytest.mark.usefixtures("path")
def test_sixty_lines_run_over_pages_in_order_under_a_repeated_header() -> None:
    pages = _pages(render_invoice_pdf(_numbered_invoice(60)))

    assert len(pages) >= 2
    header = "# Description HSN/SAC Qty Unit Price Taxable Value GST % CGST SGST"
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        if number < len(pages):
            assert page.count(header) == 1
    # Every line once, numbered in order, each row's number next to its own description.
    text = " ".join(pages)
    assert re.findall(r"(\d+) Part (\d{3})", text) == [(str(n), f"{n:03d}") for n in range(1, 61)]
    assert "hydraulic press spare with seals, gaskets and fitting kit" in text
    assert re.search(r"Total (?:₹|Rs\.) ", pages[-1])


def test_latin_invoices_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    _fast_only(monkeypatch)
    buyer = Party("Société Générale “Ré” – Müller & Søn’s Café • ±½ €5", "Ærø, Ísafjörður", "Karnataka")
    docs = [
        _invoice(intra_state=True),
        _invoice(intra_state=False, buyer=buyer),
        _numbered_invoice(60),
        replace(_invoice(intra_state=True), lines=(), description="Retainer\tfor\r\nNovember"),
    ]

    for doc in docs:
        assert render_invoice_pdf(doc).startswith(b"%PDF")
    assert "Société Générale “Ré” – Müller & Søn’s Café • ±½ €5" in _text(render_invoice_pdf(docs[1]))


@pytest.mark.parametrize(
    "name",
    [
        HINDI_NAME,  # Devanagari: shaped by harfbuzz
        "Ελληνικά Εμπορική",  # Greek: the Noto fallback font
        "Hyphen\u00adated Traders",  # a soft hyphen is a hidden break point only fpdf2 honours
    ],
)
def test_text_outside_the_fixed_set_goes_the_fpdf2_path(name: str) -> None:
    typeface = pdf_module._typeface()
    if not typeface.unicode:
        pytest.skip("without the font packages every invoice goes the fpdf2 path")
    doc = _invoice(intra_state=False, buyer=Party(name, "1 Main Road", "Maharashtra"))

    assert pdf_fast.render(doc, typeface) is None
    assert name.replace("\u00ad", "") in _text(render_invoice_pdf(doc))


@pytest.mark.parametrize(
    "doc",
    [
        _invoice(intra_state=True),
        _invoice(intra_state=False),
        _numbered_invoice(60),
        replace(_invoice(intra_state=True), upi_vpa="kaveri.tools." + "9f8e7d6c5b4a" * 12 + "@okhdfc"),
        replace(
            _invoice(intra_state=True),
            seller=replace(_seller(), gstin=None),
            lines=(),
            cgst=Decimal(0),
            sgst=Decimal(0),
            total=Decimal("999.99"),
        ),
    ],
    ids=["intra-state", "inter-state", "sixty-lines", "long-upi-id", "bill-of-supply"],
)
def test_fast_and_fpdf2_output_read_the_same(
    monkeypatch: pytest.MonkeyPatch, doc: TaxInvoiceDocument
) -> None:
    if not pdf_module._typeface().unicode:
        pytest.skip("the fast path draws in Hind: package fontpkg-hind not installed")
    fast = pdf_module._render_fast(doc, pdf_module._typeface())
    assert fast is not None
    _fpdf2_only(monkeypatch)
    slow = render_invoice_pdf(doc)

    def squeezed(data: bytes) -> list[str]:
        return ["".join(page.split()) for page in _pages(data)]

    # Same words in the same order on the same pages; only where lines wrap may differ (no kerning).
    assert squeezed(fast) == squeezed(slow)


@pytest.mark.skipif(
    shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None,
    reason="pdfinfo and pdftotext (Debian package poppler-utils) not installed",
)
def test_poppler_reads_the_fast_output_without_complaint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fast_only(monkeypatch)
    for name, doc in [("three", _invoice(intra_state=True)), ("sixty", _numbered_invoice(60))]:
        pdf_file = tmp_path / f"{name}.pdf"
        pdf_file.write_bytes(render_invoice_pdf(doc))

        info = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            ["pdfinfo", str(pdf_file)],  # noqa: S607
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        extracted = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            ["pdftotext", "-layout", str(pdf_file), "-"],  # noqa: S607
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )

        assert info.stderr == "" and extracted.stderr == ""
        assert re.search(r"^Pages:\s+\d+$", info.stdout, re.M)
        assert "Page size:       595.28 x 841.89 pts (A4)" in info.stdout
        assert "Title:           Tax Invoice INV/2026-27/0042" in info.stdout
        assert "Kaveri Precision Tools Private Limited" in extracted.stdout
        assert "₹ 1,179.99" in extracted.stdout


def test_fast_path_survives_any_text_in_its_set(monkeypatch: pytest.MonkeyPatch) -> None:
    _fast_only(monkeypatch)
    rng = random.Random(20261125)
    alphabet = sorted(pdf_fast.CHARS) + [" "] * 40 + ["\n"] * 4

    def junk(length: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(length))

    for _ in range(3):
        party = Party(junk(500), junk(500), junk(100), junk(2), junk(15), junk(10))
        line = PdfLine(junk(500), junk(8), Decimal("1.5"), Decimal("10.00"), Decimal("18"), Decimal("15.00"))
        doc = replace(
            _invoice(intra_state=True),
            invoice_number=junk(16),
            seller=party,
            buyer=party,
            place_of_supply=junk(64),
            lines=(line,) * 3,
            description=junk(1000),
            upi_vpa=junk(300),
        )
        for variant in (doc, replace(doc, lines=())):
            text = "".join(_text(render_invoice_pdf(variant)).split())
            # However the lines wrapped, the name and the whole UPI id read back in full.
            assert "".join(party.legal_name.split()) in text
            assert "".join(doc.upi_vpa.split()) in text
