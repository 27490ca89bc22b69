"""Bulk customer files (api.md §4.1) end to end: upload, a real worker, the report, errors.csv."""

from __future__ import annotations

import asyncio
import io

import openpyxl
from sqlalchemy import text

from dues.db import Database
from dues.uploads import service
from tests.conftest import run_jobs
from tests.support import Tenant, TenantFactory, gstin_for
from tests.uploads.helpers import (
    HEADER,
    accepted,
    by_row,
    csv_bytes,
    customer_total,
    finished,
    good_row,
    read_csv,
    status,
    upload,
)


def _two_hundred_with_five_bad() -> tuple[list[list[str]], dict[int, str]]:
    """200 data rows (spreadsheet rows 2..201); five are bad, each for its own reason."""
    rows = [good_row(n) for n in range(200)]
    bad = {}
    rows[3][0] = ""  # row 5: no legalName
    bad[5] = "legalName"
    rows[40][1] = rows[40][1][:-1] + ("A" if rows[40][1][-1] != "A" else "B")  # row 42: GSTIN check character
    bad[42] = "panOrGstin"
    rows[99][2] = "accounts-at-example.com"  # row 101: not an e-mail
    bad[101] = "email"
    rows[150][5] = "012345"  # row 152: PIN starting with 0
    bad[152] = "pinCode"
    rows[199][6] = rows[10][6]  # row 201: the uniqueRefNo of row 12 again
    bad[201] = "uniqueRefNo"
    return rows, bad


async def test_good_rows_are_created_and_bad_rows_reported_by_row_number(
    committed: Database, seller: Tenant
) -> None:
    rows, bad = _two_hundred_with_five_bad()
    upload_id = await accepted(seller, csv_bytes(HEADER, rows))

    report = await finished(committed, seller, upload_id)

    assert (report["totalRows"], report["succeeded"], report["failed"], report["skipped"]) == (200, 195, 5, 0)
    assert report["rowsDone"] == 200 and report["progress"] == "200/200"
    results = by_row(report)
    assert sorted(results) == list(range(2, 202))
    failed = {n: r for n, r in results.items() if r["outcome"] == "FAILED"}
    assert sorted(failed) == sorted(bad)
    for number, field in bad.items():
        assert [e["field"] for e in failed[number]["errors"]] == [field], failed[number]
    assert failed[201]["errors"][0]["message"] == "duplicate uniqueRefNo in this file, first at row 12"
    assert failed[201]["errors"][0]["rejectedValue"] == rows[10][6]
    assert failed[101]["errors"][0]["rejectedValue"] == "accounts-at-example.com"
    created = [r for r in results.values() if r["outcome"] == "CREATED"]
    assert len(created) == 195 and all(r["id"].startswith("KC") and not r["errors"] for r in created)
    assert await customer_total(seller) == 195

    # What was stored is what the API gives for a single create.
    row12 = (await seller.get(f"/api/v0/customer/{results[12]['id']}")).json()["payload"]
    assert row12["legalName"] == rows[10][0] and row12["uniqueRefNo"] == rows[10][6]
    assert row12["branchCodes"] == ["PUN", "MUM"] and row12["state"] == "Maharashtra"
    assert row12["status"] == "ACTIVE" and row12["deleted"] is False


async def test_every_created_customer_has_its_audit_row(committed: Database, seller: Tenant) -> None:
    upload_id = await accepted(seller, csv_bytes(HEADER, [good_row(n) for n in range(30)]))
    report = await finished(committed, seller, upload_id)
    single = await seller.create_customer(legalName="Single Create Pvt Ltd", uniqueRefNo="SINGLE-1")

    async with committed.sessionmaker() as session:
        audit = (
            await session.execute(
                text(
                    "SELECT entity_id, action, actor, reason, after FROM audit_log "
                    "WHERE company_id = :c AND entity_type = 'customer'"
                ),
                {"c": seller.company_id},
            )
        ).all()
    by_customer = {row.entity_id: row for row in audit}
    ids = [r["id"] for r in report["rows"]]
    assert len(audit) == 31 and set(ids) <= set(by_customer)
    first = by_customer[ids[0]]
    assert first.action == "CREATE" and first.reason == f"bulk upload {upload_id}"
    assert first.actor == by_customer[single["customerId"]].actor  # who uploaded is who created
    after = first.after
    assert after["customer_id"] == ids[0] and after["legal_name"] == "Customer 0 Pvt Ltd"
    assert after["branch_codes"] == ["PUN", "MUM"] and after["status"] == "ACTIVE"
    # The same fields a single create records (its created_on is the audit row's own time).
    assert set(by_customer[single["customerId"]].after) - set(after) == {"created_on"}


