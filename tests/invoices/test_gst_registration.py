"""A seller without a GSTIN issues bills of supply and charges no GST (api.md §1.7); lines have units."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from dues.db import Database
from tests.customers.helpers import assert_invalid
from tests.support import Tenant, TenantFactory, gstin_for
from tests.uploads.helpers import accepted, by_row, csv_bytes, finished

INVOICES = "/api/v0/invoice"
NO_GSTIN = "the seller has no GSTIN: it issues a bill of supply and cannot charge GST"


def _text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


async def _customer(seller: Tenant, **fields: Any) -> str:
    created = await seller.create_customer(panOrGstin=gstin_for("27"), **fields)
    return str(created["customerId"])


def _body(customer_id: str, **fields: Any) -> dict[str, Any]:
    return {"customerId": customer_id, "dueDate": "2026-12-31", "invoiceDate": "2026-11-24", **fields}


def _line(**fields: Any) -> dict[str, Any]:
    return {"description": "Tuition", "hsnSac": "999293", "quantity": 1, "unitPrice": "1000.00", **fields}


@pytest.fixture
async def unregistered(tenants: TenantFactory) -> Tenant:
    return await tenants.create("Small Coaching Classes", registered=False)


@pytest.mark.parametrize(
    ("taxes", "fields"),
    [
        ({"cgst": 90, "sgst": 90}, ["cgst", "sgst"]),
        ({"igst": 180}, ["igst"]),
        ({"cess": 10}, ["cess"]),
    ],
)
async def test_a_seller_without_gstin_cannot_charge_gst(
    unregistered: Tenant, taxes: dict[str, Any], fields: list[str]
) -> None:
    customer = await _customer(unregistered)

    errors = assert_invalid(
        await unregistered.post(INVOICES, json=_body(customer, baseAmount=1000, **taxes)), *fields
    )

    for field in fields:
        assert errors[field]["message"] == NO_GSTIN
    search = await unregistered.post(f"{INVOICES}/search", json={})
    assert search.json()["payload"]["total"] == 0


async def test_a_line_with_a_gst_rate_is_refused_by_its_index(unregistered: Tenant) -> None:
    customer = await _customer(unregistered)
    body = _body(customer, lineItems=[_line(gstRate=0), _line(gstRate=18)])

    errors = assert_invalid(await unregistered.post(INVOICES, json=body), "lineItems[1].gstRate")

    assert errors["lineItems[1].gstRate"]["message"] == NO_GSTIN


async def test_a_bill_of_supply_is_issued_and_printed_as_one(unregistered: Tenant) -> None:
    customer = await _customer(unregistered)
    created = await unregistered.post(
        INVOICES, json=_body(customer, lineItems=[_line(quantity=2, gstRate=0, unit="set")])
    )
    assert created.status_code == 200, created.text
    invoice = created.json()["payload"]
    assert invoice["totalAmount"] == 2000.0 and invoice["cgst"] == 0.0

    pdf = await unregistered.get(f"{INVOICES}/{invoice['invoiceId']}/pdf")

    text = _text(pdf.content)
    assert "BILL OF SUPPLY" in text and "TAX INVOICE" not in text
    assert "Tuition 999293 2 SET 1,000.00 2,000.00" in text
    assert "CGST" not in text and "IGST" not in text
    assert PdfReader(io.BytesIO(pdf.content)).metadata.title.startswith("Bill of Supply ")


async def test_a_patch_cannot_add_gst_for_a_seller_without_gstin(unregistered: Tenant) -> None:
    customer = await _customer(unregistered)
    created = await unregistered.post(INVOICES, json=_body(customer, baseAmount=1000))
    invoice_id = created.json()["payload"]["invoiceId"]

    refused = await unregistered.patch(
        f"{INVOICES}/{invoice_id}", json={"baseAmount": 1000, "cgst": 90, "sgst": 90}
    )
    assert_invalid(refused, "cgst", "sgst")
    lines = await unregistered.patch(f"{INVOICES}/{invoice_id}", json={"lineItems": [_line(gstRate=5)]})
    assert_invalid(lines, "lineItems[0].gstRate")
    fine = await unregistered.patch(f"{INVOICES}/{invoice_id}", json={"description": "November fees"})
    assert fine.status_code == 200, fine.text


async def test_a_registered_seller_still_charges_gst(tenant: Tenant) -> None:
    customer = await _customer(tenant)

    created = await tenant.post(INVOICES, json=_body(customer, baseAmount=1000, cgst=90, sgst=90))

    assert created.status_code == 200, created.text


async def test_bulk_rows_of_a_seller_without_gstin_cannot_charge_gst(
    committed: Database, live_tenants: TenantFactory
) -> None:
    seller = await live_tenants.create("Small Coaching Classes", registered=False)
    await seller.create_customer(panOrGstin=gstin_for("27"), uniqueRefNo="LOCAL")
    header = ["customerUniqueRefNo", "dueDate", "invoiceDate", "baseAmount", "cgst", "sgst", "externalId"]
    rows = [
        ["LOCAL", "2026-12-31", "2026-11-24", "1000.00", "", "", "FEES-1"],
        ["LOCAL", "2026-12-31", "2026-11-24", "1000.00", "90", "90", "FEES-2"],
    ]

    upload_id = await accepted(seller, csv_bytes(header, rows), path=f"{INVOICES}/bulk/create")
    done = await finished(committed, seller, upload_id)

    report = by_row(done)
    assert report[2]["outcome"] == "CREATED"
    assert report[3]["outcome"] == "FAILED"
    assert {e["field"]: e["message"] for e in report[3]["errors"]} == {"cgst": NO_GSTIN, "sgst": NO_GSTIN}


async def test_a_line_carries_its_unit(tenant: Tenant) -> None:
    customer = await _customer(tenant)
    lines = [_line(gstRate=18), _line(gstRate=18, unit=" kgs ", quantity="12.5")]

    created = await tenant.post(INVOICES, json=_body(customer, lineItems=lines))

    assert created.status_code == 200, created.text
    got = (await tenant.get(f"{INVOICES}/{created.json()['payload']['invoiceId']}")).json()["payload"]
    assert [line["unit"] for line in got["lineItems"]] == ["NOS", "KGS"]


async def test_an_unknown_unit_is_422(tenant: Tenant) -> None:
    customer = await _customer(tenant)

    errors = assert_invalid(
        await tenant.post(INVOICES, json=_body(customer, lineItems=[_line(gstRate=18, unit="BUCKETS")])),
        "lineItems[0].unit",
    )

    assert "unit quantity code" in errors["lineItems[0].unit"]["message"]
