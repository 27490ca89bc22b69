"""updateInvoice (api.md §4): a patch is checked as a whole, like a create; a payment freezes the money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import text

from dues.db import Database
from tests.customers.helpers import assert_error, assert_invalid
from tests.support import Tenant, TenantFactory, gstin_for, with_ledger

INVOICES = "/api/v0/invoice"


async def _setup(seller: Tenant, **fields: Any) -> tuple[str, dict[str, Any]]:
    customer = (await seller.create_customer(panOrGstin=gstin_for("27", 11)))["customerId"]
    body = {"customerId": customer, "dueDate": "2026-12-31", "invoiceDate": "2026-11-24", **fields}
    response = await seller.post(INVOICES, json=body)
    assert response.status_code == 200, response.text
    return customer, response.json()["payload"]


async def _patch(seller: Tenant, invoice_id: str, body: dict[str, Any]) -> Any:
    return await seller.patch(f"{INVOICES}/{invoice_id}", json=body)


async def test_a_patch_changes_what_it_names_and_recomputes_the_total(tenant: Tenant) -> None:
    _, invoice = await _setup(tenant, baseAmount=1000, cgst=90, sgst=90, description="November")

    response = await _patch(tenant, invoice["invoiceId"], {"baseAmount": 2000, "cgst": 180, "sgst": 180})

    assert response.status_code == 200, response.text
    changed = response.json()["payload"]
    assert Decimal(str(changed["totalAmount"])) == Decimal("2360.00")
    assert Decimal(str(changed["balanceAmount"])) == Decimal("2360.00")
    assert changed["description"] == "November" and changed["invoiceNumber"] == invoice["invoiceNumber"]


async def test_a_patch_is_held_to_the_gst_rules(tenant: Tenant) -> None:
    _, invoice = await _setup(tenant, baseAmount=1000, cgst=90, sgst=90)

    assert_invalid(await _patch(tenant, invoice["invoiceId"], {"sgst": 80}), "sgst")
    # Moving the place of supply to another state needs IGST in place of CGST and SGST.
    errors = assert_invalid(
        await _patch(tenant, invoice["invoiceId"], {"placeOfSupply": "Karnataka"}), "cgst", "sgst"
    )
    assert "another state" in errors["cgst"]["message"]
    moved = await _patch(
        tenant, invoice["invoiceId"], {"placeOfSupply": "Karnataka", "cgst": 0, "sgst": 0, "igst": 180}
    )
    assert moved.status_code == 200, moved.text
    assert Decimal(str(moved.json()["payload"]["totalAmount"])) == Decimal("1180.00")


async def test_null_clears_only_what_may_be_empty(tenant: Tenant) -> None:
    _, invoice = await _setup(tenant, baseAmount=100, description="note", externalId="X-1")

    cleared = await _patch(tenant, invoice["invoiceId"], {"description": None, "externalId": None})
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["payload"]["description"], cleared.json()["payload"]["externalId"]) == (None, None)
    errors = assert_invalid(await _patch(tenant, invoice["invoiceId"], {"dueDate": None}), "dueDate")
    assert errors["dueDate"]["message"] == "cannot be cleared"


async def test_new_lines_replace_the_old_ones(tenant: Tenant) -> None:
    line = {"description": "Widget", "hsnSac": "8471", "quantity": 2, "unitPrice": 100, "gstRate": 18}
    _, invoice = await _setup(tenant, lineItems=[line])

    response = await _patch(tenant, invoice["invoiceId"], {"lineItems": [{**line, "quantity": 5}]})

    assert response.status_code == 200, response.text
    changed = response.json()["payload"]
    assert len(changed["lineItems"]) == 1 and Decimal(str(changed["baseAmount"])) == Decimal("500.00")
    assert Decimal(str(changed["totalAmount"])) == Decimal("590.00")
    got = (await tenant.get(f"{INVOICES}/{invoice['invoiceId']}")).json()["payload"]
    assert got["lineItems"] == changed["lineItems"]


async def test_a_payment_freezes_amounts_customer_and_dates(tenant: Tenant, db: Database) -> None:
    _, invoice = await _setup(tenant, baseAmount=1000, cgst=90, sgst=90)
    async with db.sessionmaker() as session:
        await session.execute(
            text(
                with_ledger(
                    "UPDATE invoices SET paid_amount = 100, balance_amount = total_amount - 100, "
                    "status = 'PARTIALLY_PAID' WHERE invoice_id = :i"
                )
            ),
            {"i": invoice["invoiceId"]},
        )
        await session.commit()

    for frozen in ({"baseAmount": 900, "cgst": 81, "sgst": 81}, {"dueDate": "2027-01-31"}):
        error = assert_error(await _patch(tenant, invoice["invoiceId"], frozen), 422, "UNPROCESSABLE_REQUEST")
        assert "has received 100.00" in error["errorMessage"]
    allowed = await _patch(tenant, invoice["invoiceId"], {"description": "still editable"})
    assert allowed.status_code == 200, allowed.text
    assert Decimal(str(allowed.json()["payload"]["balanceAmount"])) == Decimal("1080.00")


async def test_another_company_cannot_patch_and_a_viewer_cannot_either(
    tenant: Tenant, tenants: TenantFactory
) -> None:
    _, invoice = await _setup(tenant, baseAmount=100)
    other = await tenants.create(name="Other Pvt Ltd")
    viewer = await tenants.user(tenant, "VIEWER")

    assert_error(await _patch(other, invoice["invoiceId"], {"description": "x"}), 404, "RECORD_NOT_FOUND")
    assert_error(await _patch(viewer, invoice["invoiceId"], {"description": "x"}), 403, "INVALID_ACCESS")


async def test_every_change_is_audited(tenant: Tenant, db: Database) -> None:
    _, invoice = await _setup(tenant, baseAmount=100)

    await _patch(tenant, invoice["invoiceId"], {"baseAmount": 150})

    async with db.sessionmaker() as session:
        before, after = (
            await session.execute(
                text(
                    "SELECT before, after FROM audit_log WHERE entity_id = :i AND action = 'UPDATE' "
                    "ORDER BY id DESC LIMIT 1"
                ),
                {"i": invoice["invoiceId"]},
            )
        ).one()
    assert (before["base_amount"], after["base_amount"]) == ("100.00", "150.00")
