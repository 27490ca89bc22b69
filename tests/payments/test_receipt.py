"""A payment's receipt (api.md §9.2, issue 12's documents): a PDF that names the payer, the invoices it
settled with cash and TDS, and what went to credit; a reversed payment has none."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.customers.helpers import payload
from tests.payments.helpers import customer, invoice, pay
from tests.support import Tenant, TenantFactory

TAN = "MUMA12345B"


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_the_receipt_shows_what_the_payment_settled_with_its_tds(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    big = await invoice(tenant, buyer, base="100000")  # 1,18,000.00
    small = await invoice(tenant, buyer)  # 1,180.00
    body = {
        "customerId": buyer,
        "mode": "NEFT",
        "amount": 119180,
        "reference": "UTR-RECEIPT-1",
        "paidOn": "2026-12-05",
        "tdsSection": "194Q",
        "deductorTan": TAN,
        "allocations": [
            {"invoiceId": big["invoiceId"], "amount": 117900, "tdsAmount": 100},
            {"invoiceId": small["invoiceId"], "amount": 1180},
        ],
    }
    paid = payload(await tenant.post("/api/v0/payment", json=body))

    answer = await tenant.get(f"/api/v0/payment/{paid['paymentId']}/receipt")

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert f"receipt-{paid['paymentId']}.pdf" in answer.headers["content-disposition"]
    text = _text(answer.content)
    for expected in (
        paid["paymentId"],
        "UTR-RECEIPT-1",
        big["invoiceNumber"],
        small["invoiceNumber"],
        "1,17,900.00",
        "1,19,180.00",
        "194Q",
        TAN,
        "100.00",
    ):
        assert expected in text, (expected, text)


async def test_a_reversed_payment_has_no_receipt_and_another_companys_is_not_found(
    tenant: Tenant, tenants: TenantFactory
) -> None:
    buyer = await customer(tenant)
    made = await invoice(tenant, buyer)
    paid = payload(await pay(tenant, buyer, 1180, [(made["invoiceId"], 1180)], mode="CHEQUE"))
    other = await tenants.create("Other Seller Pvt Ltd")
    assert (await other.get(f"/api/v0/payment/{paid['paymentId']}/receipt")).status_code == 404

    reversed_ = await tenant.post(
        f"/api/v0/payment/{paid['paymentId']}/reverse", json={"reason": "CHEQUE_BOUNCED"}
    )
    assert reversed_.status_code == 200, reversed_.text

    answer = await tenant.get(f"/api/v0/payment/{paid['paymentId']}/receipt")
    assert answer.status_code == 422
    assert "reversed" in answer.json()["errorResponse"]["errorMessage"]
