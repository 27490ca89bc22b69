"""The tax invoice drawn straight to PDF with :mod:`dues.invoices.pdfwriter`: the fast path of
:func:`dues.invoices.pdf.render_invoice_pdf`.

fpdf2 spends some 65 ms on a three-line invoice, shaping text with harfbuzz and subsetting the fonts anew; a
dispatch run attaches a PDF to each of thousands of e-mails. Text in Latin script needs no shaping, so for an
invoice whose every character is in :data:`CHARS` this module lays the page out itself, in Hind subset once
per process to that set, in about a millisecond. Anything else (Devanagari, which needs shaping; Greek or
Cyrillic, which need the fallback font) is left to fpdf2: :func:`render` returns None.

The page is the one fpdf2 draws, from the same content (:func:`dues.invoices.pdf._content`) and figures,
and the layout follows fpdf2's rules: text blocks inset by the cell margin, baselines at half the line height
plus 0.3 of the font size, a line moved to the next page when it would cross the bottom margin, table rows
kept whole with the heading repeated, the footer's page count in a space as wide as fpdf2 reserves for it.
Kerning is not applied, so a line may break a word earlier or later than fpdf2 would.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal, NamedTuple

from dues.invoices.pdf import (
    _AFTER_TABLE,
    _BODY_PT,
    _BOTTOM_MARGIN,
    _CELL_MARGIN,
    _CELL_PAD_H,
    _CELL_PAD_V,
    _CREATOR,
    _DESCRIPTION_COLUMN,
    _EPW,
    _FACT_LABEL_W,
    _FIGURE_SLACK,
    _FOOTER_H,
    _FOOTER_NOTE_SHARE,
    _FOOTER_PT,
    _FOOTER_RULE,
    _HEADING_PT,
    _INK,
    _LEADING,
    _MARGIN,
    _MM_PER_PT,
    _MUTED,
    _NOTE_PT,
    _PAGE_H,
    _PAGE_W,
    _PAGES_PLACEHOLDER,
    _PARTY_GUTTER,
    _PARTY_SHARE,
    _RULE,
    _RULE_WIDTH,
    _SECTION_GAP,
    _SHADE,
    _SUBTITLE,
    _TABLE_LEADING,
    _TABLE_PT,
    _TITLE_GAP,
    _TITLE_H,
    _TITLE_PT,
    _TOTALS_GUTTER,
    _TOTALS_INSET,
    _TOTALS_LEADING,
    _TOTALS_W,
    TaxInvoiceDocument,
    _Block,
    _closing_height,
    _content,
    _fitted_size,
    _footer_line,
    _texts,
    _Typeface,
)
from dues.invoices.pdfwriter import Color, Document, Font, subset_font

__all__ = ["CHARS", "render"]

# What the fast path draws: Latin-1 and the punctuation word processors put into names and descriptions, plus
# the rupee sign. The soft hyphen is left out: fpdf2 treats it as a hidden break point, which this layout
# does not.
CHARS = frozenset(chr(c) for c in (*range(0x20, 0x7F), *range(0xA0, 0x100)) if c != 0xAD) | frozenset(
    "₹€™–—‘’‚“”„•…†‡‰‹›−"
)


class _Fonts(NamedTuple):
    regular: Font
    bold: Font
    # What both weights draw: bold text must never meet a missing glyph.
    chars: frozenset[str]


@cache
def _fonts(regular: Path, bold: Path) -> _Fonts:
    fonts = subset_font(regular, CHARS), subset_font(bold, CHARS)
    return _Fonts(*fonts, frozenset(fonts[0].codes) & frozenset(fonts[1].codes))


def render(doc: TaxInvoiceDocument, typeface: _Typeface) -> bytes | None:
    """The invoice as a PDF, or None when a character of its text is outside the fonts' fixed set."""
    if typeface.regular is None or typeface.bold is None:
        return None
    fonts = _fonts(typeface.regular, typeface.bold)
    if not _covered(doc, typeface, fonts.chars):
        return None
    return _Layout(doc, typeface, fonts).render()


def _covered(doc: TaxInvoiceDocument, typeface: _Typeface, chars: frozenset[str]) -> bool:
    for text in _texts(doc):
        # Most text is drawn as given; only text with something outside the set is cleaned to see what is
        # left of it (a control character becomes a space, an unknown letter a "?").
        if not chars.issuperset(text) and not chars.issuperset(typeface.clean(text)):
            return False
    return True


class _Cell(NamedTuple):
    font: Font
    size: float
    # Each line with its width in mm.
    lines: list[tuple[str, float]]


