"""What each document prints, worked out from its model into the JSON its Typst template lays out.

Everything a reader sees is decided here: headings, labels, which columns a table has, the tax rows, amounts
in Indian grouping, dates, words; the templates only place it. So the rules (a bill of supply has no tax
columns, an intra-state supply no IGST ...) are plain Python, and the JSON a template reads is all strings.
"""

from __future__ import annotations

import base64
import struct
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from dues.documents.model import (
    BankAccount,
    CreditNoteDocument,
    DocumentType,
    InvoiceReference,
    Logo,
    Party,
    PdfLine,
    ReceiptDocument,
    StatementDocument,
    TaxInvoiceDocument,
)
from dues.documents.render import ascii_widths as _ascii_widths
from dues.documents.render import render, space_widths, text_widths, wrap
from dues.kit.india import STATE_CODES
from dues.kit.money import ZERO, format_inr, to_paise
from dues.kit.words import rupees_in_words

__all__ = [
    "credit_note_data",
    "format_inr",
    "invoice_data",
    "receipt_data",
    "render_credit_note",
    "render_invoice",
    "render_receipt",
    "render_statement",
    "statement_data",
]

RUPEE = "₹"
# A single field longer than this is cut: the API caps text at 500 characters (1000 for an invoice's
# description), and the cap keeps any one block well inside a page.
_MAX_FIELD = 1000
_FOOTER_MAX = 90
# A run of text without a space longer than its place holds (a pasted URL, a long reference) gets invisible
# places where it may break, or it would run out of its column over the next one. Only past this many
# characters, what a party's or a table's column holds: an e-mail address or UPI id shorter than that keeps
# its exact characters for whoever copies it from the PDF.
_ROOM = 48
# Facts (invoice number, buyer's reference ...) sit in a narrow column.
_FACT_ROOM = 24
_BREAK = "\u200b"

Row = list[str]


def render_invoice(doc: TaxInvoiceDocument) -> bytes:
    """A tax invoice, bill of supply or debit note as an A4 PDF."""
    return _render("invoice", invoice_data(doc), "lines")


def render_credit_note(doc: CreditNoteDocument) -> bytes:
    return _render("credit_note", credit_note_data(doc))


def render_receipt(doc: ReceiptDocument) -> bytes:
    return _render("receipt", receipt_data(doc))


def render_statement(doc: StatementDocument) -> bytes:
    return _render("statement", statement_data(doc), "movements", chunk_rows=_LINE_CHUNK_ROWS, ruled=False)


def _render(
    template: str,
    data: dict[str, Any],
    table: str | None = None,
    *,
    chunk_rows: int | None = None,
    ruled: bool = True,
) -> bytes:
    """The document laid out on the pages worked out here when that can be done (render.render checks it
    came out so, else lets Typst break the pages and count them: a page count, or a table's heading
    repeated on the pages it runs onto, makes Typst lay a document out twice). ``chunk_rows``, ``ruled``:
    how the table's rows are chunked (_chunks)."""
    wired = _wire(data)
    head = _head_mm(data)
    closing = _closing_mm(data)
    if _fits_one_page(data, head, closing):
        return render(template, {**wired, "one-page": True}, pages=1, otherwise=wired)
    planned = _plan(data[table], head, closing, most=chunk_rows, ruled=ruled) if table is not None else None
    if planned is None:
        return render(template, wired)
    assert table is not None  # planned only with a table
    pages, chunks = planned
    paged = {**wired, table: {**wired[table], "chunks": chunks}, "pages": pages}
    return render(template, paged, pages=len(pages), otherwise=wired)


def _wire(data: dict[str, Any]) -> dict[str, Any]:
    """data without what only content.py reads (a table's rows before they are chunked): a copy of what
    holds it, the rest as it is."""
    tables = {k: v for k, v in data.items() if isinstance(v, dict) and "_rows" in v}
    if not tables:
        return data
    return {**data, **{k: {f: v for f, v in t.items() if f != "_rows"} for k, t in tables.items()}}


# What a page holds, in millimetres (A4 less the margins and a few for safety), and what each part of a
# document takes at most: a line of 9 pt text, and the characters a line holds in a party's column, a
# fact's, the closing's notes (each character outside ASCII counted twice). Generous: a document that does
# not come out on the pages reckoned is laid out again, the slower way (render.render).
_PAGE_MM = 297 - 12 - 18 - 3
_TEXT_LINE_MM = 4.0
_PARTY_CHARS, _FACT_CHARS, _NOTE_CHARS = 62, 24, 55
# A table's heading row (and a bold row under it), and the space after a table.
_HEADING_MM = 5.5
_AFTER_TABLE_MM = 3.5


def _head_mm(data: dict[str, Any]) -> float:
    """The heading, logo and sections."""
    height = 22.0 if data.get("logo") else 14.0
    for section in data["sections"]:
        party = section["party"]
        left = 1 + _text_lines([party["name"], *party["lines"], party["registration"]], _PARTY_CHARS)
        right = 0
        if section["facts"] is not None:
            right = 1 + _text_lines([row[-1] for row in section["facts"]["rows"]], _FACT_CHARS)
        height += max(left, right) * _TEXT_LINE_MM + 6
    if "received" in data:
        height += 16
    return height


def _closing_mm(data: dict[str, Any]) -> float:
    closing = data["closing"]
    notes = sum(
        1 + _text_lines([line for line, _ in group["lines"]], _NOTE_CHARS) for group in closing["notes"]
    )
    totals = len(closing["totals"]) * 1.2 + (6 if closing["signatory"] else 1)
    # Tables under the main one and before the closing (a statement's aging and open invoices).
    tail = sum(_table_mm(t) for t in data.get("tail", ()))
    return max(notes, totals) * _TEXT_LINE_MM + 6 + tail


def _table_mm(table: dict[str, Any]) -> float:
    bold = (table["total"] is not None) + (table["opening"] is not None)
    caption = 4 if table["caption"] else 0
    return caption + (1 + bold) * _HEADING_MM + sum(c["mm"] for c in table["chunks"]) + _AFTER_TABLE_MM


def _fits_one_page(data: dict[str, Any], head: float, closing: float) -> bool:
    height = head + closing
    for key in ("lines", "against", "allocations", "movements"):
        if data.get(key):
            height += _table_mm(data[key])
    return height <= _PAGE_MM