async def test_the_same_file_again_creates_nothing(committed: Database, seller: Tenant) -> None:
    rows, _ = _two_hundred_with_five_bad()
    content = csv_bytes(HEADER, rows)
    first = await finished(committed, seller, await accepted(seller, content))

    again = await finished(committed, seller, await accepted(seller, content))

    assert (again["succeeded"], again["failed"], again["skipped"]) == (0, 5, 195)
    assert again["succeeded"] + again["failed"] + again["skipped"] == again["totalRows"]
    assert await customer_total(seller) == 195
    before, after = by_row(first), by_row(again)
    skipped = [r for r in after.values() if r["outcome"] == "SKIPPED"]
    assert len(skipped) == 195
    for result in skipped:
        assert result["id"] == before[result["row"]]["id"]  # reported with the customer that has the ref
        assert "already exists" in result["message"] and not result["errors"]


async def test_errors_csv_gives_the_failed_rows_ready_to_fix_and_upload_again(
    committed: Database, seller: Tenant
) -> None:
    rows, bad = _two_hundred_with_five_bad()
    upload_id = await accepted(seller, csv_bytes(HEADER, rows))
    await finished(committed, seller, upload_id)

    response = await seller.get(f"/api/v0/upload/{upload_id}/errors.csv")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    table = read_csv(response.content)
    assert table[0] == [*HEADER, "errors"]
    assert len(table) == 6
    by_ref = {line[6]: line for line in table[1:]}
    assert by_ref[rows[99][6]][:8] == rows[99]  # the cells exactly as uploaded
    assert by_ref[rows[99][6]][8].startswith("row 101: email: ")
    assert [line[8].split(":")[0] for line in table[1:]] == [f"row {n}" for n in sorted(bad)]

    # Fix the four fixable rows in the file itself and send it back, errors column and all.
    fixed = []
    for line in table[1:]:
        line = line[:]
        line[0] = line[0] or "Fixed Name Pvt Ltd"
        line[1] = gstin_for("27", 9999)
        line[2] = "fixed@example.com"
        line[5] = "411002"
        fixed.append(line)
    again = await finished(committed, seller, await accepted(seller, csv_bytes(table[0], fixed)))
    outcomes = sorted(r["outcome"] for r in again["rows"])
    # Four new customers; the duplicate of row 12 is now a SKIPPED existing ref, not created twice.
    assert outcomes == ["CREATED"] * 4 + ["SKIPPED"]
    assert await customer_total(seller) == 199


async def test_an_xlsx_workbook_is_read_like_a_csv(committed: Database, seller: Tenant) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["legalName", "contactNumber", "pinCode", "uniqueRefNo", "state", "branchCodes", "email"])
    sheet.append(["Excel Traders Pvt Ltd", 9876543210, 560001, "XL-1", "Karnataka", "BLR, MYS", None])
    sheet.append([None, None, None, None, None, None, None])  # a blank row keeps its place
    sheet.append(["Sheet Works LLP", "+91 9876543210", "400001", "XL-2", "maharashtra", None, "a@b.in"])
    sheet.append(["", None, 123, "XL-3", "Goa", None, None])
    buffer = io.BytesIO()
    book.save(buffer)

    upload_id = await accepted(seller, buffer.getvalue(), name="customers.xlsx")
    report = await finished(committed, seller, upload_id)

    results = by_row(report)
    assert sorted(results) == [2, 4, 5]
    assert results[2]["outcome"] == results[4]["outcome"] == "CREATED"
    assert {e["field"] for e in results[5]["errors"]} == {"legalName", "pinCode"}
    excel = (await seller.get(f"/api/v0/customer/{results[2]['id']}")).json()["payload"]
    assert excel["contactNumber"] == "9876543210" and excel["pinCode"] == "560001"
    assert excel["branchCodes"] == ["BLR", "MYS"] and excel["email"] is None
    errors = read_csv((await seller.get(f"/api/v0/upload/{upload_id}/errors.csv")).content)
    assert errors[1][:4] == ["", "", "123", "XL-3"] and errors[1][-1].startswith("row 5: ")


