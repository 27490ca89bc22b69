"""The leniency mechanism (api.md §1.1a, kit/leniency.py) on its own, without HTTP."""

from __future__ import annotations

import pytest

from dues.customers import service as customers
from dues.customers.schemas import CustomerCreate, CustomerPatch
from dues.invoices.schemas import InvoiceCreate
from dues.kit import leniency


@pytest.fixture
def collecting() -> object:
    token = leniency.start()
    yield
    leniency.stop(token)


def test_unknown_fields_are_named_with_their_path(collecting: object) -> None:
    body = {
        "legalName": "Acme",
        "foo": 1,
        "customerKeyContacts": [
            {"name": "A", "email": "a@b.example", "bar": 2},
            {"name": "B", "email": "b@b.example"},
        ],
        "createdOn": "2026-01-01 00:00:00",
    }
    CustomerCreate.model_validate(body)
    # createdOn is EnKash's (computed by dues): dropped silently, not reported.
    assert leniency.ignored() == ["foo", "customerKeyContacts[0].bar"]


def test_nothing_is_collected_outside_a_request() -> None:
    CustomerCreate.model_validate({"legalName": "Acme", "foo": 1})
    assert leniency.ignored() == []


def test_a_flood_of_unknown_fields_is_named_by_its_first_hundred(collecting: object) -> None:
    CustomerCreate.model_validate({"legalName": "Acme", **{f"f{i}": i for i in range(5000)}})
    assert leniency.ignored() == [f"f{i}" for i in range(leniency.MAX_REPORTED)]


def test_null_is_a_field_left_out_where_the_field_takes_no_null() -> None:
    invoice = InvoiceCreate.model_validate(
        {
            "customerId": "KC1",
            "dueDate": "2026-12-31",
            "gstExclusive": None,
            "dispatchNow": None,
            "cgst": None,
        }
    )
    assert (invoice.gst_exclusive, invoice.dispatch_now, invoice.cgst) == (True, False, None)
    assert "gst_exclusive" not in invoice.model_fields_set


def test_fields_dues_decides_never_reach_model_dump_or_the_bulk_insert() -> None:
    data = CustomerCreate.model_validate({"legalName": "Acme", "companyId": "CEK0000001", "deleted": False})
    assert (data.company_id, data.deleted) == ("CEK0000001", False)
    dumped = data.model_dump()
    assert "company_id" not in dumped and "deleted" not in dumped
    row = customers.prepare_create("CEK0000002", [data]).document
    assert "CEK0000001" not in row and "CEK0000002" in row
    patch = CustomerPatch.model_validate({"customerId": "KC1", "customerKeyContacts": [], "address": "Pune"})
    assert patch.model_dump(exclude_unset=True) == {"address": "Pune"}


def test_deleted_true_on_create_is_refused() -> None:
    assert [e.field for e in customers.check_create({"legalName": "Acme", "deleted": True})] == ["deleted"]  # type: ignore[union-attr]
