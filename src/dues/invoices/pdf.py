"""GST tax-invoice PDF: a plain description of the invoice in, the bytes of an A4 PDF out.

The renderer knows nothing of the database, the ORM or the web layer: the service maps an invoice into a
:class:`TaxInvoiceDocument` and calls :func:`render_invoice_pdf`. Everything runs in Python (fpdf2); the
fonts come from PyPI packages, so no system library or font is needed at run time.

Fonts: Hind (package ``fontpkg-hind``) covers Latin and Devanagari and has the rupee sign, in regular and
bold; Noto Sans (``fontpkg-noto-sans``) is the fallback for Greek, Cyrillic and Vietnamese. With
``uharfbuzz`` installed the text is shaped, which Devanagari needs for its conjuncts and vowel signs. When
the font packages are missing, the core Helvetica font is used: text is reduced to Latin-1 and the rupee
sign is written "Rs.". Either way a character no font can draw prints as "?", so no text stops a render.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from fontTools.ttLib import TTFont
from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableBordersLayout, WrapMode, XPos, YPos
from fpdf.errors import FPDFException
from fpdf.table import Row

from dues.kit.india import STATE_CODES
from dues.kit.money import ZERO, to_paise
from dues.kit.words import rupees_in_words

__all__ = ["Party", "PdfLine", "TaxInvoiceDocument", "format_inr", "render_invoice_pdf"]


@dataclass(frozen=True)
class Party:
    """Seller or buyer as the invoice prints them."""

    legal_name: str
    address: str = ""
    state: str | None = None
    # Two-digit GST state code ("29"); when missing it is taken from the GSTIN or the state's name.
    state_code: str | None = None
    gstin: str | None = None
    pan: str | None = None


@dataclass(frozen=True)
class PdfLine:
    """One printed line: the figures are printed as given, never recomputed (see dues.kit.gst.line_tax)."""

    description: str
    hsn_sac: str
    quantity: Decimal
    unit_price: Decimal
    gst_rate: Decimal
    taxable_value: Decimal
    cgst: Decimal = ZERO
    sgst: Decimal = ZERO
    igst: Decimal = ZERO


@dataclass(frozen=True)
class TaxInvoiceDocument:
    """What a tax invoice prints; money in rupees, exact to the paisa."""

    invoice_number: str
    invoice_date: date
    due_date: date
    seller: Party
    buyer: Party
    place_of_supply: str
    taxable_value: Decimal
    total: Decimal
    cgst: Decimal = ZERO
    sgst: Decimal = ZERO
    igst: Decimal = ZERO
    cess: Decimal = ZERO
    amount_paid: Decimal = ZERO
    # None: total - amount_paid.
    balance_due: Decimal | None = None
    lines: tuple[PdfLine, ...] = ()
    # Printed as the single summary line when there are no lines.
    description: str | None = None
    place_of_supply_code: str | None = None
    # None: decided from the taxes charged, or for a nil-rated invoice from the states.
    intra_state: bool | None = None
    payment_url: str | None = None


def format_inr(amount: Decimal) -> str:
    """Decimal('12345678.9') → '1,23,45,678.90': Indian grouping (lakhs, crores), half up to the paisa."""
    if not amount.is_finite():
        raise ValueError(f"not an amount: {amount}")
    rounded = to_paise(amount)
    rupees, paise = f"{abs(rounded):f}".split(".")
    if len(rupees) > 3:
        head, groups = rupees[:-3], [rupees[-3:]]
        while head:
            groups.insert(0, head[-2:])
            head = head[:-2]
        rupees = ",".join(groups)
    return f"{'-' if rounded < 0 else ''}{rupees}.{paise}"


def render_invoice_pdf(doc: TaxInvoiceDocument) -> bytes:
    """The tax invoice as an A4 portrait PDF."""
    return _Renderer(doc, _typeface()).render()


# ---------------------------------------------------------------------------------------------- fonts

_FAMILY = "InvoiceSans"
_FALLBACK_FAMILY = "InvoiceSansFallback"
# A single field longer than this is cut: the API caps text at 500 characters (1000 for an invoice's
# description), and the cap keeps any one block well inside a page.
_MAX_FIELD = 1000
# Typographic characters people paste from word processors, for the Latin-1 core font.
_ASCII_PUNCTUATION = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": ",",
        "“": '"',
        "”": '"',
        "„": '"',
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "−": "-",
        "…": "...",
        "•": "*",
        "₹": "Rs.",
        "\u20ac": "EUR",
    }
)


@dataclass(frozen=True)
class _Typeface:
    regular: Path | None
    bold: Path | None
    fallback: Path | None
    covered: frozenset[int]
    # What Hind itself draws in both weights: a document whose own text stays inside it needs no fallback.
    primary: frozenset[int] = frozenset()

    @property
    def unicode(self) -> bool:
        return self.regular is not None

    @property
    def family(self) -> str:
        return _FAMILY if self.unicode else "helvetica"

    @property
    def rupee(self) -> str:
        return "₹" if self.unicode else "Rs."

    def clean(self, text: str | None, *, multiline: bool = False) -> str:
        """Text every glyph of which the fonts have: the rest is decomposed, dropped or made '?'."""
        if not text:
            return ""
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if len(text) > _MAX_FIELD:
            text = text[: _MAX_FIELD - 1] + "…"
        if not self.unicode:
            text = text.translate(_ASCII_PUNCTUATION)
        out: list[str] = []
        for ch in text:
            if ch == "\n":
                out.append("\n" if multiline else " ")
            elif ord(ch) in self.covered:
                out.append(ch)
            else:
                out.append(self._substitute(ch))
        cleaned = "".join(out)
        if multiline:
            lines = (" ".join(line.split()) for line in cleaned.split("\n"))
            return "\n".join(line for line in lines if line)
        return " ".join(cleaned.split())

    def _substitute(self, ch: str) -> str:
        category = unicodedata.category(ch)
        if category == "Cc" or category.startswith("Z"):
            return " "
        # Accented letters the font lacks as one glyph (ễ in Helvetica) keep their base letter.
        decomposed = unicodedata.normalize("NFKD", ch)
        if decomposed != ch:
            kept = "".join(c for c in decomposed if ord(c) in self.covered)
            if kept.strip():
                return kept
        if category in ("Cf", "Mn", "Me"):
            return ""
        return "?"


def _package_font(package: str, name: str) -> Path | None:
    try:
        path = Path(str(resources.files(package) / "files" / name))
    except ModuleNotFoundError:
        return None
    return path if path.is_file() else None


def _cmap(path: Path) -> set[int]:
    with TTFont(path, lazy=True) as font:
        return set(font.getBestCmap())


@cache
def _typeface() -> _Typeface:
    regular = _package_font("fontpkg_hind", "Hind-Regular.ttf")
    bold = _package_font("fontpkg_hind", "Hind-Bold.ttf")
    latin1 = frozenset(range(0x20, 0x7F)) | frozenset(range(0xA0, 0x100))
    if regular is None or bold is None:
        return _Typeface(None, None, None, latin1)
    fallback = _package_font("fontpkg_noto_sans", "NotoSans[wdth,wght].ttf")
    # Only what both weights draw counts as covered, so bold text never meets a missing glyph.
    primary = frozenset(_cmap(regular) & _cmap(bold))
    covered = set(primary)
    if fallback is not None:
        covered |= _cmap(fallback)
    printable = {c for c in covered if unicodedata.category(chr(c)) not in ("Cc", "Cs", "Co", "Cn")}
    return _Typeface(regular, bold, fallback, frozenset(printable), primary)


def _texts(value: object) -> Iterator[str]:
    """Every string a document carries (its parties, lines, description ...)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _texts(item)
    elif is_dataclass(value):
        for f in fields(value):
            yield from _texts(getattr(value, f.name))


