"""The invoice form through the real app: what a person types becomes the invoice the API then shows, to the
paisa; a refused form comes back as typed, with each field's message beside it; a rejected invoice is
changed and sent back for approval; a VIEWER gets no form."""

from __future__ import annotations

from tests.customers.helpers import payload
from tests.support import Tenant, TenantFactory
from tests.web.editing.helpers import form_of_lines, invoice, new_invoice, sign_in

# Both lines round: 3 × 333.33 = 999.99 at 18 % (half 89.9991 → 90.00); 1.5 × 99.99 = 149.985 → 149.99
# at 5 % (half 3.74975 → 3.75, whole 7.4995 → 7.50).
LINES = [("Steel brackets", "7308", "3", "333.33", "18"), ("Fitting service", "998719", "1.5", "99.99", "5")]


async def test_a_new_invoice_within_the_state_splits_gst_into_cgst_and_sgst(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    customer = await tenant.create_customer(state="Maharashtra")
    page = await tenant.http.get(f"/app/invoices/new?customerId={customer['customerId']}", headers=cookie)
    assert page.status_code == 200, page.text
    assert '>Quantity<span class="visually-hidden" data-line-n>, line 1</span>' in page.text
    assert 'id="total-cgst"' in page.text and 'id="grand-total"' in page.text
    assert '<option value="Maharashtra" selected>' in page.text  # the place of supply: the customer's state

    invoice_id = await new_invoice(tenant, cookie, form_of_lines(customer["customerId"], LINES))
    saved = await invoice(tenant, invoice_id)
    assert (saved["baseAmount"], saved["cgst"], saved["sgst"], saved["igst"]) == (1149.98, 93.75, 93.75, 0)
    assert saved["totalAmount"] == 1337.48
    assert [(x["baseAmount"], x["cgst"], x["sgst"]) for x in saved["lineItems"]] == [
        (999.99, 90.0, 90.0),
        (149.99, 3.75, 3.75),
    ]
    assert saved["placeOfSupply"] == "Maharashtra" and saved["documentType"] == "TAX_INVOICE"


async def test_a_new_invoice_to_another_state_charges_igst(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    customer = await tenant.create_customer(state="Karnataka")
    data = form_of_lines(customer["customerId"], LINES, description="Delivered to Bengaluru")
    response = await tenant.http.post("/app/invoices/new", data=data, headers=cookie)
    assert response.status_code == 303
    follow = await tenant.http.get(
        "/app", headers={**cookie, "Cookie": cookie["Cookie"] + "; " + _flash(response)}
    )
    assert "created for ₹1,337.48" in follow.text
    saved = await invoice(tenant, response.headers["location"].rsplit("/", 1)[1])
    assert (saved["baseAmount"], saved["cgst"], saved["sgst"], saved["igst"]) == (1149.98, 0, 0, 187.5)
    assert saved["placeOfSupply"] == "Karnataka" and saved["description"] == "Delivered to Bengaluru"


def _flash(response: object) -> str:
    header = response.headers["set-cookie"]  # type: ignore[attr-defined]
    return header.split(";", 1)[0]


async def test_add_line_without_scripts_shows_one_more_row_and_keeps_the_input(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    customer = await tenant.create_customer()
    data = form_of_lines(customer["customerId"], LINES[:1], op="add-line")
    page = await tenant.http.post("/app/invoices/new", data=data, headers=cookie)
    assert page.status_code == 200
    assert 'value="Steel brackets"' in page.text
    assert (
        'name="lineItems[1].description"' in page.text and 'name="lineItems[2].description"' not in page.text
    )
    # The preview before any script: the line's figures and the totals as the service computes them.
    assert (
        'id="total-taxable">₹999.99<' in page.text
        and 'id="grand-total" aria-live="polite">₹1,179.99<' in page.text
    )


async def test_a_refused_form_comes_back_as_typed_with_each_fields_message(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    customer = await tenant.create_customer()
    lines = [LINES[0], ("Fitting service", "998719", "0", "99.99", "5")]
    data = form_of_lines(customer["customerId"], lines, dueDate="", description="Keep me")
    page = await tenant.http.post("/app/invoices/new", data=data, headers=cookie)
    assert page.status_code == 422
    text = page.text
    assert 'role="alert" id="form-error"' in text and "Quantity, line 2" in text and "Due date" in text
    assert 'id="e-lineItems[1].quantity"' in text and 'id="e-dueDate"' in text
    assert 'name="lineItems[1].quantity" type="text" value="0"' in text
    assert 'value="Fitting service"' in text and ">Keep me</textarea>" in text
    assert "Traceback" not in text
    found = payload(
        await tenant.post("/api/v0/invoice/search", json={"customerIds": [customer["customerId"]]})
    )
    assert found["total"] == 0

    # A refusal of the service itself (a due date before the invoice date) names its field the same way.
    data = form_of_lines(customer["customerId"], LINES, invoiceDate="2026-05-10", dueDate="2026-05-01")
    page = await tenant.http.post("/app/invoices/new", data=data, headers=cookie)
    assert page.status_code == 422
    assert 'id="e-dueDate"' in page.text and "must not be before the invoice date" in page.text
    assert 'value="2026-05-10"' in page.text


async def test_a_rejected_invoice_is_changed_and_submitted_again(
    tenants: TenantFactory, tenant: Tenant
) -> None:
    payload(await tenant.patch("/api/v0/company", json={"approvalChain": "MAKER_CHECKER"}))
    checker = await tenants.user(tenant, "CHECKER")
    cookie = await sign_in(tenant)
    customer = await tenant.create_customer()
    invoice_id = await new_invoice(tenant, cookie, form_of_lines(customer["customerId"], LINES))
    assert (await invoice(tenant, invoice_id))["approvalStatus"] == "CHECKER_APPROVAL_PENDING"
    rejected = {"action": "REJECT", "remarks": "wrong quantity"}
    payload(await checker.post(f"/api/v0/invoice/{invoice_id}/approval", json=rejected))

    page = await tenant.http.get(f"/app/invoices/{invoice_id}/edit", headers=cookie)
    assert page.status_code == 200
    assert "Save and submit for approval" in page.text and 'value="333.33"' in page.text
    data = form_of_lines(
        customer["customerId"], [("Steel brackets", "7308", "4", "333.33", "18")], op="resubmit"
    )
    data["invoiceDate"] = (await invoice(tenant, invoice_id))["invoiceDate"]
    response = await tenant.http.post(f"/app/invoices/{invoice_id}/edit", data=data, headers=cookie)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/app/invoices/{invoice_id}"
    saved = await invoice(tenant, invoice_id)
    assert saved["approvalStatus"] == "CHECKER_APPROVAL_PENDING"
    # 4 × 333.33 = 1333.32; half of 18 % is 119.9988 → 120.00 each.
    assert (saved["baseAmount"], saved["cgst"], saved["totalAmount"]) == (1333.32, 120.0, 1573.32)
    assert len(saved["lineItems"]) == 1


async def test_a_paid_invoices_notes_change_but_its_amounts_are_not_sent(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    customer = await tenant.create_customer()
    invoice_id = await new_invoice(tenant, cookie, form_of_lines(customer["customerId"], LINES))
    before = await invoice(tenant, invoice_id)
    data = form_of_lines(customer["customerId"], LINES, op="save", description="PO 4711")
    data |= {
        "invoiceDate": before["invoiceDate"],
        "dueDate": before["dueDate"],
        "invoiceNumber": before["invoiceNumber"],
    }
    response = await tenant.http.post(f"/app/invoices/{invoice_id}/edit", data=data, headers=cookie)
    assert response.status_code == 303, response.text
    after = await invoice(tenant, invoice_id)
    assert after["description"] == "PO 4711" and after["totalAmount"] == before["totalAmount"]


async def test_a_viewer_gets_no_form_and_its_posts_are_refused(
    tenants: TenantFactory, tenant: Tenant
) -> None:
    viewer = await tenants.user(tenant, "VIEWER")
    cookie = await sign_in(viewer)
    customer = await tenant.create_customer()
    page = await tenant.http.get("/app/invoices/new", headers=cookie)
    assert page.status_code == 403 and "Create invoice" not in page.text
    response = await tenant.http.post(
        "/app/invoices/new", data=form_of_lines(customer["customerId"], LINES), headers=cookie
    )
    assert response.status_code == 403
    found = payload(
        await tenant.post("/api/v0/invoice/search", json={"customerIds": [customer["customerId"]]})
    )
    assert found["total"] == 0


async def test_an_invoice_made_without_lines_keeps_its_amounts_when_its_notes_change(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    customer = await tenant.create_customer(state="Karnataka")
    body = {"customerId": customer["customerId"], "dueDate": "2099-12-31", "baseAmount": 1000, "igst": 180}
    made = payload(await tenant.post("/api/v0/invoice", json=body))
    page = await tenant.http.get(f"/app/invoices/{made['invoiceId']}/edit", headers=cookie)
    assert page.status_code == 200 and "made without lines, for ₹1,000.00 before tax" in page.text
    data = form_of_lines(customer["customerId"], [], op="save", description="Against PO 88")
    data |= {"invoiceDate": made["invoiceDate"], "invoiceNumber": made["invoiceNumber"]}
    response = await tenant.http.post(f"/app/invoices/{made['invoiceId']}/edit", data=data, headers=cookie)
    assert response.status_code == 303, response.text
    after = await invoice(tenant, made["invoiceId"])
    assert (after["description"], after["totalAmount"], after["lineItems"]) == ("Against PO 88", 1180.0, [])
