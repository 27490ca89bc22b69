"""The customer portal through the app (httpx over ASGI): the link's token, what one customer sees and may
reach, the statement, disputes, TDS certificates, the link page's roles, and the link in the mails."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from dues.portal_links import service as links
from tests.collection.helpers import outbox
from tests.customers.helpers import payload
from tests.payments.helpers import customer
from tests.support import Tenant, TenantFactory
from tests.tds.helpers import pay_with_tds, register
from tests.web.portal.helpers import customer_with_invoices, issued, portal_link
from tests.web.test_shell import sign_in

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _plain_404(response_text: str) -> None:
    assert "There is no such page here." in response_text
    assert "Traceback" not in response_text and "INV" not in response_text


async def test_the_portal_shows_the_customers_open_invoices_only(tenant: Tenant) -> None:
    _, (first, second), path = await customer_with_invoices(tenant, "1000", "2000")
    other = await issued(tenant, await customer(tenant))  # another customer's invoice

    page = await tenant.http.get(path)

    assert page.status_code == 200, page.text
    assert page.headers["referrer-policy"] == "same-origin"  # the token never goes to another site
    assert "Seller Pvt Ltd" in page.text
    for inv in (first, second):
        assert f'>Pay<span class="visually-hidden"> {inv["invoiceNumber"]}</span></label>' in page.text
        assert f"Dispute {inv['invoiceNumber']}" in page.text
        assert f"/invoices/{inv['invoiceId']}/pdf" in page.text
    assert re.search(rf'id="balance-{second["invoiceId"]}">₹2,360.00<', page.text)
    assert other["invoiceId"] not in page.text
    assert 'class="menu"' not in page.text  # the portal's own layout, no app menu


async def test_a_bad_unknown_revoked_or_foreign_token_is_a_plain_404(
    tenants: TenantFactory, tenant: Tenant
) -> None:
    buyer, _, path = await customer_with_invoices(tenant, "1000")
    token = path.rsplit("/", 1)[1]
    company_id, link_id, sig = token.split(".")
    bad_sig = f"{company_id}.{link_id}.{sig[:-2]}{'AA' if sig[-2:] != 'AA' else 'BB'}"
    unknown = links.token_of(company_id, "PL" + "X" * 14)
    other = await tenants.create(name="Other Co Pvt Ltd")
    # The same link id under another company: its signature is for this company, so it fails.
    foreign = f"{other.company_id}.{link_id}.{sig}"
    for wrong in (bad_sig, unknown, foreign, "nonsense", token + "x"):
        response = await tenant.http.get(f"/portal/{wrong}")
        assert response.status_code == 404, wrong
        _plain_404(response.text)

    cookie = await sign_in(tenant)
    revoked = await tenant.http.post(f"/app/customers/{buyer}/portal/revoke", headers=cookie)
    assert revoked.status_code == 303
    response = await tenant.http.get(path)
    assert response.status_code == 404
    _plain_404(response.text)
    assert (await tenant.http.get(f"{path}/statement")).status_code == 404

    again = await portal_link(tenant, buyer)
    assert again != path
    assert (await tenant.http.get(again)).status_code == 200
    assert (await tenant.http.get(path)).status_code == 404


async def test_another_customers_invoice_through_the_portal_is_not_found(tenant: Tenant) -> None:
    _, _, path = await customer_with_invoices(tenant, "1000")
    other = await issued(tenant, await customer(tenant))
    for url in (
        f"{path}/invoices/{other['invoiceId']}/pdf",
        f"{path}/dispute?invoiceId={other['invoiceId']}",
    ):
        response = await tenant.http.get(url)
        assert response.status_code == 404, url
        _plain_404(response.text)
    posted = await tenant.http.post(
        f"{path}/dispute", data={"invoiceId": other["invoiceId"], "reason": "PRICING"}
    )
    assert posted.status_code == 404
    assert payload(await tenant.get(f"/api/v0/invoice/{other['invoiceId']}/disputes")) == []
    checkout = await tenant.http.post(f"{path}/checkout", data={"invoiceId": other["invoiceId"]})
    assert checkout.status_code == 422
    assert "not yours to pay" in checkout.text


async def test_the_invoice_pdf_and_the_statement_download(tenant: Tenant) -> None:
    _, (inv,), path = await customer_with_invoices(tenant, "1000")
    pdf = await tenant.http.get(f"{path}/invoices/{inv['invoiceId']}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    statement = await tenant.http.get(f"{path}/statement", params={"from": "2026-04-01", "to": "2026-12-31"})

    assert statement.status_code == 200, statement.text
    assert statement.headers["content-type"] == "application/pdf"
    assert statement.headers["content-disposition"].startswith("attachment;")
    assert statement.content.startswith(b"%PDF")


async def test_a_dispute_raised_on_the_portal_pauses_reminders(tenant: Tenant) -> None:
    _, (inv, kept), path = await customer_with_invoices(tenant, "1000", "500")
    form = await tenant.http.get(f"{path}/dispute", params={"invoiceId": inv["invoiceId"]})
    assert form.status_code == 200
    assert 'for="f-reason">Reason<' in form.text and 'for="f-remarks">Remarks<' in form.text
    assert ">Raise dispute</button>" in form.text

    refused = await tenant.http.post(f"{path}/dispute", data={"invoiceId": inv["invoiceId"], "remarks": "x"})
    assert refused.status_code == 422
    assert 'id="form-error"' in refused.text and ">x</textarea>" in refused.text

    raised = await tenant.http.post(
        f"{path}/dispute",
        data={"invoiceId": inv["invoiceId"], "reason": "QUANTITY", "remarks": "Only 8 of 10 boxes"}
        | {"amount": "236"},
    )

    assert raised.status_code == 303
    disputes = payload(await tenant.get(f"/api/v0/invoice/{inv['invoiceId']}/disputes"))
    assert [(d["reason"], d["source"], d["status"], Decimal(str(d["amount"]))) for d in disputes] == [
        ("QUANTITY", "PORTAL", "OPEN", Decimal("236"))
    ]
    assert disputes[0]["remarks"] == "Only 8 of 10 boxes"
    remind = await tenant.post(f"/api/v0/invoice/{inv['invoiceId']}/remind")
    assert remind.status_code == 422 and "disputed" in remind.text
    page = await tenant.http.get(path)
    assert "Only 8 of 10 boxes" in page.text and f"Dispute {inv['invoiceNumber']}" not in page.text
    # The day it was raised as every date on the page reads (dd Mon yyyy), then the customer's words.
    raised_on = datetime.fromisoformat(str(disputes[0]["createdOn"])).strftime("%d %b %Y")
    assert f"raised on {raised_on}. You wrote: “Only 8 of 10 boxes”" in page.text
    assert f"Dispute {kept['invoiceNumber']}" in page.text


async def _with_tds(tenant: Tenant) -> tuple[str, str, str]:
    """A customer who paid an invoice less 200 of TDS: (customerId, tdsId, portal path)."""
    buyer = await customer(tenant)
    inv = await issued(tenant, buyer, "10000")
    await pay_with_tds(tenant, buyer, inv["invoiceId"], 11600, 200, "2026-11-30", section="194C")
    [entry] = await register(tenant, customerIds=[buyer])
    return buyer, entry["tdsId"], await portal_link(tenant, buyer)


async def test_a_tds_certificate_uploaded_on_the_portal(tenant: Tenant) -> None:
    _, tds_id, path = await _with_tds(tenant)
    page = await tenant.http.get(path)
    assert f"/tds/{tds_id}" in page.text
    cookie = await sign_in(tenant)
    none_yet = await tenant.http.get(f"/app/tds/{tds_id}/certificate.pdf", headers=cookie)
    assert none_yet.status_code == 404 and "No certificate file" in none_yet.text

    not_pdf = await tenant.http.post(
        f"{path}/tds/{tds_id}",
        data={"certificateNumber": "ABCD1234", "certificateDate": "2026-12-01", "amount": "200"},
        files={"file": ("16a.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")},
    )
    assert not_pdf.status_code == 422
    assert "not a PDF" in not_pdf.text and 'value="ABCD1234"' in not_pdf.text
    entry = payload(await tenant.get(f"/api/v0/tds/{tds_id}"))
    assert entry["status"] == "AWAITING_CERTIFICATE"

    done = await tenant.http.post(
        f"{path}/tds/{tds_id}",
        data={"certificateNumber": "ABCD1234", "certificateDate": "2026-12-01", "amount": "200"},
        files={"file": ("16a.pdf", PDF, "application/pdf")},
    )

    assert done.status_code == 303, done.text
    entry = payload(await tenant.get(f"/api/v0/tds/{tds_id}"))
    assert (entry["status"], entry["certificateNumber"]) == ("CERTIFICATE_RECEIVED", "ABCD1234")
    assert f"/tds/{tds_id}" not in (await tenant.http.get(path)).text

    # The finance team gets the file from the TDS entry's page in the app.
    shown = await tenant.http.get(f"/app/tds/{tds_id}", headers=cookie)
    assert f'href="/app/tds/{tds_id}/certificate.pdf" id="certificate-file"' in shown.text
    got = await tenant.http.get(f"/app/tds/{tds_id}/certificate.pdf", headers=cookie)
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-disposition"].startswith("attachment;")


async def test_the_link_page_roles(tenants: TenantFactory, tenant: Tenant) -> None:
    buyer = await customer(tenant)
    viewer = await tenants.user(tenant, "VIEWER")
    cookie = await sign_in(viewer)
    page = await tenant.http.get(f"/app/customers/{buyer}/portal", headers=cookie)
    assert page.status_code == 200
    assert 'id="no-link"' in page.text and "Create link" not in page.text
    forbidden = await tenant.http.post(f"/app/customers/{buyer}/portal/create", headers=cookie)
    assert forbidden.status_code == 403

    path = await portal_link(tenant, buyer)
    page = await tenant.http.get(f"/app/customers/{buyer}/portal", headers=cookie)
    assert path in page.text and "Revoke link" not in page.text
    revoke = await tenant.http.post(f"/app/customers/{buyer}/portal/revoke", headers=cookie)
    assert revoke.status_code == 403

    writer = await sign_in(tenant)
    page = await tenant.http.get(f"/app/customers/{buyer}/portal", headers=writer)
    assert "Revoke link" in page.text and "data-confirm" in page.text
    # Who made the link is named by e-mail, in the note under it and in the history table.
    assert f"by {tenant.username};" in page.text and f'data-label="By">{tenant.username}<' in page.text
    twice = await tenant.http.post(f"/app/customers/{buyer}/portal/create", headers=writer)
    assert twice.status_code == 409


async def test_the_link_goes_out_in_reminders_and_statements(tenant: Tenant) -> None:
    buyer_id = (await tenant.create_customer(email="buyer@example.com"))["customerId"]
    inv = await issued(tenant, buyer_id)
    without = await issued(tenant, (await tenant.create_customer(email="b2@example.com"))["customerId"])
    path = await portal_link(tenant, buyer_id)

    payload(await tenant.post(f"/api/v0/invoice/{inv['invoiceId']}/remind"))
    payload(await tenant.post(f"/api/v0/invoice/{without['invoiceId']}/remind"))
    payload(await tenant.post(f"/api/v0/customer/{buyer_id}/statement/send", json={}))

    reminded = await outbox(tenant, invoiceId=inv["invoiceId"], channel="EMAIL")
    assert any(path in m["body"] for m in reminded if m["subject"].startswith("Reminder")), reminded
    others = await outbox(tenant, invoiceId=without["invoiceId"], channel="EMAIL")
    assert others and all("/portal/" not in m["body"] for m in others)
    mails = await outbox(tenant, channel="EMAIL")
    statements = [m for m in mails if m["subject"].startswith("Statement of account")]
    assert statements and all(path in m["body"] for m in statements)


async def test_a_portal_form_posted_from_another_site_is_refused(tenant: Tenant) -> None:
    _, (inv,), path = await customer_with_invoices(tenant, "1000")
    foreign = {"Origin": "https://evil.example"}
    for url, data in (
        (f"{path}/dispute", {"invoiceId": inv["invoiceId"], "reason": "OTHER"}),
        (f"{path}/checkout", {"invoiceId": inv["invoiceId"]}),
        ("/portal/anything/dispute", {}),
    ):
        response = await tenant.http.post(url, data=data, headers=foreign)
        assert response.status_code == 403, url
    assert payload(await tenant.get(f"/api/v0/invoice/{inv['invoiceId']}/disputes")) == []
