"""Credit notes follow the approval chain as invoices do (api.md §4.2, §9.1): nothing moves until the last
approval, the maker never approves its own note, a rejected note moves nothing and may be submitted again."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from dues.db import Database
from tests.credit_notes.helpers import (
    NOTES,
    credit_of,
    customer,
    get_invoice,
    invoice,
    ledger_agrees,
    make,
    money,
    note,
    part,
    rows,
)
from tests.customers.helpers import assert_error, payload
from tests.support import Tenant, TenantFactory


@pytest.fixture
async def team(tenant: Tenant, tenants: TenantFactory) -> dict[str, Tenant]:
    response = await tenant.patch("/api/v0/company", json={"approvalChain": "MAKER_CHECKER"})
    assert response.status_code == 200, response.text
    return {
        "admin": tenant,
        "maker": await tenants.user(tenant, "MAKER"),
        "checker": await tenants.user(tenant, "CHECKER"),
    }


async def _act(user: Tenant, note_id: str, action: str, remarks: str | None = None) -> httpx.Response:
    return await user.post(f"{NOTES}/{note_id}/approval", json={"action": action, "remarks": remarks})


async def _approved_invoice(team: dict[str, Tenant], buyer: str, **fields: Any) -> dict[str, Any]:
    made = await invoice(team["maker"], buyer, **fields)
    payload(
        await team["checker"].post(
            f"/api/v0/invoice/{made['invoiceId']}/approval", json={"action": "APPROVE"}
        )
    )
    return made


async def test_a_note_moves_nothing_until_a_checker_approves_it(
    team: dict[str, Tenant], db: Database
) -> None:
    buyer = await customer(team["admin"])
    inv = await _approved_invoice(team, buyer)

    made = await note(team["maker"], buyer, [part(inv["invoiceId"], 100, cgst=9, sgst=9)])
    assert (made["status"], made["approvalStatus"]) == ("PENDING", "CHECKER_APPROVAL_PENDING")
    assert (money(made["appliedAmount"]), money(made["unappliedAmount"])) == (0, 0)
    assert money((await get_invoice(team["admin"], inv["invoiceId"]))["balanceAmount"]) == Decimal("1180.00")
    assert await rows(db, "SELECT 1 FROM ledger_entries WHERE document_id = :n", n=made["creditNoteId"]) == []

    # The maker (or the admin who did not make it, but is not a CHECKER) cannot take the checker's step.
    error = assert_error(await _act(team["maker"], made["creditNoteId"], "APPROVE"), 403, "INVALID_ACCESS")
    assert "You created this credit note" in error["errorMessage"]
    assert_error(await _act(team["admin"], made["creditNoteId"], "APPROVE"), 403, "INVALID_ACCESS")

    approved = payload(await _act(team["checker"], made["creditNoteId"], "APPROVE", "goods received back"))
    assert (approved["status"], approved["approvalStatus"]) == ("ISSUED", "CHECKER_APPROVED")
    assert (money(approved["appliedAmount"]), money(approved["unappliedAmount"])) == (Decimal("118.00"), 0)
    assert [(a["invoiceId"], money(a["amount"])) for a in approved["allocations"]] == [
        (inv["invoiceId"], Decimal("118.00"))
    ]
    after = await get_invoice(team["admin"], inv["invoiceId"])
    assert (money(after["creditedAmount"]), money(after["balanceAmount"]), after["status"]) == (
        Decimal("118.00"),
        Decimal("1062.00"),
        "CREATED",
    )
    entries = await rows(
        db,
        "SELECT entry_type, invoice_id, amount, document_number FROM ledger_entries WHERE document_id = :n",
        n=made["creditNoteId"],
    )
    assert entries == [("CREDIT_NOTE", inv["invoiceId"], Decimal("-118.00"), made["noteNumber"])]
    await ledger_agrees(db, buyer)
    # Approved once: a second approval has nothing to do.
    assert_error(await _act(team["checker"], made["creditNoteId"], "APPROVE"), 422, "UNPROCESSABLE_REQUEST")


async def test_a_rejected_note_moves_nothing_and_may_be_submitted_again(
    team: dict[str, Tenant], db: Database
) -> None:
    buyer = await customer(team["admin"])
    inv = await _approved_invoice(team, buyer)
    made = await note(
        team["maker"], buyer, [part(inv["invoiceId"], 1000, cgst=90, sgst=90)]
    )  # the whole 1,180

    rejected = payload(await _act(team["checker"], made["creditNoteId"], "REJECT", "no return received"))
    assert (rejected["status"], rejected["approvalStatus"]) == ("REJECTED", "CHECKER_REJECTED")
    assert money((await get_invoice(team["admin"], inv["invoiceId"]))["balanceAmount"]) == Decimal("1180.00")
    # A rejected note no longer counts against the invoice: another note may take its room ...
    other = await note(team["maker"], buyer, [part(inv["invoiceId"], 500, cgst=45, sgst=45)])
    # ... so the rejected one no longer fits when submitted again.
    error = assert_error(
        await _act(team["maker"], made["creditNoteId"], "SUBMIT"), 422, "UNPROCESSABLE_REQUEST"
    )
    assert "at most 590.00" in error["errorMessage"]
    payload(await _act(team["checker"], other["creditNoteId"], "REJECT"))

    submitted = payload(await _act(team["maker"], made["creditNoteId"], "SUBMIT", "return now received"))
    assert (submitted["status"], submitted["approvalStatus"]) == ("PENDING", "CHECKER_APPROVAL_PENDING")
    issued = payload(await _act(team["checker"], made["creditNoteId"], "APPROVE"))
    assert issued["status"] == "ISSUED"
    after = await get_invoice(team["admin"], inv["invoiceId"])
    assert (after["status"], money(after["balanceAmount"])) == ("PAID", 0)
    assert await credit_of(team["admin"], buyer) == 0
    await ledger_agrees(db, buyer)


async def test_pending_notes_count_against_the_invoice_total(team: dict[str, Tenant]) -> None:
    buyer = await customer(team["admin"])
    inv = await _approved_invoice(team, buyer)
    await note(team["maker"], buyer, [part(inv["invoiceId"], 900, cgst=81, sgst=81)])  # pending, 1,062

    # 118.00 more would just fit; 119.18 does not.
    response = await make(team["maker"], buyer, [part(inv["invoiceId"], 101, cgst="9.09", sgst="9.09")])
    assert_error(response, 422, "VALIDATION_ERROR")
    payload(await make(team["maker"], buyer, [part(inv["invoiceId"], 100, cgst=9, sgst=9)]))


async def test_with_no_chain_approval_has_nothing_to_do(tenant: Tenant) -> None:
    buyer = await customer(tenant)
    made = await note(tenant, buyer, [part((await invoice(tenant, buyer))["invoiceId"], 100, cgst=9, sgst=9)])

    error = assert_error(await _act(tenant, made["creditNoteId"], "APPROVE"), 422, "UNPROCESSABLE_REQUEST")
    assert "credit notes are approved when created" in error["errorMessage"]
