"""What the Bharat Connect flows share: who acts when the network does, reading a body the network sent, and
the bharat_connect.* events (api.md §6, §8)."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from dues.auth.service import Principal
from dues.errors import ValidationFailed, sub_errors_from_pydantic
from dues.webhooks import payloads
from dues.webhooks import service as webhooks

# The actor of what the network's messages change (audit rows, a payment recorded at once).
NETWORK_ACTOR = "network:bharat-connect"

M = TypeVar("M", bound=BaseModel)


def parse(kind: type[M], body: dict[str, Any]) -> M:
    """The network's body read as its wire model; a body that is not one refuses the message (422 naming
    every field at fault)."""
    try:
        return kind.model_validate(body)
    except ValidationError as exc:
        raise ValidationFailed.of(sub_errors_from_pydantic(exc.errors())) from None


def network_principal(company_id: str) -> Principal:
    """The network as the actor of a change dues makes on its word (an ONPLATFORM payment recorded)."""
    return Principal(user_id=NETWORK_ACTOR, company_id=company_id, role="SYSTEM", email="")


async def emit(
    session: AsyncSession,
    company_id: str,
    event_type: str,
    entity_id: str,
    path: str,
    message: dict[str, Any],
    **about: Any,
) -> None:
    """A bharat_connect.* event in the caller's transaction: ``message`` at EnKash's ``path``, and what it is
    about in dues's names (webhooks deliver it; an endpoint in EnKash's format gets the message itself)."""
    data = payloads.network_message(company_id, path, message, **about)
    await webhooks.emit(session, company_id, event_type, entity_id, data)
