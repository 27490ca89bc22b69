"""The gateway adapter interface, and the built-in sandbox gateway (api.md §5 "Gateways").

A gateway is asked for three things: to start a checkout for an attempt (it answers where to send the payer
and its own reference), to verify a callback (it answers what happened to which attempt, or refuses a callback
it did not sign), and, when a callback never came, for the status of an attempt (it answers the same, or that
it has nothing final). Everything else (attempts, applying a payment once, when to ask and when to give up) is
the gateway-independent service.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Protocol
from urllib.parse import urlencode

import structlog

from dues import jobs
from dues.config import Settings, get_settings
from dues.kit import ids
from dues.pay import repository

SIGNATURE_HEADER = "X-Sandbox-Signature"
# A sandbox checkout can be completed for this long after it started, like a real gateway's order. Well
# inside the time reconciliation gives an attempt (24 h by default), so nothing the payer does can reach the
# sandbox after dues has given up on the attempt.
SANDBOX_CHECKOUT_SECONDS = 3600


class BadSignature(Exception):
    """A callback this gateway did not sign (or whose body was changed): 401."""


class BadCallback(Exception):
    """A signed callback whose content makes no sense: 400."""


@dataclass(frozen=True)
class CheckoutRequest:
    company_id: str
    attempt_id: str
    amount: Decimal
    merchant_name: str
    description: str
    return_url: str


@dataclass(frozen=True)
class Checkout:
    redirect_url: str
    gateway_reference: str


@dataclass(frozen=True)
class CallbackResult:
    company_id: str
    attempt_id: str
    gateway_reference: str
    amount: Decimal
    succeeded: bool
    reason: str | None


@dataclass(frozen=True)
class StatusQuery:
    """What dues knows of an attempt when it asks the gateway about it."""

    company_id: str
    attempt_id: str
    gateway_reference: str | None
    amount: Decimal


class Gateway(Protocol):
    name: str

    def start_checkout(self, request: CheckoutRequest) -> Checkout: ...

    def verify_callback(self, headers: Mapping[str, str], body: bytes) -> CallbackResult: ...

    async def fetch_status(self, attempt: StatusQuery) -> CallbackResult | None:
        """The final outcome of the attempt's checkout, as its callback would have said it; None while the
        gateway has nothing final (still pending, or it never saw the payer). An error reaching the gateway
        is raised, not answered with None."""
        ...


def _derived_key(purpose: str) -> bytes:
    """A key for one purpose, derived from the server's secret key; the secret itself never signs anything
    a payer's browser or a callback carries, so a leak of one derived key reveals neither the secret nor
    the others."""
    secret = get_settings().secret_key().encode()
    return hmac.new(secret, f"dues/pay/sandbox/{purpose}".encode(), hashlib.sha256).digest()


def sign(body: bytes) -> str:
    """The sandbox's callback signature: hex HMAC-SHA256 of the exact body bytes."""
    return hmac.new(_derived_key("callback"), body, hashlib.sha256).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal_session(fields: dict[str, str]) -> str:
    """The sandbox's checkout session, carried in its page's URL: signed, so the payer cannot change the
    amount or the attempt it pays for on the way."""
    data = _b64(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode())
    mac = hmac.new(_derived_key("session"), data.encode(), hashlib.sha256).hexdigest()
    return f"{data}.{mac}"


def open_session(sealed: str) -> dict[str, str] | None:
    data, _, mac = sealed.partition(".")
    expected = hmac.new(_derived_key("session"), data.encode(), hashlib.sha256).hexdigest()
    if not mac or not hmac.compare_digest(mac, expected):
        return None
    try:
        fields = json.loads(_unb64(data))
    except (ValueError, UnicodeDecodeError):
        return None
    return fields if isinstance(fields, dict) else None


