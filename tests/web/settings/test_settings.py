"""The settings pages through the real app: each section's form changes what GET /api/v0/company answers and
nothing else; a refusal is shown on its section with the input kept; the logo; a non-ADMIN reads only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from dues.web.common import FLASH_COOKIE
from tests.customers.helpers import payload
from tests.documents.samples import SVG_LOGO, png
from tests.support import Tenant, TenantFactory, gstin_for
from tests.web.test_shell import sign_in

SETTINGS = "/app/settings"


async def company(tenant: Tenant) -> dict[str, Any]:
    return payload(await tenant.get("/api/v0/company"))  # type: ignore[no-any-return]


async def post(tenant: Tenant, cookie: dict[str, str], path: str, data: dict[str, str]) -> Any:
    return await tenant.http.post(path, headers=cookie, data=data)


async def follow(tenant: Tenant, cookie: dict[str, str], redirected: Any) -> Any:
    """The page a post redirected to, with the flash cookie it left (the session cookie is a header here,
    so the client's own jar is not sent)."""
    flash = redirected.cookies.get(FLASH_COOKIE)
    headers = {"Cookie": cookie["Cookie"] + (f"; {FLASH_COOKIE}={flash}" if flash else "")}
    return await tenant.http.get(redirected.headers["location"], headers=headers)


async def test_the_page_shows_each_section_with_the_current_values(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    response = await tenant.http.get(SETTINGS, headers=cookie)
    assert response.status_code == 200, response.text
    for section in ("company", "approval", "upi", "bank", "numbering", "reminders", "limits", "msme", "logo"):
        assert f'id="{section}"' in response.text
        if section != "logo":
            assert f'action="/app/settings/{section}"' in response.text
    shown = await company(tenant)
    assert f'value="{shown["gstin"]}"' in response.text
    assert '<option value="NONE" selected>' in response.text


@pytest.mark.parametrize(
    ("section", "form", "expected"),
    [
        (
            "approval",
            {"approvalChain": "MAKER_CHECKER_APPROVER"},
            {"approvalChain": "MAKER_CHECKER_APPROVER"},
        ),
        (
            "upi",
            {"upiVpa": "ganesh.traders@okhdfc", "upiPayeeName": "Shree Ganesh", "upiMaxAmount": "50,000"},
            {
                "upiVpa": "ganesh.traders@okhdfc",
                "upiPayeeName": "Shree Ganesh",
                "upiMaxAmount": Decimal("50000"),
            },
        ),
        (
            "bank",
            {
                "bankAccount.accountName": "Shree Ganesh Traders",
                "bankAccount.accountNumber": "50200012345678",
                "bankAccount.ifsc": "hdfc0000523",
                "bankAccount.bankName": "HDFC Bank, Fort",
            },
            {
                "bankAccount": {
                    "accountName": "Shree Ganesh Traders",
                    "accountNumber": "50200012345678",
                    "ifsc": "HDFC0000523",
                    "bankName": "HDFC Bank, Fort",
                }
            },
        ),
        (
            "numbering",
            {"invoiceNumberPrefix": "SGT/", "creditNotePrefix": "SCN", "debitNotePrefix": ""},
            {"invoiceNumberPrefix": "SGT/", "creditNotePrefix": "SCN", "debitNotePrefix": None},
        ),
        ("reminders", {"defaultReminderId": "", "statementDay": "5"}, {"statementDay": 5}),
        (
            "limits",
            {"tdsSanityPercent": "12.5", "autoWriteOffBelow": "1.00"},
            {"tdsSanityPercent": Decimal("12.5"), "autoWriteOffBelow": Decimal("1")},
        ),
        (
            "msme",
            {"udyamNumber": "udyam-mh-19-0001234", "msmeCategory": "MICRO"},
            {"udyamNumber": "UDYAM-MH-19-0001234", "msmeCategory": "MICRO"},
        ),
    ],
)
async def test_each_section_saves_what_it_holds_and_nothing_else(
    tenant: Tenant, section: str, form: dict[str, str], expected: dict[str, Any]
) -> None:
    cookie = await sign_in(tenant)
    before = await company(tenant)
    response = await post(tenant, cookie, f"{SETTINGS}/{section}", form)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{SETTINGS}#{section}"
    after = await company(tenant)
    for name, value in expected.items():
        got = after[name]
        assert (Decimal(str(got)) if isinstance(value, Decimal) else got) == value, name
    untouched = {k for k in before if k not in expected and k not in form and k != "updatedOn"}
    assert {k: after[k] for k in untouched} == {k: before[k] for k in untouched}
    page = await follow(tenant, cookie, response)
    assert "settings saved." in page.text


async def test_the_company_section_changes_name_address_and_contact(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    gstin = (await company(tenant))["gstin"]
    form = {
        "legalName": "Shree Ganesh Traders Pvt Ltd",
        "gstin": gstin,
        "state": "Maharashtra",
        "address": "12 Mint Road, Fort, Mumbai",
        "pinCode": "400001",
        "email": "accounts@ganesh.example",
        "phone": "+91 9820012345",
    }
    response = await post(tenant, cookie, f"{SETTINGS}/company", form)
    assert response.status_code == 303, response.text
    after = await company(tenant)
    assert (after["legalName"], after["address"], after["pinCode"], after["email"], after["phone"]) == (
        form["legalName"],
        form["address"],
        "400001",
        "accounts@ganesh.example",
        "+91 9820012345",
    )
    page = await tenant.http.get(SETTINGS, headers=cookie)
    assert 'id="company-name">Shree Ganesh Traders Pvt Ltd<' in page.text


@pytest.mark.parametrize(
    ("section", "form", "field", "words"),
    [
        ("upi", {"upiVpa": "not a vpa", "upiPayeeName": "Ganesh"}, "upiVpa", "is not a UPI id"),
        (
            "bank",
            {
                "bankAccount.accountName": "Ganesh",
                "bankAccount.accountNumber": "50200012345678",
                "bankAccount.ifsc": "HDFC123",
                "bankAccount.bankName": "HDFC",
            },
            "bankAccount.ifsc",
            "is not an IFSC",
        ),
        ("limits", {"tdsSanityPercent": "150", "autoWriteOffBelow": ""}, "tdsSanityPercent", "100"),
        ("msme", {"udyamNumber": "UDYAM-12", "msmeCategory": ""}, "udyamNumber", "Udyam"),
        ("company", {"legalName": "", "state": "Maharashtra"}, "legalName", "cannot be cleared"),
    ],
)
async def test_a_refusal_is_shown_on_its_section_with_the_input_kept(
    tenant: Tenant, section: str, form: dict[str, str], field: str, words: str
) -> None:
    cookie = await sign_in(tenant)
    before = await company(tenant)
    response = await post(tenant, cookie, f"{SETTINGS}/{section}", form)
    assert response.status_code == 422, response.text
    assert 'id="form-error"' in response.text and words in response.text
    assert f'id="e-{field}"' in response.text and f'id="f-{field}" name="{field}"' in response.text
    assert response.text.count('role="alert"') == 1  # on the section refused only
    for name, typed in form.items():
        if typed:
            assert f'value="{typed}"' in response.text or f'"{typed}" selected' in response.text, name
    assert "Traceback" not in response.text
    after = await company(tenant)
    assert {k: v for k, v in after.items() if k != "updatedOn"} == {
        k: v for k, v in before.items() if k != "updatedOn"
    }


async def test_a_gstin_of_another_state_is_refused_on_the_company_section(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    form = {"legalName": "Seller Pvt Ltd", "gstin": gstin_for("29"), "state": "Maharashtra"}
    response = await post(tenant, cookie, f"{SETTINGS}/company", form)
    assert response.status_code == 422
    assert "belongs to Karnataka" in response.text and 'id="e-gstin"' in response.text


async def test_the_logo_is_uploaded_shown_and_removed(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    image = png(60, 20)
    response = await tenant.http.post(
        f"{SETTINGS}/logo", headers=cookie, files={"file": ("logo.png", image, "image/png")}
    )
    assert response.status_code == 303, response.text
    assert (await company(tenant))["logoContentType"] == "image/png"
    page = await tenant.http.get(SETTINGS, headers=cookie)
    assert '<img class="logo-preview" src="/app/settings/logo"' in page.text
    served = await tenant.http.get(f"{SETTINGS}/logo", headers=cookie)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png" and served.content == image

    svg = await tenant.http.post(
        f"{SETTINGS}/logo", headers=cookie, files={"file": ("logo.svg", SVG_LOGO, "image/svg+xml")}
    )
    assert svg.status_code == 303
    assert (
        (await tenant.http.get(f"{SETTINGS}/logo", headers=cookie))
        .headers["content-type"]
        .startswith("image/svg+xml")
    )

    removed = await tenant.http.post(f"{SETTINGS}/logo/remove", headers=cookie)
    assert removed.status_code == 303
    assert (await company(tenant))["logoContentType"] is None
    assert (await tenant.http.get(f"{SETTINGS}/logo", headers=cookie)).status_code == 404


async def test_a_file_that_is_not_a_logo_is_refused_on_the_logo_section(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    response = await tenant.http.post(
        f"{SETTINGS}/logo",
        headers=cookie,
        files={"file": ("logo.gif", b"GIF89a\x01\x00\x01\x00", "image/gif")},
    )
    assert response.status_code == 422
    assert "neither a PNG nor an SVG" in response.text and 'id="e-logo"' in response.text
    empty = await tenant.http.post(
        f"{SETTINGS}/logo", headers=cookie, files={"file": ("x.png", b"", "image/png")}
    )
    assert empty.status_code == 422 and "Choose an image file" in empty.text


@pytest.mark.parametrize("role", ["MAKER", "CHECKER", "APPROVER", "VIEWER"])
async def test_a_non_admin_reads_the_settings_and_may_change_nothing(
    tenants: TenantFactory, tenant: Tenant, role: str
) -> None:
    other = await tenants.user(tenant, role)
    cookie = await sign_in(other)
    page = await other.http.get(SETTINGS, headers=cookie)
    assert page.status_code == 200
    assert 'id="read-only"' in page.text
    assert '<form method="post" action="/app/settings' not in page.text
    assert (await company(tenant))["gstin"] in page.text  # read, as a definition list
    before = await company(tenant)
    for path, data in (
        (f"{SETTINGS}/approval", {"approvalChain": "MAKER_CHECKER"}),
        (f"{SETTINGS}/upi", {"upiVpa": "x@okhdfc"}),
        (f"{SETTINGS}/logo/remove", {}),
    ):
        refused = await other.http.post(path, headers=cookie, data=data)
        assert refused.status_code == 403, path
        assert refused.headers["content-type"].startswith("text/html")
    assert (await company(tenant)) == before


async def test_an_unknown_section_is_a_404_page(tenant: Tenant) -> None:
    cookie = await sign_in(tenant)
    response = await tenant.http.post(f"{SETTINGS}/parentCompanyId", headers=cookie, data={"x": "y"})
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
