"""createInvoice and getInvoice (api.md §4): GST rules, exact amounts, numbering, tenancy."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import text

from dues.db import Database
from dues.kit import gst
from dues.kit.timefmt import today_ist
from tests.customers.helpers import assert_error, assert_invalid
from tests.support import Tenant, TenantFactory, gstin_for

INVOICES = "/api/v0/invoice"


async def _customer(seller: Tenant, state: str = "Maharashtra", **fields: Any) -> str:
    code = {"Maharashtra": "27", "Karnataka": "29"}[state]
    created = await seller.create_customer(panOrGstin=gstin_for(code, 7), state=state, **fields)
    return str(created["customerId"])


def _body(customer_id: str, **fields: Any) -> dict[str, Any]:
    # Due far ahead: a new invoice is not overdue, whatever today is.
    return {"customerId": customer_id, "dueDate": "2099-12-31", "invoiceDate": "2026-11-24", **fields}


async def _create(seller: Tenant, body: dict[str, Any]) -> httpx.Response:
    return await seller.post(INVOICES, json=body)


def _money(value: Any) -> Decimal:
    return Decimal(str(value))


async def test_intra_state_invoice_adds_cgst_and_sgst(tenant: Tenant) -> None:
    customer = await _customer(tenant)

    response = await _create(tenant, _body(customer, baseAmount=1000, cgst=90, sgst=90))

    assert response.status_code == 200, response.text
    invoice = response.json()["payload"]
    assert invoice["invoiceId"].startswith("INV") and len(invoice["invoiceId"]) == 16
    assert (invoice["placeOfSupply"], invoice["sellerId"]) == ("Maharashtra", tenant.company_id)
    assert _money(invoice["totalAmount"]) == Decimal("1180.00")
    assert _money(invoice["balanceAmount"]) == Decimal("1180.00") and _money(invoice["paidAmount"]) == 0
    assert (invoice["status"], invoice["approvalStatus"]) == ("CREATED", "APPROVER_APPROVED")
    assert invoice["overdue"] is False and invoice["createdVia"] == "API"


async def test_intra_state_with_unequal_halves_names_the_field(tenant: Tenant) -> None:
    customer = await _customer(tenant)

    errors = assert_invalid(await _create(tenant, _body(customer, baseAmount=1000, cgst=90, sgst=80)), "sgst")

    assert errors["sgst"]["message"].startswith("must equal cgst (90.00)")


async def test_intra_state_with_igst_is_refused(tenant: Tenant) -> None:
    customer = await _customer(tenant)

    assert_invalid(await _create(tenant, _body(customer, baseAmount=1000, igst=180)), "igst")


async def test_inter_state_takes_igst_only(tenant: Tenant) -> None:
    customer = await _customer(tenant, "Karnataka")

    refused = await _create(tenant, _body(customer, baseAmount=1000, cgst=90, sgst=90))
    errors = assert_invalid(refused, "cgst", "sgst")
    assert "another state" in errors["cgst"]["message"]

    accepted = await _create(tenant, _body(customer, baseAmount=1000, igst=180))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["payload"]["placeOfSupply"] == "Karnataka"
    assert _money(accepted.json()["payload"]["totalAmount"]) == Decimal("1180.00")


async def test_three_decimals_and_tiny_amounts_are_refused(tenant: Tenant) -> None:
    customer = await _customer(tenant)

    errors = assert_invalid(await _create(tenant, _body(customer, baseAmount="100.005")), "baseAmount")
    assert "2 decimal places" in errors["baseAmount"]["message"]
    errors = assert_invalid(await _create(tenant, _body(customer, baseAmount="0.05")), "baseAmount")
    assert errors["baseAmount"]["message"] == "must be at least 0.10"
    assert (await _create(tenant, _body(customer, baseAmount="0.10"))).status_code == 200


async def test_line_items_compute_exact_totals(tenant: Tenant) -> None:
    customer = await _customer(tenant)
    line = {"description": "Widget", "hsnSac": "8471", "quantity": 1, "unitPrice": "333.33", "gstRate": 18}

    response = await _create(tenant, _body(customer, lineItems=[line, line, line]))

    assert response.status_code == 200, response.text
    invoice = response.json()["payload"]
    # Each line: 333.33 taxable, 9 % of it (29.9997) is 30.00 for CGST and again for SGST.
    assert [
        (_money(x["baseAmount"]), _money(x["cgst"]), _money(x["sgst"])) for x in invoice["lineItems"]
    ] == [(Decimal("333.33"), Decimal("30.00"), Decimal("30.00"))] * 3
    assert _money(invoice["baseAmount"]) == Decimal("999.99")
    assert (_money(invoice["cgst"]), _money(invoice["sgst"]), _money(invoice["igst"])) == (
        Decimal("90.00"),
        Decimal("90.00"),
        Decimal("0.00"),
    )
    assert _money(invoice["totalAmount"]) == Decimal("1179.99")
    got = await tenant.get(f"{INVOICES}/{invoice['invoiceId']}")
    assert got.json()["payload"]["lineItems"] == invoice["lineItems"]


async def test_amounts_that_disagree_with_the_lines_are_refused(tenant: Tenant) -> None:
    customer = await _customer(tenant)
    line = {"description": "Service", "hsnSac": "998314", "quantity": 2, "unitPrice": 500, "gstRate": 18}

    errors = assert_invalid(
        await _create(tenant, _body(customer, baseAmount=900, lineItems=[line])), "baseAmount"
    )

    assert errors["baseAmount"]["message"] == "does not agree with lineItems, which give 1000.00"


async def test_a_duplicate_number_is_refused_within_a_financial_year_only(tenant: Tenant) -> None:
    customer = await _customer(tenant)
    first = await _create(tenant, _body(customer, baseAmount=100, invoiceNumber="A/2026-001"))
    assert first.status_code == 200, first.text

    # 31 March 2027 is still financial year 2026-27; 1 April 2027 starts 2027-28.
    again = _body(
        customer, baseAmount=100, invoiceNumber="A/2026-001", invoiceDate="2027-03-31", dueDate="2027-04-30"
    )
    errors = assert_invalid(await _create(tenant, again), "invoiceNumber")
    assert errors["invoiceNumber"]["message"] == "is already used in financial year 2026-27"

    next_year = _body(
        customer, baseAmount=100, invoiceNumber="A/2026-001", invoiceDate="2027-04-01", dueDate="2027-04-30"
    )
    assert (await _create(tenant, next_year)).status_code == 200


async def test_numbers_are_generated_per_financial_year(tenant: Tenant) -> None:
    customer = await _customer(tenant)

    numbers = []
    for day in ("2026-11-24", "2026-11-25", "2027-04-02"):
        response = await _create(
            tenant, _body(customer, baseAmount=100, invoiceDate=day, dueDate="2027-05-01")
        )
        assert response.status_code == 200, response.text
        numbers.append(response.json()["payload"]["invoiceNumber"])

    # Prefix, the financial year (2026-27 is 2627), a dash, and the sequence padded to 16 characters.
    assert numbers == ["INV2627-00000001", "INV2627-00000002", "INV2728-00000001"]


async def test_concurrent_creates_take_every_number_once_without_gaps(
    live_tenants: TenantFactory, committed: Database
) -> None:
    seller = await live_tenants.create()
    customer = await _customer(seller)

    responses = await asyncio.gather(*(_create(seller, _body(customer, baseAmount=100)) for _ in range(20)))

    assert [r.status_code for r in responses] == [200] * 20
    sequence = sorted(int(r.json()["payload"]["invoiceNumber"].split("-")[1]) for r in responses)
    assert sequence == list(range(1, 21))


async def _written(database: Database, company_id: str) -> tuple[list[str], int, list[str]]:
    """The company's invoice numbers, its invoice audit rows, and its event types, as committed."""
    async with database.sessionmaker() as session:
        numbers = await session.execute(
            text("SELECT invoice_number FROM invoices WHERE company_id = :c ORDER BY invoice_number"),
            {"c": company_id},
        )
        audited = await session.execute(
            text("SELECT count(*) FROM audit_log WHERE company_id = :c AND entity_type = 'invoice'"),
            {"c": company_id},
        )
        events = await session.execute(
            text(
                "SELECT event_type FROM events "
                "WHERE company_id = :c AND event_type LIKE 'invoice.%' ORDER BY id"
            ),
            {"c": company_id},
        )
        return list(numbers.scalars()), int(audited.scalar_one()), list(events.scalars())


