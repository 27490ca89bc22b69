"""invoiceBulkUpload (api.md §4.1): each row checked as createInvoice, reported per row, no duplicates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from dues.db import Database
from dues.invoices import service as invoices
from dues.uploads import service
from tests.support import Tenant, TenantFactory, gstin_for
from tests.uploads.helpers import accepted, by_row, csv_bytes, finished, read_csv, status

BULK = "/api/v0/invoice/bulk/create"
HEADER = [
    "customerUniqueRefNo",
    "invoiceNumber",
    "invoiceDate",
    "dueDate",
    "baseAmount",
    "cgst",
    "sgst",
    "igst",
    "externalId",
]


async def _customers(seller: Tenant) -> None:
    await seller.create_customer(
        legalName="Local Pvt Ltd", panOrGstin=gstin_for("27", 41), uniqueRefNo="LOCAL"
    )
    await seller.create_customer(
        legalName="Away Pvt Ltd", panOrGstin=gstin_for("29", 42), state="Karnataka", uniqueRefNo="AWAY"
    )


def _row(n: int, ref: str = "LOCAL", **cells: str) -> list[str]:
    base = {
        "customerUniqueRefNo": ref,
        "invoiceNumber": "",
        "invoiceDate": "2026-11-24",
        "dueDate": "2026-12-24",
        "baseAmount": "1000.00",
        "cgst": "90" if ref == "LOCAL" else "",
        "sgst": "90" if ref == "LOCAL" else "",
        "igst": "" if ref == "LOCAL" else "180",
        "externalId": f"ERP-{n:04d}",
    }
    base.update(cells)
    return [base[h] for h in HEADER]


async def _invoices(database: Database, company_id: str) -> list[tuple[str, str, Decimal, str]]:
    async with database.sessionmaker() as session:
        rows = await session.execute(
            text(
                "SELECT invoice_number, external_id, total_amount, created_via FROM invoices "
                "WHERE company_id = :c ORDER BY external_id"
            ),
            {"c": company_id},
        )
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]


async def test_good_rows_become_invoices_and_bad_rows_are_reported(
    committed: Database, seller: Tenant
) -> None:
    await _customers(seller)
    rows = [_row(n) for n in range(6)] + [_row(6, "AWAY")]
    rows[1] = _row(1, sgst="80")  # row 3: CGST and SGST must be equal within the state
    rows[2] = _row(2, ref="NOBODY")  # row 4: no such customer
    rows[3] = _row(3, baseAmount="10.005")  # row 5: three decimals
    rows[4] = _row(4, externalId="ERP-0000")  # row 6: the externalId of row 2 again

    upload_id = await accepted(seller, csv_bytes(HEADER, rows), path=BULK)
    done = await finished(committed, seller, upload_id)

    assert (done["kind"], done["succeeded"], done["failed"], done["skipped"]) == ("INVOICE_CREATE", 3, 4, 0)
    report = by_row(done)
    assert [e["field"] for e in report[3]["errors"]] == ["sgst"]
    assert report[4]["errors"][0]["field"] == "customerUniqueRefNo"
    assert report[5]["errors"][0]["field"] == "baseAmount"
    assert report[6]["errors"][0]["message"] == "appears twice in this file, first at row 2"
    assert report[2]["outcome"] == "CREATED" and report[2]["id"].startswith("INV")
    made = await _invoices(committed, seller.company_id)
    assert [(m[1], m[2], m[3]) for m in made] == [
        ("ERP-0000", Decimal("1180.00"), "BULK_UPLOAD"),
        ("ERP-0005", Decimal("1180.00"), "BULK_UPLOAD"),
        ("ERP-0006", Decimal("1180.00"), "BULK_UPLOAD"),
    ]
    # Numbers come from the series, one after the other.
    assert sorted(m[0] for m in made) == ["INV2627-00000001", "INV2627-00000002", "INV2627-00000003"]
    errors = read_csv((await seller.get(f"/api/v0/upload/{upload_id}/errors.csv")).content)
    assert [line[-1].split(":")[0] for line in errors[1:]] == ["row 3", "row 4", "row 5", "row 6"]


async def test_the_same_file_again_creates_nothing(committed: Database, seller: Tenant) -> None:
    await _customers(seller)
    content = csv_bytes(HEADER, [_row(n) for n in range(5)])
    await finished(committed, seller, await accepted(seller, content, path=BULK))

    again = await finished(committed, seller, await accepted(seller, content, path=BULK))

    assert (again["succeeded"], again["skipped"], again["failed"]) == (0, 5, 0)
    assert "already exists (invoice INV" in by_row(again)[2]["message"]
    assert len(await _invoices(committed, seller.company_id)) == 5


async def test_numbers_given_by_hand_are_unique_per_financial_year(
    committed: Database, seller: Tenant
) -> None:
    await _customers(seller)
    rows = [
        _row(1, invoiceNumber="K-1"),
        _row(2, invoiceNumber="K-1"),  # the same year: refused
        _row(3, invoiceNumber="K-1", invoiceDate="2027-04-01", dueDate="2027-04-30"),  # next year: fine
    ]

    done = await finished(committed, seller, await accepted(seller, csv_bytes(HEADER, rows), path=BULK))

    report = by_row(done)
    assert [report[r]["outcome"] for r in (2, 3, 4)] == ["CREATED", "FAILED", "CREATED"]
    assert report[3]["errors"][0]["message"] == "is already used in this file"


async def test_a_dry_run_checks_every_row_and_writes_nothing(committed: Database, seller: Tenant) -> None:
    await _customers(seller)
    rows = [_row(1), _row(2, sgst="1")]

    done = await finished(
        committed, seller, await accepted(seller, csv_bytes(HEADER, rows), path=BULK, dryRun="true")
    )

    assert [r["outcome"] for r in done["rows"]] == ["VALID", "FAILED"]
    assert await _invoices(committed, seller.company_id) == []


async def test_a_worker_stopped_after_a_chunk_finishes_without_duplicates(
    committed: Database, seller: Tenant
) -> None:
    await _customers(seller)
    upload_id = await accepted(seller, csv_bytes(HEADER, [_row(n) for n in range(25)]), path=BULK)

    await service.process(committed, upload_id, seller.company_id, chunk_rows=10, max_chunks=1)
    assert (await status(seller, upload_id))["rowsDone"] == 10
    done = await finished(committed, seller, upload_id)

    assert (done["rowsDone"], done["succeeded"]) == (25, 25)
    made = await _invoices(committed, seller.company_id)
    assert len(made) == 25 and len({m[0] for m in made}) == 25
    async with committed.sessionmaker() as session:
        counts = (
            await session.execute(
                text(
                    "SELECT (SELECT count(*) FROM audit_log "
                    "WHERE company_id = :c AND entity_type = 'invoice'), "
                    "(SELECT count(*) FROM events WHERE company_id = :c AND event_type = 'invoice.created')"
                ),
                {"c": seller.company_id},
            )
        ).one()
    assert tuple(counts) == (25, 25)


@pytest.mark.parametrize("lanes", [2, 3])
async def test_chunks_written_side_by_side_number_the_file_in_its_order(
    committed: Database, seller: Tenant, lanes: int
) -> None:
    await _customers(seller)
    # Row 40 types a number the series reaches only in a later chunk, which must step over it.
    rows = [_row(n, invoiceNumber="INV2627-00000090" if n == 40 else "") for n in range(95)]
    upload_id = await accepted(seller, csv_bytes(HEADER, rows), path=BULK)

    await service.process(committed, upload_id, seller.company_id, chunk_rows=10, lanes=lanes)

    done = await status(seller, upload_id)
    assert (done["status"], done["succeeded"], done["failed"]) == ("COMPLETED", 95, 0)
    made = await _invoices(committed, seller.company_id)  # in externalId order, which is the file's
    generated = [m[0] for m in made if m[1] != "ERP-0040"]
    assert generated == [f"INV2627-{n:08d}" for n in range(1, 96) if n != 90]
    assert await _series_last(committed, seller.company_id) == 95


async def test_a_viewer_and_a_checker_cannot_upload_invoices(
    seller: Tenant, live_tenants: TenantFactory
) -> None:
    for role in ("VIEWER", "CHECKER"):
        user = await live_tenants.user(seller, role)
        response = await user.post(BULK, files={"file": ("i.csv", csv_bytes(HEADER, [_row(1)]), "text/csv")})
        assert response.status_code == 403, response.text


async def _series_last(database: Database, company_id: str) -> int:
    async with database.sessionmaker() as session:
        last = await session.execute(
            text("SELECT last_number FROM invoice_series WHERE company_id = :c"), {"c": company_id}
        )
        return int(last.scalar_one())


async def test_a_number_typed_by_hand_in_the_same_file_is_stepped_over(
    committed: Database, seller: Tenant
) -> None:
    await _customers(seller)
    rows = [_row(1, invoiceNumber="INV2627-00000002"), _row(2), _row(3)]

    done = await finished(committed, seller, await accepted(seller, csv_bytes(HEADER, rows), path=BULK))

    assert done["succeeded"] == 3
    numbers = sorted(m[0] for m in await _invoices(committed, seller.company_id))
    assert numbers == ["INV2627-00000001", "INV2627-00000002", "INV2627-00000003"]
    assert await _series_last(committed, seller.company_id) == 3


async def test_a_batch_that_loses_an_external_id_to_a_concurrent_create_is_checked_again(
    committed: Database, seller: Tenant
) -> None:
    local = await seller.create_customer(
        legalName="Local Pvt Ltd", panOrGstin=gstin_for("27", 41), uniqueRefNo="LOCAL"
    )
    rows = [dict(zip(HEADER, _row(n), strict=True)) for n in range(3)]
    values = [{k: v for k, v in r.items() if v} for r in rows]
    async with committed.sessionmaker() as session:
        plan = await invoices.prepare_many(session, "US-BULK", seller.company_id, values)
    # Between the checks and the write, a create takes the second row's externalId (and number 1).
    body = {
        "customerId": local["customerId"],
        "invoiceDate": "2026-11-24",
        "dueDate": "2026-12-24",
        "baseAmount": "100.00",
        "cgst": "9.00",
        "sgst": "9.00",
        "externalId": "ERP-0001",
    }
    response = await seller.post("/api/v0/invoice", json=body)
    assert response.status_code == 200, response.text

    with pytest.raises(invoices.BulkRaced):
        async with committed.sessionmaker() as session, session.begin():
            await invoices.write_many(session, plan)
    # Rolled back whole: no invoice of the batch, and the numbers it reserved are given back.
    assert len(await _invoices(committed, seller.company_id)) == 1
    assert await _series_last(committed, seller.company_id) == 1

    async with committed.sessionmaker() as session, session.begin():
        plan = await invoices.prepare_many(session, "US-BULK", seller.company_id, values)
        await invoices.write_many(session, plan)
    assert [o.existing for o in plan.outcomes] == [False, True, False]
    numbers = sorted(m[0] for m in await _invoices(committed, seller.company_id))
    assert numbers == ["INV2627-00000001", "INV2627-00000002", "INV2627-00000003"]
    async with committed.sessionmaker() as session:
        counts = await session.execute(
            text(
                "SELECT (SELECT count(*) FROM audit_log WHERE company_id = :c AND entity_type = 'invoice'), "
                "(SELECT count(*) FROM events WHERE company_id = :c AND event_type = 'invoice.created')"
            ),
            {"c": seller.company_id},
        )
        assert tuple(counts.one()) == (3, 3)


async def test_audit_rows_and_events_of_a_bulk_invoice_carry_its_values(
    committed: Database, seller: Tenant
) -> None:
    await _customers(seller)
    upload_id = await accepted(seller, csv_bytes(HEADER, [_row(7)]), path=BULK)
    done = await finished(committed, seller, upload_id)
    invoice_id = by_row(done)[2]["id"]

    async with committed.sessionmaker() as session:
        audit = (
            await session.execute(
                text("SELECT action, reason, after FROM audit_log WHERE company_id = :c AND entity_id = :i"),
                {"c": seller.company_id, "i": invoice_id},
            )
        ).all()
        events = (
            await session.execute(
                text(
                    "SELECT event_type, payload FROM events "
                    "WHERE company_id = :c AND entity_id = :i ORDER BY id"
                ),
                {"c": seller.company_id, "i": invoice_id},
            )
        ).all()
    assert len(audit) == 1
    action, reason, after = audit[0]
    assert (action, reason) == ("CREATE", f"bulk upload {upload_id}")
    assert after["invoice_number"] == "INV2627-00000001"
    assert (after["total_amount"], after["cgst"], after["paid_amount"]) == ("1180.00", "90.00", "0.00")
    assert (after["invoice_date"], after["created_via"], after["external_id"]) == (
        "2026-11-24",
        "BULK_UPLOAD",
        "ERP-0007",
    )
    assert [e[0] for e in events] == ["invoice.created", "invoice.approved"]
    assert all(
        e[1]["invoiceNumber"] == "INV2627-00000001" and e[1]["externalId"] == "ERP-0007" for e in events
    )
    assert all(e[1]["createdVia"] == "BULK_UPLOAD" and e[1]["totalAmount"] == 1180 for e in events)
