"""Settings, read once from the environment (prefix ``DUES_``; ``DATABASE_URL`` without one)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DUES_", extra="ignore")

    # Unset: an embedded PostgreSQL (pgserver) under ``home``, so a laptop needs no database server.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "DUES_DATABASE_URL")
    )
    home: Path = Path(".dues")
    env: str = "development"

    # Signing key for access and refresh tokens. Dev mode makes one per home directory (see secret_key()).
    jwt_secret: str | None = None
    access_token_ttl_seconds: int = 3600
    refresh_token_ttl_seconds: int = 24 * 3600
    lockout_attempts: int = 3
    lockout_minutes: int = 15
    # How long a bearer's user and company, once read, answer for them in this process. Changes made here
    # apply at once; a user deactivated or a setting changed elsewhere (the CLI, another worker) within this.
    auth_cache_seconds: float = Field(2.0, ge=0, le=60)

    idempotency_ttl_hours: int = 24
    upload_max_rows: int = 50_000
    upload_max_bytes: int = 20 * 1024 * 1024
    upload_chunk_rows: int = 5_000
    # An XLSX is a zip: refused before reading when its parts unpack to more than this, or to more than 100
    # times their packed size (a "zip bomb"). Reading a file (in a thread, off the event loop) stops after
    # upload_parse_seconds.
    upload_max_unpacked_mb: int = Field(200, ge=1)
    upload_parse_seconds: float = Field(300.0, gt=0)
    # Chunks of one upload written at once, each in its own transaction and connection.
    upload_lanes: int = Field(2, ge=1, le=16)

    # How often a job worker says it is alive. A worker silent for three of these is taken for dead: the
    # uploads and messages it held are taken up by the others.
    worker_heartbeat_seconds: float = Field(10.0, gt=0, le=300)

    db_pool_size: int = 10
    # A streaming replica of the primary for searches and reports (docs/replica.md). Unset: every read on
    # the primary. Reads go back to the primary while the replica is down or more than this many seconds
    # behind it.
    replica_url: str | None = None
    replica_max_lag_seconds: float = Field(10.0, ge=0, le=86_400)
    # Longest an API request waits for the database (a new connection, a free pooled one, any answer, a lock
    # included) before it gets a 503; a database that does not answer must not hang requests.
    db_timeout_seconds: float = Field(10.0, gt=0, le=3600)
    # Requests served at once per process; the others queue in the order they came. Past what the CPU can
    # take, more at once only interleave: each waits behind all the others at every step, and the slowest
    # wait longest. 0: no limit.
    max_active_requests: int = Field(8, ge=0)
    # Run a job worker inside `dues serve`; default: only with the embedded database.
    inprocess_worker: bool | None = None
    log_json: bool | None = None
    log_level: str = "INFO"
    # The address payers and links use. Unset, `dues serve` sets it to its own host and port (served_url).
    public_url: str = "http://127.0.0.1:8000"
    # Mail and SMS providers; with none set, messages stay in the outbox (api.md §5).
    smtp_url: str | None = None  # smtp://user:pass@host:port or smtps://...
    mail_from: str = "dues <no-reply@localhost>"
    sms_url: str | None = None  # an HTTP endpoint that takes {"to", "text"} as JSON
    # Webhook targets on private, loopback or link-local addresses are refused unless this is set (api.md §6).
    webhooks_allow_private: bool = False
    # Reconciliation of payment attempts whose callback never came (docs/paypage.md): the gateway is asked
    # about an attempt once it is this old, and an attempt it still knows nothing of after give_up is FAILED.
    pay_reconcile_after_seconds: int = Field(120, ge=0)
    pay_give_up_after_seconds: int = Field(24 * 3600, gt=0)
    pay_reconcile_batch: int = Field(200, ge=1, le=10_000)
    # Payment gateways offered to payers, by name, comma-separated (DUES_GATEWAYS=sandbox). Unset: the sandbox
    # outside production and none in production, where the sandbox (which moves no money and lets the payer
    # choose the outcome) runs only when named here.
    gateways: str | None = None
    # Tests and demos: the sandbox records the payer's choice but never sends its callback, as if lost.
    sandbox_drop_callbacks: bool = False
    # The Bharat Connect B2B network (api.md §8, docs/bharat-connect.md): "sandbox" (the built-in network
    # simulator, test mode: it moves no money) or "enkash" (EnKash's B2B API). Unset: the sandbox outside
    # production and none in production, where the sandbox runs only when named here.
    bharat_connect: str | None = None
    # The network's base URL. Unset with the sandbox: the one `dues serve` mounts, {public_url}/bc-sandbox.
    bharat_connect_url: str | None = None
    # The secret both sides sign messages with (X-BC-Signature). Unset with the sandbox: derived from the JWT
    # key; required with enkash, as are EnKash's client id and secret.
    bharat_connect_secret: str | None = None
    bharat_connect_client_id: str | None = None
    bharat_connect_client_secret: str | None = None

    @property
    def embedded(self) -> bool:
        return not self.database_url

    def secret_key(self) -> str:
        if self.jwt_secret:
            return self.jwt_secret
        if self.env == "production":
            raise RuntimeError("DUES_JWT_SECRET must be set in production")
        return _development_secret(self.home)


@lru_cache(maxsize=16)
def _development_secret(home: Path) -> str:
    """One random key kept beside the embedded database, so tokens survive restarts; read once, not on every
    request that checks a token."""
    path = home / "jwt-secret"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def served_url(host: str, port: int) -> str:
    """The address links take to reach `dues serve --host H --port P`: a server listening on every address
    (0.0.0.0, ::) is reached through the loopback one."""
    if host in ("", "0.0.0.0"):  # noqa: S104 (only mapped, never bound here)
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def public_url_for(settings: Settings, host: str, port: int) -> str:
    """DUES_PUBLIC_URL when it is set, else the address of `dues serve --host H --port P` itself."""
    return settings.public_url if "public_url" in settings.model_fields_set else served_url(host, port)


@lru_cache
def get_settings() -> Settings:
    return Settings()
