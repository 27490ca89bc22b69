"""The payments pages through the real app (httpx): recording a cheque with the buyer's TDS across invoices,
the oldest-first suggestion without scripts, refusals that keep what was typed, reversal, who may do what."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from dues.kit.timefmt import today_ist
from dues.web.payments.allocation import Owed, oldest_first
from tests.customers.helpers import payload
from tests.payments.helpers import money
from tests.support import Tenant, TenantFactory
from tests.web.payments.helpers import TAN, Scene, follow, input_value, invoice_now, payment_id_of, scene
from tests.web.test_shell import sign_in


def cheque(s: Scene, received: str, rows: dict[str, tuple[str, str]], **extra: str) -> dict[str, Any]:
    """The record form as a browser posts it: every open invoice's row, typed or empty."""
    form: dict[str, Any] = {
        "customerId": s.customer_id,
        "amount": received,
        "mode": "CHEQUE",
        "reference": "004512",
        "paidOn": today_ist().isoformat(),
        "tdsSection": "194J",
        "deductorTan": TAN,
        "invoiceId": [i["invoiceId"] for i in s.invoices],
        "action": "record",
        **extra,
    }
    for inv in s.invoices:
        cash, tds = rows.get(inv["invoiceId"], ("", ""))
        form[f"amount-{inv['invoiceId']}"] = cash
        form[f"tds-{inv['invoiceId']}"] = tds
    return form


async def test_a_cheque_with_tds_across_two_invoices_pays_both(tenant: Tenant) -> None:
    s = await scene(tenant)
    cookie = await sign_in(tenant)
    page = await tenant.http.get(f"/app/payments/new?customerId={s.customer_id}", headers=cookie)
    assert page.status_code == 200, page.text
    # Oldest due first, each with its balance and the TDS the customer's rate suggests.
    numbers = [i["invoiceNumber"] for i in s.invoices]
    places = [page.text.index(f"Amount for {n}") for n in numbers]
    assert places == sorted(places)
    assert "TDS for " + s.older["invoiceNumber"] in page.text
    assert "after TDS ₹11,600.00" in page.text and '<option value="194J" selected>' in page.text

    older, newer = s.older["invoiceId"], s.newer["invoiceId"]
    sent = cheque(s, "17,400", {older: ("11600", "200"), newer: ("5800", "100")})
    response = await tenant.http.post("/app/payments", data=sent, headers=cookie)
    payment_id = payment_id_of(response)

    shown = await follow(tenant.http, response, cookie)
    assert f"Payment {payment_id} of ₹17,400.00 recorded" in shown.text
    assert 'id="payment-status"><span class="badge badge-recorded">Recorded<' in shown.text
    assert f"by {tenant.username}</dd>" in shown.text  # who recorded it, by e-mail rather than user id
    assert s.older["invoiceNumber"] in shown.text and "AWAITING_CERTIFICATE" not in shown.text
    assert "Awaiting certificate" in shown.text  # the TDS register's entry
    made = payload(await tenant.get(f"/api/v0/payment/{payment_id}"))
    assert (made["mode"], made["reference"], made["tdsSection"], made["deductorTan"]) == (
        "CHEQUE",
        "004512",
        "194J",
        TAN,
    )
    assert (money(made["amount"]), money(made["tdsAmount"]), money(made["unallocatedAmount"])) == (
        Decimal("17400.00"),
        Decimal("300.00"),
        0,
    )
    for inv, tds in ((s.older, "200.00"), (s.newer, "100.00")):
        now = await invoice_now(tenant, inv["invoiceId"])
        assert (now["status"], money(now["balanceAmount"]), money(now["tdsAmount"])) == (
            "PAID",
            0,
            Decimal(tds),
        )
    untouched = await invoice_now(tenant, s.newest["invoiceId"])
    assert money(untouched["balanceAmount"]) == Decimal("1180.00")


async def test_suggest_without_scripts_fills_oldest_first_and_records_nothing(tenant: Tenant) -> None:
    s = await scene(tenant)
    cookie = await sign_in(tenant)
    sent = cheque(s, "17900", {}, action="suggest")
    response = await tenant.http.post("/app/payments", data=sent, headers=cookie)
    assert response.status_code == 200, response.text
    html = response.text
    older, newer, newest = (i["invoiceId"] for i in s.invoices)
    assert (input_value(html, f"amount-{older}"), input_value(html, f"tds-{older}")) == ("11600.00", "200.00")
    assert (input_value(html, f"amount-{newer}"), input_value(html, f"tds-{newer}")) == ("5800.00", "100.00")
    # 500 is left: not enough for the newest (1,160 after TDS), which takes no part-payment: credit.
    assert (input_value(html, f"amount-{newest}"), input_value(html, f"tds-{newest}")) == ("", "")
    assert '<strong id="unallocated" aria-live="polite">₹500.00</strong>' in html
    assert input_value(html, "amount") == "17900" and input_value(html, "deductorTan") == TAN
    assert money((await invoice_now(tenant, older))["balanceAmount"]) == Decimal("11800.00")
    # Recording the suggestion as it stands: the 500 becomes the customer's credit.
    sent = cheque(s, "17900", {older: ("11600.00", "200.00"), newer: ("5800.00", "100.00")})
    payment_id = payment_id_of(await tenant.http.post("/app/payments", data=sent, headers=cookie))
    made = payload(await tenant.get(f"/api/v0/payment/{payment_id}"))
    assert money(made["unallocatedAmount"]) == Decimal("500.00")
    credit = payload(await tenant.get(f"/api/v0/customer/{s.customer_id}"))["creditBalance"]
    assert money(credit) == Decimal("500.00")


