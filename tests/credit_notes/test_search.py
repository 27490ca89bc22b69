"""Searching credit notes: every filter given must hold; pages and order as invoice search (api.md §1.5)."""

from __future__ import annotations

from typing import Any

from tests.credit_notes.helpers import NOTES, customer, invoice, note, part
from tests.customers.helpers import assert_invalid, payload
from tests.support import Tenant


async def _search(seller: Tenant, query: str = "", **filters: Any) -> dict[str, Any]:
    return payload(await seller.post(f"{NOTES}/search{query}", json=filters))  # type: ignore[no-any-return]


def _ids(page: dict[str, Any]) -> list[str]:
    return [item["creditNoteId"] for item in page["items"]]


async def test_filters_pages_and_order(tenant: Tenant) -> None:
    first_buyer, second_buyer = await customer(tenant), await customer(tenant)
    one = await invoice(tenant, first_buyer, base="5000")
    two = await invoice(tenant, second_buyer, base="5000")
    a = await note(tenant, first_buyer, [part(one["invoiceId"], 100, cgst=9, sgst=9)], externalId="RMA-1")
    b = await note(
        tenant, first_buyer, [part(one["invoiceId"], 300, cgst=27, sgst=27)], reason="POST_SALE_DISCOUNT"
    )
    c = await note(tenant, second_buyer, [part(two["invoiceId"], 200, cgst=18, sgst=18)])

    everything = await _search(tenant)
    assert (everything["total"], everything["offset"], everything["limit"]) == (3, 0, 100)
    by_number = await _search(tenant, "?orderBy=noteNumber")  # DESC unless asked
    assert _ids(by_number) == [c["creditNoteId"], b["creditNoteId"], a["creditNoteId"]]

    assert sorted(_ids(await _search(tenant, customerIds=[first_buyer]))) == sorted(
        [b["creditNoteId"], a["creditNoteId"]]
    )
    assert _ids(await _search(tenant, invoiceIds=[two["invoiceId"]])) == [c["creditNoteId"]]
    assert _ids(await _search(tenant, reason="POST_SALE_DISCOUNT")) == [b["creditNoteId"]]
    assert _ids(await _search(tenant, externalIds=["RMA-1"])) == [a["creditNoteId"]]
    assert _ids(await _search(tenant, noteNumber=c["noteNumber"])) == [c["creditNoteId"]]
    assert _ids(await _search(tenant, statuses=["PENDING", "REJECTED"])) == []
    today = a["noteDate"]
    assert (await _search(tenant, noteDateFrom=today, noteDateTo=f"{today} 23:59:59"))["total"] == 3
    assert (await _search(tenant, noteDateTo="2000-01-01"))["total"] == 0
    assert _ids(await _search(tenant, customerIds=[first_buyer], reason="SALES_RETURN")) == [
        a["creditNoteId"]
    ]

    by_total = await _search(tenant, "?orderBy=totalAmount&direction=ASC&limit=2&offset=1")
    assert (_ids(by_total), by_total["total"]) == ([c["creditNoteId"], b["creditNoteId"]], 3)
    assert_invalid(await tenant.post(f"{NOTES}/search?orderBy=colour", json={}), "orderBy")
    assert_invalid(await tenant.post(f"{NOTES}/search", json={"statuses": ["LOST"]}), "statuses[0]")
