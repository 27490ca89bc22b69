"""Credit notes through the pages: made against an invoice with its taxes as the invoice's place of supply
decides, approved by the checker on the note's page, after which the invoice owes less; listed; a VIEWER
sees no control and its posts are refused."""

from __future__ import annotations

import re

from tests.customers.helpers import payload
from tests.support import Tenant, TenantFactory
from tests.web.editing.helpers import form_of_lines, invoice, new_invoice, sign_in

LINES = [("Steel brackets", "7308", "10", "1000", "18")]


async def _issued_invoice(
    tenant: Tenant, checker: Tenant, cookie: dict[str, str], state: str
) -> tuple[str, str]:
    customer = await tenant.create_customer(state=state)
    invoice_id = await new_invoice(tenant, cookie, form_of_lines(customer["customerId"], LINES))
    payload(await checker.post(f"/api/v0/invoice/{invoice_id}/approval", json={"action": "APPROVE"}))
    return customer["customerId"], invoice_id


async def test_a_credit_note_is_made_approved_and_lowers_the_balance(
    tenants: TenantFactory, tenant: Tenant
) -> None:
    payload(await tenant.patch("/api/v0/company", json={"approvalChain": "MAKER_CHECKER"}))
    checker = await tenants.user(tenant, "CHECKER")
    cookie = await sign_in(tenant)
    _, invoice_id = await _issued_invoice(tenant, checker, cookie, "Karnataka")
    assert (await invoice(tenant, invoice_id))["balanceAmount"] == 11800.0

    page = await tenant.http.get(f"/app/credit-notes/new?invoiceId={invoice_id}", headers=cookie)
    assert page.status_code == 200, page.text
    assert ">Amount before tax (₹)</label>" in page.text and 'value="18"' in page.text and "IGST" in page.text
    form = {
        "invoiceId": invoice_id,
        "reason": "POST_SALE_DISCOUNT",
        f"baseAmount.{invoice_id}": "1,000.50",
        f"gstRate.{invoice_id}": "18",
        "description": "Volume discount",
    }
    response = await tenant.http.post("/app/credit-notes/new", data=form, headers=cookie)
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/app/credit-notes/(CN[A-Z0-9]{14})", response.headers["location"])
    assert match
    note_id = match.group(1)
    note = payload(await tenant.get(f"/api/v0/credit-note/{note_id}"))
    # 1000.50 at 18 % across states: IGST 180.09 (180.09 exactly), total 1180.59.
    assert (note["baseAmount"], note["igst"], note["cgst"], note["totalAmount"]) == (
        1000.5,
        180.09,
        0,
        1180.59,
    )
    assert note["status"] == "PENDING" and note["reason"] == "POST_SALE_DISCOUNT"

    mine = await tenant.http.get(f"/app/credit-notes/{note_id}", headers=cookie)
    assert mine.status_code == 200 and ">Approve</button>" not in mine.text  # its maker does not approve it
    assert f'href="/app/credit-notes/{note_id}/pdf">Download PDF' in mine.text

    checker_cookie = await sign_in(checker)
    theirs = await tenant.http.get(f"/app/credit-notes/{note_id}", headers=checker_cookie)
    assert ">Approve</button>" in theirs.text and ">Reject</button>" in theirs.text
    approved = await tenant.http.post(
        f"/app/credit-notes/{note_id}/approval",
        data={"action": "APPROVE", "remarks": "ok"},
        headers=checker_cookie,
    )
    assert approved.status_code == 303, approved.text
    shown = await tenant.http.get(f"/app/credit-notes/{note_id}", headers=checker_cookie)
    assert 'id="credit-note-status"><span class="badge badge-issued">Issued</span><' in shown.text
    assert ">Approve</button>" not in shown.text
    assert (await invoice(tenant, invoice_id))["balanceAmount"] == 11800.0 - 1180.59

    listed = await tenant.http.get("/app/credit-notes?status=ISSUED", headers=cookie)
    assert listed.status_code == 200 and note["noteNumber"] in listed.text
    none = await tenant.http.get("/app/credit-notes?status=REJECTED", headers=cookie)
    assert note["noteNumber"] not in none.text

    pdf = await tenant.http.get(f"/app/credit-notes/{note_id}/pdf", headers=cookie)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_a_refused_credit_note_keeps_the_input_and_names_the_invoices_field(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    customer = await tenant.create_customer(state="Maharashtra")
    invoice_id = await new_invoice(tenant, cookie, form_of_lines(customer["customerId"], LINES))
    await new_invoice(tenant, cookie, form_of_lines(customer["customerId"], LINES))
    # More than the invoice's 11,800.00 over its life: the service refuses, the form shows it by the invoice.
    form = {
        "customerId": customer["customerId"],
        "reason": "SALES_RETURN",
        f"baseAmount.{invoice_id}": "20000",
        f"gstRate.{invoice_id}": "18",
    }
    page = await tenant.http.post("/app/credit-notes/new", data=form, headers=cookie)
    assert page.status_code == 422, page.text
    assert f'id="e-{invoice_id}"' in page.text and 'value="20000"' in page.text
    assert "Amount before tax (₹) for" in page.text  # several invoices offered: each amount names its invoice
    found = payload(await tenant.post("/api/v0/credit-note/search", json={}))
    assert found["total"] == 0

    # Within the state, CGST and SGST halves; with no approval chain the note is issued at once.
    form[f"baseAmount.{invoice_id}"] = "99.99"
    response = await tenant.http.post("/app/credit-notes/new", data=form, headers=cookie)
    assert response.status_code == 303, response.text
    [note] = payload(await tenant.post("/api/v0/credit-note/search", json={}))["items"]
    assert (note["cgst"], note["sgst"], note["igst"], note["status"]) == (9.0, 9.0, 0, "ISSUED")


async def test_a_viewer_sees_no_credit_note_control_and_its_posts_are_refused(
    tenants: TenantFactory, tenant: Tenant
) -> None:
    cookie = await sign_in(tenant)
    customer = await tenant.create_customer()
    invoice_id = await new_invoice(tenant, cookie, form_of_lines(customer["customerId"], LINES))
    form = {"invoiceId": invoice_id, "reason": "OTHERS", f"baseAmount.{invoice_id}": "10"}
    made = await tenant.http.post("/app/credit-notes/new", data=form, headers=cookie)
    note_id = made.headers["location"].rsplit("/", 1)[1]

    viewer = await sign_in(await tenants.user(tenant, "VIEWER"))
    assert (
        await tenant.http.get(f"/app/credit-notes/new?invoiceId={invoice_id}", headers=viewer)
    ).status_code == 403
    assert (await tenant.http.post("/app/credit-notes/new", data=form, headers=viewer)).status_code == 403
    page = await tenant.http.get(f"/app/credit-notes/{note_id}", headers=viewer)
    assert page.status_code == 200
    assert "Send by e-mail" not in page.text and ">Approve</button>" not in page.text
    for action in ("approval", "dispatch"):
        refused = await tenant.http.post(
            f"/app/credit-notes/{note_id}/{action}", data={"action": "APPROVE"}, headers=viewer
        )
        assert refused.status_code == 403
    assert payload(await tenant.post("/api/v0/credit-note/search", json={}))["total"] == 1
