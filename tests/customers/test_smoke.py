from tests.support import Tenant, gstin_for


async def test_create_then_get_customer(tenant: Tenant) -> None:
    gstin = gstin_for("27")
    created = await tenant.create_customer(legalName="Acme Traders", panOrGstin=gstin, state="maharashtra")
    assert created["customerId"].startswith("KC") and len(created["customerId"]) == 16
    assert created["state"] == "Maharashtra"
    got = await tenant.get(f"/api/v0/customer/{created['customerId']}")
    body = got.json()
    assert got.status_code == 200
    assert body["response_code"] == 0 and body["payload"]["panOrGstin"] == gstin
    assert body["payload"]["creditBalance"] == 0