# ------------------------------------------------------------------------------------------- layout

_INK = (33, 37, 41)
_MUTED = (108, 117, 125)
_RULE = (190, 196, 204)
_SHADE = (233, 238, 245)
_BODY_PT = 9.0
_TABLE_PT = 8.0
_MM_PER_PT = 25.4 / 72
# Clean text never holds a control character, so this alias cannot be met in an invoice's own text.
_PAGES_ALIAS = "\x00pages\x00"


class _Pdf(FPDF):
    def __init__(self, typeface: _Typeface, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._typeface = typeface
        self._footer_text = footer_text
        self.alias_nb_pages(_PAGES_ALIAS)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_draw_color(*_RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_font(self._typeface.family, "", 7.5)
        self.set_text_color(*_MUTED)
        self.cell(self.epw * 0.35, 5, "This is a computer-generated invoice.", align="L")
        page = f"  ·  Page {self.page_no()} of {_PAGES_ALIAS}"
        room = self.epw * 0.65
        label = self._footer_text
        # A long seller name is cut so the right-aligned text never runs into the left one.
        while label and self.get_string_width(label + page) > room:
            label = label[:-4] + "..." if len(label) > 4 else ""
        self.cell(room, 5, label + page, align="R")


class _Renderer:
    def __init__(self, doc: TaxInvoiceDocument, typeface: _Typeface) -> None:
        self.doc = doc
        self.tf = typeface
        self.intra = _is_intra_state(doc)
        footer = f"Invoice {typeface.clean(doc.invoice_number)} · {typeface.clean(doc.seller.legal_name)}"
        self.pdf = _Pdf(typeface, footer[:120])

    # -------------------------------------------------------------------------------------- driver

    def render(self) -> bytes:
        pdf, tf = self.pdf, self.tf
        if tf.regular is not None and tf.bold is not None:
            pdf.add_font(_FAMILY, "", tf.regular)
            pdf.add_font(_FAMILY, "B", tf.bold)
            # The fallback font is a large variable font, and parsing and subsetting it took 45 of the 106 ms
            # of a document that never used it: it is added only for text outside Hind.
            if tf.fallback is not None and any(
                c.isprintable() and ord(c) not in tf.primary for t in _texts(self.doc) for c in t
            ):
                pdf.add_font(_FALLBACK_FAMILY, "", tf.fallback)
                pdf.set_fallback_fonts([_FALLBACK_FAMILY], exact_match=False)
            try:
                pdf.set_text_shaping(True)
            except FPDFException:
                # Without uharfbuzz Devanagari prints letter by letter: legible, not typeset.
                pass
        else:
            pdf.core_fonts_encoding = "latin-1"
        pdf.set_margins(12, 12, 12)
        pdf.set_auto_page_break(auto=True, margin=18)
        pdf.set_title(f"Tax Invoice {tf.clean(self.doc.invoice_number)}")
        pdf.set_author(tf.clean(self.doc.seller.legal_name))
        pdf.set_creator("dues")
        # Same invoice, same bytes: the metadata date is the invoice's, not the clock's.
        d = self.doc.invoice_date
        pdf.set_creation_date(datetime(d.year, d.month, d.day, tzinfo=UTC))
        pdf.set_text_color(*_INK)
        pdf.set_draw_color(*_RULE)
        pdf.set_line_width(0.2)
        pdf.add_page()

        self._title()
        self._parties()
        self._lines_table()
        self._totals()
        return bytes(pdf.output())

    # ------------------------------------------------------------------------------------- helpers

    def _font(self, size: float, bold: bool = False) -> None:
        self.pdf.set_font(self.tf.family, "B" if bold else "", size)

    def _text(
        self,
        x: float,
        w: float,
        text: str,
        *,
        size: float = _BODY_PT,
        bold: bool = False,
        muted: bool = False,
        align: Literal["L", "R", "C"] = "L",
        link: str | None = None,
    ) -> None:
        """A block of wrapping text at x, below the current y."""
        if not text:
            return
        pdf = self.pdf
        self._font(size, bold)
        pdf.set_text_color(*(_MUTED if muted else _INK))
        pdf.set_x(x)
        pdf.multi_cell(
            w,
            size * _MM_PER_PT * 1.35,
            text,
            align=Align.coerce(align),
            new_x=XPos.LEFT,
            new_y=YPos.NEXT,
            link=link,
        )
        pdf.set_text_color(*_INK)

    def _rule(self, gap: float = 2.5) -> None:
        pdf = self.pdf
        pdf.set_y(pdf.get_y() + gap)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.set_y(pdf.get_y() + gap)

    def _money(self, amount: Decimal, *, symbol: bool = False) -> str:
        figures = format_inr(amount)
        return f"{self.tf.rupee} {figures}" if symbol else figures

    # -------------------------------------------------------------------------------------- blocks

    def _title(self) -> None:
        pdf = self.pdf
        self._font(16, bold=True)
        pdf.cell(pdf.epw, 8, "TAX INVOICE", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._text(pdf.l_margin, pdf.epw, "Original for Recipient", size=7.5, muted=True, align="C")
        self._rule(2)

    def _parties(self) -> None:
        pdf, doc, tf = self.pdf, self.doc, self.tf
        gutter = 6.0
        left_w = pdf.epw * 0.58
        right_x = pdf.l_margin + left_w + gutter
        right_w = pdf.epw - left_w - gutter

        top = pdf.get_y()
        self._party(doc.seller, pdf.l_margin, left_w, heading="FROM (SUPPLIER)")
        left_end = pdf.get_y()
        pdf.set_y(top)
        facts = [
            ("Invoice No.", tf.clean(doc.invoice_number)),
            ("Invoice Date", doc.invoice_date.strftime("%d-%m-%Y")),
            ("Due Date", doc.due_date.strftime("%d-%m-%Y")),
        ]
        self._facts(right_x, right_w, "INVOICE DETAILS", facts)
        pdf.set_y(max(left_end, pdf.get_y()))
        self._rule()

        top = pdf.get_y()
        self._party(doc.buyer, pdf.l_margin, left_w, heading="BILL TO (RECIPIENT)")
        left_end = pdf.get_y()
        pdf.set_y(top)
        pos_code = tf.clean(doc.place_of_supply_code) or _code_of_state(doc.place_of_supply)
        supply = "Intra-state (CGST + SGST)" if self.intra else "Inter-state (IGST)"
        facts = [
            ("Place of Supply", _state_label(tf.clean(doc.place_of_supply), pos_code) or "-"),
            ("Supply Type", supply),
        ]
        self._facts(right_x, right_w, "SUPPLY", facts)
        pdf.set_y(max(left_end, pdf.get_y()))
        self._rule()

    def _party(self, party: Party, x: float, w: float, *, heading: str) -> None:
        tf = self.tf
        self._text(x, w, heading, size=7, bold=True, muted=True)
        self._text(x, w, tf.clean(party.legal_name) or "-", size=11, bold=True)
        self._text(x, w, tf.clean(party.address, multiline=True))
        gstin = tf.clean(party.gstin)
        code = tf.clean(party.state_code) or _code_of_gstin(gstin) or _code_of_state(party.state)
        state = _state_label(tf.clean(party.state) or STATE_CODES.get(code or "", ""), code)
        if state:
            self._text(x, w, f"State: {state}")
        if gstin:
            self._text(x, w, f"GSTIN: {gstin}", bold=True)
        elif party.pan:
            self._text(x, w, f"PAN: {tf.clean(party.pan)}  (GSTIN: Unregistered)", bold=True)
        else:
            self._text(x, w, "GSTIN: Unregistered", bold=True)

    def _facts(self, x: float, w: float, heading: str, facts: list[tuple[str, str]]) -> None:
        pdf = self.pdf
        label_w = 27.0
        self._text(x, w, heading, size=7, bold=True, muted=True)
        for label, value in facts:
            top = pdf.get_y()
            self._text(x, label_w, label, muted=True)
            label_end = pdf.get_y()
            pdf.set_y(top)
            self._text(x + label_w, w - label_w, value, bold=True)
            pdf.set_y(max(label_end, pdf.get_y()))

    def _lines_table(self) -> None:
        pdf, doc, tf = self.pdf, self.doc, self.tf
        headings = ["#", "Description", "HSN/SAC", "Qty", "Unit Price", "Taxable Value", "GST %"]
        widths = [7.0, 0.0, 17.0, 14.0, 21.0, 23.0, 12.0]
        aligns = ["R", "L", "L", "R", "R", "R", "R"]
        if self.intra:
            headings += ["CGST", "SGST"]
            widths += [20.0, 20.0]
            aligns += ["R", "R"]
        else:
            headings += ["IGST"]
            widths += [24.0]
            aligns += ["R"]
        widths[1] = pdf.epw - sum(widths)

        rows: list[list[str]] = []
        for number, line in enumerate(doc.lines, start=1):
            row = [
                str(number),
                tf.clean(line.description),
                tf.clean(line.hsn_sac),
                _plain_number(line.quantity),
                self._money(line.unit_price),
                self._money(line.taxable_value),
                f"{_plain_number(line.gst_rate)}%",
            ]
            row += (
                [self._money(line.cgst), self._money(line.sgst)] if self.intra else [self._money(line.igst)]
            )
            rows.append(row)
        if not rows:
            # An invoice without items is one supply: its description against its base amount.
            row = [
                "1",
                tf.clean(doc.description) or "As per invoice",
                "",
                "",
                "",
                self._money(doc.taxable_value),
                "",
            ]
            row += [self._money(doc.cgst), self._money(doc.sgst)] if self.intra else [self._money(doc.igst)]
            rows.append(row)
        total_row = ["", "Total", "", "", "", self._money(doc.taxable_value), ""]
        total_row += [self._money(doc.cgst), self._money(doc.sgst)] if self.intra else [self._money(doc.igst)]

        self._font(_TABLE_PT)
        padding = 1.2
        with pdf.table(
            width=pdf.epw,
            col_widths=widths,
            text_align=tuple(aligns),
            line_height=_TABLE_PT * _MM_PER_PT * 1.45,
            padding=(1.0, padding),
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            headings_style=FontFace(emphasis="BOLD", fill_color=_SHADE, size_pt=_TABLE_PT),
            repeat_headings=1,
            v_align="TOP",
        ) as table:
            heading = table.row()
            for text in headings:
                heading.cell(text)
            for row in rows:
                self._table_row(table.row(), row, widths, padding, bold=False)
            self._table_row(table.row(), total_row, widths, padding, bold=True)
            # The table is laid out when the block closes, in the font current then.
            self._font(_TABLE_PT)
        pdf.set_y(pdf.get_y() + 3)

    def _table_row(
        self, row: Row, cells: list[str], widths: list[float], padding: float, *, bold: bool
    ) -> None:
        pdf = self.pdf
        self._font(_TABLE_PT, bold)
        for index, text in enumerate(cells):
            size = _TABLE_PT
            # Figures must stay on one line: a too-wide amount is set smaller rather than broken in two.
            if index != 1 and text:
                room = widths[index] - 2 * padding - 0.3
                width = pdf.get_string_width(text)
                if width > room:
                    size = max(4.0, _TABLE_PT * room / width)
            style = FontFace(emphasis="BOLD" if bold else "", size_pt=size)
            row.cell(text, style=style)

    def _totals(self) -> None:
        pdf, doc, tf = self.pdf, self.doc, self.tf
        balance = doc.balance_due if doc.balance_due is not None else doc.total - doc.amount_paid
        totals: list[tuple[str, str, bool]] = [
            ("Taxable Value", self._money(doc.taxable_value), False),
            ("CGST", self._money(doc.cgst), False),
            ("SGST", self._money(doc.sgst), False),
            ("IGST", self._money(doc.igst), False),
            ("Cess", self._money(doc.cess), False),
            ("Total", self._money(doc.total, symbol=True), True),
            ("Amount Paid", self._money(doc.amount_paid), False),
            ("Balance Due", self._money(balance, symbol=True), True),
        ]
        line_h = _BODY_PT * _MM_PER_PT * 1.6
        # Keep the totals and the amount in words together on one page.
        needed = line_h * len(totals) + 10
        if pdf.will_page_break(needed):
            pdf.add_page()

        gutter = 8.0
        right_w = 78.0
        left_w = pdf.epw - right_w - gutter
        right_x = pdf.l_margin + left_w + gutter
        top = pdf.get_y()

        self._text(pdf.l_margin, left_w, "Total in words", size=7.5, bold=True, muted=True)
        self._text(pdf.l_margin, left_w, rupees_in_words(doc.total), bold=True)
        if balance != doc.total:
            pdf.set_y(pdf.get_y() + 1.5)
            self._text(pdf.l_margin, left_w, "Balance due in words", size=7.5, bold=True, muted=True)
            self._text(pdf.l_margin, left_w, rupees_in_words(balance))
        url = tf.clean(doc.payment_url)
        if url:
            pdf.set_y(pdf.get_y() + 3)
            self._font(_BODY_PT, bold=True)
            pdf.set_text_color(13, 71, 161)
            pdf.set_x(pdf.l_margin)
            # Character wrapping: a long URL has no spaces to break at.
            pdf.multi_cell(
                left_w,
                _BODY_PT * _MM_PER_PT * 1.35,
                f"Pay online: {url}",
                align=Align.L,
                # Only a web address becomes a live link; anything else is printed, not followed.
                link=url if url.lower().startswith(("https://", "http://")) else None,
                new_x=XPos.LEFT,
                new_y=YPos.NEXT,
                wrapmode=WrapMode.CHAR,
            )
            pdf.set_text_color(*_INK)
        left_end = pdf.get_y()

        pdf.set_y(top)
        for label, value, strong in totals:
            y = pdf.get_y()
            if strong:
                pdf.set_fill_color(*_SHADE)
                pdf.rect(right_x, y, right_w, line_h, style="F")
            self._font(_BODY_PT, strong)
            pdf.set_xy(right_x + 1.5, y)
            pdf.cell(right_w / 2 - 1.5, line_h, label, align="L")
            size = _BODY_PT
            room = right_w / 2 - 1.5
            if pdf.get_string_width(value) > room:
                size = max(4.0, _BODY_PT * room / pdf.get_string_width(value))
                self._font(size, strong)
            pdf.cell(room, line_h, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(max(left_end, pdf.get_y()))


# --------------------------------------------------------------------------------------------- facts


_CODE_BY_STATE = {name.lower(): code for code, name in STATE_CODES.items()}


def _code_of_state(state: str | None) -> str | None:
    # dict order makes the current code win for a state with two (Andhra Pradesh: 37, not 28).
    return _CODE_BY_STATE.get(" ".join((state or "").split()).lower())


def _code_of_gstin(gstin: str | None) -> str | None:
    code = (gstin or "")[:2]
    return code if code in STATE_CODES else None


def _state_label(state: str, code: str | None) -> str:
    if state and code:
        return f"{state} (Code: {code})"
    if code:
        return f"Code: {code}"
    return state


def _is_intra_state(doc: TaxInvoiceDocument) -> bool:
    if doc.intra_state is not None:
        return doc.intra_state
    if doc.igst or any(line.igst for line in doc.lines):
        return False
    if doc.cgst or doc.sgst or any(line.cgst or line.sgst for line in doc.lines):
        return True
    # Nil-rated or exempt: the states decide which columns would have applied.
    seller = doc.seller.state_code or _code_of_gstin(doc.seller.gstin) or _code_of_state(doc.seller.state)
    supply = doc.place_of_supply_code or _code_of_state(doc.place_of_supply)
    return seller is None or supply is None or seller == supply


def _plain_number(value: Decimal) -> str:
    """Decimal('2.500') → '2.5', Decimal('18.00') → '18': quantities and rates without padding zeros."""
    if not value.is_finite():
        return str(value)
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "") else text
