"""Form 26AS / AIS TDS statements: reading the file and matching its rows to the register (api.md §9.2).
Pure functions, no database: the service reads the file with ``read`` in a file-reading thread, loads the
register's entries of the statement's quarters, and matches them with ``match`` (in that thread too).

Columns are found by their header, whatever the spelling TRACES, the AIS utility or a person used ("TAN of
Deductor", "Deductor TAN", "Amount Paid / Credited (Rs.)", "TDS Deposited"...): a header is compared with its
letters and digits only, lower-cased, with a trailing "rs" / "inr" left off. docs/tds.md lists the names.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from dues.kit import files
from dues.kit.money import is_money, to_paise
from dues.kit.tds import TAN, quarter_of

# Within this much, a row's tax deducted is the register's amount (rounding to the rupee on either side).
TOLERANCE = Decimal("1.00")

COLUMNS: dict[str, tuple[str, ...]] = {
    "deductor_tan": (
        "tan",
        "deductortan",
        "tanofdeductor",
        "tanofthedeductor",
        "deductorstan",
        "tanofdeductorcollector",
        "tanno",
        "deductortanno",
    ),
    "deductor_name": (
        "deductorname",
        "nameofdeductor",
        "nameofthedeductor",
        "deductor",
        "nameofdeductorcollector",
    ),
    "section": ("section", "sectioncode", "tdssection", "sectionno", "sectionnumber", "paymentcode"),
    "transaction_date": (
        "transactiondate",
        "dateoftransaction",
        "dateofpaymentcredit",
        "dateofpaymentorcredit",
        "dateofcreditpayment",
        "dateofpayment",
        "dateofcredit",
        "paymentdate",
        "creditdate",
    ),
    "amount_paid": (
        "amountpaidcredited",
        "amountpaidorcredited",
        "amountcreditedpaid",
        "totalamountpaidcredited",
        "amountpaid",
        "amountcredited",
        "grossamount",
    ),
    "tax_deducted": (
        "taxdeducted",
        "tdsdeducted",
        "totaltaxdeducted",
        "taxdeductedamount",
        "amountoftaxdeducted",
        "tdsamount",
        "tds",
    ),
    "tax_deposited": (
        "taxdeposited",
        "tdsdeposited",
        "totaltdsdeposited",
        "totaltaxdeposited",
        "taxdepositedamount",
        "amountoftaxdeposited",
        "amountdeposited",
    ),
}
REQUIRED = ("deductor_tan", "section", "transaction_date", "tax_deducted")
_WIRE = {
    "deductor_tan": "deductor TAN",
    "deductor_name": "deductor name",
    "section": "section",
    "transaction_date": "transaction date",
    "amount_paid": "amount paid or credited",
    "tax_deducted": "tax deducted",
    "tax_deposited": "tax deposited",
}
_BY_NAME = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%d-%b-%Y",
    "%d-%m-%Y",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d-%B-%Y",
    "%d %B %Y",
    "%d-%b-%y",
    "%d/%m/%y",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d",
)
_MONEY_NOISE = re.compile(r"(?i)(₹|\bINR\b|\bRs\.?|,|\s)")
# 194J's sub-sections (fees for technical services, professional fees) are one section in the register.
_SUB_SECTIONS = {"194JA": "194J", "194JB": "194J"}


def column_of(header: str) -> str | None:
    """The statement column a header names, or None (a column dues does not read)."""
    key = _NOT_ALNUM.sub("", header.lower())
    for candidate in (key, key.removesuffix("rs"), key.removesuffix("inr")):
        if candidate in _BY_NAME:
            return _BY_NAME[candidate]
    return None


def section_key(text: str) -> str:
    """194-Q, 194 Q, 194q, 194J(b) → 194Q, 194Q, 194Q, 194JB."""
    return re.sub(r"[^A-Z0-9]", "", text.upper())


@dataclass(frozen=True)
class Line:
    """A readable row of the statement."""

    row: int
    deductor_tan: str
    deductor_name: str | None
    section: str
    transaction_date: date
    amount_paid: Decimal | None
    tax_deducted: Decimal
    tax_deposited: Decimal | None

    @property
    def quarter(self) -> str:
        return quarter_of(self.transaction_date)


@dataclass(frozen=True)
class Unreadable:
    """A row that cannot be matched as it is: what was read of it, and why."""

    row: int
    message: str
    cells: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Parsed:
    rows: list[Line | Unreadable]

    @property
    def quarters(self) -> list[str]:
        return sorted({r.quarter for r in self.rows if isinstance(r, Line)})

    @property
    def tans(self) -> list[str]:
        return sorted({r.deductor_tan for r in self.rows if isinstance(r, Line)})


def _date(text: str) -> date | None:
    text = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _money(text: str) -> Decimal | None:
    """An amount as statements write it (1,00,000.00; ₹ 100; Rs. 100), or None when it is not one."""
    cleaned = _MONEY_NOISE.sub("", text)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not is_money(value) or value < 0 or value.adjusted() > 13:
        return None
    return to_paise(value)


def columns(header: Sequence[str]) -> dict[str, int]:
    """Statement column → its index in the header; FileProblem when a required one is missing or a column is
    there twice."""
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        column = column_of(name)
        if column is None:
            continue
        if column in found:
            raise files.FileProblem(
                f"has two columns for {_WIRE[column]}: {header[found[column]]!r} and {name!r}; keep one"
            )
        found[column] = index
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        wanted = "; ".join(f"{_WIRE[c]} (such as {COLUMNS[c][0]!r})" for c in missing)
        raise files.FileProblem(
            f"has no column for {wanted}; row 1 must name the columns of Form 26AS's TDS part: deductor TAN, "
            "deductor name, section, transaction date, amount paid or credited, tax deducted, tax deposited"
        )
    return found


def parse_rows(table: files.Table) -> Parsed:
    where = columns(table.header)
    out: list[Line | Unreadable] = []
    for number, cells in table.rows:
        cell = {c: (cells[i].strip() if i < len(cells) else "") for c, i in where.items()}
        out.append(_line(number, cell))
    return Parsed(out)


def _line(number: int, cell: dict[str, str]) -> Line | Unreadable:
    problems: list[str] = []
    tan = cell["deductor_tan"].upper()
    if not TAN.match(tan):
        problems.append(f"deductor TAN {cell['deductor_tan']!r} is not a TAN (such as MUMA12345B)")
    section = section_key(cell["section"])
    if not section:
        problems.append("section is empty")
    day = _date(cell["transaction_date"])
    if day is None:
        problems.append(f"transaction date {cell['transaction_date']!r} is not a date (such as 15-Oct-2026)")
    deducted = _money(cell["tax_deducted"])
    if deducted is None:
        problems.append(f"tax deducted {cell['tax_deducted']!r} is not an amount")
    optional: dict[str, Decimal | None] = {}
    for name in ("amount_paid", "tax_deposited"):
        text = cell.get(name, "")
        optional[name] = _money(text) if text else None
        if text and optional[name] is None:
            problems.append(f"{_WIRE[name]} {text!r} is not an amount")
    if problems or day is None or deducted is None:
        return Unreadable(number, "; ".join(problems), cell)
    return Line(
        row=number,
        deductor_tan=tan,
        deductor_name=cell.get("deductor_name") or None,
        section=section,
        transaction_date=day,
        amount_paid=optional["amount_paid"],
        tax_deducted=deducted,
        tax_deposited=optional["tax_deposited"],
    )


def read(content: bytes, fmt: files.Format, *, max_rows: int, limits: files.Limits) -> Parsed:
    """The statement's rows (blocking: call it through files.off_loop)."""
    return parse_rows(files.read_table(content, fmt, max_rows=max_rows, limits=limits))


