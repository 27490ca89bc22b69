"""Handing messages to the providers: e-mail over SMTP (aiosmtplib), SMS as an HTTP POST (httpx), or, with
no provider configured, keeping them in the outbox.

At most once, but for the message in hand: a batch is claimed (marked SENDING) and committed before anything
goes out, and each message is marked SENT in its own commit the moment the provider takes it. A worker that
dies leaves its unsent claims SENDING; after STALE_SECONDS they are due again, and only the one that was on
the wire may go out a second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib
import httpx
import structlog

from dues.collection import repository
from dues.collection.repository import Claimed
from dues.config import Settings, get_settings
from dues.db import Database
from dues.invoices import service as invoices
from dues.kit.timefmt import now

log = structlog.get_logger("dues.collection")

BATCH = 20
# Attempts in all before a message is FAILED; the waits between them double from RETRY_BASE_SECONDS
# (1, 2, 4, 8 minutes: about a quarter of an hour for a provider to come back).
MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 60.0
RETRY_MAX_SECONDS = 3600.0
SEND_TIMEOUT_SECONDS = 30.0
# A claim older than a whole batch sent at the slowest is a dead worker's.
STALE_SECONDS = BATCH * SEND_TIMEOUT_SECONDS * 2


def retry_delay(attempts: int) -> float:
    """The wait after the ``attempts``-th failed attempt."""
    return float(min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** (attempts - 1)))


@dataclass(frozen=True)
class SmtpTarget:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool


def smtp_target(url: str) -> SmtpTarget:
    """smtp://user:pass@host:port (STARTTLS when the server offers it) or smtps://... (TLS from the start)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("DUES_SMTP_URL must look like smtp://user:pass@host:port or smtps://...")
    tls = parts.scheme == "smtps"
    return SmtpTarget(
        hostname=parts.hostname,
        port=parts.port or (465 if tls else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=tls,
    )


class Sender:
    """One job's connection to the providers, and the invoice PDFs it already drew."""

    def __init__(self, database: Database, company_id: str, settings: Settings) -> None:
        self.database = database
        self.company_id = company_id
        self.settings = settings
        self.pdfs: dict[str, tuple[str, bytes]] = {}
        self.http: httpx.AsyncClient | None = None

    def has_provider(self, channel: str) -> bool:
        return bool(self.settings.smtp_url if channel == "EMAIL" else self.settings.sms_url)

    async def _pdf(self, invoice_id: str) -> tuple[str, bytes]:
        if invoice_id not in self.pdfs:
            async with self.database.sessionmaker() as session:
                self.pdfs[invoice_id] = await invoices.pdf(session, self.company_id, invoice_id)
        return self.pdfs[invoice_id]

    async def attachments(self, message: Claimed) -> tuple[list[dict[str, Any]], list[tuple[str, bytes]]]:
        """The message's attachment metadata with sizes filled in, and the files themselves. Nothing is drawn
        for the outbox: a PDF costs about 0.1 s of CPU, and no one would receive it."""
        if message.channel != "EMAIL" or message.invoice_id is None or not message.attachments:
            return message.attachments, []
        if not self.has_provider("EMAIL"):
            return message.attachments, []
        name, content = await self._pdf(message.invoice_id)
        meta = [{**a, "name": name, "size": len(content)} for a in message.attachments]
        return meta, [(name, content)]

    async def send_email(self, message: Claimed, files: list[tuple[str, bytes]]) -> None:
        assert self.settings.smtp_url is not None
        target = smtp_target(self.settings.smtp_url)
        mail = EmailMessage()
        mail["From"] = self.settings.mail_from
        mail["To"] = message.recipient
        mail["Subject"] = message.subject or ""
        mail["Message-ID"] = f"<{message.message_id}@dues>"
        mail.set_content(message.body)
        for name, content in files:
            mail.add_attachment(content, maintype="application", subtype="pdf", filename=name)
        await aiosmtplib.send(
            mail,
            hostname=target.hostname,
            port=target.port,
            username=target.username,
            password=target.password,
            use_tls=target.use_tls,
            timeout=SEND_TIMEOUT_SECONDS,
        )

    async def send_sms(self, message: Claimed) -> None:
        assert self.settings.sms_url is not None
        if self.http is None:
            self.http = httpx.AsyncClient(timeout=SEND_TIMEOUT_SECONDS)
        response = await self.http.post(
            self.settings.sms_url, json={"to": message.recipient, "text": message.body}
        )
        response.raise_for_status()

    async def close(self) -> None:
        if self.http is not None:
            await self.http.aclose()


async def _deliver(sender: Sender, message: Claimed) -> None:
    """Hand one claimed message over and record the outcome, in its own commit."""
    status, error, meta = "SENT", None, message.attachments
    try:
        meta, files = await sender.attachments(message)
        if not sender.has_provider(message.channel):
            status = "OUTBOX"
        elif message.channel == "EMAIL":
            await sender.send_email(message, files)
        else:
            await sender.send_sms(message)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:1000]
        final = message.attempts >= MAX_ATTEMPTS
        log.warning(
            "message not sent",
            message_id=message.message_id,
            channel=message.channel,
            attempt=message.attempts,
            final=final,
            error=error,
        )
        async with sender.database.sessionmaker() as session:
            if final:
                await repository.settle(session, sender.company_id, message.message_id, "FAILED", error, meta)
            else:
                delay = retry_delay(message.attempts)
                await repository.retry_later(session, sender.company_id, message.message_id, error, delay)
            await session.commit()
        return
    async with sender.database.sessionmaker() as session:
        await repository.settle(session, sender.company_id, message.message_id, status, None, meta)
        await session.commit()


async def send_due(database: Database, company_id: str, task: str) -> int:
    """Send the company's due messages, batch after batch, until none is due; then queue a job for the
    earliest retry still waiting. Returns how many messages were handled."""
    sender = Sender(database, company_id, get_settings())
    handled = 0
    try:
        while True:
            async with database.sessionmaker() as session:
                await repository.requeue_stalled(session, company_id, STALE_SECONDS)
                claimed = await repository.claim(session, company_id, BATCH)
                await session.commit()
            if not claimed:
                break
            sender.pdfs.clear()  # kept for one batch only: thousands of PDFs would not fit in memory
            for message in claimed:
                await _deliver(sender, message)
            handled += len(claimed)
    finally:
        await sender.close()
    async with database.sessionmaker() as session:
        due = await repository.next_due(session, company_id)
        if due is not None and due > now():
            await repository.defer_at(
                session, task, due, f"messages-retry-{company_id}", company_id=company_id
            )
        await session.commit()
    return handled
