"""Making a credit note (api.md §9.1): taxes at each invoice's place of supply, lines, the life limit, the
s.34(2) time limit, the invoices it may name, its number series; and another company's note is not there."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from dues.credit_notes import service
from dues.kit.timefmt import today_ist
from tests.credit_notes.helpers import (
    INVOICES,
    NOTES,
    customer,
    get_invoice,
    invoice,
    make,
    money,
    note,
    part,
)
from tests.customers.helpers import assert_error, assert_invalid, payload
from tests.support import Tenant, TenantFactory


async def test_within_the_sellers_state_the_credit_is_cgst_and_sgst(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer)  # 1,000 + 90 + 90

    made = await note(tenant, buyer, [part(inv["invoiceId"], 100, cgst=9, sgst=9)])

    assert made["creditNoteId"].startswith("CN") and len(made["creditNoteId"]) == 16
    assert (made["status"], made["approvalStatus"]) == ("ISSUED", "APPROVER_APPROVED")
    [against] = made["againstInvoices"]
    assert [money(against[k]) for k in ("baseAmount", "cgst", "sgst", "igst", "totalAmount")] == [
        Decimal("100.00"),
        Decimal("9.00"),
        Decimal("9.00"),
        0,
        Decimal("118.00"),
    ]
    assert money(made["totalAmount"]) == Decimal("118.00")
    assert against["invoiceNumber"] == inv["invoiceNumber"]


async def test_igst_within_the_state_or_cgst_across_states_is_422_naming_the_field(tenant: Tenant) -> None:
    local, away = await customer(tenant), await customer(tenant, "Karnataka")
    here, there = await invoice(tenant, local), await invoice(tenant, away)

    errors = assert_invalid(
        await make(tenant, local, [part(here["invoiceId"], 100, igst=18)]), "againstInvoices[0].igst"
    )
    assert "CGST and SGST" in errors["againstInvoices[0].igst"]["message"]
    assert_invalid(
        await make(tenant, local, [part(here["invoiceId"], 100, cgst=9, sgst=8)]), "againstInvoices[0].sgst"
    )
    assert_invalid(
        await make(tenant, away, [part(there["invoiceId"], 100, cgst=9, sgst=9)]),
        "againstInvoices[0].cgst",
        "againstInvoices[0].sgst",
    )

    across = await note(tenant, away, [part(there["invoiceId"], 100, igst=18)])
    assert (money(across["igst"]), money(across["cgst"]), money(across["totalAmount"])) == (
        Decimal("18.00"),
        0,
        Decimal("118.00"),
    )


async def test_lines_are_taxed_per_line_at_the_invoices_place_of_supply(tenant: Tenant) -> None:
    away = await customer(tenant, "Karnataka")
    inv = await invoice(tenant, away, base="5000")
    lines = [
        {
            "description": "Returned chairs",
            "hsnSac": "940171",
            "quantity": 2,
            "unitPrice": "999.99",
            "gstRate": 18,
        },
        {
            "description": "Returned lamp",
            "hsnSac": "940520",
            "quantity": 1,
            "unitPrice": "100",
            "gstRate": 12,
        },
    ]

    made = await note(tenant, away, [part(inv["invoiceId"], lineItems=lines)])

    # 1,999.98 at 18 % = 359.9964 → 360.00; 100 at 12 % = 12.00: IGST, the invoice being inter-state.
    assert [
        (money(line["baseAmount"]), money(line["igst"]), money(line["cgst"])) for line in made["lineItems"]
    ] == [
        (Decimal("1999.98"), Decimal("360.00"), 0),
        (Decimal("100.00"), Decimal("12.00"), 0),
    ]
    assert [line["invoiceId"] for line in made["lineItems"]] == [inv["invoiceId"]] * 2
    assert (money(made["baseAmount"]), money(made["igst"]), money(made["totalAmount"])) == (
        Decimal("2099.98"),
        Decimal("372.00"),
        Decimal("2471.98"),
    )
    # Amounts given beside lines must agree with them.
    assert_invalid(
        await make(tenant, away, [part(inv["invoiceId"], "2000", lineItems=lines)]),
        "againstInvoices[0].baseAmount",
    )


async def test_one_note_against_two_invoices_taxes_each_part_at_its_own_place(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    first = await invoice(tenant, buyer)
    # The same buyer, but goods delivered to Karnataka: that invoice is inter-state.
    second = await invoice(tenant, buyer, placeOfSupply="Karnataka", igst="180")

    made = await note(
        tenant,
        buyer,
        [part(first["invoiceId"], 100, cgst=9, sgst=9), part(second["invoiceId"], 200, igst=36)],
    )

    assert {p["invoiceId"]: money(p["totalAmount"]) for p in made["againstInvoices"]} == {
        first["invoiceId"]: Decimal("118.00"),
        second["invoiceId"]: Decimal("236.00"),
    }
    assert (money(made["cgst"]), money(made["sgst"]), money(made["igst"])) == (
        Decimal("9.00"),
        Decimal("9.00"),
        Decimal("36.00"),
    )
    assert money((await get_invoice(tenant, second["invoiceId"]))["balanceAmount"]) == Decimal("944.00")


async def test_a_note_never_credits_an_invoice_beyond_its_total(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer)  # 1,180.00
    await note(tenant, buyer, [part(inv["invoiceId"], 800, cgst=72, sgst=72)])  # 944.00: 236.00 left

    errors = assert_invalid(
        await make(tenant, buyer, [part(inv["invoiceId"], 201, cgst="18.09", sgst="18.09")]),
        "againstInvoices[0].baseAmount",
    )
    assert "at most 236.00" in errors["againstInvoices[0].baseAmount"]["message"]

    last = await note(tenant, buyer, [part(inv["invoiceId"], 200, cgst=18, sgst=18)])  # exactly 236.00
    assert money(last["totalAmount"]) == Decimal("236.00")
    after = await get_invoice(tenant, inv["invoiceId"])
    assert (after["status"], money(after["creditedAmount"]), money(after["balanceAmount"])) == (
        "PAID",
        Decimal("1180.00"),
        0,
    )
    assert_invalid(
        await make(tenant, buyer, [part(inv["invoiceId"], "0.10")]), "againstInvoices[0].baseAmount"
    )


async def test_s34_a_note_for_an_invoice_of_2026_27_is_dated_by_30_november_2027(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The clock stands in December 2027, so that both dates are in the past and only s.34(2) decides.
    monkeypatch.setattr(service, "today_ist", lambda: date(2027, 12, 2))
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer, invoiceDate="2026-11-24", dueDate="2026-12-31")

    late = await make(tenant, buyer, [part(inv["invoiceId"], 100, cgst=9, sgst=9)], noteDate="2027-12-01")
    errors = assert_invalid(late, "noteDate")
    assert "2027-11-30" in errors["noteDate"]["message"] and "s.34(2)" in errors["noteDate"]["message"]

    made = await note(tenant, buyer, [part(inv["invoiceId"], 100, cgst=9, sgst=9)], noteDate="2027-11-30")
    assert (made["noteDate"], made["status"]) == ("2027-11-30", "ISSUED")
    assert made["noteNumber"].startswith("CN2728-")  # the note's own financial year


async def test_a_note_is_not_dated_before_its_invoice_nor_in_the_future(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer)
    before = (date.fromisoformat(inv["invoiceDate"]) - timedelta(days=1)).isoformat()
    tomorrow = (today_ist() + timedelta(days=1)).isoformat()

    assert (
        "must not be before"
        in assert_invalid(
            await make(tenant, buyer, [part(inv["invoiceId"], 100, cgst=9, sgst=9)], noteDate=before),
            "noteDate",
        )["noteDate"]["message"]
    )
    assert (
        "future"
        in assert_invalid(
            await make(tenant, buyer, [part(inv["invoiceId"], 100, cgst=9, sgst=9)], noteDate=tomorrow),
            "noteDate",
        )["noteDate"]["message"]
    )


async def test_an_invoice_older_than_the_s34_limit_cannot_be_credited_today(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer, invoiceDate=f"{today_ist().year - 3}-06-01")

    assert_invalid(await make(tenant, buyer, [part(inv["invoiceId"], 100, cgst=9, sgst=9)]), "noteDate")


async def test_only_the_customers_issued_invoices_are_credited(
    tenant: Tenant, tenants: TenantFactory
) -> None:
    buyer, other = await customer(tenant), await customer(tenant)
    theirs = await invoice(tenant, other)
    withdrawn = await invoice(tenant, buyer)
    await tenant.post(
        f"{INVOICES}/bulk/delete", json={"invoiceIds": [withdrawn["invoiceId"]], "reason": "wrong"}
    )
    elsewhere = await tenants.create("Another Seller")
    foreign = await invoice(elsewhere, await customer(elsewhere))

    errors = assert_invalid(
        await make(
            tenant,
            buyer,
            [
                part(theirs["invoiceId"], 10),
                part(withdrawn["invoiceId"], 10),
                part(foreign["invoiceId"], 10),
                part(theirs["invoiceId"], 10),
            ],
        ),
        "againstInvoices[3].invoiceId",
    )
    assert "twice" in errors["againstInvoices[3].invoiceId"]["message"]
    errors = assert_invalid(
        await make(
            tenant,
            buyer,
            [part(theirs["invoiceId"], 10), part(withdrawn["invoiceId"], 10), part(foreign["invoiceId"], 10)],
        ),
        "againstInvoices[0].invoiceId",
        "againstInvoices[1].invoiceId",
        "againstInvoices[2].invoiceId",
    )
    assert "another customer" in errors["againstInvoices[0].invoiceId"]["message"]
    assert "withdrawn" in errors["againstInvoices[1].invoiceId"]["message"]
    assert "not an invoice of this company" in errors["againstInvoices[2].invoiceId"]["message"]


async def test_an_invoice_awaiting_approval_is_not_credited(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    await tenant.patch("/api/v0/company", json={"approvalChain": "MAKER_CHECKER"})
    pending = await invoice(tenant, buyer)

    errors = assert_invalid(
        await make(tenant, buyer, [part(pending["invoiceId"], 100, cgst=9, sgst=9)]),
        "againstInvoices[0].invoiceId",
    )
    assert "not approved yet" in errors["againstInvoices[0].invoiceId"]["message"]


async def test_a_bill_of_supply_gets_no_gst_on_its_note(tenants: TenantFactory) -> None:
    seller = await tenants.create("Small Coaching Classes", registered=False)
    buyer = await customer(seller)
    bill = payload(
        await seller.post(
            INVOICES,
            json={"customerId": buyer, "baseAmount": 1000, "dueDate": "2099-12-31"},
        )
    )
    assert bill["documentType"] == "BILL_OF_SUPPLY"

    errors = assert_invalid(
        await make(seller, buyer, [part(bill["invoiceId"], 100, cgst=9, sgst=9)]),
        "againstInvoices[0].cgst",
        "againstInvoices[0].sgst",
    )
    assert "bill of supply" in errors["againstInvoices[0].cgst"]["message"]
    made = await note(seller, buyer, [part(bill["invoiceId"], 100)])
    assert (money(made["totalAmount"]), money(made["cgst"])) == (Decimal("100.00"), 0)


async def test_numbers_come_from_the_credit_note_series(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer, base="10000")
    fy = today_ist().year if today_ist().month >= 4 else today_ist().year - 1
    head = f"CN{fy % 100:02d}{(fy + 1) % 100:02d}-"

    first = await note(tenant, buyer, [part(inv["invoiceId"], 10, cgst="0.90", sgst="0.90")])
    by_hand = await note(
        tenant, buyer, [part(inv["invoiceId"], 10, cgst="0.90", sgst="0.90")], noteNumber=f"{head}000000002"
    )
    third = await note(tenant, buyer, [part(inv["invoiceId"], 10, cgst="0.90", sgst="0.90")])

    assert first["noteNumber"] == f"{head}000000001"
    assert by_hand["noteNumber"] == f"{head}000000002"
    assert third["noteNumber"] == f"{head}000000003"  # the series stepped over the number given by hand
    # Invoices keep their own series: the next invoice is INV...-00000002.
    assert (await invoice(tenant, buyer))["invoiceNumber"].endswith("-00000002")
    errors = assert_invalid(
        await make(
            tenant,
            buyer,
            [part(inv["invoiceId"], 10, cgst="0.90", sgst="0.90")],
            noteNumber=first["noteNumber"],
        ),
        "noteNumber",
    )
    assert "already used" in errors["noteNumber"]["message"]

    await tenant.patch("/api/v0/company", json={"creditNotePrefix": "SCN/"})
    prefixed = await note(
        tenant, buyer, [part(inv["invoiceId"], 10, cgst="0.90", sgst="0.90")], externalId="RMA-9"
    )
    assert prefixed["noteNumber"] == f"SCN/{fy % 100:02d}{(fy + 1) % 100:02d}-0000004"
    assert_invalid(
        await make(tenant, buyer, [part(inv["invoiceId"], 10, cgst="0.90", sgst="0.90")], externalId="RMA-9"),
        "externalId",
    )


async def test_another_companys_note_is_404(tenant: Tenant, tenants: TenantFactory) -> None:
    buyer = await customer(tenant)
    made = await note(tenant, buyer, [part((await invoice(tenant, buyer))["invoiceId"], 100, cgst=9, sgst=9)])
    other = await tenants.create("Another Seller")

    for response in (
        await other.get(f"{NOTES}/{made['creditNoteId']}"),
        await other.get(f"{NOTES}/{made['creditNoteId']}/pdf"),
        await other.post(f"{NOTES}/{made['creditNoteId']}/dispatch"),
        await other.post(f"{NOTES}/{made['creditNoteId']}/approval", json={"action": "APPROVE"}),
        await tenant.get(f"{NOTES}/CN00000000000000"),
        await tenant.get(f"{NOTES}/INV123"),
    ):
        assert_error(response, 404, "RECORD_NOT_FOUND")
    assert payload(await other.post(f"{NOTES}/search", json={}))["total"] == 0


async def test_a_viewer_or_checker_does_not_make_notes(tenant: Tenant, tenants: TenantFactory) -> None:
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer)
    for role in ("VIEWER", "CHECKER"):
        user = await tenants.user(tenant, role)
        assert_error(
            await make(user, buyer, [part(inv["invoiceId"], 100, cgst=9, sgst=9)]), 403, "INVALID_ACCESS"
        )