# Matching ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """What matching needs of a register entry."""

    tds_id: str
    deductor_tan: str | None
    section: str
    payment_code: str | None
    quarter: str
    amount: Decimal
    deducted_on: date


@dataclass(frozen=True)
class Outcome:
    row: int
    status: str  # MATCHED, UNMATCHED or AMBIGUOUS
    tds_id: str | None = None
    candidate_ids: tuple[str, ...] = ()
    message: str | None = None


def fits_section(row_section: str, entry: Candidate) -> bool:
    """The row's section (or s.393 payment code) is the entry's: the same after spelling is set aside, a
    sub-section of it (194JB of 194J), the entry's own payment code, or any section for an entry the buyer
    gave as OTHER."""
    if entry.section == "OTHER":
        return True
    if row_section == entry.section or _SUB_SECTIONS.get(row_section) == entry.section:
        return True
    return entry.payment_code is not None and row_section == section_key(entry.payment_code)


def match(lines: Iterable[Line | Unreadable], entries: Sequence[Candidate]) -> list[Outcome]:
    """Each row's register entry: same TAN, section and quarter, tax deducted within TOLERANCE of the entry's
    amount. Of several such entries the nearest in amount, then in date (deduction date to transaction
    date), is taken; when two are equally near the row is AMBIGUOUS. Rows are taken in file order and an
    entry matches one row at most.

    Entries are filed by TAN, quarter and whole rupee, so a row looks at the few entries within a rupee of
    its amount, never at all of a large deductor's entries of the quarter: 50,000 rows against 10,000 entries
    of one buyer stay a matter of milliseconds."""
    filed: dict[tuple[str | None, str], dict[int, list[Candidate]]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:
        filed[(entry.deductor_tan, entry.quarter)][int(entry.amount)].append(entry)
    used: set[str] = set()
    outcomes: list[Outcome] = []
    for line in lines:
        if isinstance(line, Unreadable):
            outcomes.append(Outcome(line.row, "UNMATCHED", message=line.message))
            continue
        by_rupee = filed.get((line.deductor_tan, line.quarter))
        rupee = int(line.tax_deducted)
        near = [e for r in (rupee - 1, rupee, rupee + 1) for e in (by_rupee or {}).get(r, ())]
        fitting = [
            e
            for e in near
            if e.tds_id not in used
            and fits_section(line.section, e)
            and abs(e.amount - line.tax_deducted) <= TOLERANCE
        ]
        if not fitting:
            outcomes.append(Outcome(line.row, "UNMATCHED", message=_why_not(line, by_rupee is not None)))
            continue

        def nearness(e: Candidate, line: Line = line) -> tuple[Decimal, int]:
            return abs(e.amount - line.tax_deducted), abs((e.deducted_on - line.transaction_date).days)

        fitting.sort(key=lambda e: (nearness(e), e.tds_id))
        best = nearness(fitting[0])
        tied = [e for e in fitting if nearness(e) == best]
        if len(tied) > 1:
            outcomes.append(
                Outcome(
                    line.row,
                    "AMBIGUOUS",
                    candidate_ids=tuple(e.tds_id for e in tied),
                    message=f"{len(tied)} register entries fit this row equally well; record their Form 16A "
                    "certificates to tell them apart",
                )
            )
            continue
        used.add(fitting[0].tds_id)
        message = None
        if line.tax_deposited is not None and line.tax_deducted - line.tax_deposited > TOLERANCE:
            message = (
                f"the deductor deposited {line.tax_deposited:.2f} of the {line.tax_deducted:.2f} it "
                "deducted: ask it to deposit the rest"
            )
        outcomes.append(Outcome(line.row, "MATCHED", tds_id=fitting[0].tds_id, message=message))
    return outcomes


def _why_not(line: Line, deductor_known: bool) -> str:
    if not deductor_known:
        return f"no TDS of deductor {line.deductor_tan} in {line.quarter} is in the register"
    return (
        f"no TDS of deductor {line.deductor_tan} in {line.quarter} under section {line.section} is "
        f"{line.tax_deducted:.2f} (within {TOLERANCE:.2f}) and not matched already"
    )
