"""Rendering the payer's pages: Jinja2 templates with inline CSS, and the UPI QR code as inline SVG, so the
pages load nothing from anywhere else."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import qrcode
import qrcode.image.svg
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse

from dues.kit.money import rupees

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

# Pages for one payer about one invoice: never cached by a shared cache, never framed by another site.
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self' {origin}; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}


def long_date(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def qr_svg(data: str) -> Markup:
    """The QR code as an inline <svg> (drawn by qrcode's path factory, no imaging library)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg: str = image.to_string(encoding="unicode")
    svg = svg.replace("<svg ", '<svg role="img" aria-labelledby="upi-qr-title" class="qr" ', 1)
    svg = svg.replace(">", '><title id="upi-qr-title">UPI QR code for this payment</title>', 1)
    return Markup(svg)  # noqa: S704 - produced by qrcode from our own data, not from input


_env.filters["rupees"] = rupees
_env.filters["long_date"] = long_date
_env.globals["qr_svg"] = qr_svg


def render(template: str, status: int = 200, origin: str = "", **context: Any) -> HTMLResponse:
    html = _env.get_template(template).render(**context)
    headers = dict(_HEADERS)
    headers["Content-Security-Policy"] = headers["Content-Security-Policy"].format(origin=origin).strip()
    return HTMLResponse(html, status_code=status, headers=headers)