def test_a_part_payment_takes_its_share_of_tds_where_the_invoice_allows_it() -> None:
    day = today_ist()
    rows = [
        Owed("INVA", "A/1", day, day, Decimal("1180.00"), Decimal("20.00"), Decimal("100"), False, None),
        Owed("INVB", "B/1", day, day, Decimal("1180.00"), Decimal("20.00"), Decimal("100"), True, None),
    ]
    # 580 of 1,160 to pay on B: half its TDS (10.00); A, paid in full only, is passed over.
    assert oldest_first(Decimal("580"), rows) == {"INVB": (Decimal("580.00"), Decimal("10.00"))}
    assert oldest_first(Decimal("0"), rows) == {}


async def test_a_refused_allocation_keeps_the_input_and_says_why_beside_the_row(tenant: Tenant) -> None:
    s = await scene(tenant)
    cookie = await sign_in(tenant)
    older, newer = s.older["invoiceId"], s.newer["invoiceId"]
    # More than the older invoice's balance; TDS on the newer above 10 % of its taxable value (500).
    sent = cheque(s, "18000", {older: ("12,000", ""), newer: ("5300", "600")})
    response = await tenant.http.post("/app/payments", data=sent, headers=cookie)
    assert response.status_code == 422, response.text
    html = response.text
    assert 'id="form-error"' in html and f"Amount for {s.older['invoiceNumber']}" in html
    assert f'id="e-amount-{older}">is more than invoice {older}&#39;s balance (11800.00)' in html
    assert (
        f'id="e-tds-{newer}">is more than 10 % of invoice {newer}&#39;s taxable value (500.00 at most' in html
    )
    assert input_value(html, f"amount-{older}") == "12,000" and input_value(html, f"tds-{newer}") == "600"
    assert input_value(html, "amount") == "18000" and input_value(html, "reference") == "004512"
    assert money((await invoice_now(tenant, older))["balanceAmount"]) == Decimal("11800.00")
    listed = await tenant.http.get("/app/payments", headers=cookie)
    assert "0 payments" in listed.text

    not_money = cheque(s, "abc", {older: ("1O0", "")})
    refused = await tenant.http.post("/app/payments", data=not_money, headers=cookie)
    assert refused.status_code == 422
    assert 'id="e-amount"' in refused.text and f'id="e-amount-{older}">is not an amount' in refused.text


