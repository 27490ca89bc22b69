"""Driving the pages in headless Debian Chromium (Playwright): a page that records console errors, signing in
through the form, axe-core's check, and screenshots at phone and desktop widths.

Import it only from a test module that has skipped itself when Chromium is missing (``needs_chromium``)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
ROOT = Path(__file__).resolve().parents[2]
# DUES_SHOTS_DIR puts them elsewhere, e.g. outside the checkout.
SHOTS = Path(os.environ.get("DUES_SHOTS_DIR") or Path(__file__).parent / "screenshots")
AXE_PLACES = (
    os.environ.get("DUES_AXE_JS", ""),
    str(ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"),
)


def needs_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not installed: {CHROMIUM} is missing", allow_module_level=True)


def axe_source() -> str | None:
    for place in AXE_PLACES:
        if place and Path(place).is_file():
            return Path(place).read_text(encoding="utf-8")
    return None


@dataclass
class Watched:
    """A browser page with every console error and uncaught exception it met, and the pages checked."""

    page: Any
    errors: list[str] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on(
            "console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    async def sign_in(self, base: str, company_id: str, email: str, password: str) -> None:
        await self.page.goto(f"{base}/login")
        await self.page.get_by_label("Company ID").fill(company_id)
        await self.page.get_by_label("E-mail").fill(email)
        await self.page.get_by_label("Password").fill(password)
        await self.page.get_by_role("button", name="Sign in").click()
        await self.page.wait_for_load_state()

    async def check(self, name: str) -> None:
        """The page as it is now: no console error so far, no serious or critical axe-core violation,
        screenshots at 390 px and 1280 px (back at the width it had)."""
        assert not self.errors, f"{name}: {self.errors}"
        await assert_accessible(self.page, name)
        await shoot(self.page, name)
        self.seen.append(name)


async def assert_accessible(page: Any, name: str) -> None:
    source = axe_source()
    if source is None:
        # Recorded for the reader of the run; the acceptance run has it (.ci/run installs axe-core).
        print(f"axe-core not found ({', '.join(p for p in AXE_PLACES if p)}): {name} not checked")
        return
    # Evaluated through the DevTools protocol, which the page's CSP (script-src 'self') does not govern.
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.evaluate(source)
    result = await page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})); }"
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: axe-core found {json.dumps(bad, indent=1)}"


def _shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


async def shoot(page: Any, name: str) -> None:
    shots = _shots()
    before = page.viewport_size
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)
        await page.screenshot(path=str(shots / f"{name}-{label}.png"), full_page=True)
    if before:
        await page.set_viewport_size(before)
