"""Saved views of the invoice list: a person saves the filters in force under a name, sees them as links,
applies one by following it, and deletes it; nobody else sees them."""

from __future__ import annotations

import re

from tests.support import TenantFactory
from tests.web.invoices.helpers import invoice, invoice_numbers, make_seller, sign_in


def _views(html: str) -> dict[str, str]:
    """name → link of the saved views the list shows."""
    nav = html.split('aria-label="Saved views"', 1)
    if len(nav) < 2:
        return {}
    found = re.findall(r'<a href="(/app/invoices[^"]*)">([^<]+)</a>', nav[1].split("</nav>", 1)[0])
    return {name: href.replace("&amp;", "&") for href, name in found}


async def test_save_list_apply_and_delete_a_view(tenants: TenantFactory) -> None:
    seller = await make_seller(tenants)
    await invoice(seller.admin, seller.customer_id, invoiceNumber="V-1", dueDate="2026-12-10")
    await invoice(seller.admin, seller.customer_id, invoiceNumber="V-2", dueDate="2027-03-10")
    query = "status=CREATED&dueDateTo=2026-12-31&offset=50&bogus=1"
    saved = await seller.post_form("/app/invoices/views", {"name": "  Due this   year ", "query": query})
    assert saved.status_code == 303
    # The page it was on and names the list does not know are not kept.
    assert saved.headers["location"] == "/app/invoices?dueDateTo=2026-12-31&status=CREATED"
    landed = await seller.follow(saved)
    assert "View “Due this year” saved." in landed.text
    views = _views(landed.text)
    assert views == {"Due this year": "/app/invoices?dueDateTo=2026-12-31&status=CREATED"}
    applied = await seller.page(views["Due this year"])
    assert invoice_numbers(applied.text) == ["V-1"]

    # Saving under the same name again replaces its filters.
    again = await seller.post_form(
        "/app/invoices/views", {"name": "Due this year", "query": "dueDateFrom=2027-01-01"}
    )
    assert again.status_code == 303
    views = _views((await seller.page("/app/invoices")).text)
    assert views == {"Due this year": "/app/invoices?dueDateFrom=2027-01-01"}
    assert invoice_numbers((await seller.page(views["Due this year"])).text) == ["V-2"]

    html = (await seller.page("/app/invoices")).text
    view_id = re.search(r'action="/app/invoices/views/(SV[A-Z0-9]{14})/delete"', html)
    assert view_id
    deleted = await seller.post_form(f"/app/invoices/views/{view_id.group(1)}/delete", {})
    assert deleted.status_code == 303 and deleted.headers["location"] == "/app/invoices"
    after = await seller.follow(deleted)
    assert "View “Due this year” deleted." in after.text and _views(after.text) == {}


async def test_a_view_without_a_name_is_refused_with_the_filters_kept(tenants: TenantFactory) -> None:
    seller = await make_seller(tenants)
    refused = await seller.post_form("/app/invoices/views", {"name": "  ", "query": "status=PAID"})
    assert refused.status_code == 422
    assert "Give the view a name." in refused.text and 'id="view-name-error"' in refused.text
    assert '<input type="checkbox" name="status" value="PAID" checked>' in refused.text


async def test_views_are_each_persons_own(tenants: TenantFactory) -> None:
    seller = await make_seller(tenants)
    colleague = await tenants.user(seller.admin, "MAKER")
    theirs = await sign_in(colleague)
    viewer = await sign_in(await tenants.user(seller.admin, "VIEWER"))
    await seller.post_form("/app/invoices/views", {"name": "Mine", "query": "overdue=yes"})
    html = (await seller.page("/app/invoices", cookie=theirs)).text
    assert _views(html) == {}
    mine = (await seller.page("/app/invoices")).text
    view_id = re.search(r"/app/invoices/views/(SV[A-Z0-9]{14})/delete", mine)
    assert view_id
    # Another person cannot delete it: it is not theirs to see.
    stolen = await seller.post_form(f"/app/invoices/views/{view_id.group(1)}/delete", {}, cookie=theirs)
    assert stolen.status_code == 404 and "no such saved view" in stolen.text
    assert _views((await seller.page("/app/invoices")).text) == {"Mine": "/app/invoices?overdue=yes"}
    # A VIEWER keeps views of its own too: a bookmark changes nothing anyone else sees.
    kept = await seller.post_form(
        "/app/invoices/views", {"name": "Overdue", "query": "overdue=yes"}, cookie=viewer
    )
    assert kept.status_code == 303
    assert _views((await seller.page("/app/invoices", cookie=viewer)).text) == {
        "Overdue": "/app/invoices?overdue=yes"
    }


async def test_another_companys_user_never_sees_the_views(tenants: TenantFactory) -> None:
    seller = await make_seller(tenants)
    other = await make_seller(tenants, name="Other Seller Pvt Ltd")
    await seller.post_form("/app/invoices/views", {"name": "Mine", "query": "overdue=yes"})
    assert _views((await other.page("/app/invoices")).text) == {}