class SandboxGateway:
    """Test mode: its checkout page is served by dues itself (pay.sandbox) and moves no money; the payer
    picks the outcome, and the sandbox calls back over HTTP exactly as a real gateway would."""

    name = "sandbox"

    def start_checkout(self, request: CheckoutRequest) -> Checkout:
        reference = ids.many("SBX", 1, 16)[0]
        session = seal_session(
            {
                "companyId": request.company_id,
                "attemptId": request.attempt_id,
                "gatewayReference": reference,
                "amount": f"{request.amount:.2f}",
                "merchant": request.merchant_name,
                "description": request.description,
                "returnUrl": request.return_url,
                "expiresAt": str(int(time.time()) + SANDBOX_CHECKOUT_SECONDS),
            }
        )
        base = get_settings().public_url.rstrip("/")
        return Checkout(f"{base}/pay/sandbox/checkout?{urlencode({'session': session})}", reference)

    def verify_callback(self, headers: Mapping[str, str], body: bytes) -> CallbackResult:
        given = headers.get(SIGNATURE_HEADER.lower()) or headers.get(SIGNATURE_HEADER) or ""
        if not hmac.compare_digest(given.encode(), sign(body).encode()):
            raise BadSignature("The callback's signature does not match its body.")
        try:
            data = json.loads(body)
            outcome = data["status"]
            if outcome not in ("SUCCEEDED", "FAILED"):
                raise BadCallback(f"Unknown status {outcome!r}.")
            amount = Decimal(str(data["amount"]))
            return CallbackResult(
                company_id=str(data["companyId"]),
                attempt_id=str(data["attemptId"]),
                gateway_reference=str(data["gatewayReference"]),
                amount=amount,
                succeeded=outcome == "SUCCEEDED",
                reason=str(data["reason"]) if data.get("reason") else None,
            )
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            raise BadCallback(f"The callback body is not a valid sandbox callback: {exc}") from exc

    async def fetch_status(self, attempt: StatusQuery) -> CallbackResult | None:
        # The sandbox's transactions live in dues's own database, so asking it is a read there rather than a
        # request over HTTP; it is still asked only through this method, as a real gateway would be.
        if attempt.gateway_reference is None:
            return None
        async with jobs.database().sessionmaker() as session:
            found = await repository.sandbox_transaction(
                session, attempt.company_id, attempt.gateway_reference
            )
        if found is None:
            return None
        return CallbackResult(
            company_id=found.company_id,
            attempt_id=found.attempt_id,
            gateway_reference=found.gateway_reference,
            amount=found.amount,
            succeeded=found.status == "SUCCEEDED",
            reason=found.reason,
        )


def session_expired(session: Mapping[str, str]) -> bool:
    """Whether the payer is too late to complete this sandbox checkout."""
    expires = session.get("expiresAt")
    return expires is not None and (not expires.isdigit() or int(expires) < time.time())


def callback_body(session: Mapping[str, str], succeeded: bool, reason: str | None) -> bytes:
    """What the sandbox posts to the callback endpoint for a session the payer completed."""
    return json.dumps(
        {
            "companyId": session["companyId"],
            "attemptId": session["attemptId"],
            "gatewayReference": session["gatewayReference"],
            "amount": session["amount"],
            "status": "SUCCEEDED" if succeeded else "FAILED",
            "reason": reason,
        },
        separators=(",", ":"),
    ).encode()


GATEWAYS: dict[str, Gateway] = {"sandbox": SandboxGateway()}
"""Every gateway dues has an adapter for. Reconciliation may ask any of them about attempts started while
it was offered; payers are offered, and callbacks accepted from, only those ``offered`` names."""

log = structlog.get_logger("dues.pay")


def configured_names(settings: Settings) -> list[str]:
    """The gateways the settings turn on, in the order given (the first is the one the page uses)."""
    if settings.gateways is None:
        return [] if settings.env == "production" else ["sandbox"]
    names = [n.strip().lower() for n in settings.gateways.split(",") if n.strip()]
    unknown = [n for n in names if n not in GATEWAYS]
    if unknown:
        raise RuntimeError(
            f"DUES_GATEWAYS names unknown gateway(s): {', '.join(unknown)}; known: {', '.join(GATEWAYS)}"
        )
    return list(dict.fromkeys(names))


def offered(settings: Settings | None = None) -> dict[str, Gateway]:
    """The gateways payers may use on this server, by name (empty: the page offers UPI and the seller's other
    ways only)."""
    return {name: GATEWAYS[name] for name in configured_names(settings or get_settings())}


def announce(settings: Settings) -> None:
    """Say at start which gateways are on; in production, warn loudly when one of them is the sandbox."""
    names = configured_names(settings)
    log.info("payment gateways", gateways=names or "none", env=settings.env)
    if settings.env == "production" and "sandbox" in names:
        log.warning(
            "the sandbox gateway is on in production (DUES_GATEWAYS): test-mode payments are enabled, and "
            "any payer can mark an invoice paid without paying"
        )