async def test_a_dry_run_reports_every_row_and_writes_no_customer(
    committed: Database, seller: Tenant
) -> None:
    existing = await seller.create_customer(legalName="Already Here Pvt Ltd", uniqueRefNo="R-00001")
    rows, bad = _two_hundred_with_five_bad()

    upload_id = await accepted(seller, csv_bytes(HEADER, rows), dryRun="true")
    report = await finished(committed, seller, upload_id)

    assert report["dryRun"] is True
    assert (report["succeeded"], report["failed"], report["skipped"]) == (194, 5, 1)
    results = by_row(report)
    assert results[3]["outcome"] == "SKIPPED" and results[3]["id"] == existing["customerId"]
    assert {r["outcome"] for n, r in results.items() if n not in bad and n != 3} == {"VALID"}
    assert all(r["id"] is None for n, r in results.items() if n != 3)
    assert await customer_total(seller) == 1
    async with committed.sessionmaker() as session:
        audits = (
            await session.execute(
                text("SELECT count(*) FROM audit_log WHERE company_id = :c AND reason LIKE 'bulk upload%'"),
                {"c": seller.company_id},
            )
        ).scalar_one()
    assert audits == 0


UPDATE_PATH = "/api/v0/customer/bulk/update"


async def test_bulk_update_changes_only_the_cells_given(committed: Database, seller: Tenant) -> None:
    first = await seller.create_customer(
        legalName="First Pvt Ltd", uniqueRefNo="U-1", email="first@example.com", pinCode="411001"
    )
    second = await seller.create_customer(
        legalName="Second Pvt Ltd", uniqueRefNo="U-2", email="second@example.com", address="Old Road"
    )
    third = await seller.create_customer(legalName="Third Pvt Ltd", uniqueRefNo="U-3", assignedAgent="asha")
    fourth = await seller.create_customer(
        legalName="Fourth Pvt Ltd", uniqueRefNo="U-4", email="four@example.com"
    )
    header = ["customerId", "uniqueRefNo", "legalName", "email", "pinCode", "address", "status"]
    rows = [
        [first["customerId"], "", "First Renamed Pvt Ltd", "", "560001", "", ""],  # by id
        ["", "U-2", "", "accounts@second.in", "", "", "INACTIVE"],  # by uniqueRefNo
        [third["customerId"], "U-3-NEW", "", "", "", "", ""],  # by id, changing the ref itself
        ["", "U-2", "", "", "", "", ""],  # the same customer again
        ["KC00000000000000", "", "Nobody", "", "", "", ""],  # no such customer
        ["", "U-1", "", "not-an-email", "", "", ""],  # a bad value
        [first["customerId"].lower(), "", "", "", "", "", ""],  # nothing to change, and no such id
        ["", "U-4", "Fourth Pvt Ltd", "four@example.com", "", "", "ACTIVE"],  # the values it has already
    ]

    upload_id = await accepted(seller, csv_bytes(header, rows), path=UPDATE_PATH)
    report = await finished(committed, seller, upload_id)

    results = by_row(report)
    assert [results[n]["outcome"] for n in range(2, 10)] == [
        "UPDATED",
        "UPDATED",
        "UPDATED",
        "FAILED",
        "FAILED",
        "FAILED",
        "FAILED",
        "UNCHANGED",
    ]
    assert results[9]["id"] == fourth["customerId"]
    assert results[5]["errors"][0]["message"].startswith("the same customer is changed by row 3")
    assert results[6]["errors"] == [
        {"field": "customerId", "message": "no customer has this value", "rejectedValue": "KC00000000000000"}
    ]
    assert results[7]["errors"][0]["field"] == "email"
    assert (report["succeeded"], report["failed"]) == (4, 4)

    got = {
        c["customerId"]: c
        for c in [
            (await seller.get(f"/api/v0/customer/{x['customerId']}")).json()["payload"]
            for x in (first, second, third)
        ]
    }
    one, two, three = got[first["customerId"]], got[second["customerId"]], got[third["customerId"]]
    assert (one["legalName"], one["pinCode"], one["email"]) == (
        "First Renamed Pvt Ltd",
        "560001",
        "first@example.com",
    )
    assert (two["legalName"], two["email"], two["status"], two["address"]) == (
        "Second Pvt Ltd",
        "accounts@second.in",
        "INACTIVE",
        "Old Road",
    )
    assert (three["uniqueRefNo"], three["assignedAgent"]) == ("U-3-NEW", "asha")

    async with committed.sessionmaker() as session:
        change = (
            await session.execute(
                text(
                    "SELECT before, after, reason FROM audit_log WHERE company_id = :c AND entity_id = :id "
                    "AND action = 'UPDATE'"
                ),
                {"c": seller.company_id, "id": first["customerId"]},
            )
        ).one()
    assert change.before == {"legal_name": "First Pvt Ltd", "pin_code": "411001"}
    assert change.after == {"legal_name": "First Renamed Pvt Ltd", "pin_code": "560001"}
    assert change.reason == f"bulk upload {upload_id}"
    async with committed.sessionmaker() as session:
        updates = (
            await session.execute(
                text("SELECT entity_id FROM audit_log WHERE company_id = :c AND action = 'UPDATE'"),
                {"c": seller.company_id},
            )
        ).scalars()
        assert sorted(updates) == sorted(x["customerId"] for x in (first, second, third))