def _plan(
    table: dict[str, Any],
    head: float,
    closing: float,
    *,
    most: int | None = None,
    ruled: bool = True,
) -> tuple[list[list[int]], list[dict[str, Any]]] | None:
    """The table's rows in chunks that each fit on a page, and the chunks on each page (from, to): the
    first page under the heading and sections, the last with the closing (and as many of the last rows as
    fit with it). None if a row would not fit on a page, or all the rows on the first page and the
    closing perhaps: Typst decides."""
    rows = table["_rows"]
    if not rows:
        return None
    caption = 4 if table["caption"] else 0
    bold = (table["total"] is not None) + (table["opening"] is not None)
    used = head + caption + (1 + bold) * _HEADING_MM
    breaks: list[int] = []
    start = 0
    for k, (_, height) in enumerate(rows):
        mm = (height + _ROW_GAP_PT) / _MM
        if used + mm > _PAGE_MM:
            if k == start:
                return None
            breaks.append(k)
            start, used = k, _HEADING_MM
        used += mm
    if used + _AFTER_TABLE_MM + closing > _PAGE_MM:
        if not breaks:
            # All the rows fit on the first page, the closing perhaps: Typst decides.
            return None
        # The last two rows go over to a page of their own with the closing, as a total is not printed
        # alone.
        k = max(len(rows) - 2, start + 1)
        carried = sum((height + _ROW_GAP_PT) / _MM for _, height in rows[k:])
        if k >= len(rows) or _HEADING_MM + carried + _AFTER_TABLE_MM + closing > _PAGE_MM:
            return None
        breaks.append(k)
    chunks = _chunks(rows, breaks, most=most, ruled=ruled)
    # Which chunk each page starts with: chunks never run across a break.
    firsts = [0]
    row = 0
    for n, chunk in enumerate(chunks):
        if row in breaks:
            firsts.append(n)
        row += len(chunk["rows"])
    pages = [[a, b] for a, b in zip(firsts, [*firsts[1:], len(chunks)], strict=True)]
    return pages, chunks


