"""What a seller's logo must be to be printed on its documents: a PNG or an SVG of at most 512 KB that Typst
draws, the SVG self-contained (no script, no reference outside itself, no DTD).

An SVG is parsed by defusedxml with DTDs forbidden, so no entity can expand (the "billion laughs") and nothing
outside the file is ever read; then every element and attribute is looked at. Last, the logo is drawn
alone by the documents' own renderer: what it cannot draw is refused now, not at the first invoice.
"""

from __future__ import annotations

import re
import struct
import zlib
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from dues.documents.content import logo_svg
from dues.documents.render import render

__all__ = ["MAX_LOGO_BYTES", "PNG", "SVG", "LogoProblem", "check_logo"]

MAX_LOGO_BYTES = 512 * 1024
PNG = "image/png"
SVG = "image/svg+xml"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Larger than any logo needs; a bigger image would cost every document its decoding.
_MAX_SIDE = 4096
_SVG_NS = "{http://www.w3.org/2000/svg}"
# Elements that run code, embed other documents or pull in what is outside the file.
_REFUSED = frozenset({"script", "foreignObject", "iframe", "embed", "object", "handler", "listener"})
_HREF = re.compile(r"^(?:#|data:image/(?:png|jpeg|gif|webp);base64,)", re.IGNORECASE)
_URL_IN_STYLE = re.compile(r"url\(\s*['\"]?(?!#)", re.IGNORECASE)


class LogoProblem(ValueError):
    """Why the bytes are not a logo dues can print, in words for the person who sent them."""


def check_logo(content: bytes) -> str:
    """The logo's content type (image/png or image/svg+xml), or LogoProblem."""
    if not content:
        raise LogoProblem("is empty: send a PNG or SVG image")
    if len(content) > MAX_LOGO_BYTES:
        raise LogoProblem(f"is {len(content):,} bytes; a logo may be at most {MAX_LOGO_BYTES:,} (512 KB)")
    if content.startswith(_PNG_SIGNATURE):
        content_type = PNG
        _check_png(content)
    elif _looks_like_svg(content):
        content_type = SVG
        _check_svg(content)
    else:
        raise LogoProblem("is neither a PNG nor an SVG image")
    _check_drawn(content, content_type)
    return content_type


def _check_png(content: bytes) -> None:
    """A whole PNG: its chunks intact (each checksum right), IHDR first and IEND last, and its image data
    a complete zlib stream no larger than the header's size allows. (Drawn inside an SVG, a broken PNG
    would print as nothing rather than fail, so it is checked here.)"""
    chunks = _png_chunks(content)
    if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13 or chunks[-1][0] != b"IEND":
        raise LogoProblem("is not a whole PNG image")
    width, height, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    if not (0 < width <= _MAX_SIDE and 0 < height <= _MAX_SIDE):
        raise LogoProblem(f"is {width} × {height} pixels; each side must be 1 to {_MAX_SIDE}")
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(colour, 4)
    # Room for every row's filter byte and pixels, and for interlacing's extra rows.
    most = 2 * height * (1 + (width * channels * max(depth, 8) + 7) // 8) + 64
    stream = zlib.decompressobj()
    try:
        for kind, data in chunks:
            if kind == b"IDAT":
                stream.decompress(data, most)
                if stream.unconsumed_tail:
                    raise LogoProblem("is a PNG whose image data is larger than its size allows")
    except zlib.error:
        raise LogoProblem("is a PNG whose image data is damaged") from None
    if not stream.eof:
        raise LogoProblem("is a PNG whose image data is cut short")


def _png_chunks(content: bytes) -> list[tuple[bytes, bytes]]:
    chunks: list[tuple[bytes, bytes]] = []
    at = len(_PNG_SIGNATURE)
    while at < len(content):
        if at + 12 > len(content):
            raise LogoProblem("is a PNG cut short")
        (length,) = struct.unpack(">I", content[at : at + 4])
        kind = content[at + 4 : at + 8]
        data = content[at + 8 : at + 8 + length]
        crc = content[at + 8 + length : at + 12 + length]
        if len(data) != length or len(crc) != 4:
            raise LogoProblem("is a PNG cut short")
        if struct.unpack(">I", crc)[0] != zlib.crc32(kind + data):
            raise LogoProblem("is a damaged PNG (a checksum does not match)")
        chunks.append((kind, data))
        at += 12 + length
        if kind == b"IEND":
            break
    return chunks


def _looks_like_svg(content: bytes) -> bool:
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<svg", b"<?xml", b"<!--", b"<!doctype")) and b"<svg" in content.lower()


def _check_svg(content: bytes) -> None:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise LogoProblem("is an SVG that is not UTF-8 text") from None
    try:
        root = fromstring(text, forbid_dtd=True)
    except DefusedXmlException:
        raise LogoProblem("is an SVG with a DOCTYPE or entities; save it as plain SVG") from None
    except ParseError as exc:
        raise LogoProblem(f"is not a well-formed SVG: {exc}") from None
    if root.tag != f"{_SVG_NS}svg":
        raise LogoProblem('is not an SVG image: its root must be <svg xmlns="http://www.w3.org/2000/svg">')
    for element in root.iter():
        name = element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""
        if name in _REFUSED:
            raise LogoProblem(f"is an SVG with a <{name}> element; a logo may hold only drawing")
        for attribute, value in element.attrib.items():
            local = attribute.rpartition("}")[2]
            if local.lower().startswith("on"):
                raise LogoProblem(f"is an SVG with an event handler ({local}); a logo may hold only drawing")
            if local == "href" and not _HREF.match(value.strip()):
                raise LogoProblem("is an SVG that refers to something outside itself; embed images in it")
            if local == "style" and _URL_IN_STYLE.search(value):
                raise LogoProblem("is an SVG that refers to something outside itself; embed images in it")
        if (
            name == "style"
            and element.text
            and (_URL_IN_STYLE.search(element.text) or "@import" in element.text)
        ):
            raise LogoProblem("is an SVG that refers to something outside itself; embed images in it")


def _check_drawn(content: bytes, content_type: str) -> None:
    svg = logo_svg(content, content_type)
    if svg is None:
        raise LogoProblem("is neither a PNG nor an SVG image")
    try:
        render("logo", {"logo": svg})
    except RuntimeError as exc:  # typst.TypstError: the image does not decode, or has no size
        message = getattr(exc, "message", "") or str(exc)
        raise LogoProblem(f"could not be drawn: {message}") from None