async def test_bulk_update_needs_a_column_that_names_the_customer(seller: Tenant) -> None:
    response = await upload(seller, csv_bytes(["legalName", "email"], [["A", "a@b.in"]]), path=UPDATE_PATH)

    assert response.status_code == 422
    body = response.json()["errorResponse"]
    assert body["apiSubErrors"][0]["field"] == "customerId"


async def test_an_upload_of_another_company_is_not_found(
    committed: Database, seller: Tenant, live_tenants: TenantFactory
) -> None:
    upload_id = await accepted(seller, csv_bytes(HEADER, [good_row(1)]))
    await run_jobs(committed)
    stranger = await live_tenants.create(name="Other Seller Pvt Ltd")

    for path in (f"/api/v0/upload/{upload_id}", f"/api/v0/upload/{upload_id}/errors.csv"):
        response = await stranger.get(path)
        assert response.status_code == 404
        assert response.json()["errorResponse"]["errorType"] == "RECORD_NOT_FOUND"
    assert (await stranger.get("/api/v0/upload/UP0000000000000X")).status_code == 404


async def test_progress_is_reported_while_processing_and_when_done(
    committed: Database, seller: Tenant
) -> None:
    upload_id = await accepted(seller, csv_bytes(HEADER, [good_row(n) for n in range(7)]), name="april.csv")

    waiting = await status(seller, upload_id)

    assert waiting["status"] == "PROCESSING" and waiting["kind"] == "CUSTOMER_CREATE"
    assert (waiting["totalRows"], waiting["rowsDone"], waiting["progress"]) == (7, 0, "0/7")
    assert waiting["fileName"] == "april.csv" and waiting["dryRun"] is False
    assert waiting["completedOn"] is None and waiting["rows"] == []
    assert len(waiting["createdOn"]) == 19  # yyyy-MM-dd HH:mm:ss

    done = await finished(committed, seller, upload_id)
    assert done["progress"] == "7/7" and done["completedOn"] is not None and done["errorMessage"] is None
    page = await status(seller, upload_id, limit=3, offset=2)
    assert [r["row"] for r in page["rows"]] == [4, 5, 6]


async def _ledger(database: Database, company_id: str, upload_id: str) -> tuple[int, ...]:
    """Customers, distinct refs, CREATE audit rows, per-row results and chunks recorded for one upload."""
    async with database.sessionmaker() as session:
        counts = (
            await session.execute(
                text(
                    "SELECT (SELECT count(*) FROM customers WHERE company_id = :c), "
                    "(SELECT count(DISTINCT unique_ref_no) FROM customers WHERE company_id = :c), "
                    "(SELECT count(*) FROM audit_log WHERE company_id = :c AND action = 'CREATE' "
                    " AND entity_type = 'customer'), "
                    "(SELECT count(*) FROM upload_rows WHERE company_id = :c AND upload_id = :u), "
                    "(SELECT count(*) FROM upload_chunks WHERE company_id = :c AND upload_id = :u)"
                ),
                {"c": company_id, "u": upload_id},
            )
        ).one()
    return tuple(counts)


