"""The invoice list: every filter of invoice search narrows it, it is sorted and paged, and the filters live
in the query string."""

from __future__ import annotations

from tests.support import TenantFactory
from tests.web.invoices.helpers import invoice, invoice_numbers, make_seller


async def test_the_list_shows_the_sellers_invoices_with_their_columns(tenants: TenantFactory) -> None:
    seller = await make_seller(tenants)
    made = await invoice(seller.admin, seller.customer_id, invoiceNumber="LS-1", dueDate="2026-12-31")
    response = await seller.page("/app/invoices")
    assert response.status_code == 200, response.text
    html = response.text
    assert invoice_numbers(html) == ["LS-1"]
    assert f'href="/app/invoices/{made["invoiceId"]}"' in html
    assert "₹1,180.00" in html and "31 Dec 2026" in html and "24 Nov 2026" in html
    assert "Buyer" in html
