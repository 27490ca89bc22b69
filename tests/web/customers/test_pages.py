"""The customer pages through the real app (httpx, ASGI): what each page shows, and what a form post changed
as the API sees it afterwards."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx

from dues.kit.timefmt import today_ist
from dues.web.common import FLASH_COOKIE
from tests.customers.helpers import payload
from tests.payments.helpers import invoice, pay
from tests.reminders.helpers import reminder, steps
from tests.reports.helpers import credit_note, paid
from tests.support import Tenant, TenantFactory, gstin_for
from tests.web.test_shell import sign_in

CUSTOMERS = "/api/v0/customer"


def ids_in(html: str) -> list[str]:
    """The customers a list page links to, in its order."""
    return re.findall(r'href="/app/customers/(KC[A-Z0-9]{14})"', html)


async def landing(seller: Tenant, response: httpx.Response, cookie: dict[str, str]) -> httpx.Response:
    """The page a post redirected to, as a browser shows it: with the one-time message the post left."""
    assert response.status_code == 303, response.text
    flash = re.match(rf"{FLASH_COOKIE}=([^;]+);", response.headers.get("set-cookie", ""))
    seller.http.cookies.clear()
    headers = {"Cookie": cookie["Cookie"] + (f"; {FLASH_COOKIE}={flash.group(1)}" if flash else "")}
    return await seller.http.get(response.headers["location"], headers=headers)


async def get_customer(seller: Tenant, customer_id: str) -> dict[str, Any]:
    return payload(await seller.get(f"{CUSTOMERS}/{customer_id}"))  # type: ignore[no-any-return]


async def test_the_list_searches_by_part_of_the_name_filters_and_pages(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    alpha = await tenant.create_customer(legalName="Alpha Traders Pvt Ltd", state="Karnataka")
    alphabet = await tenant.create_customer(legalName="ALPHABET Foods LLP", state="Maharashtra")
    beta = await tenant.create_customer(legalName="Beta Steels Ltd", state="Karnataka")

    everyone = await tenant.http.get("/app/customers", headers=cookie)
    assert everyone.status_code == 200, everyone.text
    assert set(ids_in(everyone.text)) == {alpha["customerId"], alphabet["customerId"], beta["customerId"]}
    assert 'href="/app/customers/new"' in everyone.text

    named = await tenant.http.get("/app/customers?q=alpha", headers=cookie)
    assert set(ids_in(named.text)) == {alpha["customerId"], alphabet["customerId"]}
    assert "2 customers" in named.text

    in_state = await tenant.http.get("/app/customers?state=Karnataka&q=a", headers=cookie)
    assert set(ids_in(in_state.text)) == {alpha["customerId"], beta["customerId"]}

    await tenant.put(f"{CUSTOMERS}/deactivate/{beta['customerId']}")
    inactive = await tenant.http.get("/app/customers?status=INACTIVE", headers=cookie)
    assert ids_in(inactive.text) == [beta["customerId"]]

    by_id = await tenant.http.get(
        f"/app/customers?ids={alpha['customerId']},{beta['customerId'].lower()}", headers=cookie
    )
    assert set(ids_in(by_id.text)) == {alpha["customerId"], beta["customerId"]}

    # One invoice past its due date: only its customer owes anything overdue.
    await invoice(tenant, alphabet["customerId"], base="1000", invoiceDate="2026-10-01", due="2026-10-31")
    await invoice(
        tenant,
        alpha["customerId"],
        base="500",
        invoiceDate="2026-11-01",
        due="2099-01-31",
        cgst=0,
        sgst=0,
        igst=90,
    )
    overdue = await tenant.http.get("/app/customers?overdue=1", headers=cookie)
    assert ids_in(overdue.text) == [alphabet["customerId"]]
    assert "₹1,180.00" in overdue.text  # outstanding and overdue columns

    by_name = await tenant.http.get("/app/customers?sort=name&limit=2", headers=cookie)
    assert ids_in(by_name.text) == [alphabet["customerId"], alpha["customerId"]]
    assert "3 customers, showing 1–2" in by_name.text
    following = re.search(r'<a rel="next" href="([^"]+)"', by_name.text)
    assert following
    second = await tenant.http.get(following.group(1).replace("&amp;", "&"), headers=cookie)
    assert ids_in(second.text) == [beta["customerId"]]
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text


async def test_a_new_customer_is_created_through_the_form_with_its_primary_contact(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    form = await tenant.http.get("/app/customers/new", headers=cookie)
    assert form.status_code == 200
    for label in ("Legal name", "GSTIN or PAN", "State", "Contact name", "E-mail", "Phone"):
        assert f">{label}" in form.text, label
    gstin = gstin_for("29")
    response = await tenant.http.post(
        "/app/customers",
        headers=cookie,
        data={
            "legalName": "Kaveri Textiles Pvt Ltd",
            "panOrGstin": gstin,
            "state": "",
            "address": "12 MG Road, Bengaluru",
            "pinCode": "560001",
            "tdsSection": "194C",
            "tdsRate": "2",
            "contactName": "Asha Rao",
            "contactEmail": "asha@kaveri.example",
            "contactPhone": "9876543210",
        },
    )
    assert response.status_code == 303, response.text
    customer_id = response.headers["location"].rsplit("/", 1)[1]
    page = await landing(tenant, response, cookie)
    assert "<h1>Kaveri Textiles Pvt Ltd</h1>" in page.text
    assert "Customer Kaveri Textiles Pvt Ltd created." in page.text
    made = await get_customer(tenant, customer_id)
    assert made["state"] == "Karnataka" and made["panOrGstin"] == gstin
    assert made["tdsSection"] == "194C" and Decimal(str(made["tdsRate"])) == Decimal("2")
    [contact] = made["customerKeyContacts"]
    assert (contact["name"], contact["email"], contact["mobile"], contact["primary"]) == (
        "Asha Rao",
        "asha@kaveri.example",
        "9876543210",
        True,
    )


async def test_a_refused_gstin_shows_the_message_beside_the_field_and_keeps_the_input(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    good = gstin_for("27")
    wrong = good[:-1] + ("A" if good[-1] != "A" else "B")
    response = await tenant.http.post(
        "/app/customers",
        headers=cookie,
        data={"legalName": "Typo Industries", "panOrGstin": wrong, "state": "", "contactName": "Ravi"},
    )
    assert response.status_code == 422
    assert 'id="form-error"' in response.text
    assert re.search(r'id="e-panOrGstin">[^<]*wrong check character', response.text)
    assert f'value="{wrong}"' in response.text and 'value="Typo Industries"' in response.text
    assert 'value="Ravi"' in response.text
    found = payload(await tenant.post(f"{CUSTOMERS}/search", json={"legalName": "Typo"}))
    assert found["total"] == 0

    state = await tenant.http.post(
        "/app/customers",
        headers=cookie,
        data={"legalName": "Wrong State Ltd", "panOrGstin": good, "state": "Kerala"},
    )
    assert state.status_code == 422
    assert re.search(r'id="e-state">the GSTIN is registered in Maharashtra', state.text)


async def test_a_customer_is_edited_through_the_form(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    made = await tenant.create_customer(legalName="Old Name Ltd", state="Maharashtra")
    path = f"/app/customers/{made['customerId']}/edit"
    form = await tenant.http.get(path, headers=cookie)
    assert form.status_code == 200 and 'value="Old Name Ltd"' in form.text
    response = await tenant.http.post(
        path,
        headers=cookie,
        data={
            "legalName": "New Name Ltd",
            "state": "Maharashtra",
            "address": "1 Marine Drive, Mumbai",
            "email": "accounts@newname.example",
            "status": "INACTIVE",
        },
    )
    assert response.status_code == 303, response.text
    changed = await get_customer(tenant, made["customerId"])
    assert changed["legalName"] == "New Name Ltd"
    assert changed["address"] == "1 Marine Drive, Mumbai"
    assert changed["email"] == "accounts@newname.example"
    assert changed["status"] == "INACTIVE"

    cleared = await tenant.http.post(path, headers=cookie, data={"legalName": "", "state": "Maharashtra"})
    assert cleared.status_code == 422
    assert 'id="e-legalName"' in cleared.text
    assert (await get_customer(tenant, made["customerId"]))["legalName"] == "New Name Ltd"


async def test_the_edit_form_chooses_the_customers_reminder_schedules(tenant: Tenant) -> None:
    """What the reminder engine follows for a customer is its customerReminders: the edit form sets them."""
    cookie = await sign_in(tenant)
    gentle = await reminder(tenant, name="Gentle")
    firm = await reminder(tenant, name="Firm", steps=steps(1, 15))
    made = await tenant.create_customer(legalName="Schedules Ltd", state="Maharashtra")
    path = f"/app/customers/{made['customerId']}/edit"
    form = await tenant.http.get(path, headers=cookie)
    assert f'name="customerReminders" value="{gentle["reminderId"]}">' in form.text
    assert f'name="customerReminders" value="{firm["reminderId"]}">' in form.text

    base = {"legalName": "Schedules Ltd", "state": "Maharashtra", "status": "ACTIVE"}
    chosen = await tenant.http.post(
        path, headers=cookie, data={**base, "customerReminders": [firm["reminderId"]]}
    )
    assert chosen.status_code == 303, chosen.text
    assert (await get_customer(tenant, made["customerId"]))["customerReminders"] == [firm["reminderId"]]
    again = await tenant.http.get(path, headers=cookie)
    assert f'value="{firm["reminderId"]}" checked>' in again.text

    none = await tenant.http.post(path, headers=cookie, data=base)
    assert none.status_code == 303, none.text
    assert (await get_customer(tenant, made["customerId"]))["customerReminders"] == []


async def test_a_contact_is_added_on_the_customer_page(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    made = await tenant.create_customer()
    path = f"/app/customers/{made['customerId']}/contacts"
    response = await tenant.http.post(
        path,
        headers=cookie,
        data={
            "name": "Meera Iyer",
            "designation": "Accounts",
            "email": "meera@example.com",
            "channels": "EMAIL",
        },
    )
    assert response.status_code == 303, response.text
    contacts = payload(await tenant.get(f"{CUSTOMERS}/{made['customerId']}/contacts"))
    assert [(c["name"], c["email"], c["channels"]) for c in contacts] == [
        ("Meera Iyer", "meera@example.com", ["EMAIL"])
    ]
    page = await tenant.http.get(f"/app/customers/{made['customerId']}", headers=cookie)
    assert "Meera Iyer" in page.text

    unreachable = await tenant.http.post(path, headers=cookie, data={"name": "Nobody"})
    assert unreachable.status_code == 422
    assert "a contact needs an email or a mobile" in unreachable.text
    assert 'value="Nobody"' in unreachable.text


async def test_the_customer_page_shows_balances_documents_and_ledger(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    made = await tenant.create_customer(legalName="Ledger Works Ltd")
    customer_id = made["customerId"]
    late = await invoice(
        tenant,
        customer_id,
        base="1000",
        invoiceDate="2026-10-01",
        due="2026-10-31",
        partialPaymentAllowed=True,
    )
    await invoice(tenant, customer_id, base="2000", invoiceDate="2026-11-01", due="2099-12-31")
    paid = payload(await pay(tenant, customer_id, "500", [(late["invoiceId"], "500")]))
    page = await tenant.http.get(f"/app/customers/{customer_id}", headers=cookie)
    assert page.status_code == 200, page.text
    html = page.text
    assert re.search(r'id="outstanding">₹3,040.00<', html)  # 1,180 - 500 + 2,360
    assert re.search(r'id="overdue">₹680.00<', html)
    assert re.search(r'id="credit-balance">₹0.00<', html)
    assert f'href="/app/invoices/{late["invoiceId"]}"' in html
    assert f'href="/app/invoices?customerId={customer_id}"' in html
    assert f'href="/app/payments/{paid["paymentId"]}"' in html
    assert re.search(r'id="closing-balance">₹3,040.00<', html)
    for link in (
        f"/app/invoices/new?customerId={customer_id}",
        f"/app/payments/new?customerId={customer_id}",
        f"/app/customers/{customer_id}/statement",
        f"/app/customers/{customer_id}/portal",
        f"/app/credit-notes?customerId={customer_id}",
    ):
        assert f'href="{link}"' in html, link
    # No credit, so no refund form.
    assert "Refund credit</button>" not in html


async def test_the_ledger_names_entry_types_in_words_and_links_a_credit_note(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    customer_id = (await tenant.create_customer(legalName="Ledger Words Ltd"))["customerId"]
    dates = {"invoiceDate": "2026-10-01", "due": "2026-10-31"}
    sold = await invoice(tenant, customer_id, base="1000", partialPaymentAllowed=True, **dates)
    await paid(tenant, customer_id, "500", "2026-10-05", [(sold["invoiceId"], "500")], tds="20")
    note_id = await credit_note(tenant, customer_id, sold["invoiceId"], "100", "2026-10-06")
    html = (await tenant.http.get(f"/app/customers/{customer_id}", headers=cookie)).text
    types = re.findall(r'data-label="Type">([^<]+)<', html)
    assert "TDS" in types and "Credit note" in types and "Tds" not in types, types
    assert f'href="/app/credit-notes/{note_id}"' in html


async def test_the_statement_is_a_table_with_its_pdf_and_is_sent_by_e_mail(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    made = await tenant.create_customer(legalName="Statement Buyer Ltd", email="ap@buyer.example")
    customer_id = made["customerId"]
    sold = await invoice(tenant, customer_id, base="1000", invoiceDate="2026-11-01", due="2026-11-30")
    path = f"/app/customers/{customer_id}/statement"
    page = await tenant.http.get(f"{path}?from=2026-11-01&to=2026-11-30", headers=cookie)
    assert page.status_code == 200, page.text
    assert sold["invoiceNumber"] in page.text
    assert re.search(r'id="closing-balance">₹1,180.00<', page.text)
    pdf_link = f"/app/customers/{customer_id}/statement.pdf?from=2026-11-01&amp;to=2026-11-30"
    assert f'href="{pdf_link}"' in page.text

    pdf = await tenant.http.get(pdf_link.replace("&amp;", "&"), headers=cookie)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment;")
    assert pdf.content.startswith(b"%PDF")

    bad = await tenant.http.get(f"{path}?from=yesterday", headers=cookie)
    assert bad.status_code == 422 and 'id="e-from"' in bad.text

    sent = await tenant.http.post(
        f"{path}/send", headers=cookie, data={"from": "2026-11-01", "to": "2026-11-30"}
    )
    assert sent.status_code == 303, sent.text
    landed = await landing(tenant, sent, cookie)
    assert "Statement sent by e-mail to ap@buyer.example." in landed.text
    outbox = payload(await tenant.get("/api/v0/outbox?channel=EMAIL"))
    mail = [m for m in outbox["items"] if m["to"] == "ap@buyer.example"]
    assert mail and "Statement of account" in mail[0]["subject"]
    assert mail[0]["attachments"][0]["contentType"] == "application/pdf"


async def test_a_statement_with_nowhere_to_go_says_so(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    made = await tenant.create_customer()
    response = await tenant.http.post(
        f"/app/customers/{made['customerId']}/statement/send", headers=cookie, data={}
    )
    assert response.status_code == 422
    assert re.search(r'id="form-error">[^<]*has no e-mail address', response.text)
    assert payload(await tenant.get("/api/v0/outbox?channel=EMAIL"))["items"] == []


async def test_credit_is_refunded_from_the_customer_page(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    made = await tenant.create_customer()
    customer_id = made["customerId"]
    payload(await pay(tenant, customer_id, "1500"))  # no invoice: all of it is credit
    page = await tenant.http.get(f"/app/customers/{customer_id}", headers=cookie)
    assert re.search(r'id="credit-balance">₹1,500.00<', page.text)
    assert "Refund credit</button>" in page.text

    too_much = await tenant.http.post(
        f"/app/customers/{customer_id}/refund",
        headers=cookie,
        data={
            "amount": "2,000",
            "mode": "NEFT",
            "reference": "UTRREFUND1",
            "paidOn": today_ist().isoformat(),
        },
    )
    assert too_much.status_code == 422
    assert re.search(r'id="e-amount">is more than', too_much.text)
    assert 'value="UTRREFUND1"' in too_much.text

    response = await tenant.http.post(
        f"/app/customers/{customer_id}/refund",
        headers=cookie,
        data={"amount": "600", "mode": "NEFT", "reference": "UTRREFUND1", "paidOn": today_ist().isoformat()},
    )
    assert response.status_code == 303, response.text
    assert Decimal(str((await get_customer(tenant, customer_id))["creditBalance"])) == Decimal("900")


async def test_another_companys_customer_is_a_404_page(tenants: TenantFactory, tenant: Tenant) -> None:
    other = await tenants.create(name="Other Seller Pvt Ltd")
    theirs = await other.create_customer()
    cookie = await sign_in(tenant)
    for path in ("", "/edit", "/statement", "/statement.pdf"):
        response = await tenant.http.get(f"/app/customers/{theirs['customerId']}{path}", headers=cookie)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
    posted = await tenant.http.post(
        f"/app/customers/{theirs['customerId']}/contacts",
        headers=cookie,
        data={"name": "X", "email": "x@x.in"},
    )
    assert posted.status_code == 404
    assert payload(await other.get(f"{CUSTOMERS}/{theirs['customerId']}/contacts")) == []


async def test_a_viewer_sees_no_write_control_and_its_posts_are_refused(
    tenants: TenantFactory, tenant: Tenant
) -> None:
    made = await tenant.create_customer(email="ap@viewer.example")
    customer_id = made["customerId"]
    payload(await pay(tenant, customer_id, "100"))  # credit, so an approver would see the refund form
    viewer = await tenants.user(tenant, "VIEWER")
    cookie = await sign_in(viewer)
    listing = await viewer.http.get("/app/customers", headers=cookie)
    assert listing.status_code == 200 and "New customer" not in listing.text
    page = await viewer.http.get(f"/app/customers/{customer_id}", headers=cookie)
    assert page.status_code == 200
    for control in ("New invoice", "Record payment", "Add contact", "Refund credit", "/edit"):
        assert control not in page.text, control
    statement = await viewer.http.get(f"/app/customers/{customer_id}/statement", headers=cookie)
    assert statement.status_code == 200 and "Send by e-mail" not in statement.text
    assert (await viewer.http.get("/app/customers/new", headers=cookie)).status_code == 403
    posts: list[tuple[str, dict[str, str]]] = [
        ("/app/customers", {"legalName": "Viewer Made Ltd"}),
        (f"/app/customers/{customer_id}/edit", {"legalName": "Renamed"}),
        (f"/app/customers/{customer_id}/contacts", {"name": "V", "email": "v@example.com"}),
        (f"/app/customers/{customer_id}/statement/send", {}),
        (
            f"/app/customers/{customer_id}/refund",
            {"amount": "10", "mode": "NEFT", "reference": "R1", "paidOn": today_ist().isoformat()},
        ),
    ]
    for path, data in posts:
        response = await viewer.http.post(path, headers=cookie, data=data)
        assert response.status_code == 403, path
    assert (await get_customer(tenant, customer_id))["legalName"] == made["legalName"]


async def test_a_maker_cannot_refund_credit(tenants: TenantFactory, tenant: Tenant) -> None:
    made = await tenant.create_customer()
    payload(await pay(tenant, made["customerId"], "100"))
    maker = await tenants.user(tenant, "MAKER")
    cookie = await sign_in(maker)
    page = await maker.http.get(f"/app/customers/{made['customerId']}", headers=cookie)
    assert "New invoice" in page.text and "Refund credit</button>" not in page.text
    response = await maker.http.post(
        f"/app/customers/{made['customerId']}/refund",
        headers=cookie,
        data={"amount": "10", "mode": "NEFT", "reference": "R2", "paidOn": today_ist().isoformat()},
    )
    assert response.status_code == 403
