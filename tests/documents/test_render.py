"""The renderer: one warm compiler shared by threads, the same bytes for the same document, logos, amounts
in Indian grouping, and pages a rasteriser draws."""

from __future__ import annotations

import io
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from dues.documents import render as render_module
from dues.documents.content import (
    clean,
    format_inr,
    invoice_data,
    render_credit_note,
    render_invoice,
    render_receipt,
    render_statement,
)
from dues.documents.render import TEMPLATES, render, text_widths, wrap
from tests.documents import samples
from tests.documents.samples import SVG_LOGO, png, text, with_logo


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0", "0.00"),
        ("0.50", "0.50"),
        ("999.00", "999.00"),
        ("1000.00", "1,000.00"),
        ("99999.99", "99,999.99"),
        ("100000", "1,00,000.00"),
        ("117900", "1,17,900.00"),
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


def test_every_kind_has_its_template() -> None:
    assert {"invoice", "credit_note", "receipt", "statement"} <= TEMPLATES
    with pytest.raises(ValueError, match="no document template"):
        render("lib", {})
    with pytest.raises(ValueError, match="no document template"):
        render("../invoice", {})


def test_threads_share_the_compiler_and_get_their_own_documents() -> None:
    docs = [replace(samples.invoice(), invoice_number=f"INV/2026-27/{n:04d}") for n in range(24)]
    alone = {doc.invoice_number: render_invoice(doc) for doc in docs}

    with ThreadPoolExecutor(max_workers=6) as pool:
        together = dict(zip(alone, pool.map(render_invoice, docs), strict=True))

    assert together == alone
    for number, pdf in together.items():
        assert f"Invoice No. {number}" in text(pdf)


def test_the_same_document_is_the_same_bytes_whenever_drawn() -> None:
    for draw in (
        lambda: render_invoice(samples.invoice()),
        lambda: render_credit_note(samples.credit_note()),
        lambda: render_receipt(samples.receipt()),
        lambda: render_statement(samples.statement()),
    ):
        first = draw()
        render_invoice(samples.big_invoice(10))  # something else in between
        assert draw() == first


def test_a_document_is_dated_by_its_own_date() -> None:
    info = PdfReader(io.BytesIO(render_invoice(samples.invoice()))).metadata

    assert info.creation_date is not None and info.creation_date.date().isoformat() == "2026-11-24"
    assert info.author == "Kaveri Precision Tools Private Limited"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(png(300, 90), "image/png"), (SVG_LOGO, "image/svg+xml")],
    ids=["png", "svg"],
)
def test_the_sellers_logo_is_on_every_kind_of_document(content: bytes, content_type: str) -> None:
    logo_seller = with_logo(samples.seller(), content, content_type)
    drawn = {
        "invoice": render_invoice(replace(samples.invoice(), seller=logo_seller)),
        "credit note": render_credit_note(replace(samples.credit_note(), seller=logo_seller)),
        "receipt": render_receipt(replace(samples.receipt(), seller=logo_seller)),
        "statement": render_statement(replace(samples.statement(), seller=logo_seller)),
    }
    without = render_invoice(samples.invoice())

    for kind, pdf in drawn.items():
        page = PdfReader(io.BytesIO(pdf)).pages[0]
        if content_type == "image/png":
            assert _images(pdf) == [(300, 90)], kind
        else:
            # Drawn as vectors, its text as text.
            assert page.extract_text().startswith("KAVERI"), kind
        assert "Kaveri Precision Tools Private Limited" in text(pdf), kind
    assert _images(without) == []


def _images(pdf: bytes) -> list[tuple[int, int]]:
    """The size in pixels of each image on the first page."""
    resources = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]
    found = resources.get("/XObject", {})
    return [
        (int(obj["/Width"]), int(obj["/Height"]))
        for obj in (ref.get_object() for ref in found.values())
        if obj.get("/Subtype") == "/Image"
    ]


