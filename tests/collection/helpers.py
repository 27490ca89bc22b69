"""Invoices ready to dispatch, and reading what dispatch and delete wrote."""

from __future__ import annotations

from itertools import count
from typing import Any

from sqlalchemy import text

from dues.db import Database
from dues.models import Invoice, InvoiceLine
from tests.customers.helpers import payload
from tests.support import Tenant, gstin_for, with_ledger

DISPATCH = "/api/v0/invoice/bulk/dispatch"
DELETE = "/api/v0/invoice/bulk/delete"
OUTBOX = "/api/v0/outbox"

_n = count(100)


async def customer(seller: Tenant, **fields: Any) -> str:
    fields.setdefault("email", "accounts@buyer.example")
    created = await seller.create_customer(panOrGstin=gstin_for("27", next(_n)), **fields)
    return str(created["customerId"])


async def invoice(seller: Tenant, customer_id: str, **fields: Any) -> dict[str, Any]:
    body = {
        "customerId": customer_id,
        "invoiceDate": "2026-11-24",
        "dueDate": "2026-12-31",
        "baseAmount": 1000,
        "cgst": 90,
        "sgst": 90,
        **fields,
    }
    return payload(await seller.post("/api/v0/invoice", json=body))  # type: ignore[no-any-return]


def results(answer: dict[str, Any], invoice_ids: list[str], verb: str) -> dict[str, dict[str, Any]]:
    """An id-list answer's results by invoiceId, after checking the answer's shape (api.md §4.1): every id in
    order, and one apiSubErrors entry per failed one, its message the result's."""
    lines = answer["results"]
    assert [line["invoiceId"] for line in lines] == invoice_ids
    failed = [(k, line) for k, line in enumerate(lines) if not line["success"]]
    assert answer["apiSubErrors"] == [
        {"field": f"invoiceIds[{k}]", "rejectedValue": line["invoiceId"], "message": line["errorMessage"]}
        for k, line in failed
    ]
    if failed:
        were = "was" if len(failed) == 1 else "were"
        assert answer["errorMessage"] == f"{len(failed)} of {len(lines)} invoices {were} not {verb}"
        assert answer["errorType"] == "UNPROCESSABLE_REQUEST"
    else:
        assert answer["errorMessage"] is None and answer["errorType"] is None
    assert answer["requestId"] and len(answer["timestamp"]) == 19
    return {line["invoiceId"]: line for line in lines}


async def dispatch(seller: Tenant, invoice_ids: list[str], **fields: Any) -> dict[str, dict[str, Any]]:
    """The answer of a dispatch, by invoiceId (asserting its shape)."""
    response = await seller.post(DISPATCH, json={"invoiceIds": invoice_ids, **fields})
    return results(payload(response), invoice_ids, "dispatched")


async def withdraw(seller: Tenant, invoice_ids: list[str], reason: str = "sent in error") -> dict[str, Any]:
    response = await seller.post(DELETE, json={"invoiceIds": invoice_ids, "reason": reason})
    return results(payload(response), invoice_ids, "deleted")


async def outbox(seller: Tenant, **params: Any) -> list[dict[str, Any]]:
    page = payload(await seller.get(OUTBOX, params={"limit": 5000, **params}))
    return page["items"]  # type: ignore[no-any-return]


async def get_invoice(seller: Tenant, invoice_id: str) -> dict[str, Any]:
    return payload(await seller.get(f"/api/v0/invoice/{invoice_id}"))  # type: ignore[no-any-return]


async def sql(database: Database, statement: str, **params: Any) -> list[Any]:
    async with database.sessionmaker() as session:
        result = await session.execute(text(statement), params)
        rows = list(result.all()) if result.returns_rows else []
        await session.commit()
    return rows


async def pay_part(database: Database, invoice_id: str, amount: str, status: str = "PARTIALLY_PAID") -> None:
    """A payment received, as the payments domain will record it (not built yet)."""
    await sql(
        database,
        with_ledger(
            "UPDATE invoices SET paid_amount = CAST(:a AS numeric),"
            " balance_amount = total_amount - CAST(:a AS numeric), status = :s WHERE invoice_id = :i"
        ),
        a=amount,
        s=status,
        i=invoice_id,
    )


async def copies(db: Database, template: str, n: int) -> list[str]:
    """``n`` invoices like the template, lines and all, written straight to the tables (creating them is not
    under test)."""
    made = {
        "invoice_id": "'INV' || lpad(CAST(g AS text), 13, '0')",
        "invoice_number": "'S-' || CAST(g AS text)",
        "external_id": "NULL",
    }
    # The copies are owed like their template: their INVOICE entries, written in the same statement, keep
    # the ledger's invariant (api.md §9.4), which the database checks at commit.
    ledger = (
        "INSERT INTO ledger_entries (company_id, customer_id, effective_date, entry_type, document_id, "
        "document_number, invoice_id, amount) SELECT company_id, customer_id, invoice_date, 'INVOICE', "
        "invoice_id, invoice_number, invoice_id, balance_amount FROM ins WHERE posted AND balance_amount > 0"
    )
    for table, model in (("invoices", Invoice), ("invoice_lines", InvoiceLine)):
        columns = [c.name for c in model.__table__.columns]
        values = ", ".join(made.get(c, f"t.{c}") for c in columns)
        insert = (
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} "  # noqa: S608
            f"FROM {table} t, generate_series(1, :n) g WHERE t.invoice_id = :t"
        )
        if table == "invoices":
            insert = f"WITH ins AS ({insert} RETURNING *) {ledger}"
        await sql(db, insert, n=n, t=template)
    return [f"INV{g:013d}" for g in range(1, n + 1)]
