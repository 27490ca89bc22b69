"""TDS deducted by the buyer, on payments (api.md §9.2): each allocation settles its cash and its TDS, within
the company's sanity limit, under a section and the buyer's TAN; the ledger and the register show it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from dues.db import Database
from tests.customers.helpers import assert_invalid, payload
from tests.payments.helpers import (
    INVOICES,
    PAYMENTS,
    body,
    column,
    customer,
    get_invoice,
    invoice,
    money,
    scalar,
)
from tests.support import Tenant

TAN = "MUMA12345B"


def tds_body(
    customer_id: str, amount: Any, allocations: list[tuple[str, Any, Any]], **fields: Any
) -> dict[str, Any]:
    made = body(customer_id, amount, **{"tdsSection": "194Q", "deductorTan": TAN, **fields})
    made["allocations"] = [{"invoiceId": i, "amount": a, "tdsAmount": t} for i, a, t in allocations]
    return made


async def test_cash_and_tds_together_pay_the_invoice(tenant: Tenant, db: Database) -> None:
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer, base="100000")  # 1,18,000.00: taxable 1,00,000 + 18 % GST
    invoice_id = inv["invoiceId"]

    made = payload(
        await tenant.post(
            PAYMENTS,
            json=tds_body(buyer, 117900, [(invoice_id, 117900, 100)], tdsPaymentCode="1031", tdsAmount=100),
        )
    )

    assert (made["tdsSection"], made["deductorTan"], made["tdsPaymentCode"]) == ("194Q", TAN, "1031")
    assert money(made["amount"]) == Decimal("117900.00") and money(made["tdsAmount"]) == Decimal("100.00")
    assert [(a["invoiceId"], money(a["amount"]), money(a["tdsAmount"])) for a in made["allocations"]] == [
        (invoice_id, Decimal("117900.00"), Decimal("100.00"))
    ]
    assert payload(await tenant.get(f"{PAYMENTS}/{made['paymentId']}")) == made
    after = await get_invoice(tenant, invoice_id)
    assert after["status"] == "PAID"
    assert (money(after["paidAmount"]), money(after["tdsAmount"]), money(after["balanceAmount"])) == (
        Decimal("117900.00"),
        Decimal("100.00"),
        0,
    )
    # The ledger: the payment's cash and the buyer's TDS, each against the invoice.
    entries = await column(
        db,
        "SELECT entry_type || ' ' || amount FROM ledger_entries WHERE document_id = :p ORDER BY entry_type",
        p=made["paymentId"],
    )
    assert entries == ["PAYMENT -117900.00", "TDS -100.00"]
    # The register: one entry for the payment.
    register = payload(await tenant.post("/api/v0/tds/search", json={"customerIds": [buyer]}))
    [entry] = register["items"]
    assert (entry["paymentId"], entry["invoiceIds"], entry["section"], entry["deductorTan"]) == (
        made["paymentId"],
        [invoice_id],
        "194Q",
        TAN,
    )
    assert (money(entry["amount"]), entry["status"], entry["paymentCode"]) == (
        Decimal("100.00"),
        "AWAITING_CERTIFICATE",
        "1031",
    )
    # invoice.paid says what the TDS was.
    paid = await scalar(
        db, "SELECT payload FROM events WHERE entity_id = :i AND event_type = 'invoice.paid'", i=invoice_id
    )
    assert (paid["amount"], paid["tdsAmount"]) == (117900, 100)
    trail = await column(
        db,
        "SELECT after FROM audit_log WHERE entity_type = 'invoice' AND entity_id = :i AND action = 'PAYMENT'",
        i=invoice_id,
    )
    assert trail == [
        {"paid_amount": "117900.00", "tds_amount": "100.00", "balance_amount": "0.00", "status": "PAID"}
    ]


async def test_tds_alone_may_settle_an_invoice_beside_cash_for_another(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    first = (await invoice(tenant, buyer, base="1000"))["invoiceId"]  # 1,180.00
    second = (await invoice(tenant, buyer, base="1000", partialPaymentAllowed=True))["invoiceId"]
    # Earlier cash left 20.00 on the second; the buyer's TDS settles that.
    payload(await tenant.post(PAYMENTS, json=body(buyer, 1160, [(second, 1160)])))

    made = payload(
        await tenant.post(PAYMENTS, json=tds_body(buyer, 1160, [(first, 1160, 20), (second, 0, 20)]))
    )

    assert money(made["tdsAmount"]) == Decimal("40.00") and money(made["allocatedAmount"]) == Decimal(
        "1160.00"
    )
    for invoice_id in (first, second):
        shown = await get_invoice(tenant, invoice_id)
        assert (shown["status"], money(shown["tdsAmount"]), money(shown["balanceAmount"])) == (
            "PAID",
            Decimal("20.00"),
            0,
        )
    [entry] = payload(await tenant.post("/api/v0/tds/search", json={"customerIds": [buyer]}))["items"]
    assert sorted(entry["invoiceIds"]) == sorted([first, second]) and money(entry["amount"]) == Decimal(
        "40.00"
    )


async def test_what_an_allocation_settles_counts_against_the_balance_and_part_payment_rules(
    tenant: Tenant,
) -> None:
    buyer = await customer(tenant)
    whole = (await invoice(tenant, buyer, base="100000"))["invoiceId"]  # no part-payments

    # 117,900 + 200 is more than the balance, though the cash alone is not.
    over = assert_invalid(
        await tenant.post(PAYMENTS, json=tds_body(buyer, 117900, [(whole, 117900, 200)])),
        "allocations[0].amount",
    )
    assert "with its tdsAmount (118100.00) more than" in over["allocations[0].amount"]["message"]
    # 117,800 + 100 leaves 100 owed: a part-payment, which this invoice does not take.
    part = assert_invalid(
        await tenant.post(PAYMENTS, json=tds_body(buyer, 117800, [(whole, 117800, 100)])),
        "allocations[0].amount",
    )
    assert "does not allow part-payment" in part["allocations[0].amount"]["message"]
    # Neither cash nor TDS settles nothing.
    assert_invalid(
        await tenant.post(PAYMENTS, json=tds_body(buyer, 1, [(whole, 0, 0)])), "allocations[0].amount"
    )
    assert (await get_invoice(tenant, whole))["status"] == "CREATED"


async def test_tds_above_the_sanity_limit_of_the_taxable_value_is_refused(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    inv = (await invoice(tenant, buyer, base="100000", partialPaymentAllowed=True))["invoiceId"]

    # 10 % of 1,00,000 (GST left out) is 10,000: 10,000.01 is refused, naming the allocation's tdsAmount.
    refused = assert_invalid(
        await tenant.post(PAYMENTS, json=tds_body(buyer, 1000, [(inv, 1000, "10000.01")])),
        "allocations[0].tdsAmount",
    )
    assert "more than 10 % of invoice" in refused["allocations[0].tdsAmount"]["message"]
    assert "10000.00 at most" in refused["allocations[0].tdsAmount"]["message"]
    # 10,000.00 is the limit itself, accepted; after it nothing more fits.
    payload(await tenant.post(PAYMENTS, json=tds_body(buyer, 1000, [(inv, 1000, 10000)])))
    again = assert_invalid(
        await tenant.post(PAYMENTS, json=tds_body(buyer, 1000, [(inv, 1000, "0.01")])),
        "allocations[0].tdsAmount",
    )
    assert "with the 10000.00 recorded earlier" in again["allocations[0].tdsAmount"]["message"]
    # The company decides the limit.
    payload(await tenant.patch("/api/v0/company", json={"tdsSanityPercent": 12}))
    payload(await tenant.post(PAYMENTS, json=tds_body(buyer, 1000, [(inv, 1000, 2000)])))


async def test_the_sanity_limit_of_a_gst_inclusive_invoice_is_on_its_value_without_gst(
    tenant: Tenant,
) -> None:
    buyer = await customer(tenant)
    # GST-inclusive: 1,18,000 holds 18,000 of GST; the taxable value is 1,00,000.
    inv = await invoice(
        tenant, buyer, base="118000", gstExclusive=False, cgst=9000, sgst=9000, partialPaymentAllowed=True
    )
    assert money(inv["totalAmount"]) == Decimal("118000.00")
    assert_invalid(
        await tenant.post(PAYMENTS, json=tds_body(buyer, 100000, [(inv["invoiceId"], 100000, "10000.01")])),
        "allocations[0].tdsAmount",
    )
    payload(await tenant.post(PAYMENTS, json=tds_body(buyer, 100000, [(inv["invoiceId"], 100000, 10000)])))


async def test_tds_needs_its_section_a_valid_tan_and_allocations(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    inv = (await invoice(tenant, buyer, base="100000"))["invoiceId"]
    allocation = [{"invoiceId": inv, "amount": 117900, "tdsAmount": 100}]

    no_section = body(buyer, 117900, deductorTan=TAN)
    no_section["allocations"] = allocation
    assert_invalid(await tenant.post(PAYMENTS, json=no_section), "tdsSection")

    no_tan = body(buyer, 117900, tdsSection="194Q")
    no_tan["allocations"] = allocation
    assert_invalid(await tenant.post(PAYMENTS, json=no_tan), "deductorTan")

    for tan in ("MUMA1234B", "MUM012345B", "MUMA123456", "MUMA12345BX"):
        bad = assert_invalid(
            await tenant.post(PAYMENTS, json=tds_body(buyer, 117900, [(inv, 117900, 100)], deductorTan=tan)),
            "deductorTan",
        )
        assert "is not a TAN" in bad["deductorTan"]["message"]
    assert_invalid(
        await tenant.post(PAYMENTS, json=tds_body(buyer, 117900, [(inv, 117900, 100)], tdsSection="194Z")),
        "tdsSection",
    )
    # Without allocations there is nowhere to put TDS.
    oldest_first = body(buyer, 117900, tdsSection="194Q", deductorTan=TAN, tdsAmount=100)
    assert (
        "are required with TDS"
        in assert_invalid(await tenant.post(PAYMENTS, json=oldest_first), "allocations")["allocations"][
            "message"
        ]
    )
    # A payment's tdsAmount, when sent, is the allocations' in all.
    assert_invalid(
        await tenant.post(PAYMENTS, json=tds_body(buyer, 117900, [(inv, 117900, 100)], tdsAmount=99)),
        "tdsAmount",
    )
    # More than 2 decimals, or negative.
    assert_invalid(
        await tenant.post(PAYMENTS, json=tds_body(buyer, 117900, [(inv, 117900, "100.001")])),
        "allocations[0].tdsAmount",
    )
    assert_invalid(
        await tenant.post(PAYMENTS, json=tds_body(buyer, 117900, [(inv, 117900, -1)])),
        "allocations[0].tdsAmount",
    )
    # A lower-case TAN is the same TAN.
    made = payload(
        await tenant.post(
            PAYMENTS, json=tds_body(buyer, 117900, [(inv, 117900, 100)], deductorTan="muma12345b")
        )
    )
    assert made["deductorTan"] == TAN


async def test_a_payment_without_tds_reads_as_before_with_zero_tds(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    inv = (await invoice(tenant, buyer))["invoiceId"]
    made = payload(await tenant.post(PAYMENTS, json=body(buyer, 1180, [(inv, 1180)])))
    assert (made["tdsSection"], made["deductorTan"], made["tdsPaymentCode"], money(made["tdsAmount"])) == (
        None,
        None,
        None,
        0,
    )
    assert money(made["allocations"][0]["tdsAmount"]) == 0
    assert payload(await tenant.post("/api/v0/tds/search", json={"customerIds": [buyer]}))["total"] == 0
    assert payload(await tenant.get(f"{INVOICES}/{inv}/payments")) == [made]


async def test_tds_recorded_after_the_cash_settles_what_the_buyer_deducted(tenant: Tenant) -> None:
    """The buyer paid the net amount (through the payment page or a transfer): the TDS is recorded on its own,
    as a payment of 0 naming that transfer, and the invoice is paid."""
    buyer = await customer(tenant)
    invoice_id = (await invoice(tenant, buyer, base="100000", partialPaymentAllowed=True))["invoiceId"]
    net = body(buyer, 117900, [(invoice_id, 117900)], reference="UTR-NET-1")
    assert (await tenant.post(PAYMENTS, json=net)).status_code == 200
    assert (await get_invoice(tenant, invoice_id))["status"] == "PARTIALLY_PAID"

    later = payload(
        await tenant.post(PAYMENTS, json=tds_body(buyer, 0, [(invoice_id, 0, 100)], reference="UTR-NET-1"))
    )

    assert (money(later["amount"]), money(later["tdsAmount"])) == (Decimal("0.00"), Decimal("100.00"))
    paid = await get_invoice(tenant, invoice_id)
    assert (paid["status"], paid["paidAmount"], paid["tdsAmount"], paid["balanceAmount"]) == (
        "PAID",
        117900,
        100,
        0,
    )
    [entry] = payload(await tenant.post("/api/v0/tds/search", json={}))["items"]
    assert (entry["paymentId"], entry["status"]) == (later["paymentId"], "AWAITING_CERTIFICATE")


async def test_a_payment_of_nothing_without_tds_is_refused(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    invoice_id = (await invoice(tenant, buyer))["invoiceId"]
    answer = await tenant.post(PAYMENTS, json=body(buyer, 0, [(invoice_id, 0)]))
    assert_invalid(answer, "amount")
