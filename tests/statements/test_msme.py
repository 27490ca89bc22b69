"""A micro or small seller's statement claims the MSMED Act s.16 interest on each open invoice, to the
period's last day, beside its Udyam number (api.md §10 "MSME"); other sellers' statements say nothing of
it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.credit_notes.helpers import customer
from tests.msme.helpers import UDYAM, bill, msme_seller, pay, pdf_text
from tests.statements.helpers import exact, path
from tests.support import TenantFactory

INVOICE_DATE = date(2026, 9, 1)
DUE = date(2026, 10, 1)  # agreed 30 days: under the 45-day cap, so it is the statutory due date too
TO = date(2026, 10, 21)


async def test_a_small_sellers_statement_claims_the_interest_on_each_open_invoice(
    tenants: TenantFactory,
) -> None:
    """By hand: 1,000.00 owed from 2 to 21 October 2026 (20 days after the due date, within the first month
    so no rest yet) at three times the 5.50 % bank rate in force since 5 December 2025:
    1,000 x 16.5 % x 20 / 365 = 9.0411 → 9.04. The second invoice, 400.00 due 2026-11-30, is not late on
    21 October: 0.00. A 600.00 payment on 10 October of a third invoice of 600.00 (due 2026-09-15) settled it:
    it is not open, and its interest is not claimed on the statement."""
    seller = await msme_seller(tenants, "SMALL")
    buyer = await customer(seller)
    late = await bill(seller, buyer, INVOICE_DATE, DUE, "1000")
    await bill(seller, buyer, date(2026, 10, 15), date(2026, 11, 30), "400")
    paid = await bill(seller, buyer, INVOICE_DATE, date(2026, 9, 15), "600")
    await pay(seller, buyer, paid["invoiceId"], "600", date(2026, 10, 10))

    got = exact(await seller.get(path(buyer), params={"from": "2026-09-01", "to": TO.isoformat()}))
    by_number = {i["invoiceNumber"]: i for i in got["openInvoices"]}
    assert by_number[late["invoiceNumber"]]["msmeDueDate"] == DUE.isoformat()
    assert by_number[late["invoiceNumber"]]["msmeInterest"] == Decimal("9.04")
    assert sorted(i["msmeInterest"] for i in got["openInvoices"]) == [Decimal("0.00"), Decimal("9.04")]
    assert got["msmeInterest"] == Decimal("9.04")

    pdf = await seller.get(path(buyer), params={"from": "2026-09-01", "to": TO.isoformat(), "format": "pdf"})
    assert pdf.status_code == 200
    text = pdf_text(pdf.content)
    assert f"Udyam: {UDYAM}" in text
    assert "Interest (MSMED s.16)" in text
    assert "9.04" in text


async def test_a_medium_or_unregistered_sellers_statement_has_no_interest(tenants: TenantFactory) -> None:
    for category in ("MEDIUM", None):
        seller = await msme_seller(tenants, category)
        buyer = await customer(seller)
        await bill(seller, buyer, INVOICE_DATE, DUE, "1000")
        got = exact(await seller.get(path(buyer), params={"from": "2026-09-01", "to": TO.isoformat()}))
        assert got["msmeInterest"] is None
        assert [(i["msmeDueDate"], i["msmeInterest"]) for i in got["openInvoices"]] == [(None, None)]
        pdf = await seller.get(path(buyer), params={"to": TO.isoformat(), "format": "pdf"})
        assert "Interest (MSMED" not in pdf_text(pdf.content)
