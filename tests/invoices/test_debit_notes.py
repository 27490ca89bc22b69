"""Document types (api.md §9.1): tax invoices, bills of supply, and debit notes, which name the invoices they
add to, count in their own series, and are owed, dispatched and paid like any invoice."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from dues.auth.service import Principal
from dues.db import Database
from dues.errors import Forbidden
from dues.invoices import service as invoices
from dues.invoices.schemas import InvoiceCreate
from dues.kit.timefmt import today_ist
from tests.customers.helpers import assert_invalid, payload
from tests.support import Tenant, TenantFactory, gstin_for
from tests.uploads.helpers import accepted, by_row, csv_bytes, finished

INVOICES = "/api/v0/invoice"
TODAY = today_ist()
FY = TODAY.year if TODAY.month >= 4 else TODAY.year - 1
YEAR = f"{FY % 100:02d}{(FY + 1) % 100:02d}"


async def _customer(seller: Tenant, state: str = "Maharashtra", **fields: Any) -> str:
    code = {"Maharashtra": "27", "Karnataka": "29"}[state]
    return str(
        (await seller.create_customer(state=state, panOrGstin=gstin_for(code), **fields))["customerId"]
    )


def _body(customer_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "customerId": customer_id,
        "invoiceDate": (TODAY - timedelta(days=3)).isoformat(),
        "dueDate": (TODAY + timedelta(days=30)).isoformat(),
        "baseAmount": 1000,
        "cgst": 90,
        "sgst": 90,
        **fields,
    }


async def _invoice(seller: Tenant, customer_id: str, **fields: Any) -> dict[str, Any]:
    return payload(await seller.post(INVOICES, json=_body(customer_id, **fields)))  # type: ignore[no-any-return]


def _debit(customer_id: str, originals: list[str], **fields: Any) -> dict[str, Any]:
    note = {
        "documentType": "DEBIT_NOTE",
        "originalInvoiceIds": originals,
        "noteReason": "PRICE_REVISION",
        "invoiceDate": TODAY.isoformat(),
        "baseAmount": 100,
        "cgst": 9,
        "sgst": 9,
    }
    return _body(customer_id, **{**note, **fields})


async def test_a_debit_note_has_its_own_series_and_is_paid_like_an_invoice(
    tenant: Tenant, db: Database
) -> None:
    buyer = await _customer(tenant)
    original = await _invoice(tenant, buyer)

    debit = payload(await tenant.post(INVOICES, json=_debit(buyer, [original["invoiceId"]])))

    assert (debit["documentType"], debit["originalInvoiceIds"], debit["noteReason"]) == (
        "DEBIT_NOTE",
        [original["invoiceId"]],
        "PRICE_REVISION",
    )
    assert debit["invoiceNumber"] == f"DN{YEAR}-000000001"
    assert original["invoiceNumber"] == f"INV{YEAR}-00000001"
    assert (await _invoice(tenant, buyer))["invoiceNumber"] == f"INV{YEAR}-00000002"
    assert debit["totalAmount"] == 118.0 and debit["status"] == "CREATED"
    read = payload(await tenant.get(f"{INVOICES}/{debit['invoiceId']}"))
    assert (read["documentType"], read["noteReason"]) == ("DEBIT_NOTE", "PRICE_REVISION")
    async with db.sessionmaker() as session:
        entries = (
            await session.execute(
                text("SELECT entry_type, amount FROM ledger_entries WHERE document_id = :d"),
                {"d": debit["invoiceId"]},
            )
        ).all()
    assert entries == [("DEBIT_NOTE", Decimal("118.00"))]

    dispatched = payload(
        await tenant.post(f"{INVOICES}/bulk/dispatch", json={"invoiceIds": [debit["invoiceId"]]})
    )
    assert dispatched["results"] == [{"invoiceId": debit["invoiceId"], "success": True}]
    paid = {
        "mode": "UPI",
        "amount": 118,
        "reference": "UPI-DN-1",
        "paidOn": TODAY.isoformat(),
        "customerId": buyer,
        "allocations": [{"invoiceId": debit["invoiceId"], "amount": 118}],
    }
    payload(await tenant.post("/api/v0/payment", json=paid))
    after = payload(await tenant.get(f"{INVOICES}/{debit['invoiceId']}"))
    assert (after["status"], after["balanceAmount"], after["paymentLink"] is not None) == ("PAID", 0.0, True)

    await tenant.patch("/api/v0/company", json={"debitNotePrefix": "SDN/"})
    again = payload(await tenant.post(INVOICES, json=_debit(buyer, [original["invoiceId"]])))
    assert again["invoiceNumber"] == f"SDN/{YEAR}-0000002"


async def test_a_debit_note_prints_as_one_naming_its_originals(tenant: Tenant) -> None:
    buyer = await _customer(tenant)
    original = await _invoice(tenant, buyer)
    debit = payload(await tenant.post(INVOICES, json=_debit(buyer, [original["invoiceId"]])))

    pdf = await tenant.get(f"{INVOICES}/{debit['invoiceId']}/pdf")

    page = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "DEBIT NOTE" in page and "TAX INVOICE" not in page
    assert debit["invoiceNumber"] in page and original["invoiceNumber"] in page


async def test_a_debit_note_names_issued_invoices_of_its_customer(tenant: Tenant) -> None:
    buyer, other = await _customer(tenant), await _customer(tenant)
    theirs = await _invoice(tenant, other)
    withdrawn = await _invoice(tenant, buyer)
    payload(
        await tenant.post(
            f"{INVOICES}/bulk/delete", json={"invoiceIds": [withdrawn["invoiceId"]], "reason": "x"}
        )
    )
    later = await _invoice(tenant, buyer, invoiceDate=TODAY.isoformat())

    errors = assert_invalid(
        await tenant.post(
            INVOICES,
            json=_debit(
                buyer,
                [theirs["invoiceId"], withdrawn["invoiceId"], "INV0000000000000", later["invoiceId"]],
                invoiceDate=(TODAY - timedelta(days=1)).isoformat(),
            ),
        ),
        "originalInvoiceIds[0]",
        "originalInvoiceIds[1]",
        "originalInvoiceIds[2]",
        "invoiceDate",
    )
    assert "another customer" in errors["originalInvoiceIds[0]"]["message"]
    assert "withdrawn" in errors["originalInvoiceIds[1]"]["message"]
    assert "not an invoice of this company" in errors["originalInvoiceIds[2]"]["message"]
    assert later["invoiceNumber"] in errors["invoiceDate"]["message"]

    body = _debit(buyer, [later["invoiceId"]])
    del body["originalInvoiceIds"]
    assert_invalid(await tenant.post(INVOICES, json=body), "originalInvoiceIds")
    # Only a debit note names originals or has a reason.
    plain = _body(buyer, originalInvoiceIds=[later["invoiceId"]], noteReason="OTHERS")
    assert_invalid(await tenant.post(INVOICES, json=plain), "originalInvoiceIds", "noteReason")
    assert_invalid(
        await tenant.post(INVOICES, json=_debit(buyer, [later["invoiceId"]], noteReason="LATE")), "noteReason"
    )
    # Without a reason a debit note is OTHERS.
    body = _debit(buyer, [later["invoiceId"]])
    del body["noteReason"]
    assert payload(await tenant.post(INVOICES, json=body))["noteReason"] == "OTHERS"


async def test_a_debit_note_is_taxed_where_its_originals_were_supplied(tenant: Tenant) -> None:
    buyer = await _customer(tenant)
    shipped_away = await _invoice(tenant, buyer, placeOfSupply="Karnataka", cgst=None, sgst=None, igst=180)

    assert_invalid(
        await tenant.post(INVOICES, json=_debit(buyer, [shipped_away["invoiceId"]])), "cgst", "sgst"
    )
    debit = payload(
        await tenant.post(
            INVOICES, json=_debit(buyer, [shipped_away["invoiceId"]], cgst=None, sgst=None, igst=18)
        )
    )
    assert (debit["placeOfSupply"], debit["igst"]) == ("Karnataka", 18.0)


async def test_a_document_type_is_fixed_when_made(tenant: Tenant) -> None:
    buyer = await _customer(tenant)
    made = await _invoice(tenant, buyer)
    assert (made["documentType"], made["originalInvoiceIds"], made["noteReason"]) == (
        "TAX_INVOICE",
        None,
        None,
    )

    echoed = await tenant.patch(
        f"{INVOICES}/{made['invoiceId']}",
        json={
            "documentType": "TAX_INVOICE",
            "originalInvoiceIds": None,
            "noteReason": None,
            "description": "x",
        },
    )
    assert echoed.status_code == 200, echoed.text
    assert "X-Ignored-Fields" not in echoed.headers
    assert_invalid(
        await tenant.patch(f"{INVOICES}/{made['invoiceId']}", json={"documentType": "DEBIT_NOTE"}),
        "documentType",
    )


async def test_search_by_document_type(tenant: Tenant) -> None:
    buyer = await _customer(tenant)
    original = await _invoice(tenant, buyer)
    debit = payload(await tenant.post(INVOICES, json=_debit(buyer, [original["invoiceId"]])))

    found = payload(await tenant.post(f"{INVOICES}/search", json={"documentTypes": ["DEBIT_NOTE"]}))
    assert [i["invoiceId"] for i in found["items"]] == [debit["invoiceId"]]
    found = payload(
        await tenant.post(f"{INVOICES}/search", json={"documentTypes": ["TAX_INVOICE", "BILL_OF_SUPPLY"]})
    )
    assert [i["invoiceId"] for i in found["items"]] == [original["invoiceId"]]


async def test_a_bill_of_supply_charges_no_gst(tenant: Tenant, tenants: TenantFactory) -> None:
    buyer = await _customer(tenant)
    errors = assert_invalid(
        await tenant.post(INVOICES, json=_body(buyer, documentType="BILL_OF_SUPPLY")), "cgst", "sgst"
    )
    assert errors["cgst"]["message"] == "a bill of supply charges no GST"
    exempt = payload(
        await tenant.post(INVOICES, json=_body(buyer, documentType="BILL_OF_SUPPLY", cgst=None, sgst=None))
    )
    assert (exempt["documentType"], exempt["totalAmount"]) == ("BILL_OF_SUPPLY", 1000.0)

    unregistered = await tenants.create("Small Coaching Classes", registered=False)
    local = await _customer(unregistered)
    assert_invalid(
        await unregistered.post(
            INVOICES, json=_body(local, documentType="TAX_INVOICE", cgst=None, sgst=None)
        ),
        "documentType",
    )
    bill = payload(await unregistered.post(INVOICES, json=_body(local, cgst=None, sgst=None)))
    assert bill["documentType"] == "BILL_OF_SUPPLY"
    # Its debit note charges no GST either.
    assert_invalid(await unregistered.post(INVOICES, json=_debit(local, [bill["invoiceId"]])), "cgst", "sgst")
    debit = payload(
        await unregistered.post(INVOICES, json=_debit(local, [bill["invoiceId"]], cgst=None, sgst=None))
    )
    assert (debit["documentType"], debit["totalAmount"]) == ("DEBIT_NOTE", 100.0)


async def test_the_service_makes_a_debit_note_inside_another_movement(
    tenant: Tenant, tenants: TenantFactory, db: Database
) -> None:
    """What a cheque bounce does (api.md §9.3): its charge becomes a debit note, in the reversal's own
    transaction, through the one create every invoice goes through; made on the approver's behalf, it is
    approved at once whatever the chain."""
    payload(await tenant.patch("/api/v0/company", json={"approvalChain": "MAKER_CHECKER"}))
    buyer = await _customer(tenant)
    original = await _invoice(tenant, buyer)
    payload(
        await (await tenants.user(tenant, "CHECKER")).post(
            f"{INVOICES}/{original['invoiceId']}/approval", json={"action": "APPROVE"}
        )
    )
    data = InvoiceCreate.model_validate(
        {
            "customerId": buyer,
            "documentType": "DEBIT_NOTE",
            "originalInvoiceIds": [original["invoiceId"]],
            "noteReason": "ADDITIONAL_CHARGES",
            "baseAmount": "500.00",
            "dueDate": TODAY.isoformat(),
            "description": "Cheque return charges",
        }
    )
    approver = Principal(
        user_id="US-TEST", company_id=tenant.company_id, role="APPROVER", email="a@b.example"
    )
    async with db.sessionmaker() as session, session.begin():
        with pytest.raises(Forbidden):
            await invoices.create(session, approver, tenant.company_id, data)
        made = await invoices.create(session, approver, tenant.company_id, data, on_behalf=True)

    assert (made.document_type, made.total_amount, made.note_reason) == (
        "DEBIT_NOTE",
        Decimal("500.00"),
        "ADDITIONAL_CHARGES",
    )
    assert made.invoice_number.startswith("DN") and made.approval_status == "APPROVER_APPROVED"
    assert payload(await tenant.get(f"{INVOICES}/{made.invoice_id}"))["balanceAmount"] == 500.0
    async with db.sessionmaker() as session:
        owed = (
            (
                await session.execute(
                    text("SELECT amount FROM ledger_entries WHERE document_id = :d"), {"d": made.invoice_id}
                )
            )
            .scalars()
            .all()
        )
    assert owed == [Decimal("500.00")]


@pytest.fixture
async def seller(live_tenants: TenantFactory) -> Tenant:
    return await live_tenants.create()


async def test_bulk_rows_make_debit_notes(committed: Database, seller: Tenant) -> None:
    buyer = await _customer(seller, uniqueRefNo="LOCAL")
    first, second = await _invoice(seller, buyer), await _invoice(seller, buyer)
    header = [
        "customerUniqueRefNo",
        "dueDate",
        "baseAmount",
        "cgst",
        "sgst",
        "documentType",
        "originalInvoiceIds",
        "noteReason",
        "externalId",
    ]
    due = (TODAY + timedelta(days=30)).isoformat()
    rows = [
        [
            "LOCAL",
            due,
            "100",
            "9",
            "9",
            "DEBIT_NOTE",
            f"{first['invoiceId']};{second['invoiceId']}",
            "PRICE_REVISION",
            "D1",
        ],
        ["LOCAL", due, "100", "9", "9", "", "", "", "I1"],
        ["LOCAL", due, "100", "9", "9", "DEBIT_NOTE", "", "", "D2"],
    ]

    done = await finished(
        committed, seller, await accepted(seller, csv_bytes(header, rows), path=f"{INVOICES}/bulk/create")
    )

    report = by_row(done)
    assert (report[2]["outcome"], report[3]["outcome"], report[4]["outcome"]) == (
        "CREATED",
        "CREATED",
        "FAILED",
    )
    assert [e["field"] for e in report[4]["errors"]] == ["originalInvoiceIds"]
    debit = payload(await seller.get(f"{INVOICES}/{report[2]['id']}"))
    assert (debit["documentType"], debit["originalInvoiceIds"], debit["noteReason"]) == (
        "DEBIT_NOTE",
        [first["invoiceId"], second["invoiceId"]],
        "PRICE_REVISION",
    )
    assert debit["invoiceNumber"] == f"DN{YEAR}-000000001"
    assert (
        payload(await seller.get(f"{INVOICES}/{report[3]['id']}"))["invoiceNumber"] == f"INV{YEAR}-00000003"
    )
