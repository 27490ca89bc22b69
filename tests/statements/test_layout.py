"""The statement's columns line up, row after row, whatever the width of each date and amount: its movements
are lines of text spaced out in Python (documents/content.py), its heading, opening and closing rows boxes,
and pdftotext's word boxes say where each landed."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from dues.documents.content import format_inr, render_statement
from dues.documents.model import StatementInvoice, StatementRow
from tests.documents import samples
from tests.statements.helpers import PDFTOTEXT

# A hundredth of a millimetre is 0.03 pt: closer than the eye can tell, and the spaces land within 0.08.
NEAR = 0.15
# Between a balance and its Dr or Cr: a four-per-em space at the table's 8 pt.
SIDE_GAP = 0.25 * 8
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>')
_DATE = re.compile(r"^\d\d-\d\d-\d{4}$")


def _text(content: bytes, tmp: Path) -> str:
    """What pdftotext -layout reads off every page, pages apart by form feeds."""
    if not PDFTOTEXT.exists():
        pytest.skip("pdftotext (poppler-utils) is not installed")
    source = tmp / "long.pdf"
    source.write_bytes(content)
    read = subprocess.run(  # noqa: S603 (a fixed program on a file of the test's own)
        [str(PDFTOTEXT), "-layout", str(source), "-"], capture_output=True, check=True, text=True
    )
    return read.stdout


def _lines(content: bytes, tmp: Path) -> list[list[tuple[float, float, str]]]:
    """The first page's words, (xMin, xMax, text), line by line from the top."""
    if not PDFTOTEXT.exists():
        pytest.skip("pdftotext (poppler-utils) is not installed")
    source = tmp / "statement.pdf"
    source.write_bytes(content)
    read = subprocess.run(  # noqa: S603 (a fixed program on a file of the test's own)
        [str(PDFTOTEXT), "-bbox", "-f", "1", "-l", "1", str(source), "-"],
        capture_output=True,
        check=True,
        text=True,
    )
    by_line: dict[float, list[tuple[float, float, str]]] = {}
    for x_min, y_min, x_max, word in _WORD.findall(read.stdout):
        by_line.setdefault(round(float(y_min), 1), []).append((float(x_min), float(x_max), word))
    return [sorted(words) for _, words in sorted(by_line.items())]


# From nothing the balance crosses sides (each line marked Dr or Cr); from two crores it is owed throughout
# (Dr once, in the heading).
@pytest.mark.parametrize("opening", [Decimal("0.00"), Decimal("20000000.00")], ids=["both-sides", "owed"])
def test_dates_particulars_and_amounts_line_up_with_the_boxed_rows(tmp_path: Path, opening: Decimal) -> None:
    amounts = ["1.00", "12,345.67", "1,11,111.11", "7.50", "98,76,543.21", "300.00", "4,444.44", "10.10"]
    balance = opening
    rows = []
    for n, text in enumerate(amounts * 3):
        amount = Decimal(text.replace(",", ""))
        debit = n % 3 != 1
        # The model allows a line of both a debit and a credit, and one of neither: a line each.
        both, neither = n == 9, n == 13
        credit = amount if not debit else Decimal("7.25") if both else Decimal("0.00")
        debit_amount = Decimal("0.00") if not debit or neither else amount
        credit = Decimal("0.00") if neither else credit
        balance += debit_amount - credit
        rows.append(
            StatementRow(
                date(2026, 11 - n % 2, 1 + (n * 7) % 28),
                "Invoice" if debit else "Payment",
                f"DOC-{n}",
                debit=debit_amount,
                credit=credit,
                balance=balance,
                description=("Invoice INV/2026-27/" if debit else "Payment received — UTR ") + f"{n:05d}",
            )
        )
    doc = replace(samples.statement(0), opening_balance=opening, rows=tuple(rows), closing_balance=balance)
    marked = opening == 0
    assert marked == any(row.balance < 0 for row in rows)
    assert any(row.debit and row.credit for row in rows) and any(not row.debit + row.credit for row in rows)

    found = _lines(render_statement(doc), tmp_path)
    heading = next(k for k, words in enumerate(found) if [w[2] for w in words[:2]] == ["Date", "Particulars"])
    assert [w[2] for w in found[heading][-2:]] == (["Credit", "Balance"] if marked else ["Balance", "(Dr)"])
    lines = [words for words in found[heading + 1 :] if _DATE.match(words[0][2])]

    opening_row, *movements, closing = lines
    assert [w[2] for w in opening_row[1:3]] == ["Opening", "Balance"]
    assert [w[2] for w in closing[1:3]] == ["Closing", "Balance"]
    assert len(movements) == len(rows)
    # The closing row's figures, and its Dr or Cr after them when the lines are marked.
    suffix = 1 if marked else 0
    debits_edge, credits_edge = closing[-3 - suffix][1], closing[-2 - suffix][1]
    balance_edge = closing[-1 - suffix][1]
    for words, row in zip(movements, rows, strict=True):
        assert abs(words[0][0] - opening_row[0][0]) < NEAR, words
        assert abs(words[1][0] - opening_row[1][0]) < NEAR, words
        assert words[-1 - suffix][2] == format_inr(abs(row.balance)), words
        if marked:
            # "Dr" or "Cr" last, ending where the closing balance's does, a four-per-em space after the
            # figure (so the figures end short of it by as much as Dr or Cr is wide, bold in the closing row).
            assert words[-1][2] == ("Dr" if row.balance > 0 else "Cr"), words
            assert abs(words[-1][1] - closing[-1][1]) < NEAR, words
            assert abs(words[-1][0] - words[-2][1] - SIDE_GAP) < NEAR, words
        else:
            assert abs(words[-1][1] - balance_edge) < NEAR, words
        figures = [(a, edge) for a, edge in ((row.debit, debits_edge), (row.credit, credits_edge)) if a]
        shown = words[-1 - suffix - len(figures) : -1 - suffix]
        assert [w[2] for w in shown] == [format_inr(a) for a, _ in figures], words
        for word, (_, edge) in zip(shown, figures, strict=True):
            assert abs(word[1] - edge) < NEAR, (words, row)
        # Nothing between the particulars and the figures.
        assert row.description and words[-2 - suffix - len(figures)][2] == row.description.split()[-1]


def test_a_long_list_of_open_invoices_runs_over_pages_with_its_heading(tmp_path: Path) -> None:
    owed = tuple(
        StatementInvoice(
            f"INV/2026-27/{n:05d}",
            date(2026, 4, 1),
            date(2026, 5, 1),
            Decimal("1180.00"),
            Decimal("100.00"),
            200,
        )
        for n in range(90)
    )
    doc = replace(samples.statement(120), open_invoices=owed)

    pages = [
        " ".join(page.split()) for page in _text(render_statement(doc), tmp_path).split("\f") if page.strip()
    ]

    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
    shown = " ".join(pages)
    assert [f"{n:05d}" for n in range(90)] == re.findall(r"INV/2026-27/(\d{5}) 01-04-2026", shown)
    # Every page the open invoices run onto starts with their heading.
    later = [page for page in pages if "INV/2026-27/00089" in page or "INV/2026-27/00050" in page]
    assert all("Invoice No. Invoice Date Due Date" in page for page in later)
    assert "Balance Due" in pages[-1]
