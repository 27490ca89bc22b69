"""The company settings udyamNumber and msmeCategory (api.md §1.7, §10): validated, shown, clearable."""

from __future__ import annotations

from tests.customers.helpers import assert_error, assert_invalid, payload
from tests.msme.helpers import COMPANY
from tests.support import Tenant, TenantFactory


async def test_set_shown_and_cleared(tenant: Tenant) -> None:
    assert {k: payload(await tenant.get(COMPANY))[k] for k in ("udyamNumber", "msmeCategory")} == {
        "udyamNumber": None,
        "msmeCategory": None,
    }

    # Typed in lower case with spaces around, as people copy it from the certificate.
    patched = payload(
        await tenant.patch(COMPANY, json={"udyamNumber": " udyam-ka-03-0012345 ", "msmeCategory": "MICRO"})
    )
    shown = payload(await tenant.get(COMPANY))
    only_category = payload(await tenant.patch(COMPANY, json={"msmeCategory": "MEDIUM"}))
    cleared = payload(await tenant.patch(COMPANY, json={"udyamNumber": None, "msmeCategory": None}))

    assert (patched["udyamNumber"], patched["msmeCategory"]) == ("UDYAM-KA-03-0012345", "MICRO")
    assert (shown["udyamNumber"], shown["msmeCategory"]) == ("UDYAM-KA-03-0012345", "MICRO")
    assert (only_category["udyamNumber"], only_category["msmeCategory"]) == ("UDYAM-KA-03-0012345", "MEDIUM")
    assert (cleared["udyamNumber"], cleared["msmeCategory"]) == (None, None)


async def test_a_udyam_number_must_have_its_shape_and_a_states_letters(tenant: Tenant) -> None:
    for wrong, words in (
        ("UDYAM-KA-3-0012345", "UDYAM-XX-00-0000000"),
        ("UDYAM-KA-03-001234", "UDYAM-XX-00-0000000"),
        ("UDYAM-KA-03-00123456", "UDYAM-XX-00-0000000"),
        ("UAM-KA-03-0012345", "UDYAM-XX-00-0000000"),
        ("27AABCD1234E1Z5", "UDYAM-XX-00-0000000"),
        ("UDYAM-XY-03-0012345", "XY is not the code of an Indian state"),
    ):
        errors = assert_invalid(await tenant.patch(COMPANY, json={"udyamNumber": wrong}), "udyamNumber")
        assert words in errors["udyamNumber"]["message"], (wrong, errors)

    error = assert_invalid(await tenant.patch(COMPANY, json={"msmeCategory": "TINY"}), "msmeCategory")
    assert "MICRO" in error["msmeCategory"]["message"]
    assert payload(await tenant.get(COMPANY))["udyamNumber"] is None


async def test_only_an_admin_changes_them(tenants: TenantFactory, tenant: Tenant) -> None:
    maker = await tenants.user(tenant, "MAKER")

    assert_error(await maker.patch(COMPANY, json={"msmeCategory": "SMALL"}), 403, "INVALID_ACCESS")
    assert payload(await maker.get(COMPANY))["msmeCategory"] is None
