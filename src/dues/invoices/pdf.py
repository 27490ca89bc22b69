"""GST tax-invoice PDF: a plain description of the invoice in, the bytes of an A4 PDF out.

The renderer knows nothing of the database, the ORM or the web layer: the service maps an invoice into a
:class:`TaxInvoiceDocument` and calls :func:`render_invoice_pdf`. Everything runs in Python; the fonts come
from PyPI packages, so no system library or font is needed at run time.

Two renderers draw the same page from the same :class:`_Content` and layout figures. An invoice whose text
is all Latin-1, the rupee sign and common punctuation (nearly all of them) is drawn directly by
:mod:`dues.invoices.pdf_fast` in about a millisecond, what a dispatch run of thousands of e-mails needs;
any other goes through fpdf2 (some 65 ms), which shapes text and falls back to a second font.

Fonts: Hind (package ``fontpkg-hind``) covers Latin and Devanagari and has the rupee sign, in regular and
bold; Noto Sans (``fontpkg-noto-sans``) is the fallback for Greek, Cyrillic and Vietnamese. With
``uharfbuzz`` installed the text is shaped, which Devanagari needs for its conjuncts and vowel signs. When
the font packages are missing, the core Helvetica font is used: text is reduced to Latin-1 and the rupee
sign is written "Rs.". Either way a character no font can draw prints as "?", so no text stops a render.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal, NamedTuple

from fontTools.ttLib import TTFont
from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableBordersLayout, XPos, YPos
from fpdf.errors import FPDFException
from fpdf.table import Row

from dues.kit.india import STATE_CODES
from dues.kit.money import ZERO, to_paise
from dues.kit.words import rupees_in_words

__all__ = ["BankAccount", "Party", "PdfLine", "TaxInvoiceDocument", "format_inr", "render_invoice_pdf"]


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
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class BankAccount:
    """The account the seller takes transfers into, printed for the payer."""

    account_name: str
    account_number: str
    ifsc: str
    bank_name: str


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
    # The GST unit quantity code the quantity is counted in.
    unit: str = "NOS"


@dataclass(frozen=True)
class TaxInvoiceDocument:
    """What a tax invoice (or, for a seller without a GSTIN, a bill of supply) prints; money in rupees,
    exact to the paisa.

    Only what the document states at issue: no amount paid, balance or payment link, which change as the
    invoice is paid and belong on the payment page and in the e-mail. So a document prints the same however
    often, and whenever, it is fetched.
    """

    invoice_number: str
    invoice_date: date
    # None for a document that asks for no payment (a credit note).
    due_date: date | None
    seller: Party
    buyer: Party
    place_of_supply: str
    taxable_value: Decimal
    total: Decimal
    cgst: Decimal = ZERO
    sgst: Decimal = ZERO
    igst: Decimal = ZERO
    cess: Decimal = ZERO
    lines: tuple[PdfLine, ...] = ()
    # Printed as the single summary line when there are no lines.
    description: str | None = None
    place_of_supply_code: str | None = None
    # None: decided from the taxes charged, or for a nil-rated invoice from the states.
    intra_state: bool | None = None
    # CGST Rules r.46(p): whether the recipient pays the tax (reverse charge). dues's invoices charge it.
    reverse_charge: bool = False
    # The buyer's own reference for the supply (its PO number): the invoice's externalId.
    buyer_reference: str | None = None
    bank: BankAccount | None = None
    upi_vpa: str | None = None
    # Another document drawn on the same page (a credit note): its name ("Credit Note"), printed as the
    # heading and before "No." and "Date"; and what it refers to, (label, value) rows under its details.
    kind: str | None = None
    references: tuple[tuple[str, str], ...] = ()


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
    typeface = _typeface()
    fast = _render_fast(doc, typeface)
    return fast if fast is not None else _Renderer(doc, typeface).render()


def _render_fast(doc: TaxInvoiceDocument, typeface: _Typeface) -> bytes | None:
    """The invoice drawn directly (~1 ms rather than fpdf2's ~65), or None when its text needs fpdf2."""
    # Imported here, not at the top: pdf_fast builds on this module's content and layout figures.
    from dues.invoices import pdf_fast

    return pdf_fast.render(doc, typeface)


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
        if text.isascii() and text.isprintable():
            # Every typeface draws printable ASCII, the bulk of any invoice's text: only spaces to tidy.
            return " ".join(text.split())
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
# Both renderers (fpdf2 here, the direct writer in pdf_fast) draw the same page from these figures, in mm
# and points, and from the same :class:`_Content`.

_CREATOR = "dues"
_SUBTITLE = "Original for Recipient"
_INK = (33, 37, 41)
_MUTED = (108, 117, 125)
_RULE = (190, 196, 204)
_SHADE = (233, 238, 245)
_MM_PER_PT = 25.4 / 72
# A4 as fpdf2 sizes it: whole hundredths of a point.
_PAGE_W = 595.28 * _MM_PER_PT
_PAGE_H = 841.89 * _MM_PER_PT
_MARGIN = 12.0
_EPW = _PAGE_W - 2 * _MARGIN
# Content that would reach this close to the bottom edge goes to the next page, leaving room for the footer.
_BOTTOM_MARGIN = 18.0
# fpdf2's default horizontal inset of text in a cell, stated so the fast renderer insets alike.
_CELL_MARGIN = 1.0
_RULE_WIDTH = 0.2
_BODY_PT = 9.0
_TABLE_PT = 8.0
_TITLE_PT = 16.0
_TITLE_H = 8.0
_NOTE_PT = 7.5
_HEADING_PT = 7.0
_NAME_PT = 11.0
# Line height of a block of text, per point of its size.
_LEADING = 1.35 * _MM_PER_PT
_TITLE_GAP = 2.0
_SECTION_GAP = 2.5
_PARTY_SHARE = 0.58
_PARTY_GUTTER = 6.0
_FACT_LABEL_W = 27.0
_TABLE_LEADING = 1.45 * _MM_PER_PT
_CELL_PAD_V = 1.0
_CELL_PAD_H = 1.2
# The one column that wraps; the others hold figures, set smaller rather than broken.
_DESCRIPTION_COLUMN = 1
# An amount must fit its cell with this much to spare, else it is set smaller, down to _MIN_PT.
_FIGURE_SLACK = 0.3
_MIN_PT = 4.0
_AFTER_TABLE = 3.0
_TOTALS_LEADING = 1.6 * _MM_PER_PT
_TOTALS_W = 78.0
_TOTALS_GUTTER = 8.0
_TOTALS_INSET = 1.5
# Beyond the totals' own rows, room they need left on the page to start there rather than on the next.
_TOTALS_KEEP = 10.0
# Room to sign between "For <seller>" and "Authorised Signatory", and the space above them.
_SIGN_GAP = 3.0
_SIGN_SPACE = 12.0
_WORDS_GAP = 1.5
_PAY_GAP = 3.0
_FOOTER_RULE = 13.0  # above the bottom edge
_FOOTER_PT = 7.5
_FOOTER_H = 5.0
_FOOTER_NOTE_SHARE = 0.35
_FOOTER_MAX = 120
# Clean text never holds a control character, so this alias cannot be met in an invoice's own text.
_PAGES_ALIAS = "\x00pages\x00"
# fpdf2 reserves the width of this for the page count it writes in place of the alias.
_PAGES_PLACEHOLDER = "0" * len(_PAGES_ALIAS)


class _Block(NamedTuple):
    """A block of wrapping text."""

    text: str
    size: float = _BODY_PT
    bold: bool = False
    muted: bool = False
    # Space above the block, in mm.
    gap: float = 0.0


class _Section(NamedTuple):
    """A party on the left, facts about the invoice on the right."""

    party: list[_Block]
    facts_heading: str
    facts: list[tuple[str, str]]


class _Table(NamedTuple):
    headings: list[str]
    widths: list[float]
    aligns: list[Literal["L", "R"]]
    rows: list[list[str]]
    total: list[str]


class _Content(NamedTuple):
    """Everything the invoice prints, worked out once; the renderers differ only in how they draw it."""

    # The document's kind, as its heading prints it: TAX INVOICE or BILL OF SUPPLY.
    heading: str
    title: str
    author: str
    # Same invoice, same bytes: the metadata date is the invoice's, not the clock's.
    created: datetime
    footer: str
    footer_note: str
    sections: list[_Section]
    table: _Table
    # The left column under the table: the total in words, then how to pay (bank account, UPI id).
    words: list[_Block]
    # Label, amount, emphasised.
    totals: list[tuple[str, str, bool]]
    # Under the totals: "For <seller>", room to sign, "Authorised Signatory" (r.46(q)).
    signature: list[_Block]


def _closing_height(content: _Content) -> float:
    """Roughly how tall the totals block is (each text block taken as one line): it starts on a new page
    rather than be split from its words or its signature. Both renderers decide by this one figure."""
    left = sum(block.gap + block.size * _LEADING for block in content.words)
    right = _BODY_PT * _TOTALS_LEADING * len(content.totals)
    right += sum(block.gap + block.size * _LEADING for block in content.signature)
    return max(left, right) + _TOTALS_KEEP


def _content(doc: TaxInvoiceDocument, tf: _Typeface) -> _Content:
    intra = _is_intra_state(doc)
    # supply_only: no GST columns or rows (a bill of supply, or another kind of an unregistered seller).
    supply_only = _is_bill_of_supply(doc) or doc.kind == "Bill of Supply"
    kind = doc.kind or ("Bill of Supply" if supply_only else "Tax Invoice")
    # A bill of supply keeps an invoice's labels (Invoice No.); another kind names itself (Credit Note No.).
    label = doc.kind if doc.kind and doc.kind != "Bill of Supply" else "Invoice"
    number = tf.clean(doc.invoice_number)
    seller = tf.clean(doc.seller.legal_name)
    words = [
        _Block("Total in words", _NOTE_PT, bold=True, muted=True),
        _Block(rupees_in_words(doc.total), bold=True),
        *_payment_blocks(doc, tf),
    ]
    details = [(f"{label} No.", number), (f"{label} Date", doc.invoice_date.strftime("%d-%m-%Y"))]
    if doc.due_date is not None:
        details.append(("Due Date", doc.due_date.strftime("%d-%m-%Y")))
    details += [(tf.clean(name), tf.clean(value)) for name, value in doc.references]
    if not supply_only:
        details.append(("Reverse Charge", "Yes" if doc.reverse_charge else "No"))
    if doc.buyer_reference:
        details.append(("Buyer's Ref.", tf.clean(doc.buyer_reference)))
    place = _state_label(
        tf.clean(doc.place_of_supply),
        tf.clean(doc.place_of_supply_code) or _code_of_state(doc.place_of_supply),
    )
    if supply_only:
        supply_type = ("GST", "Not charged: the supplier is not registered under GST")
    else:
        supply_type = ("Supply Type", "Intra-state (CGST + SGST)" if intra else "Inter-state (IGST)")
    return _Content(
        heading=kind.upper(),
        title=f"{kind} {number}",
        author=seller,
        created=datetime(doc.invoice_date.year, doc.invoice_date.month, doc.invoice_date.day, tzinfo=UTC),
        footer=f"{label} {number} · {seller}"[:_FOOTER_MAX],
        footer_note=f"This is a computer-generated {kind.lower()}.",
        sections=[
            _Section(_party_blocks(doc.seller, tf, "FROM (SUPPLIER)"), f"{label.upper()} DETAILS", details),
            _Section(
                _party_blocks(doc.buyer, tf, "BILL TO (RECIPIENT)"),
                "SUPPLY",
                [("Place of Supply", place or "-"), supply_type],
            ),
        ],
        table=_lines_table(doc, tf, intra, supply_only),
        words=words,
        totals=[
            ("Taxable Value" if not supply_only else "Value", _money(tf, doc.taxable_value), False),
            *([] if supply_only else _tax_rows(doc, tf, intra)),
            *([("Cess", _money(tf, doc.cess), False)] if doc.cess else []),
            ("Total", _money(tf, doc.total, symbol=True), True),
        ],
        signature=[
            _Block(f"For {seller or '-'}", bold=True, gap=_SIGN_GAP),
            _Block("Authorised Signatory", _NOTE_PT, muted=True, gap=_SIGN_SPACE),
        ],
    )


def _is_bill_of_supply(doc: TaxInvoiceDocument) -> bool:
    """A seller without a GSTIN charges no GST and issues a bill of supply. (An invoice that charged tax
    before its seller's GSTIN was removed stays the tax invoice it was.)"""
    if doc.seller.gstin:
        return False
    charged = doc.cgst or doc.sgst or doc.igst or doc.cess
    return not charged and not any(line.gst_rate for line in doc.lines)


def _payment_blocks(doc: TaxInvoiceDocument, tf: _Typeface) -> list[_Block]:
    """How to pay the seller, as fixed as the rest of the document: its bank account and UPI id."""
    blocks: list[_Block] = []
    if doc.bank is not None:
        bank = doc.bank
        blocks += [
            _Block(f"Bank: {tf.clean(bank.bank_name)}"),
            _Block(f"A/c Name: {tf.clean(bank.account_name)}"),
            _Block(f"A/c No.: {tf.clean(bank.account_number)}   IFSC: {tf.clean(bank.ifsc)}", bold=True),
        ]
    if doc.upi_vpa:
        blocks.append(_Block(f"UPI ID: {tf.clean(doc.upi_vpa)}", bold=True))
    if not blocks:
        return []
    return [_Block("PAYMENT DETAILS", _NOTE_PT, bold=True, muted=True, gap=_PAY_GAP), *blocks]


# The GST rates in force (and the 40 % of 2025); a rate worked back from an invoice without lines is printed
# only when it is one of these and gives the tax charged to the paisa.
_KNOWN_RATES = tuple(
    Decimal(r) for r in ("0.1", "0.25", "1", "1.5", "3", "5", "6", "7.5", "12", "18", "28", "40")
)


def _tax_rows(doc: TaxInvoiceDocument, tf: _Typeface, intra: bool) -> list[tuple[str, str, bool]]:
    """The tax charged, per tax head and rate (r.46(j)): "CGST @ 9%", "SGST @ 9%", or "IGST @ 18%"."""
    by_rate: dict[Decimal | None, list[Decimal]] = {}
    if doc.lines:
        for line in doc.lines:
            sums = by_rate.setdefault(line.gst_rate, [ZERO, ZERO, ZERO])
            for k, amount in enumerate((line.cgst, line.sgst, line.igst)):
                sums[k] += amount
    else:
        by_rate[_rate_of(doc)] = [doc.cgst, doc.sgst, doc.igst]
    rows: list[tuple[str, str, bool]] = []
    for rate, (cgst, sgst, igst) in sorted(by_rate.items(), key=lambda item: item[0] or ZERO):
        if intra:
            half = f" @ {_plain_number(rate / 2)}%" if rate is not None else ""
            rows += [(f"CGST{half}", _money(tf, cgst), False), (f"SGST{half}", _money(tf, sgst), False)]
        else:
            whole = f" @ {_plain_number(rate)}%" if rate is not None else ""
            rows.append((f"IGST{whole}", _money(tf, igst), False))
    return rows


def _rate_of(doc: TaxInvoiceDocument) -> Decimal | None:
    """The GST rate of an invoice without lines, when its taxes are those of one known rate."""
    tax = doc.cgst + doc.sgst + doc.igst
    if not tax:
        return ZERO
    for rate in _KNOWN_RATES:
        if to_paise(doc.taxable_value * rate / 100) == tax:
            return rate
    return None


def _party_blocks(party: Party, tf: _Typeface, heading: str) -> list[_Block]:
    gstin = tf.clean(party.gstin)
    code = tf.clean(party.state_code) or _code_of_gstin(gstin) or _code_of_state(party.state)
    state = _state_label(tf.clean(party.state) or STATE_CODES.get(code or "", ""), code)
    if gstin:
        registration = f"GSTIN: {gstin}"
    elif party.pan:
        registration = f"PAN: {tf.clean(party.pan)}  (GSTIN: Unregistered)"
    else:
        registration = "GSTIN: Unregistered"
    reach = "   ".join(
        f"{label}: {tf.clean(value)}"
        for label, value in (("Phone", party.phone), ("E-mail", party.email))
        if value
    )
    return [
        _Block(heading, _HEADING_PT, bold=True, muted=True),
        _Block(tf.clean(party.legal_name) or "-", _NAME_PT, bold=True),
        _Block(tf.clean(party.address, multiline=True)),
        _Block(f"State: {state}" if state else ""),
        _Block(reach),
        _Block(registration, bold=True),
    ]


def _lines_table(doc: TaxInvoiceDocument, tf: _Typeface, intra: bool, supply_only: bool) -> _Table:
    headings = ["#", "Description", "HSN/SAC", "Qty", "Unit Price", "Taxable Value"]
    widths = [7.0, 0.0, 17.0, 18.0, 21.0, 23.0]
    aligns: list[Literal["L", "R"]] = ["R", "L", "L", "R", "R", "R"]
    if supply_only:
        headings[-1] = "Amount"
    elif intra:
        headings += ["GST %", "CGST", "SGST"]
        widths += [12.0, 20.0, 20.0]
        aligns += ["R", "R", "R"]
    else:
        headings += ["GST %", "IGST"]
        widths += [12.0, 24.0]
        aligns += ["R", "R"]
    widths[_DESCRIPTION_COLUMN] = _EPW - sum(widths)

    def taxes(cgst: Decimal, sgst: Decimal, igst: Decimal) -> list[str]:
        if supply_only:
            return []
        return [_money(tf, cgst), _money(tf, sgst)] if intra else [_money(tf, igst)]

    def rate(value: str) -> list[str]:
        return [] if supply_only else [value]

    rows = [
        [
            str(number),
            tf.clean(line.description),
            tf.clean(line.hsn_sac),
            f"{_plain_number(line.quantity)} {tf.clean(line.unit)}".strip(),
            _money(tf, line.unit_price),
            _money(tf, line.taxable_value),
            *rate(f"{_plain_number(line.gst_rate)}%"),
            *taxes(line.cgst, line.sgst, line.igst),
        ]
        for number, line in enumerate(doc.lines, start=1)
    ]
    if not rows:
        # An invoice without items is one supply: its description against its base amount.
        description = tf.clean(doc.description) or "As per invoice"
        rows.append(
            [
                "1",
                description,
                "",
                "",
                "",
                _money(tf, doc.taxable_value),
                *rate(""),
                *taxes(doc.cgst, doc.sgst, doc.igst),
            ]
        )
    total = [
        "",
        "Total",
        "",
        "",
        "",
        _money(tf, doc.taxable_value),
        *rate(""),
        *taxes(doc.cgst, doc.sgst, doc.igst),
    ]
    return _Table(headings, widths, aligns, rows, total)


def _money(tf: _Typeface, amount: Decimal, *, symbol: bool = False) -> str:
    figures = format_inr(amount)
    return f"{tf.rupee} {figures}" if symbol else figures


def _fitted_size(size: float, width: float, room: float) -> float:
    """The size at which text width mm wide at size fits room: figures are set smaller, never broken."""
    return size if width <= room else max(_MIN_PT, size * room / width)


def _footer_line(label: str, page: int, width: Callable[[str], float], room: float) -> str:
    """The footer's right-hand text up to the page count, its label cut to leave room for the whole."""
    suffix = f"  ·  Page {page} of "
    # Cut by cut, a character at a time: "Kaveri Tools Pvt Ltd" → "Kaveri Tools Pvt..." → "Kaveri Tools Pv..."
    cuts = [label, *(label[:kept] + "..." for kept in range(len(label) - 4, 0, -1))]
    # The widths shrink cut by cut, so the first that fits is found by bisection rather than by measuring a
    # long seller name a hundred times over.
    low, high = 0, len(cuts)
    while low < high:
        middle = (low + high) // 2
        if width(cuts[middle] + suffix + _PAGES_PLACEHOLDER) <= room:
            high = middle
        else:
            low = middle + 1
    return (cuts[low] if low < len(cuts) else "") + suffix


class _Pdf(FPDF):
    def __init__(self, typeface: _Typeface, footer_text: str, footer_note: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._typeface = typeface
        self._footer_text = footer_text
        self._footer_note = footer_note
        self.c_margin = _CELL_MARGIN
        self.alias_nb_pages(_PAGES_ALIAS)

    def footer(self) -> None:
        self.set_y(-_FOOTER_RULE)
        self.set_draw_color(*_RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_font(self._typeface.family, "", _FOOTER_PT)
        self.set_text_color(*_MUTED)
        self.cell(self.epw * _FOOTER_NOTE_SHARE, _FOOTER_H, self._footer_note, align="L")
        room = self.epw * (1 - _FOOTER_NOTE_SHARE)
        line = _footer_line(self._footer_text, self.page_no(), self.get_string_width, room)
        self.cell(room, _FOOTER_H, line + _PAGES_ALIAS, align="R")


class _Renderer:
    def __init__(self, doc: TaxInvoiceDocument, typeface: _Typeface) -> None:
        self.doc = doc
        self.tf = typeface
        self.content = _content(doc, typeface)
        self.pdf = _Pdf(typeface, self.content.footer, self.content.footer_note)

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
        pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
        pdf.set_auto_page_break(auto=True, margin=_BOTTOM_MARGIN)
        pdf.set_title(self.content.title)
        pdf.set_author(self.content.author)
        pdf.set_creator(_CREATOR)
        pdf.set_creation_date(self.content.created)
        pdf.set_text_color(*_INK)
        pdf.set_draw_color(*_RULE)
        pdf.set_line_width(_RULE_WIDTH)
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
    ) -> None:
        """A block of wrapping text at x, below the current y."""
        if not text:
            return
        pdf = self.pdf
        self._font(size, bold)
        pdf.set_text_color(*(_MUTED if muted else _INK))
        pdf.set_x(x)
        pdf.multi_cell(w, size * _LEADING, text, align=Align.coerce(align), new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_text_color(*_INK)

    def _blocks(self, x: float, w: float, blocks: list[_Block]) -> None:
        for block in blocks:
            if block.gap:
                self.pdf.set_y(self.pdf.get_y() + block.gap)
            self._text(x, w, block.text, size=block.size, bold=block.bold, muted=block.muted)

    def _rule(self, gap: float = _SECTION_GAP) -> None:
        pdf = self.pdf
        pdf.set_y(pdf.get_y() + gap)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.set_y(pdf.get_y() + gap)

    # -------------------------------------------------------------------------------------- blocks

    def _title(self) -> None:
        pdf = self.pdf
        self._font(_TITLE_PT, bold=True)
        pdf.cell(pdf.epw, _TITLE_H, self.content.heading, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._text(pdf.l_margin, pdf.epw, _SUBTITLE, size=_NOTE_PT, muted=True, align="C")
        self._rule(_TITLE_GAP)

    def _parties(self) -> None:
        pdf = self.pdf
        left_w = pdf.epw * _PARTY_SHARE
        right_x = pdf.l_margin + left_w + _PARTY_GUTTER
        right_w = pdf.epw - left_w - _PARTY_GUTTER
        for section in self.content.sections:
            top = pdf.get_y()
            self._blocks(pdf.l_margin, left_w, section.party)
            left_end = pdf.get_y()
            pdf.set_y(top)
            self._facts(right_x, right_w, section.facts_heading, section.facts)
            pdf.set_y(max(left_end, pdf.get_y()))
            self._rule()

    def _facts(self, x: float, w: float, heading: str, facts: list[tuple[str, str]]) -> None:
        pdf = self.pdf
        self._text(x, w, heading, size=_HEADING_PT, bold=True, muted=True)
        for label, value in facts:
            top = pdf.get_y()
            self._text(x, _FACT_LABEL_W, label, muted=True)
            label_end = pdf.get_y()
            pdf.set_y(top)
            self._text(x + _FACT_LABEL_W, w - _FACT_LABEL_W, value, bold=True)
            pdf.set_y(max(label_end, pdf.get_y()))

    def _lines_table(self) -> None:
        pdf = self.pdf
        table_content = self.content.table
        widths = table_content.widths
        self._font(_TABLE_PT)
        with pdf.table(
            width=pdf.epw,
            col_widths=widths,
            text_align=tuple(table_content.aligns),
            line_height=_TABLE_PT * _TABLE_LEADING,
            padding=(_CELL_PAD_V, _CELL_PAD_H),
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            headings_style=FontFace(emphasis="BOLD", fill_color=_SHADE, size_pt=_TABLE_PT),
            repeat_headings=1,
            v_align="TOP",
        ) as table:
            heading = table.row()
            for text in table_content.headings:
                heading.cell(text)
            for row in table_content.rows:
                self._table_row(table.row(), row, widths, bold=False)
            self._table_row(table.row(), table_content.total, widths, bold=True)
            # The table is laid out when the block closes, in the font current then.
            self._font(_TABLE_PT)
        pdf.set_y(pdf.get_y() + _AFTER_TABLE)

    def _table_row(self, row: Row, cells: list[str], widths: list[float], *, bold: bool) -> None:
        pdf = self.pdf
        self._font(_TABLE_PT, bold)
        for index, text in enumerate(cells):
            size = _TABLE_PT
            if index != _DESCRIPTION_COLUMN and text:
                room = widths[index] - 2 * _CELL_PAD_H - _FIGURE_SLACK
                size = _fitted_size(_TABLE_PT, pdf.get_string_width(text), room)
            style = FontFace(emphasis="BOLD" if bold else "", size_pt=size)
            row.cell(text, style=style)

    def _totals(self) -> None:
        pdf, content = self.pdf, self.content
        line_h = _BODY_PT * _TOTALS_LEADING
        # Keep the totals, the amount in words and the signature together on one page.
        if pdf.will_page_break(_closing_height(content)):
            pdf.add_page()

        left_w = pdf.epw - _TOTALS_W - _TOTALS_GUTTER
        right_x = pdf.l_margin + left_w + _TOTALS_GUTTER
        top = pdf.get_y()

        self._blocks(pdf.l_margin, left_w, content.words)
        left_end = pdf.get_y()

        pdf.set_y(top)
        room = _TOTALS_W / 2 - _TOTALS_INSET
        for label, value, strong in content.totals:
            y = pdf.get_y()
            if strong:
                pdf.set_fill_color(*_SHADE)
                pdf.rect(right_x, y, _TOTALS_W, line_h, style="F")
            self._font(_BODY_PT, strong)
            pdf.set_xy(right_x + _TOTALS_INSET, y)
            pdf.cell(room, line_h, label, align="L")
            size = _fitted_size(_BODY_PT, pdf.get_string_width(value), room)
            if size != _BODY_PT:
                self._font(size, strong)
            pdf.cell(room, line_h, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._blocks(right_x + _TOTALS_INSET, _TOTALS_W - _TOTALS_INSET, content.signature)
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
