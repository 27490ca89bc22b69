"""A customer's statement of account as JSON (api.md §10): the opening balance, each movement with the running
balance, the closing balance, and what was owed at the end by age, on credit and invoice by invoice."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from dues.kit.envelope import dumps
from dues.kit.timefmt import today_ist
from dues.statements.schemas import StatementRead
from tests.adjustments.helpers import write_off
from tests.credit_notes.helpers import note, part
from tests.customers.helpers import assert_error, assert_invalid, payload
from tests.statements.helpers import TODAY, day, invoice, path, pay, rows, statement
from tests.support import Tenant, TenantFactory
from tests.tds.helpers import pay_with_tds

D = Decimal


async def _history(tenant: Tenant, tenants: TenantFactory) -> dict[str, dict]:
    """Two invoices, a part payment, a payment with TDS, a credit note, a write-off and a payment that leaves
    credit: 1,180 + 2,360 owed, then 500, 1,000 + 40 TDS, 118, 50 and 300 (of which 200 to credit) paid."""
    buyer = (await tenant.create_customer(legalName="Anand Traders LLP"))["customerId"]
    first = await invoice(tenant, buyer, "1000", day(-40), day(-10))
    second = await invoice(tenant, buyer, "2000", day(-20), day(10))
    cash = await pay(tenant, buyer, "500", day(-15), "UTRSTMT0001", [(first["invoiceId"], "500")])
    tds = await pay_with_tds(
        tenant, buyer, second["invoiceId"], "1000", "40", day(-5), section="194C", reference="UTRSTMT0002"
    )
    credit = await note(tenant, buyer, [part(first["invoiceId"], 100, cgst=9, sgst=9)])
    approver = await tenants.user(tenant, "APPROVER")
    payload(await write_off(approver, first["invoiceId"], 50))
    extra = await pay(tenant, buyer, "300", day(0), "UTRSTMT0003", [(second["invoiceId"], "100")])
    return {
        "buyer": {"id": buyer},
        "first": first,
        "second": second,
        "cash": cash,
        "tds": tds,
        "note": credit,
        "extra": extra,
    }


async def test_every_movement_runs_from_the_opening_to_the_closing_balance(
    tenant: Tenant, tenants: TenantFactory
) -> None:
    made = await _history(tenant, tenants)
    buyer = made["buyer"]["id"]
    first, second, credit = made["first"]["invoiceNumber"], made["second"]["invoiceNumber"], made["note"]

    got = await statement(tenant, buyer, **{"from": day(-60), "to": day(0)})

    assert (got["from"], got["to"], got["openingBalance"]) == (day(-60), day(0), D("0.00"))
    assert rows(got["lines"]) == [
        (day(-40), "INVOICE", f"Invoice {first}", D("1180.00"), D("0.00"), D("1180.00")),
        (day(-20), "INVOICE", f"Invoice {second}", D("2360.00"), D("0.00"), D("3540.00")),
        (day(-15), "PAYMENT", "Payment received — UTR UTRSTMT0001", D("0.00"), D("500.00"), D("3040.00")),
        (day(-5), "PAYMENT", "Payment received — UTR UTRSTMT0002", D("0.00"), D("1000.00"), D("2040.00")),
        (day(-5), "TDS", "TDS 194C deducted — UTR UTRSTMT0002", D("0.00"), D("40.00"), D("2000.00")),
        (
            day(0),
            "CREDIT_NOTE",
            f"Credit note {credit['noteNumber']} against {first}",
            D("0.00"),
            D("118.00"),
            D("1882.00"),
        ),
        (day(0), "WRITE_OFF", f"Written off — {first}", D("0.00"), D("50.00"), D("1832.00")),
        # One line for the payment, though it paid an invoice and left credit: two entries.
        (day(0), "PAYMENT", "Payment received — UTR UTRSTMT0003", D("0.00"), D("300.00"), D("1532.00")),
    ]
    assert [line["documentNumber"] for line in got["lines"]][:3] == [first, second, "UTRSTMT0001"]
    assert got["lines"][5]["documentId"] == credit["creditNoteId"]
    assert (got["totalDebits"], got["totalCredits"], got["closingBalance"]) == (
        D("3540.00"),
        D("2008.00"),
        D("1532.00"),
    )
    # What was owed at the end: 512 on the first invoice (10 days past due), 1,220 on the second (not yet
    # due), and 200 of credit; the buckets less the credit are the closing balance, to the paisa.
    assert got["aging"] == {
        "current": D("1220.00"),
        "1-30": D("512.00"),
        "31-60": D("0.00"),
        "61-90": D("0.00"),
        "90+": D("0.00"),
        "total": D("1732.00"),
    }
    assert got["unappliedCredit"] == D("200.00")
    assert got["aging"]["total"] - got["unappliedCredit"] == got["closingBalance"]
    assert [
        (i["invoiceNumber"], i["invoiceDate"], i["dueDate"], i["total"], i["balance"], i["daysPastDue"])
        for i in got["openInvoices"]
    ] == [
        (first, day(-40), day(-10), D("1180.00"), D("512.00"), 10),
        (second, day(-20), day(10), D("2360.00"), D("1220.00"), 0),
    ]
    assert got["customer"]["customerId"] == buyer and got["customer"]["legalName"] == "Anand Traders LLP"
    assert got["company"]["companyId"] == tenant.company_id


async def test_one_period_closes_where_the_next_opens(tenant: Tenant, tenants: TenantFactory) -> None:
    made = await _history(tenant, tenants)
    buyer = made["buyer"]["id"]

    whole = await statement(tenant, buyer, **{"from": day(-60), "to": day(0)})
    before = await statement(tenant, buyer, **{"from": day(-60), "to": day(-16)})
    after = await statement(tenant, buyer, **{"from": day(-15), "to": day(0)})

    assert before["closingBalance"] == after["openingBalance"] == D("3540.00")
    assert after["closingBalance"] == whole["closingBalance"]
    assert before["lines"] + after["lines"] == whole["lines"]
    # As of the earlier end, nothing was yet due, nothing paid and no credit held.
    assert before["aging"]["current"] == before["aging"]["total"] == D("3540.00")
    assert before["unappliedCredit"] == D("0.00")
    assert [i["balance"] for i in before["openInvoices"]] == [D("1180.00"), D("2360.00")]
    # A period with no movement still says what was owed.
    quiet = await statement(tenant, buyer, **{"from": day(-14), "to": day(-6)})
    assert quiet["lines"] == [] and quiet["openingBalance"] == quiet["closingBalance"] == D("3040.00")


async def test_reversals_refunds_and_credit_applied_read_as_what_they_did(tenant: Tenant) -> None:
    buyer = (await tenant.create_customer())["customerId"]
    bill = await invoice(tenant, buyer, "1000", day(-3), day(27))
    cheque = await pay(
        tenant, buyer, "1180", day(-2), "CHQ000123", [(bill["invoiceId"], "1180")], mode="CHEQUE"
    )
    # Nothing open when this arrives: all of it is credit.
    await pay(tenant, buyer, "2000", day(-1), "UTRSTMT0009")
    bounced = {"reason": "CHEQUE_BOUNCED"}
    payload(await tenant.post(f"/api/v0/payment/{cheque['paymentId']}/reverse", json=bounced))
    payload(await tenant.post(f"/api/v0/customer/{buyer}/credit/apply", json={}))
    refund = {"amount": "300", "mode": "NEFT", "reference": "UTRBACK0009", "paidOn": day(0)}
    payload(await tenant.post(f"/api/v0/customer/{buyer}/refund", json=refund))

    got = await statement(tenant, buyer, **{"from": day(-3), "to": day(0)})

    assert [(r[1], r[2], r[3], r[4], r[5]) for r in rows(got["lines"])] == [
        ("INVOICE", f"Invoice {bill['invoiceNumber']}", D("1180.00"), D("0.00"), D("1180.00")),
        ("PAYMENT", "Payment received — cheque CHQ000123", D("0.00"), D("1180.00"), D("0.00")),
        ("PAYMENT", "Payment received — UTR UTRSTMT0009", D("0.00"), D("2000.00"), D("-2000.00")),
        ("REVERSAL", "Payment reversed — cheque CHQ000123", D("1180.00"), D("0.00"), D("-820.00")),
        # The credit then set against the reopened invoice moved nothing the customer owes: no line.
        ("REFUND", "Refund paid — ref UTRBACK0009", D("300.00"), D("0.00"), D("-520.00")),
    ]
    assert got["openInvoices"] == [] and got["aging"]["total"] == D("0.00")
    assert got["unappliedCredit"] == D("520.00") and got["closingBalance"] == D("-520.00")


async def test_an_invoice_corrected_later_shows_the_difference_on_the_day(tenant: Tenant) -> None:
    buyer = (await tenant.create_customer())["customerId"]
    bill = await invoice(tenant, buyer, "1000", day(-3), day(27))
    smaller = {"baseAmount": "800", "cgst": "72", "sgst": "72"}
    payload(await tenant.patch(f"/api/v0/invoice/{bill['invoiceId']}", json=smaller))

    got = await statement(tenant, buyer, **{"from": day(-3), "to": day(0)})

    number = bill["invoiceNumber"]
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows(got["lines"])] == [
        (day(-3), f"Invoice {number}", D("1180.00"), D("0.00"), D("1180.00")),
        (day(0), f"Invoice {number} amended", D("0.00"), D("236.00"), D("944.00")),
    ]
    assert [(i["total"], i["balance"]) for i in got["openInvoices"]] == [(D("944.00"), D("944.00"))]


async def test_the_period_defaults_to_the_financial_year_so_far(tenant: Tenant) -> None:
    buyer = (await tenant.create_customer())["customerId"]

    got = await statement(tenant, buyer)
    march = await statement(tenant, buyer, to="2026-03-31")
    april = await statement(tenant, buyer, to="2026-04-01")

    today = today_ist()
    start = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    assert (got["from"], got["to"]) == (start.isoformat(), TODAY.isoformat())
    assert (march["from"], april["from"]) == ("2025-04-01", "2026-04-01")
    assert got["lines"] == [] and got["closingBalance"] == D("0.00") and got["openInvoices"] == []


async def test_a_bad_period_or_format_is_refused_in_the_envelope(tenant: Tenant) -> None:
    buyer = (await tenant.create_customer())["customerId"]

    backwards = await tenant.get(path(buyer), params={"from": "2026-11-30", "to": "2026-11-01"})
    not_a_date = await tenant.get(path(buyer), params={"from": "30-11-2026"})
    no_such_format = await tenant.get(path(buyer), params={"format": "xlsx"})

    assert "after to" in assert_invalid(backwards, "from")["from"]["message"]
    assert_error(not_a_date, 422, "VALIDATION_ERROR")
    assert_error(no_such_format, 422, "VALIDATION_ERROR")


async def test_another_companys_customer_is_not_found(tenant: Tenant, tenants: TenantFactory) -> None:
    other = await tenants.create("Other Seller Pvt Ltd")
    theirs = (await other.create_customer())["customerId"]
    await invoice(other, theirs, "1000", day(-3), day(27))

    for answer in (
        await tenant.get(path(theirs)),
        await tenant.get(path(theirs), params={"format": "pdf"}),
        await tenant.get(path("KCNOSUCHCUSTOMER")),
    ):
        assert_error(answer, 404, "RECORD_NOT_FOUND")
    viewer = await tenants.user(other, "VIEWER")
    assert (await statement(viewer, theirs))["closingBalance"] == D("1180.00")


async def test_the_answer_is_exactly_the_documented_model(tenant: Tenant, tenants: TenantFactory) -> None:
    # The statement is written from plain tuples, not the model: what it writes must be what the model says.
    made = await _history(tenant, tenants)
    response = await tenant.get(path(made["buyer"]["id"]), params={"from": day(-60), "to": day(0)})
    written = json.loads(response.text, parse_float=Decimal)["payload"]

    model = StatementRead.model_validate(written)

    assert len(model.lines) == len(written["lines"]) > 5
    assert dumps(model.model_dump(mode="python", by_alias=True)) == dumps(written)
    assert list(written["lines"][0]) == [
        "date",
        "type",
        "documentId",
        "documentNumber",
        "description",
        "debit",
        "credit",
        "runningBalance",
    ]


async def test_a_payment_of_an_earlier_period_reversed_in_this_one_is_named(tenant: Tenant) -> None:
    buyer = (await tenant.create_customer())["customerId"]
    bill = await invoice(tenant, buyer, "1000", day(-30), day(0))
    cheque = await pay(
        tenant, buyer, "1180", day(-20), "CHQ000777", [(bill["invoiceId"], "1180")], mode="CHEQUE"
    )
    bounced = {"reason": "CHEQUE_BOUNCED"}
    payload(await tenant.post(f"/api/v0/payment/{cheque['paymentId']}/reverse", json=bounced))

    got = await statement(tenant, buyer, **{"from": day(-5), "to": day(0)})

    assert got["openingBalance"] == D("0.00")
    assert rows(got["lines"]) == [
        (day(0), "REVERSAL", "Payment reversed — cheque CHQ000777", D("1180.00"), D("0.00"), D("1180.00")),
    ]
    assert [i["invoiceNumber"] for i in got["openInvoices"]] == [bill["invoiceNumber"]]
