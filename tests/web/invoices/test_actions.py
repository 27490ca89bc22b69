"""The invoice page's actions, each the service the API calls: approval (maker-checker, never your own),
dispatch, write-off, disputes, promises, withdrawal; what a role may not do is neither shown nor allowed."""

from __future__ import annotations

from tests.collection.helpers import dispatch as api_dispatch
from tests.support import TenantFactory
from tests.web.invoices.helpers import Seller, invoice, make_seller, set_chain, sign_in


async def _pending(tenants: TenantFactory) -> tuple[Seller, str]:
    seller = await make_seller(tenants)
    await set_chain(seller.admin, "MAKER_CHECKER")
    made = await invoice(seller.admin, seller.customer_id, invoiceNumber="AP-1")
    return seller, made["invoiceId"]


async def test_a_checker_approves_an_invoice_the_admin_made(tenants: TenantFactory) -> None:
    seller, invoice_id = await _pending(tenants)
    page = (await seller.page(f"/app/invoices/{invoice_id}")).text
    assert ">Approve</button>" not in page
    assert "You created this invoice: someone else must approve or reject it." in page
    own = await seller.post_form(f"/app/invoices/{invoice_id}/approval", {"action": "APPROVE"})
    assert own.status_code == 403
    assert "You created this invoice: someone else must approve or reject it." in own.text

    checker = await sign_in(await tenants.user(seller.admin, "CHECKER"))
    page = (await seller.page(f"/app/invoices/{invoice_id}", cookie=checker)).text
    assert '<button type="submit" name="action" value="APPROVE">Approve</button>' in page
    assert 'value="REJECT" class="secondary">Reject</button>' in page
    assert ">Dispatch</button>" not in page  # not approved yet
    done = await seller.post_form(
        f"/app/invoices/{invoice_id}/approval",
        {"action": "APPROVE", "remarks": "Rates checked"},
        cookie=checker,
    )
    landed = await seller.follow(done, cookie=checker)
    assert "Invoice AP-1 approved." in landed.text
    assert (await seller.api_invoice(invoice_id))["approvalStatus"] == "CHECKER_APPROVED"
    assert 'id="approval-status"><span class="badge badge-checker-approved">' in landed.text
    assert "Approved" in landed.text and "Remarks: Rates checked" in landed.text
    assert "Approval status: Checker approved (was Checker approval pending)" in landed.text
    assert ">Dispatch</button>" in landed.text
    # The ledger posting of the approval is part of the same moment of the timeline.
    assert "Posted to the ledger" in landed.text


async def test_a_rejected_invoice_is_submitted_again_by_its_maker(tenants: TenantFactory) -> None:
    seller, invoice_id = await _pending(tenants)
    checker = await sign_in(await tenants.user(seller.admin, "CHECKER"))
    rejected = await seller.post_form(
        f"/app/invoices/{invoice_id}/approval", {"action": "REJECT", "remarks": "Wrong rate"}, cookie=checker
    )
    assert "Invoice AP-1 rejected." in (await seller.follow(rejected, cookie=checker)).text
    page = (await seller.page(f"/app/invoices/{invoice_id}")).text
    assert "Remarks: Wrong rate" in page
    assert 'value="SUBMIT">Submit again</button>' in page
    again = await seller.post_form(f"/app/invoices/{invoice_id}/approval", {"action": "SUBMIT"})
    assert "submitted again for approval" in (await seller.follow(again)).text
    assert (await seller.api_invoice(invoice_id))["approvalStatus"] == "CHECKER_APPROVAL_PENDING"


async def test_a_step_of_another_role_is_refused_with_its_reason(tenants: TenantFactory) -> None:
    seller, invoice_id = await _pending(tenants)
    approver = await sign_in(await tenants.user(seller.admin, "APPROVER"))
    page = (await seller.page(f"/app/invoices/{invoice_id}", cookie=approver)).text
    assert ">Approve</button>" not in page and "Waiting for a CHECKER to approve it." in page
    refused = await seller.post_form(
        f"/app/invoices/{invoice_id}/approval", {"action": "APPROVE"}, cookie=approver
    )
    assert (
        refused.status_code == 403 and "This step is a CHECKER&#39;s; your role is APPROVER." in refused.text
    )