async def test_concurrent_creates_step_over_a_number_typed_by_hand(
    live_tenants: TenantFactory, committed: Database
) -> None:
    seller = await live_tenants.create()
    customer = await _customer(seller)
    typed = await _create(seller, _body(customer, baseAmount=100, invoiceNumber="INV2627-00000003"))
    assert typed.status_code == 200, typed.text

    responses = await asyncio.gather(*(_create(seller, _body(customer, baseAmount=100)) for _ in range(6)))

    assert [r.status_code for r in responses] == [200] * 6
    numbers, audited, events = await _written(committed, seller.company_id)
    assert numbers == [f"INV2627-{n:08d}" for n in range(1, 8)]
    assert audited == 7 and events == ["invoice.created", "invoice.approved"] * 7


async def test_concurrent_creates_with_one_external_id_make_one_invoice(
    live_tenants: TenantFactory, committed: Database
) -> None:
    seller = await live_tenants.create()
    customer = await _customer(seller)
    body = _body(customer, baseAmount=100, externalId="ERP-77")

    responses = await asyncio.gather(*(_create(seller, body) for _ in range(8)))

    assert sorted(r.status_code for r in responses) == [200] + [422] * 7
    for refused in (r for r in responses if r.status_code == 422):
        assert_invalid(refused, "externalId")
    numbers, audited, events = await _written(committed, seller.company_id)
    # The losers wrote nothing and gave their numbers back: the series goes on from 2.
    assert numbers == ["INV2627-00000001"] and audited == 1
    assert events == ["invoice.created", "invoice.approved"]
    following = await _create(seller, _body(customer, baseAmount=100))
    assert following.json()["payload"]["invoiceNumber"] == "INV2627-00000002"


