"""Every PDF dues makes comes from here: a Typst template of this package and its data as JSON.

The data reaches a template only as JSON, in an in-memory file ``data.json`` beside it (the template reads it
with ``json("data.json")``), so no text of a document is ever read as Typst markup; a template can be tried
with the typst command line and a data.json of one's own.

Why a file rather than ``sys.inputs``: Typst keeps what it laid out in one compilation and reuses it in the
next wherever the inputs are the same (the seller's block, the labels, the fonts' shaping ...). New
``sys.inputs`` rebuild Typst's standard library, on which everything depends, so every render started cold:
4.8 ms a 3-line invoice against 3.8 ms through the file (docs/benchmarks.md, "Documents (PDF) from Typst").

One compiler is kept per process, with the parsed fonts and those caches. It is not re-entrant (two threads at
once get "Already borrowed"), so renders take turns on a lock; it lets go of the GIL while it compiles, so a
render in a worker thread does not hold up the event loop.

Fonts: Hind (package ``fontpkg-hind``: Latin, Devanagari, the rupee sign) and Noto Sans
(``fontpkg-noto-sans``) for what Hind lacks. No system font is looked at, so a document prints the same on
every machine.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from importlib import resources
from itertools import accumulate
from pathlib import Path
from typing import Any

import orjson
import typst

__all__ = ["SPACES", "TEMPLATES", "ascii_widths", "render", "space_widths", "text_widths", "wrap"]

_TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATES = frozenset(p.stem for p in _TEMPLATE_DIR.glob("*.typ") if p.stem != "lib")
_FONT_PACKAGES = ("fontpkg_hind", "fontpkg_noto_sans")

# The width of each printable ASCII character, in thousandths of an em, regular and bold, as the documents'
# fonts set it: measured by Typst itself, once per process.
_METRICS = b"""
#set text(font: ("Hind", "Noto Sans"), size: 1000pt)
#let widths(weight, codes) = codes.map(c => measure(text(weight: weight, str.from-unicode(c))).width / 1pt)
#let spaces = (0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A)
#context [#metadata((
  regular: widths("regular", range(32, 127)),
  bold: widths("bold", range(32, 127)),
  spaces: widths("regular", spaces),
  bold-spaces: widths("bold", spaces),
)) <metrics>]
"""
# The spaces of fixed widths Hind has (en, em, three-, four- and six-per-em, figure, punctuation, thin, hair),
# measured with the rest, regular and bold: a line of text can be spaced out to a point without an element
# between its words.
SPACES = "\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
# Wider than any character of the fonts' Latin: what a character outside ASCII is taken to be, so a column
# sized by text_widths is never too narrow for it.
_WIDEST = 1100.0


def _font_dirs() -> list[str]:
    dirs = []
    for package in _FONT_PACKAGES:
        try:
            folder = Path(str(resources.files(package) / "files"))
        except ModuleNotFoundError:
            raise RuntimeError(
                f"documents need the fonts of package {package}: it is not installed"
            ) from None
        dirs.append(str(folder))
    return dirs


class _Warm:
    """One process's compiler, the lock renders take turns on, and the fonts' character widths."""

    def __init__(self) -> None:
        self.fonts = typst.Fonts(
            include_system_fonts=False, include_embedded_fonts=False, font_paths=_font_dirs()
        )
        self.compiler = typst.Compiler(
            root=str(_TEMPLATE_DIR), font_paths=self.fonts, ignore_system_fonts=True
        )
        self.lock = threading.Lock()
        self.pid = os.getpid()
        self._widths: tuple[dict[str, float], dict[str, float]] | None = None

    def widths(self) -> tuple[dict[str, float], dict[str, float]]:
        if self._widths is None:
            found = typst.query(
                _METRICS,
                "<metrics>",
                field="value",
                one=True,
                font_paths=self.fonts,
                ignore_system_fonts=True,
            )
            measured = orjson.loads(found)
            regular, bold = (
                {chr(32 + k): w for k, w in enumerate(measured[key])} for key in ("regular", "bold")
            )
            regular.update(zip(SPACES, measured["spaces"], strict=True))
            bold.update(zip(SPACES, measured["bold-spaces"], strict=True))
            self._widths = regular, bold
        return self._widths


_create_lock = threading.Lock()
_warm: _Warm | None = None


def _compiler() -> _Warm:
    global _warm
    warm = _warm
    # A forked child makes its own: the compiler's worker threads do not survive a fork.
    if warm is None or warm.pid != os.getpid():
        with _create_lock:
            if _warm is None or _warm.pid != os.getpid():
                _warm = _Warm()
            warm = _warm
    return warm


def ascii_widths() -> dict[str, float]:
    """The width of each printable ASCII character (and of SPACES) in the documents' regular font, in
    thousandths of an em."""
    return _compiler().widths()[0]


def space_widths() -> dict[str, float]:
    """The width of each of SPACES in the documents' regular font, in thousandths of an em."""
    regular, _ = _compiler().widths()
    return {ch: regular[ch] for ch in SPACES}