class _Layout:
    """A cursor moving down the pages, drawing as fpdf2 would."""

    def __init__(self, doc: TaxInvoiceDocument, typeface: _Typeface, fonts: _Fonts) -> None:
        self.content = _content(doc, typeface)
        self.fonts = fonts
        self.document = Document(
            width=_PAGE_W,
            height=_PAGE_H,
            title=self.content.title,
            author=self.content.author,
            creator=_CREATOR,
            created=self.content.created,
        )
        self.page = self.document.add_page()
        self.y = _MARGIN

    def render(self) -> bytes:
        self._title()
        self._parties()
        self._lines_table()
        self._totals()
        self._footers()
        return self.document.output()

    # ------------------------------------------------------------------------------------ primitives

    def _font(self, bold: bool) -> Font:
        return self.fonts.bold if bold else self.fonts.regular

    def _will_break(self, height: float) -> bool:
        return self.y + height > _PAGE_H - _BOTTOM_MARGIN

    def _break_if_needed(self, height: float) -> bool:
        if not self._will_break(height):
            return False
        self._new_page()
        return True

    def _new_page(self) -> None:
        self.page = self.document.add_page()
        self.y = _MARGIN

    def _text(
        self,
        x: float,
        w: float,
        text: str,
        *,
        size: float = _BODY_PT,
        bold: bool = False,
        color: Color = _INK,
        align: Literal["L", "R", "C"] = "L",
    ) -> None:
        """A block of wrapping text at x, below the current y (fpdf2's multi_cell)."""
        if not text:
            return
        font = self._font(bold)
        line_h = size * _LEADING
        font_h = size * _MM_PER_PT
        for line in font.wrap(text, size, w - 2 * _CELL_MARGIN):
            self._break_if_needed(line_h)
            text_w = font.width(line, size)
            line_x = _aligned_x(x, w, text_w, align, _CELL_MARGIN)
            self.page.text(line_x, self.y + 0.5 * line_h + 0.3 * font_h, line, font, size, color)
            self.y += line_h

    def _blocks(self, x: float, w: float, blocks: list[_Block]) -> None:
        for block in blocks:
            self.y += block.gap
            color = _MUTED if block.muted else _INK
            self._text(x, w, block.text, size=block.size, bold=block.bold, color=color)

    def _rule(self, gap: float = _SECTION_GAP) -> None:
        self.y += gap
        self.page.line(_MARGIN, self.y, _PAGE_W - _MARGIN, self.y, _RULE, _RULE_WIDTH)
        self.y += gap

    # -------------------------------------------------------------------------------------- blocks

    def _title(self) -> None:
        font = self.fonts.bold
        heading = self.content.heading
        x = _aligned_x(_MARGIN, _EPW, font.width(heading, _TITLE_PT), "C", _CELL_MARGIN)
        baseline = self.y + 0.5 * _TITLE_H + 0.3 * _TITLE_PT * _MM_PER_PT
        self.page.text(x, baseline, heading, font, _TITLE_PT, _INK)
        self.y += _TITLE_H
        self._text(_MARGIN, _EPW, _SUBTITLE, size=_NOTE_PT, color=_MUTED, align="C")
        self._rule(_TITLE_GAP)

    def _parties(self) -> None:
        left_w = _EPW * _PARTY_SHARE
        right_x = _MARGIN + left_w + _PARTY_GUTTER
        right_w = _EPW - left_w - _PARTY_GUTTER
        for section in self.content.sections:
            top = self.y
            self._blocks(_MARGIN, left_w, section.party)
            left_end = self.y
            self.y = top
            self._text(right_x, right_w, section.facts_heading, size=_HEADING_PT, bold=True, color=_MUTED)
            for label, value in section.facts:
                fact_top = self.y
                self._text(right_x, _FACT_LABEL_W, label, color=_MUTED)
                label_end = self.y
                self.y = fact_top
                self._text(right_x + _FACT_LABEL_W, right_w - _FACT_LABEL_W, value, bold=True)
                self.y = max(label_end, self.y)
            self.y = max(left_end, self.y)
            self._rule()

    def _lines_table(self) -> None:
        table = self.content.table
        widths = table.widths
        xs = [_MARGIN]
        for width in widths:
            xs.append(xs[-1] + width)
        line_h = _TABLE_PT * _TABLE_LEADING
        rows = [table.headings, *table.rows, table.total]
        last = len(rows) - 1
        # Each row laid out before any is drawn: a row is kept whole on a page, so its height is needed first.
        laid_out = [
            self._table_row(cells, widths, bold=index in (0, last), fit=index != 0)
            for index, cells in enumerate(rows)
        ]
        heights = [
            max((len(lines) * line_h + 2 * _CELL_PAD_V for *_, lines in cells if lines), default=line_h)
            for cells in laid_out
        ]

        # The heading is never left alone at the foot of a page.
        self._break_if_needed(heights[0] + heights[1])
        for index, cells in enumerate(laid_out):
            if self._break_if_needed(heights[index]) and index > 0:
                self._draw_row(laid_out[0], xs, heights[0], table.aligns, top=False, bottom=True, shaded=True)
            self._draw_row(
                cells, xs, heights[index], table.aligns, top=index > 0, bottom=index < last, shaded=index == 0
            )
        self.y += _AFTER_TABLE

    def _table_row(self, cells: list[str], widths: list[float], *, bold: bool, fit: bool) -> list[_Cell]:
        font = self._font(bold)
        laid_out = []
        for index, (text, col_w) in enumerate(zip(cells, widths, strict=True)):
            if not text:
                laid_out.append(_Cell(font, _TABLE_PT, []))
                continue
            inner_w = col_w - 2 * _CELL_PAD_H
            size = _TABLE_PT
            text_w = font.width(text, size)
            if fit and index != _DESCRIPTION_COLUMN:
                size = _fitted_size(_TABLE_PT, text_w, inner_w - _FIGURE_SLACK)
                text_w *= size / _TABLE_PT
            if text_w <= inner_w:
                lines = [(text, text_w)]
            else:
                lines = [(line, font.width(line, size)) for line in font.wrap(text, size, inner_w)]
            laid_out.append(_Cell(font, size, lines))
        return laid_out

    def _draw_row(
        self,
        cells: list[_Cell],
        xs: list[float],
        height: float,
        aligns: list[Literal["L", "R"]],
        *,
        top: bool,
        bottom: bool,
        shaded: bool,
    ) -> None:
        page, y = self.page, self.y
        left, right = xs[0], xs[-1]
        if shaded:
            page.rect(left, y, right - left, height, _SHADE)
        # fpdf2 draws these per cell; one line across the row looks the same.
        if bottom:
            page.line(left, y + height, right, y + height, _RULE, _RULE_WIDTH)
        if top:
            page.line(left, y, right, y, _RULE, _RULE_WIDTH)
        line_h = _TABLE_PT * _TABLE_LEADING
        for (font, size, lines), x, next_x, align in zip(cells, xs[:-1], xs[1:], aligns, strict=True):
            inner_w = next_x - x - 2 * _CELL_PAD_H
            line_y = y + _CELL_PAD_V + 0.5 * line_h + 0.3 * size * _MM_PER_PT
            for line, text_w in lines:
                page.text(
                    _aligned_x(x + _CELL_PAD_H, inner_w, text_w, align, 0.0), line_y, line, font, size, _INK
                )
                line_y += line_h
        self.y = y + height

    def _totals(self) -> None:
        content = self.content
        line_h = _BODY_PT * _TOTALS_LEADING
        # Keep the totals, the amount in words and the signature together on one page.
        if self._will_break(_closing_height(content)):
            self._new_page()

        left_w = _EPW - _TOTALS_W - _TOTALS_GUTTER
        right_x = _MARGIN + left_w + _TOTALS_GUTTER
        top = self.y

        self._blocks(_MARGIN, left_w, content.words)
        left_end = self.y

        self.y = top
        room = _TOTALS_W / 2 - _TOTALS_INSET
        label_x = right_x + _TOTALS_INSET
        for label, value, strong in content.totals:
            self._break_if_needed(line_h)
            page, y = self.page, self.y
            if strong:
                page.rect(right_x, y, _TOTALS_W, line_h, _SHADE)
            font = self._font(strong)
            baseline = y + 0.5 * line_h + 0.3 * _BODY_PT * _MM_PER_PT
            page.text(label_x + _CELL_MARGIN, baseline, label, font, _BODY_PT, _INK)
            size = _fitted_size(_BODY_PT, font.width(value, _BODY_PT), room)
            value_x = _aligned_x(label_x + room, room, font.width(value, size), "R", _CELL_MARGIN)
            baseline = y + 0.5 * line_h + 0.3 * size * _MM_PER_PT
            page.text(value_x, baseline, value, font, size, _INK)
            self.y += line_h
        self._blocks(label_x, _TOTALS_W - _TOTALS_INSET, content.signature)
        self.y = max(left_end, self.y)

    def _footers(self) -> None:
        font = self.fonts.regular
        size = _FOOTER_PT
        y = _PAGE_H - _FOOTER_RULE
        baseline = y + 0.5 * _FOOTER_H + 0.3 * size * _MM_PER_PT
        note_w = _EPW * _FOOTER_NOTE_SHARE
        room = _EPW - note_w
        count = str(len(self.document.pages))
        for number, page in enumerate(self.document.pages, start=1):
            page.line(_MARGIN, y, _PAGE_W - _MARGIN, y, _RULE, _RULE_WIDTH)
            page.text(_MARGIN + _CELL_MARGIN, baseline, self.content.footer_note, font, size, _MUTED)
            line = _footer_line(self.content.footer, number, lambda text: font.width(text, size), room)
            # The count goes where fpdf2 reserves room for it, so the line ends where fpdf2's does.
            line_x = _MARGIN + note_w + room - _CELL_MARGIN - font.width(line + _PAGES_PLACEHOLDER, size)
            page.text(line_x, baseline, line + count, font, size, _MUTED)


def _aligned_x(x: float, w: float, text_w: float, align: Literal["L", "R", "C"], inset: float) -> float:
    """Where a line text_w wide starts in a box from x, w wide, inset from its side."""
    if align == "R":
        return x + w - inset - text_w
    if align == "C":
        return x + (w - text_w) / 2
    return x + inset
