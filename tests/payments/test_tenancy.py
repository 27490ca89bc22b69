"""Payments are per company (api.md §1.3): another company's payment, invoice or customer is not there."""

from __future__ import annotations

from decimal import Decimal

from tests.customers.helpers import assert_error, assert_invalid, payload
from tests.payments.helpers import INVOICES, PAYMENTS, credit_of, customer, get_invoice, invoice, money, pay
from tests.support import TenantFactory


async def test_another_company_sees_no_payment_and_cannot_pay_into_its_invoices(
    tenants: TenantFactory,
) -> None:
    a = await tenants.create(name="Seller A")
    b = await tenants.create(name="Seller B")
    a_buyer = await customer(a)
    a_invoice = await invoice(a, a_buyer, partialPaymentAllowed=True)
    made = payload(await pay(a, a_buyer, 100, [(a_invoice["invoiceId"], 100)]))
    b_buyer = await customer(b)

    for template, real, fake in (
        (PAYMENTS + "/{}", made["paymentId"], "PAY0000000000000"),
        (INVOICES + "/{}/payments", a_invoice["invoiceId"], "INV0000000000000"),
    ):
        real_error = assert_error(await b.get(template.format(real)), 404, "RECORD_NOT_FOUND")
        fake_error = assert_error(await b.get(template.format(fake)), 404, "RECORD_NOT_FOUND")
        # Worded exactly as for an id that does not exist.
        assert real_error["errorMessage"].replace(real, fake) == fake_error["errorMessage"]

    # B's payment naming A's invoice: refused as an invoice B does not have, and A's invoice is untouched.
    errors = assert_invalid(
        await pay(b, b_buyer, 50, [(a_invoice["invoiceId"], 50)]), "allocations[0].invoiceId"
    )
    assert errors["allocations[0].invoiceId"]["message"] == "is not an invoice of this company"
    # B paying for A's customer: not B's customer.
    assert_invalid(await pay(b, a_buyer, 50), "customerId")

    assert money((await get_invoice(a, a_invoice["invoiceId"]))["paidAmount"]) == Decimal("100.00")
    assert await credit_of(a, a_buyer) == 0 and await credit_of(b, b_buyer) == 0
    assert payload(await a.get(f"{PAYMENTS}/{made['paymentId']}")) == made