async def test_a_create_with_an_idempotency_key_is_answered_once(
    live_tenants: TenantFactory, committed: Database
) -> None:
    seller = await live_tenants.create()
    customer = await _customer(seller)
    headers = {"Idempotency-Key": "create-once-1"}

    first = await seller.post(INVOICES, json=_body(customer, baseAmount=100), headers=headers)
    again = await seller.post(INVOICES, json=_body(customer, baseAmount=100), headers=headers)

    assert first.status_code == again.status_code == 200, first.text
    assert again.json()["payload"]["invoiceId"] == first.json()["payload"]["invoiceId"]
    numbers, audited, _ = await _written(committed, seller.company_id)
    assert numbers == ["INV2627-00000001"] and audited == 1


async def test_the_audit_row_holds_the_invoice_as_created(
    live_tenants: TenantFactory, committed: Database
) -> None:
    seller = await live_tenants.create()
    customer = await _customer(seller)
    made = (await _create(seller, _body(customer, baseAmount=1000, cgst=90, sgst=90))).json()["payload"]

    async with committed.sessionmaker() as session:
        after = (
            await session.execute(
                text("SELECT after FROM audit_log WHERE entity_type = 'invoice' AND entity_id = :i"),
                {"i": made["invoiceId"]},
            )
        ).scalar_one()
    assert after["invoice_number"] == made["invoiceNumber"] == "INV2627-00000001"
    assert Decimal(after["total_amount"]) == Decimal("1180.00") and after["created_on"]
    assert after["customer_id"] == customer and after["created_by"]


async def test_only_an_active_customer_of_this_company_is_invoiced(
    tenant: Tenant, tenants: TenantFactory
) -> None:
    other = await tenants.create(name="Other Pvt Ltd")
    theirs = await _customer(other)
    assert_invalid(await _create(tenant, _body(theirs, baseAmount=100)), "customerId")

    mine = await _customer(tenant)
    assert (await tenant.put(f"/api/v0/customer/deactivate/{mine}")).status_code == 200
    errors = assert_invalid(await _create(tenant, _body(mine, baseAmount=100)), "customerId")
    assert "inactive" in errors["customerId"]["message"]


