"""The payment page a payer opens from the link (api.md §5 "Payment page"), over HTTP against the app."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest

from tests.customers.helpers import payload
from tests.pay.helpers import DISPATCH, checkout, dispatched, send_callback, session_of, set_upi, token_of
from tests.payments.helpers import invoice
from tests.support import Tenant


def _text(page: str) -> str:
    """The page's visible text, tags dropped and whitespace collapsed."""
    body = re.sub(r"<(style|title|svg)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


async def test_page_shows_seller_invoice_customer_and_amounts(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await set_upi(tenant, "seller@okaxis")
    # Above UPI's usual limit of 1,00,000.00 the page offers no QR code: this seller's limit is higher.
    assert (await tenant.patch("/api/v0/company", json={"upiMaxAmount": 200000})).status_code == 200
    inv, token = await dispatched(tenant, base="100000", due="2026-12-31")  # 1,18,000.00
    customer = payload(await tenant.get(f"/api/v0/customer/{inv['customerId']}"))

    response = await client.get(f"/pay/{token}")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    text = _text(response.text)
    assert "Seller Pvt Ltd" in text
    assert f"Invoice {inv['invoiceNumber']}" in text
    assert f"Billed to {customer['legalName']}" in text
    assert "Invoice date 24 Nov 2026" in text
    assert "Due date 31 Dec 2026" in text
    assert "Total ₹1,18,000.00" in text
    assert "Paid so far ₹0.00" in text
    assert "Amount due ₹1,18,000.00" in text
    assert "<svg" in response.text and "UPI QR code" in response.text


async def test_page_reveals_nothing_beyond_the_invoice(client: httpx.AsyncClient, tenant: Tenant) -> None:
    buyer = await tenant.create_customer(
        email="buyer@example.com", contactNumber="9876543210", uniqueRefNo="ERP-BUYER-7", address="12 MG Road"
    )
    inv = await invoice(tenant, buyer["customerId"])
    response = await tenant.post(
        DISPATCH, json={"invoiceIds": [inv["invoiceId"]], "partialPaymentAllowed": False}
    )
    assert payload(response)["results"][0]["success"] is True
    token = token_of(payload(await tenant.get(f"/api/v0/invoice/{inv['invoiceId']}"))["paymentLink"])

    page = (await client.get(f"/pay/{token}")).text

    assert buyer["legalName"] in page
    for secret in (
        buyer["customerId"],
        tenant.company_id,
        "buyer@example.com",
        "9876543210",
        "ERP-BUYER-7",
        "MG Road",
    ):
        assert secret not in page
    # Nothing is loaded from anywhere: no external scripts, styles, images or fonts.
    assert not re.search(r"""(src|href)=["']https?://""", page)
    assert "<script" not in page


async def test_upi_link_carries_payee_amount_reference_and_invoice_number(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await set_upi(tenant, "seller.co@okhdfc", "Seller & Sons")
    inv, token = await dispatched(tenant, base="1000")

    page = (await client.get(f"/pay/{token}")).text

    link = html.unescape(re.search(r'id="upi-link" href="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    assert link.startswith("upi://pay?")
    assert "Seller%20%26%20Sons" in link  # URL-encoded, not raw
    params = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert params == {
        "pa": "seller.co@okhdfc",
        "pn": "Seller & Sons",
        "am": "1180.00",
        "tr": inv["invoiceId"],
        "tn": inv["invoiceNumber"],
        "cu": "INR",
    }
    assert unquote(link).count("&am=") == 1


async def test_upi_payee_defaults_to_the_legal_name_and_follows_the_balance(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await set_upi(tenant, "seller@okaxis")
    _, token = await dispatched(tenant, base="1000", partial=True)
    session = session_of((await checkout(client, token, "180.00")).headers["location"])
    assert (await send_callback(client, session)).status_code == 200

    page = (await client.get(f"/pay/{token}")).text

    link = html.unescape(re.search(r'id="upi-link" href="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    params = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert params["pn"] == "Seller Pvt Ltd"
    assert params["am"] == "1000.00"


async def test_without_a_vpa_the_upi_part_is_left_out_with_a_note(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    _, token = await dispatched(tenant)

    page = (await client.get(f"/pay/{token}")).text

    assert "upi://" not in page
    assert "<svg" not in page
    assert "does not take UPI payments on this page" in _text(page)
    assert 'id="pay-button"' in page  # the gateway still is


async def test_no_part_amount_field_when_part_payment_is_not_allowed(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    _, token = await dispatched(tenant, partial=False)

    page = (await client.get(f"/pay/{token}")).text

    assert 'id="amount"' not in page
    assert '<input type="hidden" name="amount" value="1180.00">' in page
    assert "Pay ₹1,180.00" in _text(page)


async def test_part_amount_field_offers_the_minimum_up_to_the_balance(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    _, token = await dispatched(tenant, partial=True, minimumPartialAmount=200)

    page = (await client.get(f"/pay/{token}")).text

    assert 'id="amount"' in page
    assert 'value="1180.00"' in page
    assert "Pay the full ₹1,180.00 or a part of at least ₹200.00." in _text(page)


async def test_a_minimum_at_or_above_the_balance_leaves_only_the_whole(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    _, token = await dispatched(tenant, partial=True, minimumPartialAmount=1180)

    page = (await client.get(f"/pay/{token}")).text

    assert 'id="amount"' not in page
    assert "Pay ₹1,180.00" in _text(page)


async def test_unknown_or_malformed_token_is_a_plain_404_page(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await dispatched(tenant)
    for token in ("A" * 43, "x", "not a token", "%00"):
        response = await client.get(f"/pay/{token}")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert _text(response.text).startswith("Page not found This payment link is not valid.")


async def test_a_withdrawn_invoice_link_is_a_404(client: httpx.AsyncClient, tenant: Tenant) -> None:
    inv, token = await dispatched(tenant)
    deleted = await tenant.post(
        "/api/v0/invoice/bulk/delete", json={"invoiceIds": [inv["invoiceId"]], "reason": "sent in error"}
    )
    assert payload(deleted)["results"][0]["success"] is True

    response = await client.get(f"/pay/{token}")

    assert response.status_code == 404
    assert "Seller Pvt Ltd" not in response.text


async def test_a_paid_invoice_shows_nothing_to_pay(client: httpx.AsyncClient, tenant: Tenant) -> None:
    inv, token = await dispatched(tenant)
    paid = await tenant.post(
        "/api/v0/payment",
        json={
            "mode": "NEFT",
            "amount": 1180,
            "reference": "UTR9",
            "paidOn": "2026-11-24",
            "customerId": inv["customerId"],
            "allocations": [{"invoiceId": inv["invoiceId"], "amount": 1180}],
        },
    )
    assert paid.status_code == 200, paid.text

    response = await client.get(f"/pay/{token}")

    assert response.status_code == 200
    text = _text(response.text)
    assert "Nothing to pay" in text
    assert "paid in full" in text
    assert "Amount due ₹0.00" in text
    assert "<form" not in response.text
    assert "upi://" not in response.text


BANK = {
    "accountName": "Seller Pvt Ltd",
    "accountNumber": "50200012345678",
    "ifsc": "HDFC0000060",
    "bankName": "HDFC Bank, Fort",
}


async def _set_bank(tenant: Tenant) -> None:
    response = await tenant.patch("/api/v0/company", json={"bankAccount": BANK})
    assert response.status_code == 200, response.text


def _upi_link(page: str) -> dict[str, list[str]] | None:
    found = re.search(r'id="upi-link" href="([^"]+)"', page)
    return parse_qs(urlsplit(html.unescape(found.group(1))).query) if found else None


async def test_within_the_upi_limit_the_page_shows_the_code_and_the_vpa_as_text(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await set_upi(tenant, "seller.co@okhdfc")
    _, token = await dispatched(tenant, base="84745")  # 99,999.10 with GST: just within

    page = (await client.get(f"/pay/{token}")).text

    assert _upi_link(page)["am"] == ["99999.10"]  # type: ignore[index]
    assert 'class="qr"' in page
    assert re.search(r'<p class="copy" id="upi-vpa">seller\.co@okhdfc</p>', page)
    assert "UPI is not offered" not in page


async def test_above_the_upi_limit_no_code_or_link_and_the_page_says_why(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await set_upi(tenant, "seller.co@okhdfc")
    await _set_bank(tenant)
    _, token = await dispatched(tenant, base="100000")  # 1,18,000.00, parts not allowed

    page = (await client.get(f"/pay/{token}")).text

    assert "upi://" not in page and "<svg" not in page
    text = _text(page)
    assert (
        "UPI is not offered for the full ₹1,18,000.00: a UPI payment can be at most ₹1,00,000.00, the usual "
        "per-transaction limit of UPI apps. Pay online above or by bank transfer below." in text
    )
    # The VPA is no use for an amount UPI cannot take in one payment, and parts are not allowed.
    assert "seller.co@okhdfc" not in page
    assert 'id="pay-button"' in page
    assert "Account number 50200012345678" in text and "IFSC HDFC0000060" in text
    assert "Bank HDFC Bank, Fort" in text and "Account name Seller Pvt Ltd" in text


async def test_the_limit_is_the_companys_setting(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await set_upi(tenant, "seller.co@okhdfc")
    assert (await tenant.patch("/api/v0/company", json={"upiMaxAmount": 5000})).status_code == 200
    _, token = await dispatched(tenant, base="5000")  # 5,900.00

    page = (await client.get(f"/pay/{token}")).text

    assert "upi://" not in page
    assert "a UPI payment can be at most ₹5,000.00" in _text(page)


async def test_above_the_limit_a_part_within_it_may_go_by_upi(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await set_upi(tenant, "seller.co@okhdfc")
    inv, token = await dispatched(tenant, base="200000", partial=True, minimumPartialAmount=1000)  # 2,36,000

    first = (await client.get(f"/pay/{token}")).text
    assert "upi://" not in first
    assert "or pay a part of up to ₹1,00,000.00 by UPI" in _text(first)
    assert re.search(r'<form method="get" action="/pay/[^"]+#pay-upi"', first)

    chosen = (await client.get(f"/pay/{token}", params={"upiAmount": "50,000"})).text

    link = _upi_link(chosen)
    assert link is not None
    assert (link["am"], link["tr"], link["tn"]) == (["50000.00"], [inv["invoiceId"]], [inv["invoiceNumber"]])
    assert "Scan with any UPI app to pay ₹50,000.00" in _text(chosen)
    assert 'id="upi-vpa">seller.co@okhdfc<' in chosen
    # Nothing was recorded: a UPI payment reaches dues when the seller records it.
    shown = payload(await tenant.get(f"/api/v0/invoice/{inv['invoiceId']}"))
    assert shown["balanceAmount"] == 236000.0


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ("100000.01", "UPI takes at most ₹1,00,000.00 in one payment: enter ₹1,00,000.00 or less."),
        ("999", "The smallest part-payment this invoice takes is ₹1,000.00."),
        ("ten", "Enter the amount as a number, such as 1500.00."),
        ("1e999999999", "The amount is more than what is due"),
        ("1e-999999999", "Enter the amount in rupees and paise, with at most 2 decimals."),
    ],
)
async def test_a_upi_part_outside_the_rules_is_refused_on_the_page(
    client: httpx.AsyncClient, tenant: Tenant, asked: str, message: str
) -> None:
    await set_upi(tenant, "seller.co@okhdfc")
    _, token = await dispatched(tenant, base="200000", partial=True, minimumPartialAmount=1000)

    response = await client.get(f"/pay/{token}", params={"upiAmount": asked})

    assert response.status_code == 200
    assert "upi://" not in response.text
    assert message in _text(response.text)
    assert 'id="upi-amount-error"' in response.text
    assert f'value="{asked}"' in response.text  # what the payer typed, to correct


async def test_no_upi_part_when_the_invoice_takes_no_parts(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await set_upi(tenant, "seller.co@okhdfc")
    _, token = await dispatched(tenant, base="200000")

    page = (await client.get(f"/pay/{token}", params={"upiAmount": "50000"})).text

    assert "upi://" not in page and 'name="upiAmount"' not in page


async def test_an_amount_no_decimal_can_hold_is_refused_at_checkout(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    _, token = await dispatched(tenant, base="1000", partial=True)

    for amount in ("1e999999999", "1e-999999999"):
        response = await checkout(client, token, amount)
        assert response.status_code == 422, amount
        assert 'role="alert"' in response.text


async def test_bank_details_are_shown_only_when_set(client: httpx.AsyncClient, tenant: Tenant) -> None:
    _, token = await dispatched(tenant, base="1000")
    assert "Pay by bank transfer" not in (await client.get(f"/pay/{token}")).text

    await _set_bank(tenant)

    text = _text((await client.get(f"/pay/{token}")).text)
    assert "Pay by bank transfer" in text and "Account number 50200012345678" in text


async def test_invoice_numbers_never_break_across_lines(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await set_upi(tenant, "seller.co@okhdfc")
    inv, token = await dispatched(tenant, base="1000", partial=True)
    started = await checkout(client, token, "500")
    attempt = session_of(started.headers["location"])["attemptId"]

    receipt = (await client.get(f"/pay/{token}/receipt/{attempt}")).text
    page = (await client.get(f"/pay/{token}")).text

    number = inv["invoiceNumber"]
    assert f'<span class="nowrap" id="receipt-invoice">invoice&nbsp;{number}</span>' in receipt
    assert f'<dd class="nowrap">{number}</dd>' in receipt
    assert f'<dd class="nowrap">{number}</dd>' in page
    assert ".nowrap { white-space: nowrap; }" in page