def test_clean_tidies_text_and_gives_long_words_places_to_break() -> None:
    assert clean("  Anand\tTraders \r\n LLP\x00 ") == "Anand Traders LLP"
    assert (
        clean("12, Station Road\r\n\r\n Mysuru  570001", multiline=True) == "12, Station Road\nMysuru 570001"
    )
    assert clean(None) == ""
    assert clean("x" * 2000).endswith("…")
    assert clean("\ud800 lone") == "? lone"
    email = "accounts.receivable@kaveri-precision.example.in"
    assert clean(email) == email
    long_word = "9f8e7d6c5b4a" * 8
    broken = clean(long_word)
    assert broken != long_word and broken.replace("\u200b", "") == long_word
    # Never between a consonant and its vowel sign or virama.
    hindi = "प्रिसिज़नटूल्स" * 6
    assert all(not ("\u093e" <= part[:1] <= "\u094d") for part in clean(hindi).split("\u200b"))


def test_text_widths_are_the_fonts() -> None:
    one = text_widths(["1"], 8)
    zero = text_widths(["0"], 8)
    assert 0 < one < zero < 8
    assert text_widths(["1,17,900.00", "9.00"], 8) == text_widths(["1,17,900.00"], 8)
    assert text_widths(["Total"], 8, bold=True) > text_widths(["Total"], 8)
    # Outside ASCII: taken wide, so a column is never too narrow.
    assert text_widths(["₹"], 8) >= text_widths(["M"], 8)
    assert text_widths([], 8) == 0


def test_a_forked_process_makes_its_own_compiler(monkeypatch: pytest.MonkeyPatch) -> None:
    render_invoice(samples.invoice())
    warm = render_module._compiler()
    monkeypatch.setattr(render_module.os, "getpid", lambda: warm.pid + 1)

    assert render_module._compiler() is not warm
    assert render_invoice(samples.invoice()).startswith(b"%PDF")


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="pdftoppm (Debian package poppler-utils) not installed"
)
def test_pages_rasterise(tmp_path: Path) -> None:
    documents = {
        "sixty": render_invoice(samples.big_invoice(60)),
        "receipt": render_receipt(
            replace(samples.receipt(), seller=with_logo(samples.seller(), png(300, 90), "image/png"))
        ),
    }
    for name, pdf in documents.items():
        pdf_file = tmp_path / f"{name}.pdf"
        pdf_file.write_bytes(pdf)

        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            ["pdftoppm", "-png", "-r", "40", str(pdf_file), str(tmp_path / name)],  # noqa: S607
            check=True,
            capture_output=True,
            timeout=60,
        )

        assert done.stderr == b""
        pngs = sorted(tmp_path.glob(f"{name}*.png"))
        assert len(pngs) == len(PdfReader(io.BytesIO(pdf)).pages)
        assert all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)


def test_a_document_laid_out_on_pages_it_does_not_fit_is_laid_out_again_by_typst() -> None:
    # Reckoned (wrongly, here on purpose) to fit on one page: it runs over, so the renderer lays it out
    # again with Typst's own page breaks, count and repeated heading.
    data = invoice_data(samples.big_invoice(60))
    wired = {
        k: ({f: x for f, x in v.items() if f != "_rows"} if isinstance(v, dict) else v)
        for k, v in data.items()
    }
    found = samples.pages(render("invoice", {**wired, "one-page": True}, pages=1, otherwise=wired))

    assert len(found) == 2
    for number, page in enumerate(found, start=1):
        assert f"Page {number} of 2" in page
        assert page.count("# Description HSN/SAC Qty Unit Price Taxable Value GST % CGST SGST") == 1


def test_wrap_breaks_at_spaces_within_the_width_and_never_inside_a_cluster() -> None:
    text = "Hydraulic press spare kit with seals, gaskets, O-rings and fitting instructions"
    lines = wrap(text, 100, 8)
    assert " ".join(lines) == text and len(lines) > 1
    assert all(text_widths([line], 8) <= 100 for line in lines)
    assert wrap("short", 100, 8) == ("short",)
    # A word wider than the line is cut, but not between a consonant and its vowel sign or after a virama.
    for line in wrap("हाइड्रोलिक" * 4, 30, 8):
        assert not line.endswith("\u094d") and line[0] not in "\u093e\u093f\u0940\u094b\u094d"
