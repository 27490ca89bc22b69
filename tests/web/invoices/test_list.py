"""The invoice list: every filter of invoice search narrows it, it is sorted and paged, and the filters live
in the query string, so a URL is a bookmark."""

from __future__ import annotations

import pytest

from tests.collection.helpers import dispatch
from tests.support import TenantFactory
from tests.web.invoices.helpers import Seller, customer, invoice, invoice_numbers, make_seller, set_chain


async def test_the_list_shows_the_sellers_invoices_with_their_columns(tenants: TenantFactory) -> None:
    seller = await make_seller(tenants)
    made = await invoice(seller.admin, seller.customer_id, invoiceNumber="LS-1", dueDate="2026-12-31")
    response = await seller.page("/app/invoices")
    assert response.status_code == 200, response.text
    html = response.text
    assert invoice_numbers(html) == ["LS-1"]
    assert f'href="/app/invoices/{made["invoiceId"]}"' in html
    assert "₹1,180.00" in html and "31 Dec 2026" in html and "24 Nov 2026" in html
    assert "Buyer" in html and "1–1 of 1" in html


async def _three(seller: Seller) -> dict[str, str]:
    """F-OLD: overdue since 2025, F-MID: dispatched, another customer; F-NEW: waiting for a checker."""
    other = await customer(seller.admin, legalName="Kaveri Textiles Pvt Ltd")
    old = await invoice(
        seller.admin,
        seller.customer_id,
        invoiceNumber="F-OLD",
        invoiceDate="2025-06-01",
        dueDate="2025-06-30",
        baseAmount=200,
        cgst=18,
        sgst=18,
        externalId="ERP-7",
    )
    mid = await invoice(
        seller.admin, other, invoiceNumber="F-MID", dueDate="2027-01-15", baseAmount=5000, cgst=450, sgst=450
    )
    await dispatch(seller.admin, [mid["invoiceId"]])
    await set_chain(seller.admin, "MAKER_CHECKER")
    new = await invoice(seller.admin, seller.customer_id, invoiceNumber="F-NEW", dueDate="2026-12-20")
    return {"old": old["invoiceId"], "mid": mid["invoiceId"], "new": new["invoiceId"], "other": other}


FILTERS = [
    ("status=DISPATCHED", ["F-MID"]),
    ("status=CREATED&status=DISPATCHED", ["F-NEW", "F-MID", "F-OLD"]),
    ("approvalStatus=CHECKER_APPROVAL_PENDING", ["F-NEW"]),
    ("approvalStatus=APPROVER_APPROVED", ["F-MID", "F-OLD"]),
    ("invoiceNumber=F-OLD", ["F-OLD"]),
    ("customerLegalName=kaveri", ["F-MID"]),
    ("dueDateFrom=2026-12-01&dueDateTo=2026-12-31", ["F-NEW"]),
    ("dueDateTo=2026-12-31&status=CREATED", ["F-NEW", "F-OLD"]),
    ("createdOnTo=2020-01-01", []),
    ("createdOnFrom=2020-01-01", ["F-NEW", "F-MID", "F-OLD"]),
    ("dispatchedOnFrom=2020-01-01", ["F-MID"]),
    ("balanceAmountFrom=1000&balanceAmountTo=2,000", ["F-NEW"]),
    ("baseAmountFrom=4000", ["F-MID"]),
    ("baseAmountTo=999.99", ["F-OLD"]),
    ("overdue=yes", ["F-OLD"]),
    ("overdue=no", ["F-NEW", "F-MID"]),
    ("dispatched=yes", ["F-MID"]),
    ("dispatched=no", ["F-NEW", "F-OLD"]),
    ("createdVia=API", ["F-NEW", "F-MID", "F-OLD"]),
    ("createdVia=BULK_UPLOAD", []),
    ("customerStatus=ACTIVE", ["F-NEW", "F-MID", "F-OLD"]),
    ("customerDeleted=yes", []),
    ("documentType=TAX_INVOICE", ["F-NEW", "F-MID", "F-OLD"]),
    ("documentType=DEBIT_NOTE", []),
    ("externalId=ERP-7", ["F-OLD"]),
    ("collectionMode=CASH", []),
    ("orderBy=dueDate&direction=ASC", ["F-OLD", "F-NEW", "F-MID"]),
    ("orderBy=totalAmount&direction=DESC", ["F-MID", "F-NEW", "F-OLD"]),
    # Blank fields, as an unfilled form sends them, are not filters.
    ("status=&dueDateTo=&invoiceNumber=&overdue=", ["F-NEW", "F-MID", "F-OLD"]),
]


