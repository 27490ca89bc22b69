"""The network dues talks to: the adapter interface and its two adapters, the built-in sandbox and EnKash.

Both speak the same wire format (wire.py) over HTTP: a JSON body POSTed to the network's base URL + EnKash's
path, signed with the shared secret in ``X-BC-Signature`` (signing.py), answered at once with EnKash's
envelope ``{"response_code": 0, "response_message": "SUCCESS", "payload": …}``. Which one runs, and where it
is, comes from the settings (``network_of``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

import httpx
import simplejson

from dues.bharat_connect import signing
from dues.config import Settings
from dues.kit.envelope import dumps

SANDBOX = "sandbox"
ENKASH = "enkash"
ADAPTERS = (SANDBOX, ENKASH)
# Where `dues serve` mounts the sandbox network (sandbox/app.py), under its public URL.
SANDBOX_PREFIX = "/bc-sandbox"
# Where dues takes what the network sends it (inbound.py): its base URL + EnKash's path.
SUPPLIER_PREFIX = "/bharat-connect"
TIMEOUT_SECONDS = 10.0
# The network's answers are small envelopes; one much larger is not read past this.
MAX_ANSWER_BYTES = 1024 * 1024
USER_AGENT = "dues-bharat-connect/1"


class Unreachable(Exception):
    """No answer from the network: it refused the connection, or did not answer within the timeout."""


@dataclass(frozen=True)
class Answer:
    """The network's synchronous answer: its HTTP status and the envelope it sent (None when the body was
    not a JSON object)."""

    status_code: int
    envelope: dict[str, Any] | None

    @property
    def taken(self) -> bool:
        """The network took the message: 2xx and ``response_code`` 0."""
        return (
            200 <= self.status_code < 300
            and self.envelope is not None
            and self.envelope.get("response_code") == 0
        )

    @property
    def payload(self) -> Any:
        return None if self.envelope is None else self.envelope.get("payload")

    def describe(self) -> str:
        """One line for the attempt log: the status and what the network said."""
        said = ""
        if self.envelope is not None:
            said = str(self.envelope.get("response_message") or "")
            error = self.envelope.get("errorResponse")
            if isinstance(error, dict) and error.get("errorMessage"):
                said = str(error["errorMessage"])
        return f"HTTP {self.status_code}" + (f": {said}" if said else "")


class Network(Protocol):
    name: str
    # The sandbox moves no money and lets anyone play the buyer: everything it says is labelled TEST MODE.
    test_mode: bool

    async def send(self, path: str, body: dict[str, Any]) -> Answer:
        """POST body (exact JSON, signed) to the network's base URL + path; raises Unreachable when there
        is no answer."""
        ...

    def verify(self, headers: Mapping[str, str], raw: bytes) -> bool:
        """Whether a message the network sent dues carries a good signature of its exact bytes."""
        ...


def parse(raw: bytes | str) -> Any:
    """JSON as the network wrote it, every non-integer number a Decimal (amounts never pass through float)."""
    return simplejson.loads(raw, parse_float=Decimal)


class HttpNetwork:
    """A network reached over HTTP at ``base_url``, signing with ``secret``."""

    name = "http"
    test_mode = False

    def __init__(self, base_url: str, secret: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.timeout = timeout

    def headers(self, raw: bytes) -> dict[str, str]:
        return {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            signing.HEADER: signing.sign(self.secret, raw),
        }

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    async def send(self, path: str, body: dict[str, Any]) -> Answer:
        raw = dumps(body)
        try:
            async with (
                httpx.AsyncClient(timeout=self.timeout, follow_redirects=False, trust_env=False) as client,
                client.stream("POST", self.url(path), content=raw, headers=self.headers(raw)) as response,
            ):
                answer = bytearray()
                async for chunk in response.aiter_bytes():
                    answer += chunk
                    if len(answer) > MAX_ANSWER_BYTES:
                        break
                status = response.status_code
        except httpx.TimeoutException as exc:
            raise Unreachable(f"no answer within {self.timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}"[:300]) from exc
        try:
            envelope = parse(bytes(answer))
        except (ValueError, UnicodeDecodeError):
            envelope = None
        return Answer(status, envelope if isinstance(envelope, dict) else None)

    def verify(self, headers: Mapping[str, str], raw: bytes) -> bool:
        return signing.verify(self.secret, raw, headers.get(signing.HEADER))


class SandboxNetwork(HttpNetwork):
    """The built-in network simulator (sandbox/), in test mode: it moves no money."""

    name = SANDBOX
    test_mode = True


class EnkashNetwork(HttpNetwork):
    """EnKash's B2B API. EnKash publishes no authentication for these calls; its other APIs take the client's
    id and secret as headers, so these are sent as ``client-id`` and ``client-secret`` (inferred, and the
    one place to change when EnKash says otherwise)."""

    name = ENKASH
    test_mode = False

    def __init__(
        self, base_url: str, secret: str, client_id: str, client_secret: str, timeout: float = TIMEOUT_SECONDS
    ) -> None:
        super().__init__(base_url, secret, timeout)
        self.client_id = client_id
        self.client_secret = client_secret

    def headers(self, raw: bytes) -> dict[str, str]:
        return {**super().headers(raw), "client-id": self.client_id, "client-secret": self.client_secret}


def adapter_name(settings: Settings) -> str | None:
    """The adapter the settings choose: DUES_BHARAT_CONNECT, else the sandbox outside production and none in
    production (where the sandbox, which lets anyone play the buyer, runs only when named)."""
    name = (settings.bharat_connect or "").strip().lower()
    if not name:
        return None if settings.env == "production" else SANDBOX
    if name in ("none", "off"):
        return None
    if name not in ADAPTERS:
        raise RuntimeError(f"DUES_BHARAT_CONNECT={name!r} is not a network: use {' or '.join(ADAPTERS)}")
    return name


def sandbox_secret(settings: Settings) -> str:
    """The sandbox's signing secret when none is set: derived from the server's secret key for this one
    purpose (a leak of it reveals neither the key nor any other key derived from it)."""
    key = settings.secret_key().encode()
    return hmac.new(key, b"dues/bharat-connect/sandbox/signing", hashlib.sha256).hexdigest()


def secret_of(settings: Settings) -> str:
    if settings.bharat_connect_secret:
        return settings.bharat_connect_secret
    if adapter_name(settings) == ENKASH:
        raise RuntimeError("DUES_BHARAT_CONNECT_SECRET must be set with DUES_BHARAT_CONNECT=enkash")
    return sandbox_secret(settings)


def base_url_of(settings: Settings) -> str:
    if settings.bharat_connect_url:
        return settings.bharat_connect_url.rstrip("/")
    if adapter_name(settings) == ENKASH:
        raise RuntimeError("DUES_BHARAT_CONNECT_URL must be set with DUES_BHARAT_CONNECT=enkash")
    return settings.public_url.rstrip("/") + SANDBOX_PREFIX


def network_of(settings: Settings) -> Network | None:
    """The network these settings talk to; None when Bharat Connect is off (production, unless named)."""
    name = adapter_name(settings)
    if name is None:
        return None
    if name == ENKASH:
        if not (settings.bharat_connect_client_id and settings.bharat_connect_client_secret):
            raise RuntimeError(
                "DUES_BHARAT_CONNECT_CLIENT_ID and DUES_BHARAT_CONNECT_CLIENT_SECRET must be set with "
                "DUES_BHARAT_CONNECT=enkash"
            )
        return EnkashNetwork(
            base_url_of(settings),
            secret_of(settings),
            settings.bharat_connect_client_id,
            settings.bharat_connect_client_secret,
        )
    return SandboxNetwork(base_url_of(settings), secret_of(settings))


def sandbox_served_here(settings: Settings) -> bool:
    """Whether `dues serve` mounts the sandbox network itself: the adapter is the sandbox and its URL is the
    local default ({public_url}/bc-sandbox), not one run elsewhere (`dues bharat-connect sandbox`)."""
    return adapter_name(settings) == SANDBOX and not settings.bharat_connect_url
