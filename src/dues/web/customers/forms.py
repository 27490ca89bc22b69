"""The customer pages' forms as the services' bodies: a form's fields carry the API's (camelCase) names, so
the service's complaint about a field lands beside it; the create form's contact fields have their own."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from dues.web.common import Problems, amount, text

# The fields the create and edit forms share, by their API names.
CUSTOMER_FIELDS = (
    "legalName",
    "panOrGstin",
    "state",
    "address",
    "pinCode",
    "uniqueRefNo",
    "tdsSection",
    "tdsRate",
)
EDIT_ONLY = ("email", "contactNumber", "assignedAgent", "bharatConnectB2BId", "status")
CONTACT_FIELDS = ("contactName", "contactEmail", "contactPhone")
# Where a complaint about the create body's one contact is shown on the form.
_CONTACT_PLACES = {
    "customerKeyContacts[0].name": "contactName",
    "customerKeyContacts[0].email": "contactEmail",
    "customerKeyContacts[0].mobile": "contactPhone",
    "customerKeyContacts[0].channels": "contactEmail",
    "customerKeyContacts[0]": "contactName",
}


def _given(value: str) -> str | None:
    return value or None


def _rate(value: str) -> Any:
    # A rate that is not a number goes to the schema as typed, so its message names the field.
    parsed = amount(value.replace("%", ""))
    return parsed if parsed is not None else _given(value)


def kept(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    """What the person typed, to show again when the form is refused."""
    return {name: text(form, name) for name in names}


def create_body(values: dict[str, str]) -> dict[str, Any]:
    """createCustomer's body from the new-customer form; the contact only when one is named or reachable."""
    body: dict[str, Any] = {name: _given(values.get(name, "")) for name in CUSTOMER_FIELDS}
    body["tdsRate"] = _rate(values.get("tdsRate", ""))
    contact = {
        "name": _given(values.get("contactName", "")),
        "email": _given(values.get("contactEmail", "")),
        "mobile": _given(values.get("contactPhone", "")),
    }
    if any(contact.values()):
        body["customerKeyContacts"] = [contact]
    return body


def patch_body(values: dict[str, str]) -> dict[str, Any]:
    """updateCustomer's body from the edit form: every field on the form is sent, an empty one as null
    (cleared), as the form shows the whole customer."""
    body: dict[str, Any] = {name: _given(values.get(name, "")) for name in (*CUSTOMER_FIELDS, *EDIT_ONLY)}
    body["tdsRate"] = _rate(values.get("tdsRate", ""))
    return body


def on_create_form(found: Problems) -> Problems:
    """The service's field names moved to the create form's (its contact fields are named apart)."""
    return Problems(found.message, {_CONTACT_PLACES.get(k, k): v for k, v in found.fields.items()})


CONTACT_FORM = ("name", "designation", "email", "mobile")
CHANNELS = ("EMAIL", "SMS", "WHATSAPP")


def contact_body(form: FormData) -> tuple[dict[str, Any], dict[str, Any]]:
    """The add-contact form as its body, and what was typed (to show again)."""
    values: dict[str, Any] = kept(form, CONTACT_FORM)
    channels = [c for c in form.getlist("channels") if c in CHANNELS]
    values["channels"] = channels
    values["primary"] = form.get("primary") == "on"
    body: dict[str, Any] = {name: _given(values[name]) for name in CONTACT_FORM}
    body["channels"] = channels or None
    body["primary"] = values["primary"]
    return body, values


REFUND_FORM = ("amount", "mode", "reference", "paidOn")


def refund_body(form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    values = kept(form, REFUND_FORM)
    body: dict[str, Any] = {name: _given(values[name]) for name in REFUND_FORM}
    parsed = amount(values["amount"])
    if parsed is not None:
        body["amount"] = parsed
    return body, values