def text_widths(texts: Iterable[str], size: float, *, bold: bool = False) -> float:
    """How wide the widest of texts is set, in points at size points in the documents' fonts, kerning
    aside; generous for characters outside ASCII. The templates size their figure columns by it."""
    regular, heavy = _compiler().widths()
    get = (heavy if bold else regular).get
    widths = (heavy if bold else regular).__getitem__
    widest = 0.0
    for text in set(texts):
        try:
            wide = sum(map(widths, text))
        except KeyError:
            wide = sum(get(ch, _WIDEST) for ch in text)
        widest = max(widest, wide)
    return widest * size / 1000


def wrap(text: str, width: float, size: float) -> tuple[str, ...]:
    """text broken into lines no wider than width points at size points: at its spaces and at the invisible
    break places of clean(), a word wider than a line where it must (never inside a cluster). Each character
    outside ASCII is taken as wider than any the fonts have, so Typst never finds a line too long and breaks
    it again (which would put a table's columns out of step)."""
    room = width * 1000 / size
    # No character is taken as wider than _WIDEST: a text that short fits, whatever it is (a statement's
    # particulars are a thousand such).
    if len(text) * _WIDEST <= room:
        return (text,)
    regular, _ = _compiler().widths()
    try:
        if sum(map(regular.__getitem__, text)) <= room:
            return (text,)
    except KeyError:
        return _wrap(text, room)
    ends = list(accumulate(map(regular.__getitem__, text)))
    # Plain ASCII (the most of descriptions): break at the last space that leaves a line within room.
    lines = []
    start, before, space = 0, 0.0, -1
    for end in [*(k for k, ch in enumerate(text) if ch == " "), len(text)]:
        if ends[end - 1] - before > room:
            if space < start:
                return _wrap(text, room)
            lines.append(text[start:space])
            start, before = space + 1, ends[space]
            if ends[end - 1] - before > room:
                return _wrap(text, room)
        space = end
    lines.append(text[start:])
    return tuple(lines)


@lru_cache(maxsize=4096)
def _wrap(text: str, room: float) -> tuple[str, ...]:
    regular, _ = _compiler().widths()
    get = regular.get
    space = regular[" "]
    lines: list[str] = []
    line, used, started = "", 0.0, False
    for n, word in enumerate(text.split(" ")):
        for k, part in enumerate(word.split(_BREAK)):
            sep = _BREAK if k else (" " if n else "")
            extra = space if sep == " " else 0.0
            wide = sum(get(ch, _WIDEST) for ch in part)
            if started and used + extra + wide > room:
                lines.append(line)
                line, used, started = "", 0.0, False
            if started:
                line += sep
                used += extra
            while wide > room:
                cut, taken = 0, 0.0
                while cut < len(part) and taken + get(part[cut], _WIDEST) <= room:
                    taken += get(part[cut], _WIDEST)
                    cut += 1
                cut = max(cut, 1)
                back = cut
                while 1 < back < len(part) and _inside_cluster(part, back):
                    back -= 1
                if back < len(part) and _inside_cluster(part, back):
                    # A cluster wider than the line: past it rather than through it.
                    while cut < len(part) and _inside_cluster(part, cut):
                        cut += 1
                else:
                    cut = back
                lines.append(line + part[:cut])
                line, used, started = "", 0.0, False
                part = part[cut:]
                wide = sum(get(ch, _WIDEST) for ch in part)
            line += part
            used += wide
            started = True
    lines.append(line)
    return tuple(lines)


_BREAK = "\u200b"


def _inside_cluster(word: str, at: int) -> bool:
    """Whether word cut before at would split a cluster: a mark after it, or a virama before it."""
    return unicodedata.category(word[at])[0] == "M" or unicodedata.combining(word[at - 1]) == 9


@cache
def _source(name: str) -> bytes:
    if name not in TEMPLATES:
        raise ValueError(f"no document template {name!r}")
    return (_TEMPLATE_DIR / f"{name}.typ").read_bytes()


def render(
    template: str,
    data: Mapping[str, Any],
    *,
    pages: int | None = None,
    otherwise: Mapping[str, Any] | None = None,
) -> bytes:
    """The PDF of template (``invoice``, ``credit_note``, ``receipt``, ``statement``) filled with data, a
    JSON-serialisable mapping of the shape dues.documents.content builds.

    pages, otherwise: data lays the document out on so many pages of its own (content.py's ``one-page``
    or ``pages``), with page numbers and table headings set as text rather than counted and looked up by
    Typst (which would make it lay the whole document out twice). Should it come out on any other number
    of pages, it is laid out again from otherwise, the data without that plan."""
    pdf = _compile(template, data)
    # Each page object names its type; text streams are compressed, and a name or title that spells it
    # out can only make more of them, so the worst a document can do is be laid out twice.
    if pages is None or otherwise is None or len(_PAGE.findall(pdf)) == pages:
        return pdf
    return _compile(template, otherwise)


_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def _compile(template: str, data: Mapping[str, Any]) -> bytes:
    # The template is the main file; lib.typ, which it imports, is read from the templates folder.
    files = {"main.typ": _source(template), "data.json": orjson.dumps(data)}
    warm = _compiler()
    with warm.lock:
        # Untagged: the tags of an accessible PDF cost about a fifth more time and twice the bytes.
        # (The stubs leave out that input may be such a map of files, which the compiler takes.)
        pdf = warm.compiler.compile(input=files, pdf_tags=False)  # type: ignore[type-var]
    assert isinstance(pdf, bytes)
    return pdf
