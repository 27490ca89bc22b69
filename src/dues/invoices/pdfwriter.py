"""A small PDF writer: pages of text, lines, filled rectangles and links, in embedded TrueType fonts.

It exists for speed. A general PDF library lays text out by shaping it (harfbuzz) and subsets every
font anew for each document (fontTools); for text that needs neither, that is nearly all of its cost. Here a
font is subset once per process to a fixed character set (:func:`subset_font`) and everything about it is
computed then: the compressed font program, the widths, the ToUnicode map. A document only lays out its own
text with those widths and compresses its content streams.

Coordinates are millimetres from the top-left corner of the page, as a layout thinks of them; text is placed
by its baseline. Text is drawn one glyph per character, without kerning or ligatures, which is right for
scripts that need no shaping (Latin) and wrong for those that do (Devanagari): callers keep such text away.

Fonts are embedded as Type0 / CIDFontType2 with Identity-H encoding. Each character of the set gets its own
CID (1, 2, 3 ... in code-point order) mapped to its glyph by a CIDToGIDMap, so the ToUnicode map gives every
character back exactly, even where two characters share a glyph.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fontTools import subset as ftsubset
from fontTools.ttLib import TTFont

__all__ = ["MM", "Color", "Document", "Font", "Page", "subset_font"]

# Points per millimetre: a PDF's user space unit is the point.
MM = 72 / 25.4
Color = tuple[int, int, int]
_BLACK: Color = (0, 0, 0)
# Layout tables do nothing without shaping, and hinting is half of a Latin subset's size for a difference
# no PDF viewer shows at reading sizes.
_DROPPED_TABLES = ["GDEF", "GPOS", "GSUB", "BASE", "JSTF", "MATH", "FFTM", "hdmx", "meta", "DSIG"]


@dataclass(frozen=True, eq=False)
class Font:
    """A TrueType font cut down to a fixed character set, with all it takes to embed it and set text in it."""

    postscript_name: str
    # Per character: its CID as four hex digits, for the content stream, and its advance in 1/1000 em.
    codes: Mapping[str, str]
    advances: Mapping[str, int]
    # Font-descriptor figures, in 1/1000 em.
    ascent: int
    descent: int
    cap_height: int
    bbox: tuple[int, int, int, int]
    italic_angle: float
    stem_v: int
    flags: int
    missing_width: int
    # The CIDFont's /W array.
    widths: str
    # Flate-compressed streams: the TrueType program (and its length before compression), the ToUnicode
    # CMap and the CIDToGIDMap.
    font_file: bytes
    font_file_length: int
    to_unicode: bytes
    cid_to_gid: bytes

    def covers(self, text: str) -> bool:
        return self.codes.keys() >= set(text)

    def width(self, text: str, size: float) -> float:
        """Advance of text set at size points, in mm."""
        return sum(map(self.advances.__getitem__, text)) * size / (1000 * MM)

    def wrap(self, text: str, size: float, width: float, *, anywhere: bool = False) -> list[str]:
        """Text broken into lines no wider than width mm at size points.

        Lines break at spaces, which are dropped; a word longer than a line is broken where it overflows.
        With anywhere, every line is filled up to the last character that fits (for text without spaces,
        such as a URL). "\\n" always breaks. A line broken mid-word keeps at least one character, so any text
        wraps, however narrow the width.
        """
        # The tolerance keeps a line that fits exactly from breaking on a rounding error.
        limit = width * MM * 1000 / size + 1e-6
        advances = self.advances
        lines: list[str] = []
        for paragraph in text.split("\n"):
            if sum(map(advances.__getitem__, paragraph)) <= limit:
                lines.append(paragraph)
                continue
            start = index = 0
            used = 0
            space = -1
            end = len(paragraph)
            while index < end:
                char = paragraph[index]
                advance = advances[char]
                if used + advance > limit:
                    if char == " ":
                        lines.append(paragraph[start:index])
                        start = index = index + 1
                        used, space = 0, -1
                        continue
                    if anywhere and index > start:
                        lines.append(paragraph[start:index].rstrip(" "))
                        start = index
                        used, space = 0, -1
                        continue
                    if space >= start:
                        lines.append(paragraph[start:space])
                        start = index = space + 1
                        used, space = 0, -1
                        continue
                    if index > start:
                        lines.append(paragraph[start:index])
                        start = index
                        used = 0
                        continue
                if char == " ":
                    space = index
                used += advance
                index += 1
            if start < end:
                lines.append(paragraph[start:])
        return lines

    def encode(self, text: str) -> str:
        """Text as the hex string of its CIDs; KeyError for a character outside the set."""
        codes = self.codes
        return "".join([codes[char] for char in text])


def subset_font(path: Path, chars: Iterable[str]) -> Font:
    """The font at path, cut down to those of chars that it has (slow: call once and keep the result)."""
    font = TTFont(path)
    cmap = font.getBestCmap()
    wanted = sorted({char for char in chars if ord(char) in cmap})
    scale = 1000 / font["head"].unitsPerEm

    def scaled(value: float) -> int:
        return round(value * scale)

    head, hhea, os2, post = font["head"], font["hhea"], font["OS/2"], font["post"]
    ascent, descent = scaled(hhea.ascent), scaled(hhea.descent)
    cap_height = scaled(getattr(os2, "sCapHeight", 0) or hhea.ascent)
    bbox = (scaled(head.xMin), scaled(head.yMin), scaled(head.xMax), scaled(head.yMax))
    italic_angle = float(post.italicAngle)
    weight = os2.usWeightClass
    family = str(font["name"].getBestFamilyName() or path.stem)
    style = str(font["name"].getBestSubFamilyName() or "")

    options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True, hinting=False)
    options.drop_tables += _DROPPED_TABLES
    options.layout_features = []
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(unicodes=[ord(char) for char in wanted])
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    program = buffer.getvalue()

    cmap = font.getBestCmap()
    metrics = font["hmtx"].metrics
    gids = [font.getGlyphID(cmap[ord(char)]) for char in wanted]
    # Rounded to whole units as the W array holds them, so the layout measures what a reader draws.
    advances = {char: round(metrics[cmap[ord(char)]][0] * scale + 0.001) for char in wanted}
    missing_width = round(metrics[font.getGlyphOrder()[0]][0] * scale + 0.001)
    font.close()

    name = "".join(c for c in f"{family}-{style}" if c.isalnum() or c == "-")
    # The subset tag tells readers this is a subset, and which: it is derived from the font and the set.
    digest = hashlib.sha256(f"{name}:{''.join(wanted)}".encode()).digest()
    tag = "".join(chr(ord("A") + byte % 26) for byte in digest[:6])
    cid_to_gid = bytearray(2 * (len(wanted) + 1))
    for cid, gid in enumerate(gids, start=1):
        cid_to_gid[2 * cid : 2 * cid + 2] = gid.to_bytes(2, "big")
    return Font(
        postscript_name=f"{tag}+{name}",
        codes={char: f"{cid:04X}" for cid, char in enumerate(wanted, start=1)},
        advances=advances,
        ascent=ascent,
        descent=descent,
        cap_height=cap_height,
        bbox=bbox,
        italic_angle=italic_angle,
        stem_v=50 + int((weight / 65) ** 2),
        # Symbolic (glyphs addressed by CID, not by a standard encoding), plus ForceBold for bold faces.
        flags=4 | (1 << 18 if weight >= 600 else 0),
        missing_width=missing_width,
        widths=f"[1 [{' '.join(str(advances[char]) for char in wanted)}]]",
        font_file=zlib.compress(program, 9),
        font_file_length=len(program),
        to_unicode=zlib.compress(_to_unicode_cmap(wanted), 9),
        cid_to_gid=zlib.compress(bytes(cid_to_gid), 9),
    )


def _to_unicode_cmap(chars: list[str]) -> bytes:
    entries = [f"<{cid:04X}> <{char.encode('utf-16-be').hex().upper()}>" for cid, char in enumerate(chars, 1)]
    blocks = []
    # The CMap syntax allows at most 100 entries in one bfchar block.
    for start in range(0, len(entries), 100):
        chunk = entries[start : start + 100]
        blocks.append(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar\n")
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "".join(blocks)
        + "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")


@dataclass
class _Link:
    x: float
    y: float
    w: float
    h: float
    uri: str


class Page:
    """One page's content stream, built by drawing on it in mm from the top-left corner."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self._ops: list[str] = []
        self._links: list[_Link] = []
        # Graphics state as last set in the stream, so unchanged settings are not repeated.
        self._fill: Color | None = None
        self._stroke: Color | None = None
        self._line_width: float | None = None
        self._font: Font | None = None
        self._size = 0.0

    def text(
        self, x: float, baseline: float, text: str, font: Font, size: float, color: Color = _BLACK
    ) -> None:
        """One line of text starting at x, its baseline at baseline."""
        if not text:
            return
        ops = self._ops
        if color != self._fill:
            self._set_fill(color)
        # The font is text state, kept from one text object to the next: it is set only when it changes.
        font_op = ""
        if font is not self._font or size != self._size:
            self._font, self._size = font, size
            font_op = f"/{self.document.font_key(font)} {size:.2f} Tf "
        ops.append(
            f"BT {font_op}{x * MM:.2f} {(self.document.height - baseline) * MM:.2f} Td "
            f"<{font.encode(text)}> Tj ET"
        )

    def line(
        self, x1: float, y1: float, x2: float, y2: float, color: Color = _BLACK, width: float = 0.2
    ) -> None:
        self._set_stroke(color, width)
        height = self.document.height
        self._ops.append(
            f"{x1 * MM:.2f} {(height - y1) * MM:.2f} m {x2 * MM:.2f} {(height - y2) * MM:.2f} l S"
        )

    def rect(self, x: float, y: float, w: float, h: float, fill: Color) -> None:
        """A filled rectangle, y its top edge."""
        self._set_fill(fill)
        self._ops.append(
            f"{x * MM:.2f} {(self.document.height - y - h) * MM:.2f} {w * MM:.2f} {h * MM:.2f} re f"
        )

    def link(self, x: float, y: float, w: float, h: float, uri: str) -> None:
        """A clickable area opening uri, y its top edge."""
        self._links.append(_Link(x, y, w, h, uri))

    def _set_fill(self, color: Color) -> None:
        if color != self._fill:
            self._fill = color
            self._ops.append(f"{_rgb(color)} rg")

    def _set_stroke(self, color: Color, width: float) -> None:
        if color != self._stroke:
            self._stroke = color
            self._ops.append(f"{_rgb(color)} RG")
        if width != self._line_width:
            self._line_width = width
            self._ops.append(f"{width * MM:.2f} w")