async def test_a_job_stopped_after_its_first_chunk_finishes_without_duplicates(
    committed: Database, seller: Tenant
) -> None:
    rows = [good_row(n) for n in range(120)]
    rows[70][2] = "broken-email"
    upload_id = await accepted(seller, csv_bytes(HEADER, rows))

    # A worker that dies after committing one chunk of 50 rows...
    await service.process(committed, upload_id, seller.company_id, chunk_rows=50, max_chunks=1)
    halfway = await status(seller, upload_id)
    assert (halfway["status"], halfway["rowsDone"], halfway["succeeded"]) == ("PROCESSING", 50, 50)
    assert await customer_total(seller) == 50

    # ...and the queued job, run by a real worker, carries on from row 52.
    done = await finished(committed, seller, upload_id)

    assert (done["rowsDone"], done["succeeded"], done["failed"], done["skipped"]) == (120, 119, 1, 0)
    assert [r["row"] for r in done["rows"]] == list(range(2, 122))
    assert await customer_total(seller) == 119
    # The first call fixed the chunk size at 50: three chunks in all, each written once.
    assert await _ledger(committed, seller.company_id, upload_id) == (119, 119, 119, 120, 3)


async def test_chunks_written_at_once_report_every_row_once(committed: Database, seller: Tenant) -> None:
    rows = [good_row(n) for n in range(230)]
    rows[101][2] = "broken-email"  # spreadsheet row 103, in the third chunk
    upload_id = await accepted(seller, csv_bytes(HEADER, rows))

    # 230 rows in chunks of 30: eight chunks over three lanes, which commit in whatever order they finish.
    await service.process(committed, upload_id, seller.company_id, chunk_rows=30, lanes=3)

    done = await status(seller, upload_id, limit=500)
    assert (done["status"], done["progress"]) == ("COMPLETED", "230/230")
    assert (done["succeeded"], done["failed"], done["skipped"]) == (229, 1, 0)
    assert [r["row"] for r in done["rows"]] == list(range(2, 232))
    assert by_row(done)[103]["outcome"] == "FAILED"
    assert await _ledger(committed, seller.company_id, upload_id) == (229, 229, 229, 230, 8)


async def test_two_workers_on_one_upload_write_each_chunk_once(committed: Database, seller: Tenant) -> None:
    upload_id = await accepted(seller, csv_bytes(HEADER, [good_row(n) for n in range(150)]))

    # A job retried while the first attempt still runs: both go through the same chunks at the same time.
    await asyncio.gather(
        service.process(committed, upload_id, seller.company_id, chunk_rows=20, lanes=2),
        service.process(committed, upload_id, seller.company_id, chunk_rows=20, lanes=3),
    )

    done = await status(seller, upload_id, limit=500)
    assert (done["status"], done["rowsDone"], done["succeeded"]) == ("COMPLETED", 150, 150)
    assert done["skipped"] == 0
    assert [r["row"] for r in done["rows"]] == list(range(2, 152))
    assert await _ledger(committed, seller.company_id, upload_id) == (150, 150, 150, 150, 8)


async def test_an_upload_half_done_before_chunks_were_recorded_resumes_where_it_stopped(
    committed: Database, seller: Tenant
) -> None:
    upload_id = await accepted(seller, csv_bytes(HEADER, [good_row(n) for n in range(40)]))
    await service.process(committed, upload_id, seller.company_id, chunk_rows=15, max_chunks=1)
    async with committed.sessionmaker() as session:
        # What the previous version left: 15 rows done and counted, no chunk size and no chunk rows.
        forget = "UPDATE uploads SET chunk_rows = NULL, chunk_base = NULL WHERE upload_id = :u"
        await session.execute(text(forget), {"u": upload_id})
        await session.execute(text("DELETE FROM upload_chunks WHERE upload_id = :u"), {"u": upload_id})
        await session.commit()

    await service.process(committed, upload_id, seller.company_id, chunk_rows=10)

    done = await status(seller, upload_id, limit=500)
    assert (done["status"], done["rowsDone"], done["succeeded"]) == ("COMPLETED", 40, 40)
    assert [r["row"] for r in done["rows"]] == list(range(2, 42))
    assert (await _ledger(committed, seller.company_id, upload_id))[:4] == (40, 40, 40, 40)


