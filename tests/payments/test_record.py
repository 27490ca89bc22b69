"""Recording payments (api.md §5): allocations, oldest due first, credit, part-payments, status, events."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text as text_update

from dues.db import Database
from tests.customers.helpers import assert_error, assert_invalid, payload
from tests.payments.helpers import (
    INVOICES,
    PAYMENTS,
    column,
    credit_of,
    customer,
    get_invoice,
    invoice,
    money,
    pay,
    scalar,
)
from tests.support import Tenant, TenantFactory


async def test_an_allocated_part_payment_moves_the_invoice_and_can_be_read_back(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer, partialPaymentAllowed=True)

    made = payload(
        await pay(tenant, buyer, 180.5, [(inv["invoiceId"], 180.5)], mode="UPI", reference="UTR42")
    )

    assert made["paymentId"].startswith("PAY") and len(made["paymentId"]) == 16
    assert (made["mode"], made["reference"], made["customerId"]) == ("UPI", "UTR42", buyer)
    assert money(made["amount"]) == money(made["allocatedAmount"]) == Decimal("180.50")
    assert money(made["unallocatedAmount"]) == 0
    assert [(a["invoiceId"], money(a["amount"])) for a in made["allocations"]] == [
        (inv["invoiceId"], Decimal("180.50"))
    ]
    after = await get_invoice(tenant, inv["invoiceId"])
    assert (money(after["paidAmount"]), money(after["balanceAmount"])) == (
        Decimal("180.50"),
        Decimal("999.50"),
    )
    assert after["status"] == "PARTIALLY_PAID"
    assert payload(await tenant.get(f"{PAYMENTS}/{made['paymentId']}")) == made
    assert payload(await tenant.get(f"{INVOICES}/{inv['invoiceId']}/payments")) == [made]
    assert await credit_of(tenant, buyer) == 0


async def test_paying_the_balance_marks_the_invoice_paid_with_events_and_audit(
    tenant: Tenant, db: Database
) -> None:
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer, partialPaymentAllowed=True)
    invoice_id = inv["invoiceId"]

    first = payload(await pay(tenant, buyer, 500, [(invoice_id, 500)]))
    second = payload(await pay(tenant, buyer, 680, [(invoice_id, 680)]))

    after = await get_invoice(tenant, invoice_id)
    assert (money(after["paidAmount"]), money(after["balanceAmount"])) == (Decimal("1180.00"), 0)
    assert after["status"] == "PAID" and after["overdue"] is False
    listed = payload(await tenant.get(f"{INVOICES}/{invoice_id}/payments"))
    # Listed by paidOn, then time of recording: both share one transaction's clock here, so compare as a set.
    assert sorted(p["paymentId"] for p in listed) == sorted([first["paymentId"], second["paymentId"]])
    events = await column(db, "SELECT event_type FROM events WHERE entity_id = :i ORDER BY id", i=invoice_id)
    assert events == [
        "invoice.created",
        "invoice.approved",
        "invoice.payment_received",
        "invoice.payment_received",
        "invoice.paid",
    ]
    paid_event = await scalar(
        db, "SELECT payload FROM events WHERE entity_id = :i AND event_type = 'invoice.paid'", i=invoice_id
    )
    assert paid_event["paymentId"] == second["paymentId"] and paid_event["balanceAmount"] == 0
    trail = await column(
        db,
        "SELECT after FROM audit_log WHERE entity_type = 'invoice' AND entity_id = :i AND action = 'PAYMENT' "
        "ORDER BY id",
        i=invoice_id,
    )
    assert trail == [
        {"paid_amount": "500.00", "balance_amount": "680.00", "status": "PARTIALLY_PAID"},
        {"paid_amount": "1180.00", "balance_amount": "0.00", "status": "PAID"},
    ]
    created = await column(
        db,
        "SELECT entity_id FROM audit_log WHERE entity_type = 'payment' AND action = 'CREATE' "
        "AND company_id = :c ORDER BY id",
        c=tenant.company_id,
    )
    assert created == [first["paymentId"], second["paymentId"]]
    # Nothing is left to pay: a further allocation is refused.
    refused = assert_invalid(await pay(tenant, buyer, 1, [(invoice_id, 1)]), "allocations[0].invoiceId")
    assert refused["allocations[0].invoiceId"]["message"] == "is already paid"


async def test_without_allocations_the_oldest_due_invoices_are_paid_first_and_the_rest_is_credit(
    tenant: Tenant, db: Database
) -> None:
    buyer = await customer(tenant)
    later = await invoice(tenant, buyer, base="100", due="2027-01-31")  # 118
    oldest = await invoice(tenant, buyer, base="200", due="2026-12-15")  # 236
    # Would take only a part, which it does not allow: passed over, and the rest becomes credit.
    no_part = await invoice(tenant, buyer, base="1000", due="2027-02-28")
    other_buyer = await customer(tenant)
    elsewhere = await invoice(tenant, other_buyer, base="100", due="2026-12-01", partialPaymentAllowed=True)

    made = payload(await pay(tenant, buyer, 500))

    assert [(a["invoiceId"], money(a["amount"])) for a in made["allocations"]] == sorted(
        [(oldest["invoiceId"], Decimal("236.00")), (later["invoiceId"], Decimal("118.00"))]
    )
    assert money(made["allocatedAmount"]) == Decimal("354.00")
    assert money(made["unallocatedAmount"]) == Decimal("146.00")
    assert (await get_invoice(tenant, oldest["invoiceId"]))["status"] == "PAID"
    assert (await get_invoice(tenant, later["invoiceId"]))["status"] == "PAID"
    untouched = await get_invoice(tenant, no_part["invoiceId"])
    assert (untouched["status"], money(untouched["balanceAmount"])) == ("CREATED", Decimal("1180.00"))
    assert money((await get_invoice(tenant, elsewhere["invoiceId"]))["paidAmount"]) == 0
    assert await credit_of(tenant, buyer) == Decimal("146.00")
    assert await credit_of(tenant, other_buyer) == 0

    # Credit adds up across payments; with nothing open to pay, the whole payment is credit.
    await pay(tenant, buyer, 4, reference="UTR0002")
    assert await credit_of(tenant, buyer) == Decimal("150.00")
    reason = await scalar(
        db,
        "SELECT reason FROM audit_log WHERE entity_type = 'customer' AND entity_id = :c "
        "AND action = 'CREDIT' ORDER BY id LIMIT 1",
        c=buyer,
    )
    assert reason == f"unallocated part of payment {made['paymentId']}"


async def test_oldest_due_first_part_pays_an_invoice_that_allows_it(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    first = await invoice(tenant, buyer, base="100", due="2026-12-01")  # 118
    second = await invoice(tenant, buyer, base="1000", due="2026-12-02", partialPaymentAllowed=True)

    made = payload(await pay(tenant, buyer, 300))

    assert money(made["unallocatedAmount"]) == 0
    assert (await get_invoice(tenant, first["invoiceId"]))["status"] == "PAID"
    part = await get_invoice(tenant, second["invoiceId"])
    assert (part["status"], money(part["paidAmount"])) == ("PARTIALLY_PAID", Decimal("182.00"))


async def test_a_part_payment_is_refused_when_the_invoice_does_not_allow_it(
    tenant: Tenant, db: Database
) -> None:
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer)  # partialPaymentAllowed defaults to false
    assert inv["partialPaymentAllowed"] is False

    errors = assert_invalid(await pay(tenant, buyer, 100, [(inv["invoiceId"], 100)]), "allocations[0].amount")

    assert "does not allow part-payment" in errors["allocations[0].amount"]["message"]
    assert money((await get_invoice(tenant, inv["invoiceId"]))["balanceAmount"]) == Decimal("1180.00")
    assert await scalar(db, "SELECT count(*) FROM payments WHERE customer_id = :c", c=buyer) == 0
    # The full balance is no part-payment.
    full = payload(await pay(tenant, buyer, 1180, [(inv["invoiceId"], 1180)]))
    assert money(full["allocatedAmount"]) == Decimal("1180.00")


async def test_a_part_payment_below_the_minimum_is_refused(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    inv = await invoice(tenant, buyer, partialPaymentAllowed=True, minimumPartialAmount=500)

    errors = assert_invalid(
        await pay(tenant, buyer, 499.99, [(inv["invoiceId"], 499.99)]), "allocations[0].amount"
    )

    assert "minimum part-payment of 500.00" in errors["allocations[0].amount"]["message"]
    assert payload(await pay(tenant, buyer, 500, [(inv["invoiceId"], 500)]))


async def test_an_allocation_above_the_balance_records_nothing(tenant: Tenant, db: Database) -> None:
    buyer = await customer(tenant)
    good = await invoice(tenant, buyer, partialPaymentAllowed=True)
    small = await invoice(tenant, buyer, base="100", partialPaymentAllowed=True)  # 118

    response = await pay(tenant, buyer, 1000, [(good["invoiceId"], 500), (small["invoiceId"], 118.01)])

    errors = assert_invalid(response, "allocations[1].amount")
    assert (
        errors["allocations[1].amount"]["message"]
        == f"is more than invoice {small['invoiceId']}'s balance (118.00)"
    )
    assert errors["allocations[1].amount"]["rejectedValue"] == "118.01"
    # Neither allocation, nor the payment, nor credit, nor an event or audit row was written.
    for inv in (good, small):
        now = await get_invoice(tenant, inv["invoiceId"])
        assert (now["status"], money(now["paidAmount"])) == ("CREATED", 0)
    assert await credit_of(tenant, buyer) == 0
    assert await scalar(db, "SELECT count(*) FROM payments WHERE company_id = :c", c=tenant.company_id) == 0
    assert (
        await scalar(
            db, "SELECT count(*) FROM payment_allocations WHERE company_id = :c", c=tenant.company_id
        )
        == 0
    )
    assert (
        await scalar(
            db,
            "SELECT count(*) FROM events WHERE company_id = :c AND event_type LIKE 'invoice.pa%'",
            c=tenant.company_id,
        )
        == 0
    )
    assert (
        await scalar(
            db,
            "SELECT count(*) FROM audit_log WHERE company_id = :c "
            "AND (action IN ('PAYMENT', 'CREDIT') OR entity_type = 'payment')",
            c=tenant.company_id,
        )
        == 0
    )


async def test_allocations_may_not_add_up_to_more_than_the_payment(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    a = await invoice(tenant, buyer)
    b = await invoice(tenant, buyer, base="100")

    assert_invalid(
        await pay(tenant, buyer, 1000, [(a["invoiceId"], 1180), (b["invoiceId"], 118)]), "allocations"
    )
    assert_invalid(
        await pay(tenant, buyer, 3000, [(a["invoiceId"], 1180), (a["invoiceId"], 1180)]),
        "allocations[1].invoiceId",
    )


async def test_only_an_open_approved_invoice_of_the_payer_takes_an_allocation(
    tenant: Tenant, db: Database
) -> None:
    buyer = await customer(tenant)
    someone_else = await customer(tenant)
    theirs = await invoice(tenant, someone_else)
    withdrawn = await invoice(tenant, buyer)
    # Delete Invoice Collection belongs to another package; its end state is set directly here.
    async with db.sessionmaker() as session:
        await session.execute(
            text_update("UPDATE invoices SET status = 'COLLECTION_DELETED' WHERE invoice_id = :i"),
            {"i": withdrawn["invoiceId"]},
        )
        await session.commit()
    assert payload(await tenant.patch("/api/v0/company", json={"approvalChain": "MAKER_CHECKER"}))
    pending = await invoice(tenant, buyer)
    assert pending["approvalStatus"] == "CHECKER_APPROVAL_PENDING"

    response = await pay(
        tenant,
        buyer,
        5000,
        [(theirs["invoiceId"], 1180), (withdrawn["invoiceId"], 1180), (pending["invoiceId"], 1180)],
    )

    errors = assert_invalid(
        response, "allocations[0].invoiceId", "allocations[1].invoiceId", "allocations[2].invoiceId"
    )
    assert (
        errors["allocations[0].invoiceId"]["message"] == f"is an invoice of another customer ({someone_else})"
    )
    assert errors["allocations[1].invoiceId"]["message"] == "was deleted from collection"
    assert errors["allocations[2].invoiceId"]["message"].startswith("is not approved yet")
    # Oldest-due-first passes over the same invoices: all 5,000 is credit.
    made = payload(await pay(tenant, buyer, 5000))
    assert made["allocations"] == [] and money(made["unallocatedAmount"]) == Decimal("5000.00")


async def test_bad_payment_bodies_name_the_field(tenant: Tenant, tenants: TenantFactory) -> None:
    buyer = await customer(tenant)
    assert_invalid(await pay(tenant, buyer, 0), "amount")
    assert_invalid(await pay(tenant, buyer, -5), "amount")
    assert_invalid(await pay(tenant, buyer, 10.001), "amount")
    assert_invalid(await pay(tenant, buyer, 10, mode="BITCOIN"), "mode")
    assert_invalid(await pay(tenant, buyer, 10, paidOn="2999-01-01"), "paidOn")
    assert_invalid(await pay(tenant, buyer, 10, reference=""), "reference")
    assert_invalid(await pay(tenant, buyer, 10, []), "allocations")
    assert_invalid(await pay(tenant, "KC0000000000000X", 10), "customerId")
    viewer = await tenants.user(tenant, "VIEWER")
    assert_error(await pay(viewer, buyer, 10), 403, "INVALID_ACCESS")
    assert await credit_of(tenant, buyer) == 0