async def test_reverse_brings_the_balances_back_once(tenant: Tenant) -> None:
    s = await scene(tenant)
    cookie = await sign_in(tenant)
    older, newer = s.older["invoiceId"], s.newer["invoiceId"]
    sent = cheque(s, "17400", {older: ("11600", "200"), newer: ("5800", "100")})
    payment_id = payment_id_of(await tenant.http.post("/app/payments", data=sent, headers=cookie))
    page = await tenant.http.get(f"/app/payments/{payment_id}", headers=cookie)
    assert "Reverse payment" in page.text and "data-confirm=" in page.text

    reverse = f"/app/payments/{payment_id}/reverse"
    done = await tenant.http.post(
        reverse, data={"reason": "CHEQUE_BOUNCED", "chargeAmount": "590"}, headers=cookie
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/app/payments/{payment_id}"
    page = await follow(tenant.http, done, cookie)
    assert 'id="payment-status"><span class="badge badge-reversed">Reversed<' in page.text
    assert f"by {tenant.username}: Cheque bounced" in page.text
    assert f"Payment {payment_id} reversed: 2 invoices owe again" in page.text
    assert "Cheque bounced" in page.text and "Reverse payment" not in page.text
    assert "Reversal" in page.text  # the ledger's mirror entries
    for inv in (s.older, s.newer):
        now = await invoice_now(tenant, inv["invoiceId"])
        assert money(now["balanceAmount"]) == money(inv["totalAmount"]) and now["status"] != "PAID"
    made = payload(await tenant.get(f"/api/v0/payment/{payment_id}"))
    assert (made["status"], made["reversalReason"]) == ("REVERSED", "CHEQUE_BOUNCED")
    assert made["reversalChargeInvoiceId"]

    again = await tenant.http.post(reverse, data={"reason": "ENTERED_IN_ERROR"}, headers=cookie)
    assert again.status_code == 422
    assert "a payment is reversed once" in again.text and 'id="form-error"' in again.text


async def test_a_refused_reversal_keeps_the_form(tenant: Tenant) -> None:
    s = await scene(tenant)
    cookie = await sign_in(tenant)
    sent = cheque(s, "11600", {s.older["invoiceId"]: ("11600", "200")})
    payment_id = payment_id_of(await tenant.http.post("/app/payments", data=sent, headers=cookie))
    bad = {"reason": "CHEQUE_BOUNCED", "chargeAmount": "-5", "remarks": "memo 77"}
    response = await tenant.http.post(f"/app/payments/{payment_id}/reverse", data=bad, headers=cookie)
    assert response.status_code == 422
    assert 'id="e-chargeAmount"' in response.text and input_value(response.text, "remarks") == "memo 77"
    assert payload(await tenant.get(f"/api/v0/payment/{payment_id}"))["status"] == "RECORDED"


async def test_a_viewer_sees_no_controls_and_cannot_post(tenants: TenantFactory, tenant: Tenant) -> None:
    s = await scene(tenant)
    admin = await sign_in(tenant)
    sent = cheque(s, "11600", {s.older["invoiceId"]: ("11600", "200")})
    payment_id = payment_id_of(await tenant.http.post("/app/payments", data=sent, headers=admin))

    viewer = await sign_in(await tenants.user(tenant, "VIEWER"))
    listed = await tenant.http.get("/app/payments", headers=viewer)
    assert listed.status_code == 200 and payment_id in listed.text
    assert "Record payment" not in listed.text
    shown = await tenant.http.get(f"/app/payments/{payment_id}", headers=viewer)
    assert (
        shown.status_code == 200
        and "Reverse payment" not in shown.text
        and '<form method="post" action="/app/payments' not in shown.text
    )
    assert (await tenant.http.get("/app/payments/new", headers=viewer)).status_code == 403
    posted = await tenant.http.post("/app/payments", data=sent, headers=viewer)
    assert posted.status_code == 403 and "text/html" in posted.headers["content-type"]
    reverse = f"/app/payments/{payment_id}/reverse"
    assert (
        await tenant.http.post(reverse, data={"reason": "CHEQUE_BOUNCED"}, headers=viewer)
    ).status_code == 403

    # A maker records payments but does not reverse them (ADMIN or APPROVER, as the API).
    maker = await sign_in(await tenants.user(tenant, "MAKER"))
    shown = await tenant.http.get(f"/app/payments/{payment_id}", headers=maker)
    assert "Reverse payment" not in shown.text
    assert (
        await tenant.http.post(reverse, data={"reason": "CHEQUE_BOUNCED"}, headers=maker)
    ).status_code == 403
    assert payload(await tenant.get(f"/api/v0/payment/{payment_id}"))["status"] == "RECORDED"


async def test_another_companys_payment_is_a_404_page(tenants: TenantFactory, tenant: Tenant) -> None:
    s = await scene(tenant)
    cookie = await sign_in(tenant)
    sent = cheque(s, "11600", {s.older["invoiceId"]: ("11600", "200")})
    payment_id = payment_id_of(await tenant.http.post("/app/payments", data=sent, headers=cookie))

    other = await tenants.create(name="Other Traders Pvt Ltd")
    theirs = await sign_in(other)
    response = await tenant.http.get(f"/app/payments/{payment_id}", headers=theirs)
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert payment_id in response.text and "Vayu" not in response.text
    reverse = await tenant.http.post(
        f"/app/payments/{payment_id}/reverse", data={"reason": "CHEQUE_BOUNCED"}, headers=theirs
    )
    assert reverse.status_code == 404
    listed = await tenant.http.get("/app/payments", headers=theirs)
    assert payment_id not in listed.text
    # Another company's customer is not offered, and its invoices are not shown.
    form = await tenant.http.get(f"/app/payments/new?customerId={s.customer_id}", headers=theirs)
    assert "There is no such customer here" in form.text and s.older["invoiceNumber"] not in form.text


async def test_the_list_filters_by_mode_status_and_customer(tenant: Tenant) -> None:
    s = await scene(tenant)
    cookie = await sign_in(tenant)
    cheque_id = payment_id_of(
        await tenant.http.post(
            "/app/payments", data=cheque(s, "11600", {s.older["invoiceId"]: ("11600", "200")}), headers=cookie
        )
    )
    neft = cheque(
        s, "5900", {s.newer["invoiceId"]: ("5900", "")}, mode="NEFT", reference="UTR77", tdsSection=""
    )
    neft_id = payment_id_of(await tenant.http.post("/app/payments", data=neft, headers=cookie))
    await tenant.http.post(
        f"/app/payments/{cheque_id}/reverse", data={"reason": "CHEQUE_BOUNCED"}, headers=cookie
    )

    everything = await tenant.http.get("/app/payments", headers=cookie)
    assert cheque_id in everything.text and neft_id in everything.text and "2 payments" in everything.text
    by_mode = await tenant.http.get("/app/payments?mode=NEFT", headers=cookie)
    assert neft_id in by_mode.text and cheque_id not in by_mode.text
    reversed_ = await tenant.http.get("/app/payments?status=REVERSED", headers=cookie)
    assert cheque_id in reversed_.text and neft_id not in reversed_.text
    mine = await tenant.http.get(
        f"/app/payments?customerId={s.customer_id}&from=2026-01-01&to=nonsense", headers=cookie
    )
    assert "2 payments" in mine.text and "is not a date" in mine.text
