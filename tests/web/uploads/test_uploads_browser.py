"""Uploads in a real browser at phone width: a customers file sent by the file input (dropping a file is the
same input filled by uploads.js), followed by its progress bar while the worker runs, to the per-row results
(one bad row) and its errors.csv. No console error, no serious axe-core violation, nothing wider than the
phone."""

from __future__ import annotations

import re
from pathlib import Path

from dues.db import Database
from tests.conftest import run_jobs
from tests.support import Tenant
from tests.uploads.helpers import HEADER, csv_bytes, good_row, read_csv
from tests.web.browser import needs_chromium

needs_chromium()

from playwright.async_api import Browser, expect  # noqa: E402

from tests.web.operations.phone import check, seller, signed_in  # noqa: E402

__all__ = ["seller"]


async def test_a_customers_file_is_uploaded_and_followed_to_its_rows(
    browser: Browser, server: str, seller: Tenant, committed: Database, tmp_path: Path
) -> None:
    bad = good_row(3, "B")
    bad[5] = "12"
    file = tmp_path / "customers.csv"
    file.write_bytes(csv_bytes(HEADER, [good_row(1, "B"), good_row(2, "B"), bad]))
    watched = await signed_in(browser, server, seller)
    page = watched.page
    await page.goto(f"{server}/app/uploads")
    await check(watched, "uploads-list-empty")

    await page.get_by_label("CSV or XLSX file").set_input_files(str(file))
    await expect(page.locator("[data-dropzone-name]")).to_have_text("Chosen: customers.csv")
    await page.get_by_role("button", name="Upload").click()
    await page.wait_for_url(re.compile(r".*/app/uploads/UP[A-Z0-9]{14}$"))
    await expect(page.locator("#flash")).to_contain_text("accepted as upload")
    bar = page.locator("#upload-progress")
    assert await bar.get_attribute("value") == "0" and await bar.get_attribute("max") == "3"
    await check(watched, "uploads-progress")

    await run_jobs(committed)  # the worker; the page's script polls and loads the results when it is done

    await expect(page.locator("#upload-rows")).to_be_visible(timeout=15_000)
    assert await bar.get_attribute("value") == "3"
    await expect(page.locator("#upload-counts")).to_contain_text("2 succeeded")
    await expect(page.locator("#row-4")).to_contain_text("pinCode")
    await expect(page.locator("#row-2")).to_contain_text("Created")
    await check(watched, "uploads-upload")

    async with page.expect_download() as waiting:
        await page.locator("#errors-csv").click()
    download = await waiting.value
    saved = tmp_path / "errors.csv"
    await download.save_as(str(saved))
    table = read_csv(saved.read_bytes())
    assert table[0][-1] == "errors" and len(table) == 2 and "pinCode" in table[1][-1]

    await page.get_by_role("link", name="All uploads").click()
    await expect(page.locator("#uploads")).to_contain_text("customers.csv")
    await check(watched, "uploads-list")
