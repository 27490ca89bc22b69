"""A transfer is recorded once: a UTR (UPI, NEFT, RTGS, IMPS) or card transaction id that a company already
recorded is refused with 409, even when two requests bring it at the same moment; nothing of the second is
written. Cheque and receipt numbers are not unique and stay free."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from dues.db import Database
from tests.customers.helpers import assert_error, payload
from tests.payments.helpers import credit_of, customer, get_invoice, invoice, money, pay, scalar
from tests.support import Tenant, TenantFactory


async def test_a_utr_recorded_again_is_refused_and_nothing_is_written(tenant: Tenant, db: Database) -> None:
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer, base="1000", partialPaymentAllowed=True)  # 1,180
    first = payload(
        await pay(tenant, buyer, 500, [(inv["invoiceId"], 500)], mode="NEFT", reference="HDFCN52026112400123")
    )

    again = await pay(
        tenant, buyer, 500, [(inv["invoiceId"], 500)], mode="NEFT", reference="hdfcn52026112400123"
    )

    error = assert_error(again, 409, "UNPROCESSABLE_REQUEST")
    assert first["paymentId"] in error["errorMessage"] and "HDFCN52026112400123" in error["errorMessage"]
    after = await get_invoice(tenant, inv["invoiceId"])
    assert (money(after["paidAmount"]), money(after["balanceAmount"])) == (
        Decimal("500.00"),
        Decimal("680.00"),
    )
    assert await scalar(db, "SELECT count(*) FROM payments WHERE company_id = :c", c=tenant.company_id) == 1
    assert await credit_of(tenant, buyer) == Decimal("0.00")


async def test_the_same_utr_without_allocations_is_refused_too(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    await invoice(tenant, buyer, base="1000")
    assert (await pay(tenant, buyer, 100, mode="UPI", reference="412345678901")).status_code == 200

    assert_error(
        await pay(tenant, buyer, 100, mode="UPI", reference="412345678901"), 409, "UNPROCESSABLE_REQUEST"
    )
    assert await credit_of(tenant, buyer) == Decimal("100.00")


async def test_cheque_numbers_and_other_modes_and_companies_are_free(
    tenant: Tenant, tenants: TenantFactory
) -> None:
    buyer = await customer(tenant)
    for _ in range(2):  # two cheques from different banks may carry one number
        assert (await pay(tenant, buyer, 10, mode="CHEQUE", reference="000123")).status_code == 200
    assert (await pay(tenant, buyer, 10, mode="NEFT", reference="SAME0001")).status_code == 200
    assert (await pay(tenant, buyer, 10, mode="RTGS", reference="SAME0001")).status_code == 200
    other = await tenants.create()
    assert (await pay(other, await customer(other), 10, mode="NEFT", reference="SAME0001")).status_code == 200


async def test_two_requests_with_one_utr_at_once_record_it_once(
    live_tenants: TenantFactory, committed: Database
) -> None:
    seller = await live_tenants.create()
    buyer = await customer(seller)
    inv = await invoice(seller, buyer, base="1000", partialPaymentAllowed=True)

    answers = await asyncio.gather(
        *(
            pay(seller, buyer, 100, [(inv["invoiceId"], 100)], mode="IMPS", reference="IMPS000777")
            for _ in range(5)
        )
    )

    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409, 409]
    after = await get_invoice(seller, inv["invoiceId"])
    assert money(after["paidAmount"]) == Decimal("100.00")
    assert (
        await scalar(committed, "SELECT count(*) FROM payments WHERE company_id = :c", c=seller.company_id)
        == 1
    )