def _text_lines(texts: Iterable[str], room: int) -> int:
    lines = 0
    for text in texts:
        size = len(text) if text.isascii() else 2 * len(text)
        lines += max(1, -(-size // room))
    return lines


# --------------------------------------------------------------------------------------------- values


def _rupees(amount: Decimal) -> str:
    return f"{RUPEE} {format_inr(amount)}"


# A statement prints the same few hundred days again and again.
@lru_cache(maxsize=1024)
def _day(value: date) -> str:
    return f"{value.day:02}-{value.month:02}-{value.year:04}"


@lru_cache(maxsize=1024)
def _plain_number(value: Decimal) -> str:
    """Decimal('2.500') → '2.5', Decimal('18.00') → '18': quantities and rates without padding zeros."""
    if not value.is_finite():
        return str(value)
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "") else text


def clean(text: str | None, *, multiline: bool = False, room: int = _ROOM) -> str:
    """Text as a document prints it: spaces tidied, control characters gone, cut to a sane length, and long
    unbroken runs given places to break. Typst sets it as text, so nothing in it needs escaping."""
    if not text:
        return ""
    return _clean(text, multiline, room)


# The same texts come again and again: a seller's name and address on every document, the items it sells.
@lru_cache(maxsize=8192)
def _clean(text: str, multiline: bool, room: int) -> str:
    if len(text) > _MAX_FIELD:
        text = text[: _MAX_FIELD - 1] + "…"
    if not (text.isascii() and text.isprintable()):
        text = "".join(_tidy(ch) for ch in text.replace("\r\n", "\n").replace("\r", "\n"))
    if multiline:
        lines = (" ".join(line.split()) for line in text.split("\n"))
        text = "\n".join(line for line in lines if line)
    else:
        text = " ".join(text.split())
    if len(text) > room and max(map(len, text.split())) > room:
        text = " ".join(_breakable(word, room) for word in text.split(" "))
    return text


def _tidy(ch: str) -> str:
    if ch == "\n":
        return ch
    category = unicodedata.category(ch)
    if category == "Cc" or category.startswith("Z"):
        return " "
    # A lone surrogate cannot be written as UTF-8; an unassigned code point has no glyph anywhere.
    if category in ("Cs", "Cn"):
        return "?"
    return ch


def _breakable(word: str, room: int) -> str:
    """A long word with an invisible break opportunity every few characters, never inside a cluster (a
    consonant and its vowel sign, a letter and its accent)."""
    if len(word) <= room:
        return word
    step = max(room // 2, 8)
    out: list[str] = []
    run = 0
    for ch in word:
        if run >= step and not _joins(ch) and not (out and _joins(out[-1])):
            out.append(_BREAK)
            run = 0
        out.append(ch)
        run += 1
    return "".join(out)


def _joins(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Mc", "Me", "Cf") or unicodedata.combining(ch) == 9


# ------------------------------------------------------------------------------------------- pieces


@lru_cache(maxsize=32)
def logo_svg(content: bytes, content_type: str) -> str | None:
    """The logo as the SVG text the templates place. A PNG goes inside an SVG as a data URI: Typst takes an
    image only as a file or as bytes, and the JSON the template reads can carry text only."""
    if content_type == "image/svg+xml":
        return content.decode("utf-8")
    if content_type == "image/png" and content[12:16] == b"IHDR":
        width, height = struct.unpack(">II", content[16:24])
        encoded = base64.b64encode(content).decode("ascii")
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><image width="{width}" height="{height}" '
            f'href="data:image/png;base64,{encoded}"/></svg>'
        )
    return None


def _logo(logo: Logo | None) -> str | None:
    return logo_svg(logo.content, logo.content_type) if logo is not None else None


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


def _party(party: Party, heading: str) -> dict[str, Any]:
    gstin = clean(party.gstin)
    code = clean(party.state_code) or _code_of_gstin(gstin) or _code_of_state(party.state)
    state = _state_label(clean(party.state) or STATE_CODES.get(code or "", ""), code)
    if gstin:
        registration = f"GSTIN: {gstin}"
    elif party.pan:
        registration = f"PAN: {clean(party.pan)}  (GSTIN: Unregistered)"
    else:
        registration = "GSTIN: Unregistered"
    if party.udyam_number:
        registration += f"   Udyam: {clean(party.udyam_number)}"
    reach = "   ".join(
        f"{label}: {clean(value)}"
        for label, value in (("Phone", party.phone), ("E-mail", party.email))
        if value
    )
    lines = [line for line in clean(party.address, multiline=True).split("\n") if line]
    if state:
        lines.append(f"State: {state}")
    if reach:
        lines.append(reach)
    return {
        "heading": heading,
        "name": clean(party.legal_name) or "-",
        "lines": lines,
        "registration": registration,
    }


def _section(party: dict[str, Any], heading: str | None, facts: Sequence[tuple[str, str]]) -> dict[str, Any]:
    if not heading:
        return {"party": party, "facts": None}
    return {
        "party": party,
        # Each label with the room left after it in its 27 mm (lib.typ's facts).
        "facts": {
            "heading": heading,
            "rows": [[label, _label_room(label), _narrow(v)] for label, v in facts],
        },
    }


_FACT_LABEL_PT = 27 * 72 / 25.4


# The labels are a few, the same on every document.
@lru_cache(maxsize=256)
def _label_room(label: str) -> float:
    return round(_FACT_LABEL_PT - text_widths([label], 9), 2)


def _narrow(value: str) -> str:
    """A fact's value with break places for its narrow column (words broken for a wider place already have
    theirs)."""
    if len(value) <= _FACT_ROOM:
        return value
    return " ".join(w if _BREAK in w else _breakable(w, _FACT_ROOM) for w in value.split(" "))


def _column(heading: str, align: str = "left", *, grow: bool = False) -> dict[str, Any]:
    return {"heading": heading, "align": align, "grow": grow}


# Figures in tables are set at this size (lib.typ's figures), in a text width of A4 less 12 mm margins, each
# column with 1.3 mm either side; a growing column is never narrower than 20 mm.
_TABLE_PT = 8.0
_MM = 72 / 25.4
_TEXT_WIDTH = (210 - 2 * 12) * _MM
_CELL_PAD = 1.3 * _MM
_MIN_GROW = 20 * _MM
# Each line of a table is so high (its text's top edge above the baseline; lib.typ's row-top), lines of a
# cell so far apart (cell-lead), and rows (row-gap): content.py places the rules between rows by them.
_LINE_PT = 0.7 * _TABLE_PT
_CELL_LEAD_PT = 0.5 * _TABLE_PT
_ROW_GAP_PT = 3 * _MM
# The rows of a table are laid out in chunks of at most so many rows and so high, each chunk one paragraph
# (a row a line of it, of a box a cell): fewer, larger elements for Typst to lay out. Pages break between
# chunks; on pages planned here (_plan), at any row.
_CHUNK_ROWS = 12
_CHUNK_PT = 90 * _MM
# A statement's movements (lines of text, statement.typ) come in chunks of so many, without rules between
# their rows: a rule under each chunk guides the eye across.
_LINE_CHUNK_ROWS = 8


def _table(
    columns: list[dict[str, Any]],
    rows: list[Row],
    *,
    total: Row | None = None,
    opening: Row | None = None,
    caption: str | None = None,
    chunk_rows: int | None = None,
    ruled: bool = True,
) -> dict[str, Any]:
    """A table as the template lays it out: each column but the growing one as wide, in points, as its
    widest text (headings, the opening and the total row in bold); the growing one takes the rest, and its
    texts are broken into lines here, so the rules between rows can be placed before Typst lays them out."""
    bold_rows = [[c["heading"] for c in columns], *(r for r in (opening, total) if r is not None)]
    widths: list[float] = []
    grow: int | None = None
    for k, column in enumerate(columns):
        if column["grow"]:
            grow = k
            widths.append(0.0)
            continue
        widest = max(
            text_widths((row[k] for row in bold_rows), _TABLE_PT, bold=True),
            text_widths((row[k] for row in rows), _TABLE_PT),
        )
        widths.append(round(widest + 0.3, 2))
    if grow is not None:
        taken = sum(w + 2 * _CELL_PAD for w in widths) + 2 * _CELL_PAD
        widths[grow] = round(max(_TEXT_WIDTH - taken, _MIN_GROW - 2 * _CELL_PAD), 2)
    room = widths[grow] * 0.97 if grow is not None else 0.0
    wrapped = _wrapped(rows, grow, room)
    return {
        "caption": caption,
        "headings": [c["heading"] for c in columns],
        "right": [c["align"] == "right" for c in columns],
        "widths": widths,
        "chunks": _chunks(wrapped, most=chunk_rows, ruled=ruled),
        # Taken out before the template sees it (_wire): for _plan, which chunks them again by page.
        "_rows": wrapped,
        "total": total,
        "opening": opening,
    }


def _wrapped(rows: Sequence[Row], grow: int | None, room: float) -> list[tuple[Row, float]]:
    """Each row (a description over more lines than one with its line breaks) and how high its text is,
    in points."""
    out = []
    for row in rows:
        height = 1
        if grow is not None and room:
            wrapped = wrap(row[grow], room, _TABLE_PT)
            height = len(wrapped)
            if height > 1:
                row = [*row[:grow], "\n".join(wrapped), *row[grow + 1 :]]
        out.append((row, height * _LINE_PT + (height - 1) * _CELL_LEAD_PT))
    return out


def _chunks(
    rows: Sequence[tuple[Row, float]],
    breaks: Iterable[int] = (),
    *,
    most: int | None = None,
    ruled: bool = True,
) -> list[dict[str, Any]]:
    """Rows in chunks of at most ``most`` rows (_CHUNK_ROWS unless given) and _CHUNK_PT high (a chunk never
    breaks across pages), none across a break (a page's first row): for each, its rows, where the rules
    between them go (points down from the chunk's first line; ``ruled`` only), and its height in mm."""
    most = most or _CHUNK_ROWS
    stops = set(breaks)
    chunks: list[dict[str, Any]] = []
    chunk: list[Row] = []
    rules: list[float] = []
    y = 0.0
    for k, (row, height) in enumerate(rows):
        if chunk and (k in stops or len(chunk) >= most or y + _ROW_GAP_PT + height > _CHUNK_PT):
            chunks.append(_chunk(chunk, rules if ruled else None, y))
            chunk, rules, y = [], [], 0.0
        if chunk:
            rules.append(round(y + _ROW_GAP_PT / 2, 2))
            y += _ROW_GAP_PT
        chunk.append(row)
        y += height
    if chunk:
        chunks.append(_chunk(chunk, rules if ruled else None, y))
    return chunks


def _chunk(rows: list[Row], rules: list[float] | None, height: float) -> dict[str, Any]:
    chunk: dict[str, Any] = {"rows": rows, "mm": round((height + _ROW_GAP_PT) / _MM, 2)}
    if rules is not None:
        chunk["rules"] = rules
    return chunk


def _notes(*groups: tuple[str, Sequence[tuple[str, bool]]]) -> list[dict[str, Any]]:
    """Groups of lines under a small heading (the amount in words, how to pay); a line is text and
    whether it is bold."""
    return [{"heading": h, "lines": [list(line) for line in lines]} for h, lines in groups if lines]


def _frame(
    *,
    title: str,
    author: str,
    day: date,
    seller: Party,
    heading: str,
    subtitle: str | None,
    note: str,
    label: str,
) -> dict[str, Any]:
    """What every document has around its own content: metadata, logo, heading and footer. The metadata
    date is the document's own, not the clock's, so the same document always gives the same bytes."""
    return {
        "meta": {"title": title, "author": author, "date": [day.year, day.month, day.day]},
        "logo": _logo(seller.logo),
        "heading": heading,
        "subtitle": subtitle,
        "footer": {"note": note, "label": label[:_FOOTER_MAX]},
    }


def _payment_lines(bank: BankAccount | None, upi_vpa: str | None) -> list[tuple[str, bool]]:
    """How to pay the seller, as fixed as the rest of the document: its bank account and UPI id."""
    lines: list[tuple[str, bool]] = []
    if bank is not None:
        lines += [
            (f"Bank: {clean(bank.bank_name)}", False),
            (f"A/c Name: {clean(bank.account_name)}", False),
            (f"A/c No.: {clean(bank.account_number)}   IFSC: {clean(bank.ifsc)}", True),
        ]
    if upi_vpa:
        lines.append((f"UPI ID: {clean(upi_vpa)}", True))
    return lines


# ------------------------------------------------------------------------------------------ GST rules


# The GST rates in force (and the 40 % of 2025); a rate worked back from a document without lines is printed
# only when it is one of these and gives the tax charged to the paisa.
_KNOWN_RATES = tuple(
    Decimal(r) for r in ("0.1", "0.25", "1", "1.5", "3", "5", "6", "7.5", "12", "18", "28", "40")
)


class _Taxed:
    """The figures of a document that charges GST, whatever the document: an invoice or a credit note."""

    def __init__(
        self,
        *,
        lines: tuple[PdfLine, ...],
        taxable_value: Decimal,
        cgst: Decimal,
        sgst: Decimal,
        igst: Decimal,
        cess: Decimal,
        intra_state: bool | None,
        seller: Party,
        place_of_supply: str | None,
        place_of_supply_code: str | None,
    ) -> None:
        self.lines = lines
        self.taxable_value = taxable_value
        self.cgst, self.sgst, self.igst, self.cess = cgst, sgst, igst, cess
        self.intra = self._intra(intra_state, seller, place_of_supply, place_of_supply_code)
        # A credit note against invoices of different places of supply credits both kinds of tax.
        self.mixed = bool(igst or any(line.igst for line in lines)) and bool(
            cgst or sgst or any(line.cgst or line.sgst for line in lines)
        )

    def _intra(self, given: bool | None, seller: Party, place: str | None, place_code: str | None) -> bool:
        if given is not None:
            return given
        if self.igst or any(line.igst for line in self.lines):
            return False
        if self.cgst or self.sgst or any(line.cgst or line.sgst for line in self.lines):
            return True
        # Nil-rated or exempt: the states decide which columns would have applied.
        seller_code = seller.state_code or _code_of_gstin(seller.gstin) or _code_of_state(seller.state)
        supply = place_code or _code_of_state(place)
        return seller_code is None or supply is None or seller_code == supply

    def lines_table(self, *, taxed: bool, summary: str | None) -> dict[str, Any]:
        intra = self.intra
        columns = [
            _column("#", "right"),
            _column("Description", grow=True),
            _column("HSN/SAC"),
            _column("Qty", "right"),
            _column("Unit Price", "right"),
            _column("Taxable Value" if taxed else "Amount", "right"),
        ]
        heads = ("CGST", "SGST", "IGST") if self.mixed else ("CGST", "SGST") if intra else ("IGST",)
        if taxed:
            columns.append(_column("GST %", "right"))
            columns += [_column(head, "right") for head in heads]

        def taxes(cgst: Decimal, sgst: Decimal, igst: Decimal) -> list[str]:
            if not taxed:
                return []
            amounts = {"CGST": cgst, "SGST": sgst, "IGST": igst}
            return [format_inr(amounts[head]) for head in heads]

        def rate(value: str) -> list[str]:
            return [value] if taxed else []

        rows = [
            [
                str(number),
                clean(line.description),
                clean(line.hsn_sac),
                f"{_plain_number(line.quantity)} {clean(line.unit)}".strip(),
                format_inr(line.unit_price),
                format_inr(line.taxable_value),
                *rate(f"{_plain_number(line.gst_rate)}%"),
                *taxes(line.cgst, line.sgst, line.igst),
            ]
            for number, line in enumerate(self.lines, start=1)
        ]
        if not rows:
            # A document without items is one supply: its description against its base amount.
            rows.append(
                [
                    "1",
                    clean(summary) or "As per invoice",
                    "",
                    "",
                    "",
                    format_inr(self.taxable_value),
                    *rate(""),
                    *taxes(self.cgst, self.sgst, self.igst),
                ]
            )
        total = [
            "",
            "Total",
            "",
            "",
            "",
            format_inr(self.taxable_value),
            *rate(""),
            *taxes(self.cgst, self.sgst, self.igst),
        ]
        return _table(columns, rows, total=total)

    def tax_rows(self) -> list[list[Any]]:
        """The tax charged, per tax head and rate (r.46(j)): "CGST @ 9%", "SGST @ 9%", or "IGST @ 18%"."""
        by_rate: dict[Decimal | None, list[Decimal]] = {}
        if self.lines:
            for line in self.lines:
                sums = by_rate.setdefault(line.gst_rate, [ZERO, ZERO, ZERO])
                for k, amount in enumerate((line.cgst, line.sgst, line.igst)):
                    sums[k] += amount
        else:
            by_rate[self._rate()] = [self.cgst, self.sgst, self.igst]
        rows: list[list[Any]] = []
        if self.mixed:
            # Each head whole: its rates differ with the invoices the note is against.
            return [
                [head, format_inr(amount), False]
                for head, amount in (
                    ("CGST", self.cgst),
                    ("SGST", self.sgst),
                    ("IGST", self.igst),
                    ("Cess", self.cess),
                )
                if amount
            ]
        for gst_rate, (cgst, sgst, igst) in sorted(by_rate.items(), key=lambda item: item[0] or ZERO):
            if self.intra:
                half = f" @ {_plain_number(gst_rate / 2)}%" if gst_rate is not None else ""
                rows += [[f"CGST{half}", format_inr(cgst), False], [f"SGST{half}", format_inr(sgst), False]]
            else:
                whole = f" @ {_plain_number(gst_rate)}%" if gst_rate is not None else ""
                rows.append([f"IGST{whole}", format_inr(igst), False])
        if self.cess:
            rows.append(["Cess", format_inr(self.cess), False])
        return rows

    def _rate(self) -> Decimal | None:
        """The GST rate of a document without lines, when its taxes are those of one known rate."""
        tax = self.cgst + self.sgst + self.igst
        if not tax:
            return ZERO
        for known in _KNOWN_RATES:
            if to_paise(self.taxable_value * known / 100) == tax:
                return known
        return None

    def supply_type(self) -> tuple[str, str]:
        if self.mixed:
            return ("Supply Type", "Intra- and inter-state (each invoice's own)")
        return ("Supply Type", "Intra-state (CGST + SGST)" if self.intra else "Inter-state (IGST)")


def _place(place: str | None, code: str | None) -> str:
    return _state_label(clean(place), clean(code) or _code_of_state(place)) or "-"


def _references(invoices: Iterable[InvoiceReference]) -> str:
    return ", ".join(f"{clean(i.number)} dated {_day(i.invoice_date)}" for i in invoices)


# ------------------------------------------------------------------------------------------ documents

_KINDS = {
    DocumentType.TAX_INVOICE: "Tax Invoice",
    DocumentType.BILL_OF_SUPPLY: "Bill of Supply",
    DocumentType.DEBIT_NOTE: "Debit Note",
}


def invoice_kind(doc: TaxInvoiceDocument) -> DocumentType:
    """What the invoice is: as given, else a bill of supply for a seller without a GSTIN who charged no tax
    (an invoice that charged tax before its seller's GSTIN was removed stays the tax invoice it was)."""
    if doc.document_type is not None:
        return doc.document_type
    return DocumentType.BILL_OF_SUPPLY if _charges_no_gst(doc) else DocumentType.TAX_INVOICE


def _charges_no_gst(doc: TaxInvoiceDocument) -> bool:
    if doc.seller.gstin:
        return False
    charged = doc.cgst or doc.sgst or doc.igst or doc.cess
    return not charged and not any(line.gst_rate for line in doc.lines)


def invoice_data(doc: TaxInvoiceDocument) -> dict[str, Any]:
    kind = invoice_kind(doc)
    debit_note = kind == DocumentType.DEBIT_NOTE
    taxed = kind == DocumentType.TAX_INVOICE or (debit_note and not _charges_no_gst(doc))
    name = _KINDS[kind]
    short = "Debit Note" if debit_note else "Invoice"
    number = clean(doc.invoice_number)
    seller = clean(doc.seller.legal_name)
    figures = _Taxed(
        lines=doc.lines,
        taxable_value=doc.taxable_value,
        cgst=doc.cgst,
        sgst=doc.sgst,
        igst=doc.igst,
        cess=doc.cess,
        intra_state=doc.intra_state,
        seller=doc.seller,
        place_of_supply=doc.place_of_supply,
        place_of_supply_code=doc.place_of_supply_code,
    )
    details = [
        (f"{short} No.", number),
        (f"{short} Date", _day(doc.invoice_date)),
        ("Due Date", _day(doc.due_date)),
    ]
    if taxed:
        details.append(("Reverse Charge", "Yes" if doc.reverse_charge else "No"))
    if doc.buyer_reference:
        details.append(("Buyer's Ref.", clean(doc.buyer_reference)))
    if debit_note:
        if doc.original_invoices:
            details.append(("Original Invoice", _references(doc.original_invoices)))
        if doc.reason:
            details.append(("Reason", _reason(doc.reason)))
    if taxed:
        supply_type = figures.supply_type()
    else:
        supply_type = ("GST", "Not charged: the supplier is not registered under GST")
    return {
        **_frame(
            title=f"{name} {number}",
            author=seller,
            day=doc.invoice_date,
            seller=doc.seller,
            heading=name.upper(),
            subtitle="Original for Recipient",
            note=f"This is a computer-generated {name.lower()}.",
            label=f"{short} {number} · {seller}",
        ),
        "sections": [
            _section(_party(doc.seller, "FROM (SUPPLIER)"), f"{short.upper()} DETAILS", details),
            _section(
                _party(doc.buyer, "BILL TO (RECIPIENT)"),
                "SUPPLY",
                [("Place of Supply", _place(doc.place_of_supply, doc.place_of_supply_code)), supply_type],
            ),
        ],
        "lines": figures.lines_table(taxed=taxed, summary=doc.description),
        "closing": {
            "notes": _notes(
                ("Total in words", [(rupees_in_words(doc.total), True)]),
                ("PAYMENT DETAILS", _payment_lines(doc.bank, doc.upi_vpa)),
                ("MSMED ACT 2006", _msme_notice(doc.msme_due_date)),
            ),
            "totals": [
                ["Taxable Value" if taxed else "Value", format_inr(doc.taxable_value), False],
                *(figures.tax_rows() if taxed else []),
                ["Total", _rupees(doc.total), True],
            ],
            "signatory": f"For {seller or '-'}",
        },
    }


def _msme_notice(due: date | None) -> list[tuple[str, bool]]:
    """A micro or small seller's notice of s.16 interest (its due date never changes once issued)."""
    if due is None:
        return []
    return [
        (
            f"Payment after {_day(due)} attracts compound interest with monthly rests at three times the RBI "
            "bank rate (MSMED Act 2006, s.16).",
            False,
        )
    ]


# GSTR-1's reasons for a note (api.md §9.1), as a document words them.
_REASONS = {
    "SALES_RETURN": "Sales return",
    "POST_SALE_DISCOUNT": "Post-sale discount",
    "DEFICIENCY_IN_SERVICES": "Deficiency in services",
    "CORRECTION_IN_INVOICE": "Correction in invoice",
    "CHANGE_IN_POS": "Change in place of supply",
    "FINALIZATION_OF_PROVISIONAL_ASSESSMENT": "Finalisation of provisional assessment",
    "PRICE_REVISION": "Price revision",
    "ADDITIONAL_CHARGES": "Additional charges",
    "OTHERS": "Others",
}


def _reason(reason: str) -> str:
    return _REASONS.get(reason, clean(reason))


def credit_note_data(doc: CreditNoteDocument) -> dict[str, Any]:
    number = clean(doc.note_number)
    seller = clean(doc.seller.legal_name)
    taxed = bool(doc.seller.gstin) or bool(doc.cgst or doc.sgst or doc.igst or doc.cess)
    figures = _Taxed(
        lines=doc.lines,
        taxable_value=doc.taxable_value,
        cgst=doc.cgst,
        sgst=doc.sgst,
        igst=doc.igst,
        cess=doc.cess,
        intra_state=doc.intra_state,
        seller=doc.seller,
        place_of_supply=doc.place_of_supply,
        place_of_supply_code=doc.place_of_supply_code,
    )
    with_amounts = any(i.amount is not None for i in doc.against)
    columns = [_column("#", "right"), _column("Invoice No.", grow=True), _column("Invoice Date")]
    if with_amounts:
        columns.append(_column("Credited", "right"))
    against = [
        [
            str(n),
            clean(i.number),
            _day(i.invoice_date),
            *([format_inr(i.amount) if i.amount is not None else ""] if with_amounts else []),
        ]
        for n, i in enumerate(doc.against, start=1)
    ]
    supply = [("Place of Supply", _place(doc.place_of_supply, doc.place_of_supply_code))]
    supply.append(figures.supply_type() if taxed else ("GST", "Not charged"))
    notes = _notes(
        ("Total credit in words", [(rupees_in_words(doc.total), True)]),
        ("NOTE", [(clean(doc.description), False)] if doc.description else []),
    )
    return {
        **_frame(
            title=f"Credit Note {number}",
            author=seller,
            day=doc.note_date,
            seller=doc.seller,
            heading="CREDIT NOTE",
            subtitle="Original for Recipient",
            note="This is a computer-generated credit note.",
            label=f"Credit Note {number} · {seller}",
        ),
        "sections": [
            _section(
                _party(doc.seller, "FROM (SUPPLIER)"),
                "CREDIT NOTE DETAILS",
                [
                    ("Credit Note No.", number),
                    ("Credit Note Date", _day(doc.note_date)),
                    ("Reason", _reason(doc.reason)),
                    *([("Buyer's Ref.", clean(doc.buyer_reference))] if doc.buyer_reference else []),
                ],
            ),
            _section(_party(doc.buyer, "TO (RECIPIENT)"), "SUPPLY", supply),
        ],
        "against": _table(columns, against, caption="AGAINST INVOICES"),
        "lines": figures.lines_table(taxed=taxed, summary=None) if doc.lines else None,
        "closing": {
            "notes": notes,
            "totals": [
                ["Taxable Value" if taxed else "Value", format_inr(doc.taxable_value), False],
                *(figures.tax_rows() if taxed else []),
                ["Total Credit", _rupees(doc.total), True],
            ],
            "signatory": f"For {seller or '-'}",
        },
    }


def receipt_data(doc: ReceiptDocument) -> dict[str, Any]:
    number = clean(doc.receipt_number)
    seller = clean(doc.seller.legal_name)
    tds = sum((a.tds_amount for a in doc.allocations), ZERO)
    details = [("Receipt No.", number)]
    if doc.payment_id and doc.payment_id != doc.receipt_number:
        details.append(("Payment ID", clean(doc.payment_id)))
    details += [("Date", _day(doc.received_on)), ("Mode", clean(doc.mode))]
    if doc.reference:
        details.append(("Reference", clean(doc.reference)))
    tds_facts: list[tuple[str, str]] = []
    if tds or doc.tds_section:
        tds_facts.append(("Section", clean(doc.tds_section) or "-"))
        if doc.deductor_tan:
            tds_facts.append(("Deductor TAN", clean(doc.deductor_tan)))
        tds_facts.append(("TDS Deducted", _rupees(tds)))
    with_tds = bool(tds)
    columns = [
        _column("#", "right"),
        _column("Invoice No.", grow=True),
        _column("Invoice Date"),
        _column("Received", "right"),
    ]
    if with_tds:
        columns += [_column("TDS", "right"), _column("Settled", "right")]
    rows = [
        [
            str(n),
            clean(a.invoice_number),
            _day(a.invoice_date),
            format_inr(a.amount),
            *([format_inr(a.tds_amount), format_inr(a.amount + a.tds_amount)] if with_tds else []),
        ]
        for n, a in enumerate(doc.allocations, start=1)
    ]
    allocated = sum((a.amount for a in doc.allocations), ZERO)
    total = ["", "Total", "", format_inr(allocated)]
    if with_tds:
        total += [format_inr(tds), format_inr(allocated + tds)]
    section = f" u/s {clean(doc.tds_section)}" if doc.tds_section else ""
    totals: list[list[Any]] = [["Amount Received", format_inr(doc.amount), False]]
    if with_tds:
        totals.append([f"TDS Deducted{section}", format_inr(tds), False])
    totals += [
        ["Settled against Invoices", format_inr(allocated + tds), False],
        ["Unallocated Credit", format_inr(doc.unallocated), False],
        # Cash and TDS together: what the customer's account was credited with.
        ["Total Credited", _rupees(doc.amount + tds), True],
    ]
    return {
        **_frame(
            title=f"Payment Receipt {number}",
            author=seller,
            day=doc.received_on,
            seller=doc.seller,
            heading="PAYMENT RECEIPT",
            subtitle=None,
            note="This is a computer-generated receipt.",
            label=f"Receipt {number} · {seller}",
        ),
        "sections": [
            _section(_party(doc.seller, "RECEIVED BY"), "RECEIPT DETAILS", details),
            _section(_party(doc.payer, "RECEIVED FROM"), "TDS" if tds_facts else None, tds_facts),
        ],
        "received": {"label": "Amount Received", "amount": _rupees(doc.amount)},
        "allocations": _table(columns, rows, total=total, caption="INVOICES SETTLED") if rows else None,
        "closing": {
            "notes": _notes(("Amount received in words", [(rupees_in_words(doc.amount), True)])),
            "totals": totals,
            "signatory": f"For {seller or '-'}",
        },
    }


def _balance(amount: Decimal, space: str = " ") -> str:
    """What the customer owes as a statement prints it: Dr owed, Cr in credit."""
    if not to_paise(amount):
        return format_inr(ZERO)
    return f"{format_inr(abs(amount))}{space}{'Dr' if amount > 0 else 'Cr'}"


# Before Dr or Cr in the movements table: a fixed-width space (Hind's four-per-em, as wide as its plain space
# to 0.05 pt at 8 pt), as a row's plain space is the gap before its balance, set as wide as that gap is.
_SIDE_SPACE = "\u2005"


def _one_side(balances: Sequence[Decimal]) -> str | None:
    """Dr when no balance is in credit and one is owed, Cr the other way round; None when they are on both
    sides (or all nil)."""
    if min(balances) >= 0 < max(balances):
        return "Dr"
    if max(balances) <= 0 > min(balances):
        return "Cr"
    return None


def _table_balance(amount: Decimal, side: str | None) -> str:
    """A balance in the movements table: with its Dr or Cr, unless the whole table is on one side (and its
    heading says which)."""
    return _balance(amount, _SIDE_SPACE) if side is None else format_inr(abs(amount))


def _money_or_blank(amount: Decimal) -> str:
    return format_inr(amount) if amount else ""


# The aging strip's headings, by the buckets' names of dues.reports.buckets.
_AGING_HEADINGS = {"current": "Not Yet Due", "90+": "Over 90 Days"}


def statement_data(doc: StatementDocument) -> dict[str, Any]:
    seller = clean(doc.seller.legal_name)
    customer = clean(doc.customer.legal_name)
    period = f"{_day(doc.period_from)} to {_day(doc.period_to)}"
    debits = sum((r.debit for r in doc.rows), ZERO)
    credits = sum((r.credit for r in doc.rows), ZERO)
    # An account that stayed on one side all period (as most do: owed throughout) says so once, in the
    # balance column's heading, rather than on every line: fewer characters a row for the eye and for Typst.
    side = _one_side([doc.opening_balance, doc.closing_balance, *(r.balance for r in doc.rows)])
    columns = [
        _column("Date"),
        _column("Particulars", grow=True),
        _column("Debit", "right"),
        _column("Credit", "right"),
        _column("Balance" if side is None else f"Balance ({side})", "right"),
    ]
    rows = [
        [
            _day(r.entry_date),
            clean(r.description or f"{r.kind} {r.document_number}"),
            _money_or_blank(r.debit),
            _money_or_blank(r.credit),
            _table_balance(r.balance, side),
        ]
        for r in doc.rows
    ]
    closing = doc.closing_balance
    owed = closing >= 0
    words = rupees_in_words(abs(closing))
    summary = [
        ("Opening Balance", _balance(doc.opening_balance)),
        ("Debits", format_inr(debits)),
        ("Credits", format_inr(credits)),
        ("Closing Balance", _balance(closing)),
    ]
    if doc.unapplied_credit:
        summary.append(("Unapplied Credit", format_inr(doc.unapplied_credit)))
    on = _day(doc.period_to)
    return {
        **_frame(
            title=f"Statement of Account {customer} {period}",
            author=seller,
            day=doc.period_to,
            seller=doc.seller,
            heading="STATEMENT OF ACCOUNT",
            subtitle=period,
            note="This is a computer-generated statement of account.",
            label=f"Statement {customer} · {seller}",
        ),
        "sections": [
            _section(
                _party(doc.seller, "FROM"),
                "STATEMENT",
                [("Period", period), ("Currency", "INR (₹)")],
            ),
            _section(_party(doc.customer, "TO (CUSTOMER)"), "ACCOUNT SUMMARY", summary),
        ],
        "movements": _as_lines(
            _table(
                columns,
                rows,
                opening=[
                    _day(doc.period_from),
                    "Opening Balance",
                    "",
                    "",
                    _table_balance(doc.opening_balance, side),
                ],
                total=[
                    on,
                    "Closing Balance",
                    format_inr(debits),
                    format_inr(credits),
                    _table_balance(closing, side),
                ],
                chunk_rows=_LINE_CHUNK_ROWS,
                ruled=False,
            )
        ),
        # Under the movements, before the closing: what was owed at the end, by age and by invoice.
        # (Never split over pages by _plan: without the rows it would.)
        "tail": [
            {k: v for k, v in t.items() if k != "_rows"}
            for t in (_aging_table(doc, on), _open_invoices_table(doc, on))
            if t is not None
        ],
        "closing": {
            "notes": _notes(
                ("Balance due in words" if owed else "Balance in credit in words", [(words, True)])
            ),
            "totals": [
                ["Opening Balance", _balance(doc.opening_balance), False],
                ["Debits", format_inr(debits), False],
                ["Credits", format_inr(credits), False],
                ["Balance Due" if owed else "Balance in Credit", _rupees(abs(closing)), True],
            ],
            "signatory": None,
        },
    }


def _aging_table(doc: StatementDocument, on: str) -> dict[str, Any] | None:
    if not doc.aging:
        return None
    columns = [_column(_AGING_HEADINGS.get(label, f"{label} Days"), "right") for label, _ in doc.aging]
    columns.append(_column("Total", "right"))
    total = sum((amount for _, amount in doc.aging), ZERO)
    row = [format_inr(amount) for _, amount in doc.aging] + [format_inr(total)]
    table = _table(columns, [row], caption=f"OWED ON INVOICES ON {on}, BY DAYS PAST DUE")
    # A strip across the page, its buckets of one width (each is wider than any amount it holds).
    even = (_TEXT_WIDTH - len(columns) * 2 * _CELL_PAD) / len(columns)
    if even >= max(table["widths"]):
        table["widths"] = [round(even, 2)] * len(columns)
    return table


def _open_invoices_table(doc: StatementDocument, on: str) -> dict[str, Any] | None:
    if not doc.open_invoices:
        return None
    # A micro or small seller's statement claims the MSMED Act s.16 interest on each invoice beside it.
    interest = any(i.msme_interest is not None for i in doc.open_invoices)
    columns = [
        _column("#", "right"),
        _column("Invoice No.", grow=True),
        _column("Invoice Date"),
        _column("Due Date"),
        _column("Days Past Due", "right"),
        _column("Invoice Total", "right"),
        _column("Balance", "right"),
        *([_column("Interest (MSMED s.16)", "right")] if interest else []),
    ]
    rows = [
        [
            str(n),
            i.number,
            _day(i.invoice_date),
            _day(i.due_date),
            str(i.days_past_due) if i.days_past_due else "",
            format_inr(i.total),
            format_inr(i.balance),
            *([format_inr(i.msme_interest) if i.msme_interest else ""] if interest else []),
        ]
        for n, i in enumerate(doc.open_invoices, start=1)
    ]
    owed = sum((i.balance for i in doc.open_invoices), ZERO)
    total = ["", "Total", "", "", "", "", format_inr(owed)]
    if interest:
        total.append(format_inr(sum((i.msme_interest or ZERO for i in doc.open_invoices), ZERO)))
    return _table(columns, rows, total=total, caption=f"OPEN INVOICES ON {on}")


# ------------------------------------------------------------------------- a statement's rows as lines

# A statement of a thousand movements spends most of its time on its rows, and Typst's cost there is per run
# of text it shapes and places more than per character: a row of five boxes is five runs (and five boxes),
# a row of text with spaces in it one. So a movement is a line of text: the date, spaces up to where the
# particulars start, the particulars; then `h(1fr)`, which puts the rest flush right; then the amount, one
# plain space, the balance. That space is as wide as the gap up to where the balance column's text starts:
# the row's `text(spacing: ...)` (each glyph is work for Typst to shape, place and write into the PDF, and a
# gap of fixed-width spaces was some ten of them). The gap after the date is Hind's fixed-width spaces (em,
# en, thin, hair ...), chosen to make it up to within a few hundredths of a point: the particulars have
# plain spaces of their own, which must keep their width. Widths are measured in the font (dates and
# amounts are digits and punctuation, which the font does not kern). Two runs a row in place of five, and
# no box: the columns line up as the boxes' did (the opening, total and heading rows are still boxes, so
# the two agree). A particulars text over more than one line goes in a box of its own.


# A gap is made of em spaces and then at most five narrower ones for the last one to two ems, which gets
# any width from 300 thousandths of an em up within 10 of it (0.08 pt at 8 pt). Of runs within _CLOSE of the
# width, the shortest: every character is one more for Typst to shape and place, and each of these spaces is
# written into the PDF as a text span of its own (Hind has no glyphs for them: the shaper draws its space
# glyph, set as wide as each should be, and the PDF says which space it stands for). Within 10 a date's gap
# is some 3.1 of them, within 4 some 3.7.
_FINE_RUN = 5
_FINE_UP_TO = 2000
_CLOSE = 10


@lru_cache(maxsize=1)
def _remainders() -> tuple[str, ...]:
    """For each width up to _FINE_UP_TO thousandths of an em, the run of narrower-than-em spaces (at most
    _FINE_RUN) closest to it, the shortest of those."""
    widths = {ch: w for ch, w in space_widths().items() if w < 1000}
    runs: dict[float, str] = {0.0: ""}
    frontier = dict(runs)
    for _ in range(_FINE_RUN):
        grown: dict[float, str] = {}
        for total, run in frontier.items():
            for ch, w in widths.items():
                wider = total + w
                if wider not in runs and wider not in grown and wider < _FINE_UP_TO + 300:
                    grown[wider] = run + ch
        runs.update(grown)
        frontier = grown
    best: list[tuple[float, int, str]] = [(float("inf"), 0, "")] * _FINE_UP_TO
    for width, run in runs.items():
        for target in range(max(0, int(width) - 40), min(_FINE_UP_TO, int(width) + 41)):
            miss = abs(width - target)
            candidate = (max(miss, _CLOSE), len(run), run)
            if candidate[:2] < best[target][:2]:
                best[target] = candidate
    return tuple(run for _, _, run in best)


@lru_cache(maxsize=4096)
def _spaces_of(units: int) -> str:
    if units < _FINE_UP_TO:
        return _remainders()[max(0, units)]
    # The last one to two ems fine, or the last one: whichever is as close in fewer characters.
    fine = _remainders()
    ems = units // 1000 - 1
    runs = ["\u2003" * ems + fine[units - 1000 * ems], "\u2003" * (ems + 1) + fine[units - 1000 * (ems + 1)]]
    widths = space_widths()
    return min(runs, key=lambda run: (max(abs(sum(map(widths.__getitem__, run)) - units), _CLOSE), len(run)))


def _spaces(points: float) -> str:
    """About ``points`` of space at the table's size as fixed-width space characters (never negative)."""
    return _spaces_of(round(points * 1000 / _TABLE_PT))


def _as_lines(table: dict[str, Any]) -> dict[str, Any]:
    """A table of a date, a growing text and right-aligned amounts (a statement's movements) with its rows
    made lines of text for statement.typ's line rows: ``[left, right, gap]``, or ``[date and spaces,
    particulars over several lines, right, the particulars' width, gap]``; gap is how wide, in points, the
    plain space in right is set (the last gap of right: any before it, in a row of more amounts than one, is
    fixed-width spaces)."""
    date_w, text_w, *amounts_w = table["widths"]
    start = date_w + 2 * _CELL_PAD
    # From each amount column's right edge to the balance column's: the columns after it, padding included.
    after = [sum(w + 2 * _CELL_PAD for w in amounts_w[k + 1 :]) for k in range(len(amounts_w))]
    width = _widths_at(_TABLE_PT)
    lines = []
    for row, height in table["_rows"]:
        day, text, *amounts = row
        lead = _lead(day, start)
        if len(amounts) == 3 and amounts[2] and bool(amounts[0]) != bool(amounts[1]):
            # A debit or a credit, and the balance (as every movement of a statement is): the gap from the
            # one's column's right edge to where the balance starts.
            debit, credit, balance = amounts
            right = f"{debit or credit} {balance}"
            gap = round((after[0] if debit else after[1]) - width(balance), 3)
        else:
            right, gap = _right(amounts, after, width)
        if "\n" in text:
            lines.append(([lead, text, right, text_w, gap], height))
        else:
            lines.append(([lead + text, right, gap], height))
    # The rows are as high as they were: the table's chunks stand, with these rows in them.
    chunks = []
    start = 0
    for c in table["chunks"]:
        end = start + len(c["rows"])
        chunks.append({**c, "rows": [row for row, _ in lines[start:end]]})
        start = end
    return {**table, "_rows": lines, "chunks": chunks}


def _right(
    amounts: Sequence[str], after: Sequence[float], width: Callable[[str], float]
) -> tuple[str, float]:
    """A row's figures as one text, and how wide its plain space (before the last) is set: each gap is the
    room from one figure's right edge to the next's less that one's width, the last a plain space, any
    before it fixed-width spaces."""
    parts: list[Any] = []
    edge = 0.0
    for figure, to_end in zip(amounts, after, strict=True):
        if figure:
            if parts:
                parts.append(edge - to_end - width(figure))
            parts.append(figure)
            edge = to_end
    if len(parts) < 3:
        return (parts[0] if parts else ""), 0.0
    right = "".join(p if k % 2 == 0 else _spaces(p) for k, p in enumerate(parts[:-2]))
    return f"{right} {parts[-1]}", round(parts[-2], 3)


# The statements of a period (a month's run) print the same days, in a date column as wide.
@lru_cache(maxsize=4096)
def _lead(day: str, start: float) -> str:
    """day and the fixed-width spaces up to start points, where the particulars start."""
    return day + _spaces(start - _widths_at(_TABLE_PT)(day))


def _widths_at(size: float) -> Callable[[str], float]:
    """How wide a text of digits, punctuation and Latin letters is at ``size`` points (text_widths for one
    text, without its generality: a thousand rows ask it a few thousand times)."""
    known = _ascii_widths()
    scale = size / 1000

    def width(text: str) -> float:
        try:
            return sum(map(known.__getitem__, text)) * scale
        except KeyError:
            return text_widths([text], size)

    return width