async def test_due_date_before_invoice_date_is_refused(tenant: Tenant) -> None:
    customer = await _customer(tenant)

    assert_invalid(await _create(tenant, _body(customer, baseAmount=100, dueDate="2026-11-01")), "dueDate")


async def test_another_company_cannot_read_an_invoice(tenant: Tenant, tenants: TenantFactory) -> None:
    customer = await _customer(tenant)
    invoice_id = (await _create(tenant, _body(customer, baseAmount=100))).json()["payload"]["invoiceId"]
    other = await tenants.create(name="Other Pvt Ltd")

    assert_error(await other.get(f"{INVOICES}/{invoice_id}"), 404, "RECORD_NOT_FOUND")
    assert (await tenant.get(f"{INVOICES}/{invoice_id}")).status_code == 200


async def test_a_viewer_cannot_create_and_a_checker_is_not_a_maker(
    tenant: Tenant, tenants: TenantFactory
) -> None:
    customer = await _customer(tenant)
    for role in ("VIEWER", "CHECKER"):
        user = await tenants.user(tenant, role)
        assert_error(await _create(user, _body(customer, baseAmount=100)), 403, "INVALID_ACCESS")


async def test_creation_writes_its_events_and_audit_row_in_the_same_transaction(
    tenant: Tenant, db: Database
) -> None:
    customer = await _customer(tenant)
    invoice_id = (await _create(tenant, _body(customer, baseAmount=100))).json()["payload"]["invoiceId"]

    async with db.sessionmaker() as session:
        events = (
            (
                await session.execute(
                    text(
                        "SELECT event_type FROM events WHERE company_id = :c AND entity_id = :i ORDER BY id"
                    ),
                    {"c": tenant.company_id, "i": invoice_id},
                )
            )
            .scalars()
            .all()
        )
        audited = (
            await session.execute(
                text("SELECT count(*) FROM audit_log WHERE entity_type = 'invoice' AND entity_id = :i"),
                {"i": invoice_id},
            )
        ).scalar_one()
    assert list(events) == ["invoice.created", "invoice.approved"]
    assert audited == 1


def test_financial_year_boundaries() -> None:
    assert gst.financial_year(date(2027, 3, 31)) == 2026 and gst.financial_year(date(2027, 4, 1)) == 2027
    assert isinstance(today_ist(), date)


async def test_a_customer_with_an_invoice_under_collection_cannot_be_deleted(
    tenant: Tenant, db: Database
) -> None:
    customer = await _customer(tenant)
    invoice_id = (await _create(tenant, _body(customer, baseAmount=100))).json()["payload"]["invoiceId"]
    async with db.sessionmaker() as session:
        # What dispatch (the collection issue) will do: the invoice goes out with its balance still owed.
        await session.execute(
            text("UPDATE invoices SET status = 'DISPATCHED', dispatched = true WHERE invoice_id = :i"),
            {"i": invoice_id},
        )
        await session.commit()

    refused = await tenant.delete(f"/api/v0/customer/{customer}")

    error = assert_error(refused, 422, "UNPROCESSABLE_REQUEST")
    assert "under collection" in error["errorMessage"]


async def test_amounts_are_answered_with_two_decimals(tenant: Tenant) -> None:
    customer = await _customer(tenant)

    response = await _create(
        tenant, _body(customer, baseAmount=1000, cgst=90, sgst=90, minimumPartialAmount=100)
    )

    raw = response.text.replace(" ", "")
    assert '"baseAmount":1000.00' in raw and '"totalAmount":1180.00' in raw
    assert '"minimumPartialAmount":100.00' in raw and '"cess":0.00' in raw


async def test_amounts_beyond_what_is_stored_are_refused(tenant: Tenant) -> None:
    customer = await _customer(tenant)

    errors = assert_invalid(await _create(tenant, _body(customer, baseAmount="1e20")), "baseAmount")
    assert errors["baseAmount"]["message"] == "must be at most 99,999,999,999,999.99"
    line = {
        "description": "Bulk",
        "hsnSac": "7214",
        "quantity": "99999999999",
        "unitPrice": "9999999",
        "gstRate": 18,
    }
    assert_invalid(await _create(tenant, _body(customer, lineItems=[line])), "lineItems")