async def test_each_filter_narrows_the_list(tenants: TenantFactory) -> None:
    seller = await make_seller(tenants)
    made = await _three(seller)
    for query, expected in FILTERS:
        response = await seller.page(f"/app/invoices?{query}")
        assert response.status_code == 200, (query, response.text)
        shown = invoice_numbers(response.text)
        # Made in one test transaction, the invoices share their createdOn: only an explicit sort orders them.
        assert shown == expected if "orderBy" in query else sorted(shown) == sorted(expected), query
        if not expected:
            assert "No invoices match these filters." in response.text
    by_customer = await seller.page(f"/app/invoices?customerId={made['other']}")
    assert invoice_numbers(by_customer.text) == ["F-MID"]
    both = await seller.page(f"/app/invoices?customerId={made['other']},{seller.customer_id}&orderBy=dueDate")
    assert invoice_numbers(both.text) == ["F-MID", "F-NEW", "F-OLD"]


async def test_the_form_shows_the_filters_in_force(tenants: TenantFactory) -> None:
    seller = await make_seller(tenants)
    await _three(seller)
    html = (await seller.page("/app/invoices?status=DISPATCHED&dueDateTo=2027-12-31&dispatched=yes")).text
    assert '<input type="checkbox" name="status" value="DISPATCHED" checked>' in html
    assert 'name="dueDateTo" type="date" value="2027-12-31"' in html
    assert '<option value="yes" selected>Dispatched</option>' in html
    assert "<details open>" in html  # a filter behind "More filters" is in force, so they are shown


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ("dueDateFrom=31-12-2026", "dueDateFrom", "date"),
        ("balanceAmountFrom=lots", "balanceAmountFrom", "amount in rupees"),
        ("status=LOST", "status", "Input should be"),
        ("overdue=maybe", "overdue", "yes or no"),
        ("orderBy=colour", "orderBy", "cannot sort by colour"),
    ],
)
async def test_a_wrong_filter_is_named_and_nothing_is_listed(
    tenants: TenantFactory, query: str, field: str, says: str
) -> None:
    seller = await make_seller(tenants)
    await invoice(seller.admin, seller.customer_id, invoiceNumber="W-1")
    response = await seller.page(f"/app/invoices?{query}")
    assert response.status_code == 422
    assert 'id="form-error"' in response.text and field in response.text
    assert f'id="qe-{field}"' in response.text and says in response.text
    assert invoice_numbers(response.text) == []
    assert "Traceback" not in response.text


async def test_the_list_is_paged_with_links_that_keep_the_filters(
    tenants: TenantFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dues.web.invoices import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    seller = await make_seller(tenants)
    for k in range(5):
        await invoice(seller.admin, seller.customer_id, invoiceNumber=f"P-{k}", dueDate=f"2026-12-{10 + k}")
    first = await seller.page("/app/invoices?orderBy=dueDate&direction=ASC&status=CREATED")
    assert invoice_numbers(first.text) == ["P-0", "P-1"]
    assert "1–2 of 5" in first.text and "Previous page" not in first.text
    nxt = "/app/invoices?direction=ASC&amp;orderBy=dueDate&amp;status=CREATED&amp;offset=2"
    assert f'href="{nxt}" rel="next"' in first.text
    second = await seller.page("/app/invoices?direction=ASC&orderBy=dueDate&status=CREATED&offset=2")
    assert invoice_numbers(second.text) == ["P-2", "P-3"]
    assert 'rel="prev"' in second.text and 'rel="next"' in second.text
    last = await seller.page("/app/invoices?direction=ASC&orderBy=dueDate&status=CREATED&offset=4")
    assert invoice_numbers(last.text) == ["P-4"]
    assert 'rel="next"' not in last.text and "5–5 of 5" in last.text


async def test_another_companys_invoices_are_never_listed(tenants: TenantFactory) -> None:
    seller = await make_seller(tenants)
    other = await make_seller(tenants, name="Other Seller Pvt Ltd")
    await invoice(other.admin, other.customer_id, invoiceNumber="THEIRS-1")
    await invoice(seller.admin, seller.customer_id, invoiceNumber="MINE-1")
    html = (await seller.page(f"/app/invoices?customerId={other.customer_id}")).text
    assert invoice_numbers(html) == []
    assert invoice_numbers((await seller.page("/app/invoices")).text) == ["MINE-1"]