def _rgb(color: Color) -> str:
    return " ".join(f"{channel / 255:.4f}" for channel in color)


class Document:
    """Pages in order, their fonts, and the document information; :meth:`output` gives the file."""

    def __init__(
        self,
        *,
        width: float = 210.0,
        height: float = 297.0,
        title: str = "",
        author: str = "",
        creator: str = "",
        created: datetime | None = None,
    ) -> None:
        self.width = width
        self.height = height
        self.title = title
        self.author = author
        self.creator = creator
        self.created = created
        self.pages: list[Page] = []
        self._fonts: dict[Font, str] = {}

    def add_page(self) -> Page:
        page = Page(self)
        self.pages.append(page)
        return page

    def font_key(self, font: Font) -> str:
        """The font's resource name (/F1, /F2 ...), registering it on first use."""
        key = self._fonts.get(font)
        if key is None:
            key = self._fonts[font] = f"F{len(self._fonts) + 1}"
        return key

    def output(self) -> bytes:
        """The PDF file. Output depends only on what was drawn: the same drawing gives the same bytes."""
        writer = _Writer()
        catalog, pages_id, info, resources = 1, 2, 3, 4
        first_font = 5
        # Six objects a font: Type0, CIDFont, descriptor, program, ToUnicode, CIDToGIDMap.
        first_page = first_font + 6 * len(self._fonts)
        page_ids = [first_page + 2 * index for index in range(len(self.pages))]
        kids = " ".join(f"{page_id} 0 R" for page_id in page_ids)

        open_action = f" /OpenAction [{page_ids[0]} 0 R /FitH null]" if page_ids else ""
        writer.add(
            catalog,
            f"<< /Type /Catalog /Pages {pages_id} 0 R /PageLayout /OneColumn{open_action} >>".encode(),
        )
        media = f"[0 0 {self.width * MM:.2f} {self.height * MM:.2f}]"
        writer.add(
            pages_id, f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} /MediaBox {media} >>".encode()
        )
        writer.add(info, self._info())
        fonts = " ".join(
            f"/{key} {first_font + 6 * index} 0 R" for index, key in enumerate(self._fonts.values())
        )
        writer.add(resources, f"<< /Font << {fonts} >> /ProcSet [/PDF /Text] >>".encode())
        for index, font in enumerate(self._fonts):
            _write_font(writer, first_font + 6 * index, font)
        for page, page_id in zip(self.pages, page_ids, strict=True):
            annots = ""
            if page._links:
                annots = " /Annots [" + " ".join(self._annotation(link) for link in page._links) + "]"
            writer.add(
                page_id,
                f"<< /Type /Page /Parent {pages_id} 0 R /Resources {resources} 0 R "
                f"/Contents {page_id + 1} 0 R{annots} >>".encode(),
            )
            # Level 3 is within a tenth of the smallest stream at a quarter of the time of the default 6.
            writer.stream(page_id + 1, zlib.compress("\n".join(page._ops).encode("latin-1"), 3))
        return writer.finish(root=catalog, info=info)

    def _annotation(self, link: _Link) -> str:
        top = (self.height - link.y) * MM
        rect = f"[{link.x * MM:.2f} {top - link.h * MM:.2f} {(link.x + link.w) * MM:.2f} {top:.2f}]"
        return (
            f"<< /Type /Annot /Subtype /Link /Rect {rect} /Border [0 0 0] /F 4 "
            f"/A << /S /URI /URI {_uri_string(link.uri)} >> >>"
        )

    def _info(self) -> bytes:
        entries = [("Title", self.title), ("Author", self.author), ("Creator", self.creator)]
        parts = [f"/{key} {_text_string(value)}" for key, value in entries if value]
        if self.created is not None:
            parts.append(f"/CreationDate {_text_string(_pdf_date(self.created))}")
        return f"<< {' '.join(parts)} >>".encode("ascii")