async def test_dispatch_sends_the_invoice_and_the_timeline_shows_it(tenants: TenantFactory) -> None:
    seller = await make_seller(tenants)
    made = await invoice(seller.admin, seller.customer_id, invoiceNumber="D-1")
    done = await seller.post_form(f"/app/invoices/{made['invoiceId']}/dispatch", {})
    landed = await seller.follow(done)
    assert "Invoice D-1 dispatched" in landed.text
    assert (await seller.api_invoice(made["invoiceId"]))["status"] == "DISPATCHED"
    html = landed.text
    assert 'id="invoice-status"><span class="badge badge-dispatched">' in html
    assert "Dispatched" in html and "E-mail to accounts@buyer.example" in html
    assert 'id="payment-link"' in html


async def test_dispatch_of_an_unapproved_invoice_says_why_not(tenants: TenantFactory) -> None:
    seller, invoice_id = await _pending(tenants)
    # The page offers no Dispatch; a post anyway is refused with the service's reason.
    refused = await seller.post_form(f"/app/invoices/{invoice_id}/dispatch", {})
    assert refused.status_code == 422
    assert 'id="dispatch-error"' not in refused.text  # the form is not on the page: the message is its own
    assert "Not dispatched:" in refused.text and "approv" in refused.text
    assert (await seller.api_invoice(invoice_id))["status"] == "CREATED"


async def test_an_approver_writes_off_what_is_left(tenants: TenantFactory) -> None:
    seller = await make_seller(tenants)
    made = await invoice(seller.admin, seller.customer_id, invoiceNumber="W-1")
    invoice_id = made["invoiceId"]
    page = (await seller.page(f"/app/invoices/{invoice_id}")).text
    assert ">Write off</button>" not in page  # the admin made it
    own = await seller.post_form(
        f"/app/invoices/{invoice_id}/write-off", {"amount": "100", "reason": "small"}
    )
    assert own.status_code == 403 and "never writes it off" in own.text

    approver = await sign_in(await tenants.user(seller.admin, "APPROVER"))
    page = (await seller.page(f"/app/invoices/{invoice_id}", cookie=approver)).text
    assert ">Write off</button>" in page
    too_much = await seller.post_form(
        f"/app/invoices/{invoice_id}/write-off", {"amount": "5,000.00", "reason": "bad debt"}, cookie=approver
    )
    assert too_much.status_code == 422
    assert 'id="writeOff-error"' in too_much.text
    assert 'value="5,000.00"' in too_much.text and 'value="bad debt"' in too_much.text
    done = await seller.post_form(
        f"/app/invoices/{invoice_id}/write-off",
        {"amount": "180", "reason": "Rate dispute settled"},
        cookie=approver,
    )
    landed = await seller.follow(done, cookie=approver)
    assert "Wrote off ₹180.00 of invoice W-1; balance now ₹1,000.00." in landed.text
    assert 'id="balance"><strong>₹1,000.00</strong>' in landed.text
    assert "Written off" in landed.text and "Rate dispute settled" in landed.text
    assert (await seller.api_invoice(invoice_id))["writtenOffAmount"] == 180


async def test_a_dispute_is_raised_and_resolved_and_a_promise_recorded(tenants: TenantFactory) -> None:
    seller = await make_seller(tenants)
    made = await invoice(seller.admin, seller.customer_id, invoiceNumber="DS-1")
    invoice_id = made["invoiceId"]
    # Approved but not dispatched: the service refuses both, so the page offers neither.
    page = (await seller.page(f"/app/invoices/{invoice_id}")).text
    assert ">Raise dispute</button>" not in page and ">Record promise</button>" not in page
    await api_dispatch(seller.admin, [invoice_id])
    page = (await seller.page(f"/app/invoices/{invoice_id}")).text
    assert ">Raise dispute</button>" in page and ">Record promise</button>" in page
    bad = await seller.post_form(
        f"/app/invoices/{invoice_id}/dispute", {"reason": "QUALITY", "remarks": "Rusty", "amount": "99999"}
    )
    assert bad.status_code == 422 and 'id="dispute-error"' in bad.text and 'value="Rusty"' in bad.text
    raised = await seller.post_form(
        f"/app/invoices/{invoice_id}/dispute", {"reason": "QUALITY", "remarks": "Rusty rods", "amount": ""}
    )
    page = (await seller.follow(raised)).text
    assert "Dispute raised on invoice DS-1" in page
    assert 'id="dispute">Quality: Rusty rods' in page and ">Resolve dispute</button>" in page
    assert ">Raise dispute</button>" not in page
    resolved = await seller.post_form(
        f"/app/invoices/{invoice_id}/dispute/resolve", {"outcome": "REJECTED", "remarks": "Photos show none"}
    )
    page = (await seller.follow(resolved)).text
    assert "resolved; reminders resume" in page and "Dispute closed: REJECTED" in page
    assert "Photos show none" in page
    promised = await seller.post_form(
        f"/app/invoices/{invoice_id}/promise", {"promisedDate": "2099-01-31", "amount": "500"}
    )
    page = (await seller.follow(promised)).text
    assert "reminders pause until 31 Jan 2099" in page
    assert 'id="promise">₹500.00 by 31 Jan 2099' in page


