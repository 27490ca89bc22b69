"""The direct PDF writer: line breaking by advance widths, and files that readers open and read back."""

from __future__ import annotations

import io
import itertools
import re
from datetime import UTC, datetime

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from dues.invoices import pdf as pdf_module
from dues.invoices import pdf_fast
from dues.invoices.pdfwriter import MM, Document, Font


@pytest.fixture(scope="module")
def fonts() -> tuple[Font, Font]:
    typeface = pdf_module._typeface()
    if typeface.regular is None or typeface.bold is None:
        pytest.skip("package fontpkg-hind not installed")
    subset = pdf_fast._fonts(typeface.regular, typeface.bold)
    return subset.regular, subset.bold


@pytest.fixture
def font(fonts: tuple[Font, Font]) -> Font:
    return fonts[0]


def test_text_that_fits_stays_one_line(font: Font) -> None:
    text = "Freight and handling"

    assert font.wrap(text, 9, font.width(text, 9) + 0.01) == [text]


def test_lines_break_at_the_last_space_that_fits(font: Font) -> None:
    width = font.width("alpha beta gam", 9)

    assert font.wrap("alpha beta gamma delta", 9, width) == ["alpha beta", "gamma delta"]


def test_a_word_longer_than_the_line_is_broken_where_it_overflows(font: Font) -> None:
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis"
    width = font.width(word, 9) / 3

    lines = font.wrap(f"A {word}", 9, width)

    assert lines[0] == "A"
    assert "".join(lines[1:]) == word
    for line, following in itertools.pairwise(lines[1:]):
        assert font.width(line, 9) <= width < font.width(line + following[0], 9)


def test_anywhere_fills_each_line_before_breaking(font: Font) -> None:
    text = "Pay online: https://pay.example.in/i/" + "9f8e7d6c5b4a" * 6
    width = 40.0

    lines = font.wrap(text, 9, width, anywhere=True)

    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line, following in itertools.pairwise(lines):
        assert font.width(line, 9) <= width < font.width(line + following[0], 9)


def test_newlines_always_break(font: Font) -> None:
    assert font.wrap("12, Station Road\nMysuru 570001", 9, 100) == ["12, Station Road", "Mysuru 570001"]


def test_a_line_narrower_than_a_letter_still_makes_progress(font: Font) -> None:
    assert font.wrap("WWW", 9, 0.1) == ["W", "W", "W"]


def test_widths_are_those_of_the_font(font: Font) -> None:
    path = pdf_module._typeface().regular
    assert path is not None
    with TTFont(path) as original:
        cmap, metrics = original.getBestCmap(), original["hmtx"].metrics
        per_em = original["head"].unitsPerEm
        for char in "0W ₹…":
            assert font.advances[char] == round(metrics[cmap[ord(char)]][0] * 1000 / per_em)

    assert font.width("00", 10) == pytest.approx(2 * font.advances["0"] / 100 / MM)


def test_a_character_outside_the_set_is_refused(font: Font) -> None:
    assert not font.covers("नमस्ते")
    with pytest.raises(KeyError):
        font.encode("नमस्ते")


def _drawing(fonts: tuple[Font, Font]) -> Document:
    regular, bold = fonts
    document = Document(
        title="Tax Invoice KT/2026/0042 – ₹",
        author="Ærø (Søn) Traders",
        creator="dues",
        created=datetime(2026, 11, 24, tzinfo=UTC),
    )
    first = document.add_page()
    first.text(20, 30, "Total ₹ 1,000.00 “quoted” – done…", regular, 12)
    first.line(12, 40, 198, 40, (190, 196, 204), 0.2)
    first.rect(12, 50, 60, 6, (233, 238, 245))
    first.text(14, 54, "Balance Due (tax) \\ back", bold, 9, (13, 71, 161))
    first.link(14, 50, 60, 6, "https://pay.example.in/i/(9f)?name=Søn")
    second = document.add_page()
    second.text(20, 30, "Second page", bold, 9)
    return document


def test_a_drawing_reads_back(fonts: tuple[Font, Font]) -> None:
    data = _drawing(fonts).output()

    reader = PdfReader(io.BytesIO(data), strict=True)
    assert len(reader.pages) == 2
    first = reader.pages[0].extract_text()
    assert "Total ₹ 1,000.00 “quoted” – done…" in first
    assert "Balance Due (tax) \\ back" in first
    assert reader.pages[1].extract_text() == "Second page"
    assert reader.metadata is not None
    assert reader.metadata.title == "Tax Invoice KT/2026/0042 – ₹"
    assert reader.metadata.author == "Ærø (Søn) Traders"
    assert reader.metadata.creator == "dues"
    assert reader.metadata.creation_date == datetime(2026, 11, 24, tzinfo=UTC)
    (annotation,) = [a.get_object() for a in reader.pages[0]["/Annots"]]
    assert annotation["/A"]["/URI"] == "https://pay.example.in/i/(9f)?name=S%C3%B8n"
    assert [round(float(v) / MM, 2) for v in annotation["/Rect"]] == [14, 297 - 56, 74, 297 - 50]


def test_the_cross_reference_table_points_at_every_object(fonts: tuple[Font, Font]) -> None:
    data = _drawing(fonts).output()

    start = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", data).group(1))  # type: ignore[union-attr]
    assert data[start:].startswith(b"xref\n0 ")
    offsets = [int(entry) for entry in re.findall(rb"^(\d{10}) 00000 n \n", data[start:], re.M)]
    assert offsets
    for number, offset in enumerate(offsets, start=1):
        assert data[offset:].startswith(f"{number} 0 obj\n".encode())


def test_fonts_are_embedded_subset_once_each(fonts: tuple[Font, Font]) -> None:
    data = _drawing(fonts).output()

    assert data.count(b"/Subtype /Type0") == 2
    assert data.count(b"/FontFile2") == 2
    assert re.findall(rb"/BaseFont /([A-Z]{6})\+Hind-Regular", data)
    assert re.findall(rb"/BaseFont /([A-Z]{6})\+Hind-Bold", data)


def test_the_same_drawing_gives_the_same_bytes(fonts: tuple[Font, Font]) -> None:
    assert _drawing(fonts).output() == _drawing(fonts).output()