async def test_an_upload_whose_file_cannot_be_read_again_fails_with_a_message(
    committed: Database, seller: Tenant
) -> None:
    upload_id = await accepted(seller, csv_bytes(HEADER, [good_row(1)]))
    async with committed.sessionmaker() as session:
        await session.execute(
            text("UPDATE uploads SET content = :junk WHERE upload_id = :u"),
            {"junk": b"\xff\xfe", "u": upload_id},
        )
        await session.commit()

    await run_jobs(committed)

    report = await status(seller, upload_id)
    assert report["status"] == "FAILED" and report["completedOn"] is not None
    assert report["errorMessage"].startswith("The stored file could not be read again: is not UTF-8 text")
    assert "Traceback" not in report["errorMessage"]


async def test_a_viewer_cannot_upload(seller: Tenant, live_tenants: TenantFactory) -> None:
    viewer = await live_tenants.user(seller, "VIEWER")

    response = await upload(viewer, csv_bytes(HEADER, [good_row(1)]))

    assert response.status_code == 403
    assert response.json()["errorResponse"]["errorType"] == "INVALID_ACCESS"


async def test_a_parent_company_uploads_for_its_child(
    committed: Database, seller: Tenant, live_tenants: TenantFactory
) -> None:
    child = await live_tenants.create(name="Child Pvt Ltd", parent=seller.company_id)

    upload_id = await accepted(seller, csv_bytes(HEADER, [good_row(1)]), companyId=child.company_id)
    await run_jobs(committed)

    assert (await status(seller, upload_id, companyId=child.company_id))["succeeded"] == 1
    assert await customer_total(child) == 1 and await customer_total(seller) == 0
    assert (await seller.get(f"/api/v0/upload/{upload_id}")).status_code == 404
    other = await live_tenants.create(name="Unrelated Pvt Ltd")
    refused = await upload(seller, csv_bytes(HEADER, [good_row(2)]), companyId=other.company_id)
    assert refused.status_code == 403


async def test_an_upload_left_by_a_dead_worker_is_taken_up_again(committed: Database, seller: Tenant) -> None:
    orphan = await accepted(seller, csv_bytes(HEADER, [good_row(n) for n in range(5)]))
    async with committed.sessionmaker() as session:
        # What a worker killed mid-job leaves once its heartbeat is pruned: the job 'doing', owned by none.
        await session.execute(
            text(
                "UPDATE procrastinate_jobs SET status = 'doing', worker_id = NULL "
                "WHERE args->>'upload_id' = :u"
            ),
            {"u": orphan},
        )
        await session.commit()
    await service.process(committed, orphan, seller.company_id, chunk_rows=2, max_chunks=1)

    # The next upload's job puts the orphan back in the queue (a running worker finds it at its next poll;
    # run_jobs stops when the queue looks empty, hence a second run).
    fresh = await accepted(seller, csv_bytes(HEADER, [good_row(n) for n in range(5, 8)]))
    await run_jobs(committed)
    assert (await status(seller, fresh))["status"] == "COMPLETED"
    await run_jobs(committed)

    assert (await status(seller, orphan))["status"] == "COMPLETED"
    assert (await status(seller, fresh))["status"] == "COMPLETED"
    assert await customer_total(seller) == 8


async def test_reminder_ids_in_a_file_are_checked_as_for_a_single_customer(
    committed: Database, seller: Tenant
) -> None:
    made = await seller.post(
        "/api/v0/customer/reminder",
        json={"name": "Standard", "steps": [{"offsetDays": 3, "channels": ["EMAIL"]}]},
    )
    assert made.status_code == 200, made.text
    company_wide = made.json()["payload"]["reminderId"]
    rows = [[*good_row(1), company_wide], [*good_row(2), "RM0000000000000Z"], [*good_row(3), ""]]
    upload_id = await accepted(seller, csv_bytes([*HEADER, "customerReminders"], rows))

    results = by_row(await finished(committed, seller, upload_id))

    assert [results[n]["outcome"] for n in (2, 3, 4)] == ["CREATED", "FAILED", "CREATED"]
    [error] = results[3]["errors"]
    assert error["field"] == "customerReminders"
    assert error["message"] == "no reminder RM0000000000000Z in this company (create it first)"
    stored = (await seller.get(f"/api/v0/customer/{results[2]['id']}")).json()["payload"]
    assert stored["customerReminders"] == [company_wide]