async def test_withdrawing_an_invoice_stops_its_collection(tenants: TenantFactory) -> None:
    seller = await make_seller(tenants)
    made = await invoice(seller.admin, seller.customer_id, invoiceNumber="WD-1")
    empty = await seller.post_form(f"/app/invoices/{made['invoiceId']}/withdraw", {"reason": ""})
    assert empty.status_code == 422 and 'id="withdraw-error"' in empty.text
    done = await seller.post_form(f"/app/invoices/{made['invoiceId']}/withdraw", {"reason": "Raised twice"})
    page = (await seller.follow(done)).text
    assert "Invoice WD-1 withdrawn from collection." in page
    assert (await seller.api_invoice(made["invoiceId"]))["status"] == "COLLECTION_DELETED"
    assert "Withdrawn from collection" in page and "Raised twice" in page
    assert ">Dispatch</button>" not in page and ">Edit</a>" not in page


async def test_a_viewer_sees_no_write_control_and_its_posts_are_refused(tenants: TenantFactory) -> None:
    seller = await make_seller(tenants)
    made = await invoice(seller.admin, seller.customer_id, invoiceNumber="V-1")
    invoice_id = made["invoiceId"]
    viewer = await sign_in(await tenants.user(seller.admin, "VIEWER"))
    page = (await seller.page(f"/app/invoices/{invoice_id}", cookie=viewer)).text
    assert "Download PDF" in page
    for control in ("<button", "Record payment", "Credit note", ">Edit<", 'id="actions-title"'):
        assert control not in page.split("<main", 1)[1].split("Your saved views")[0], control
    assert "New invoice" not in (await seller.page("/app/invoices", cookie=viewer)).text
    posts = {
        "approval": {"action": "APPROVE"},
        "dispatch": {},
        "write-off": {"amount": "1", "reason": "x"},
        "dispute": {"reason": "OTHER"},
        "dispute/resolve": {"outcome": "REJECTED"},
        "promise": {"promisedDate": "2099-01-01", "amount": "1"},
        "withdraw": {"reason": "x"},
    }
    for path, data in posts.items():
        refused = await seller.post_form(f"/app/invoices/{invoice_id}/{path}", data, cookie=viewer)
        assert refused.status_code == 403, path
    assert (await seller.api_invoice(invoice_id))["status"] == "CREATED"


async def test_the_admin_sees_the_links_to_the_other_pages(tenants: TenantFactory) -> None:
    seller = await make_seller(tenants)
    made = await invoice(seller.admin, seller.customer_id, invoiceNumber="L-1")
    page = (await seller.page(f"/app/invoices/{made['invoiceId']}")).text
    pay = f"/app/payments/new?customerId={seller.customer_id}&amp;invoiceId={made['invoiceId']}"
    assert f'href="{pay}">Record payment' in page
    assert f'href="/app/credit-notes/new?invoiceId={made["invoiceId"]}">Credit note' in page
    assert f'href="/app/invoices/{made["invoiceId"]}/edit">Edit' in page
    assert 'href="/app/credit-notes">Credit notes</a>' in (await seller.page("/app/invoices")).text


async def test_another_companys_invoice_is_a_404_page(tenants: TenantFactory) -> None:
    seller = await make_seller(tenants)
    other = await make_seller(tenants, name="Other Seller Pvt Ltd")
    theirs = await invoice(other.admin, other.customer_id, invoiceNumber="T-1")
    for path in ("", "/pdf"):
        response = await seller.page(f"/app/invoices/{theirs['invoiceId']}{path}")
        assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
        assert "T-1" not in response.text
    post = await seller.post_form(f"/app/invoices/{theirs['invoiceId']}/dispatch", {})
    assert post.status_code == 404
    assert (await seller.page("/app/invoices/INVNOTREAL")).status_code == 404