def _write_font(writer: _Writer, first: int, font: Font) -> None:
    type0, cid_font, descriptor, program, to_unicode, cid_to_gid = range(first, first + 6)
    name = font.postscript_name
    writer.add(
        type0,
        f"<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H "
        f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>".encode(),
    )
    writer.add(
        cid_font,
        f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        f"/FontDescriptor {descriptor} 0 R /DW {font.missing_width} /W {font.widths} "
        f"/CIDToGIDMap {cid_to_gid} 0 R >>".encode(),
    )
    bbox = " ".join(str(value) for value in font.bbox)
    writer.add(
        descriptor,
        f"<< /Type /FontDescriptor /FontName /{name} /Flags {font.flags} /FontBBox [{bbox}] "
        f"/ItalicAngle {font.italic_angle:g} /Ascent {font.ascent} /Descent {font.descent} "
        f"/CapHeight {font.cap_height} /StemV {font.stem_v} /MissingWidth {font.missing_width} "
        f"/FontFile2 {program} 0 R >>".encode(),
    )
    writer.stream(program, font.font_file, f"/Length1 {font.font_file_length}")
    writer.stream(to_unicode, font.to_unicode)
    writer.stream(cid_to_gid, font.cid_to_gid)


class _Writer:
    """Objects appended in order of their numbers, then the cross-reference table and trailer."""

    def __init__(self) -> None:
        # Binary bytes in the comment tell transfer tools the file is not text.
        self._parts: list[bytes] = [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"]
        self._size = len(self._parts[0])
        self._offsets: list[int] = []

    def append(self, data: bytes) -> None:
        self._parts.append(data)
        self._size += len(data)

    def _begin(self, number: int) -> None:
        if number != len(self._offsets) + 1:
            raise ValueError(f"object {number} written out of order")
        self._offsets.append(self._size)
        self.append(f"{number} 0 obj\n".encode())

    def add(self, number: int, body: bytes) -> None:
        self._begin(number)
        self.append(body)
        self.append(b"\nendobj\n")

    def stream(self, number: int, deflated: bytes, extra: str = "") -> None:
        self._begin(number)
        extra = f" {extra}" if extra else ""
        self.append(f"<< /Filter /FlateDecode /Length {len(deflated)}{extra} >>\nstream\n".encode())
        self.append(deflated)
        self.append(b"\nendstream\nendobj\n")

    def finish(self, *, root: int, info: int) -> bytes:
        # The file identifier is a digest of the body, so identical drawings give identical files.
        body = b"".join(self._parts)
        digest = hashlib.md5(body, usedforsecurity=False).hexdigest().upper()
        xref = [f"xref\n0 {len(self._offsets) + 1}\n0000000000 65535 f \n"]
        xref.extend(f"{offset:010d} 00000 n \n" for offset in self._offsets)
        trailer = (
            f"trailer\n<< /Size {len(self._offsets) + 1} /Root {root} 0 R /Info {info} 0 R "
            f"/ID [<{digest}> <{digest}>] >>\nstartxref\n{len(body)}\n%%EOF\n"
        )
        return body + "".join(xref).encode() + trailer.encode()


def _text_string(text: str) -> str:
    """A PDF text string: literal when plain ASCII, else UTF-16 with its byte-order mark."""
    if text.isascii() and text.isprintable():
        return _literal(text)
    return f"<FEFF{text.encode('utf-16-be').hex().upper()}>"


def _literal(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _uri_string(uri: str) -> str:
    # A URI action takes 7-bit ASCII: anything else is percent-encoded as its UTF-8 bytes, as browsers do.
    ascii_uri = "".join(
        char if " " < char < "\x7f" else "".join(f"%{byte:02X}" for byte in char.encode()) for char in uri
    )
    return _literal(ascii_uri)


def _pdf_date(moment: datetime) -> str:
    offset = moment.utcoffset()
    stamp = moment.strftime("D:%Y%m%d%H%M%S")
    if offset is None:
        return stamp
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return stamp + "Z"
    sign = "+" if minutes > 0 else "-"
    return f"{stamp}{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"
