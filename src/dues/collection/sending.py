"""Handing messages to the providers: e-mail over SMTP (aiosmtplib), SMS as an HTTP POST (httpx), or, with
no provider configured, keeping them in the outbox.

At most once, but for the message in hand: a batch is claimed (marked SENDING, naming the worker) and
committed before anything goes out, and each message is marked SENT in its own commit the moment the
provider takes it. A worker process has one SMTP connection, which its send jobs take in turn and hold until
that commit; so a worker killed at any instant leaves at most one e-mail that the server took and the
database does not know of. Its unsent claims are due again once its heartbeat stops (jobs.dead_after()).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib
import httpx
import structlog

from dues import jobs
from dues.collection import repository
from dues.collection.repository import Claimed
from dues.config import Settings, get_settings
from dues.credit_notes import sending as credit_notes
from dues.credit_notes.printing import KIND as CREDIT_NOTE
from dues.db import Database
from dues.invoices import service as invoices
from dues.kit.mail import wire_email
from dues.kit.timefmt import now
from dues.statements import sending as statements

log = structlog.get_logger("dues.collection")

BATCH = 50
# Attempts in all before a message is FAILED; the waits between them double from RETRY_BASE_SECONDS
# (1, 2, 4, 8 minutes: about a quarter of an hour for a provider to come back).
MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 60.0
RETRY_MAX_SECONDS = 3600.0
SEND_TIMEOUT_SECONDS = 30.0
# A claim made outside a job worker (no heartbeat to watch) is taken for abandoned once it is older than a
# whole batch sent at the slowest.
STALE_SECONDS = BATCH * SEND_TIMEOUT_SECONDS * 2
# An SMTP connection idle longer than this is closed rather than reused: servers drop idle clients (RFC 5321
# lets them after 5 minutes), and a message sent into a dropped connection would be an avoidable failure.
SMTP_IDLE_SECONDS = 30.0


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


class SmtpLine:
    """A worker process's connection to the SMTP server, shared by its send jobs and used by one at a time."""

    def __init__(self, target: SmtpTarget) -> None:
        self.target = target
        self.turn = asyncio.Lock()
        self.users = 0
        self._client: aiosmtplib.SMTP | None = None
        self._last_used = 0.0

    async def send(self, mail_from: str, recipient: str, data: bytes) -> None:
        """Hand one e-mail over, connecting first when needed. Call it holding ``turn``."""
        if self._client is not None and time.monotonic() - self._last_used > SMTP_IDLE_SECONDS:
            await self.close()
        if self._client is None:
            client = aiosmtplib.SMTP(
                hostname=self.target.hostname,
                port=self.target.port,
                use_tls=self.target.use_tls,
                timeout=SEND_TIMEOUT_SECONDS,
            )
            await client.connect()
            if self.target.username is not None:
                await client.login(self.target.username, self.target.password or "")
            self._client = client
        try:
            await self._client.sendmail(mail_from, [recipient], data)
        except Exception:
            # Whatever state the session is in now, the next message starts on a fresh connection.
            await self.close()
            raise
        self._last_used = time.monotonic()

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            await client.quit()
        except Exception:  # a connection already gone has nothing left to close
            client.close()


_lines: dict[tuple[SmtpTarget, asyncio.AbstractEventLoop], SmtpLine] = {}


class _Borrowed:
    """The process's SMTP line for ``target``, closed when the last send job using it finishes."""

    def __init__(self, target: SmtpTarget) -> None:
        self.key = (target, asyncio.get_running_loop())

    async def __aenter__(self) -> SmtpLine:
        line = _lines.get(self.key)
        if line is None:
            line = _lines[self.key] = SmtpLine(self.key[0])
        line.users += 1
        return line

    async def __aexit__(self, *exc: object) -> None:
        line = _lines[self.key]
        line.users -= 1
        if line.users == 0:
            del _lines[self.key]
            async with line.turn:
                await line.close()


class Sender:
    """One job's way to the providers, and the invoice PDFs of the batch in hand."""

    def __init__(
        self, database: Database, company_id: str, settings: Settings, smtp: SmtpLine | None
    ) -> None:
        self.database = database
        self.company_id = company_id
        self.settings = settings
        self.smtp = smtp
        self.pdfs: dict[str, tuple[str, bytes]] = {}
        self.http: httpx.AsyncClient | None = None

    def has_provider(self, channel: str) -> bool:
        return bool(self.settings.smtp_url if channel == "EMAIL" else self.settings.sms_url)

    async def draw_pdfs(self, batch: list[Claimed]) -> None:
        """The PDFs the batch's e-mails attach, read and drawn together; kept for this batch only, since
        thousands of them would not fit in memory."""
        mails = [m for m in batch if m.channel == "EMAIL" and m.attachments and self.has_provider("EMAIL")]
        wanted = [m.invoice_id for m in mails if m.invoice_id is not None]
        notes = [key for m in mails if m.invoice_id is None and (key := _document_of(m, CREDIT_NOTE))]
        sheets = [key for m in mails if m.invoice_id is None and (key := statements.key_of(m.attachments))]
        self.pdfs.clear()
        if wanted or notes or sheets:
            async with self.database.sessionmaker() as session:
                if wanted:
                    self.pdfs = await invoices.pdfs(session, self.company_id, wanted)
                if notes:
                    self.pdfs.update(await credit_notes.pdfs(session, self.company_id, notes))
                if sheets:
                    self.pdfs.update(await statements.pdfs(session, self.company_id, sheets))

    def attachments(self, message: Claimed) -> tuple[list[dict[str, Any]], list[tuple[str, bytes]]]:
        """The message's attachment metadata with sizes filled in, and the files themselves. Nothing is drawn
        for the outbox: no one would receive it."""
        key = (
            message.invoice_id or _document_of(message, CREDIT_NOTE) or statements.key_of(message.attachments)
        )
        if message.channel != "EMAIL" or key is None or not message.attachments:
            return message.attachments, []
        drawn = self.pdfs.get(key)
        if drawn is None:
            return message.attachments, []
        name, content = drawn
        meta = [{**a, "name": name, "size": len(content)} for a in message.attachments]
        return meta, [(name, content)]

    def email(self, message: Claimed, files: list[tuple[str, bytes]]) -> bytes:
        """The e-mail as it goes on the wire, made before taking the turn at the SMTP line."""
        return wire_email(
            mail_from=self.settings.mail_from,
            to=message.recipient,
            subject=message.subject or "",
            message_id=f"<{message.message_id}@dues>",
            body=message.body,
            attachments=[(name, "application/pdf", content) for name, content in files],
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


def _document_of(message: Claimed, kind: str) -> str | None:
    """The document of another ``kind`` than an invoice (a credit note) that a message attaches, by id."""
    for attachment in message.attachments:
        if attachment.get("kind") == kind and attachment.get("documentId"):
            return str(attachment["documentId"])
    return None


async def _failed(sender: Sender, message: Claimed, exc: Exception, meta: list[dict[str, Any]]) -> None:
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


async def _sent(sender: Sender, message: Claimed, meta: list[dict[str, Any]]) -> None:
    # One statement on its own, without BEGIN and COMMIT: a single round trip while the SMTP turn is held.
    maker = sender.database.autocommit_sessionmaker or sender.database.sessionmaker
    async with maker() as session:
        await repository.settle(session, sender.company_id, message.message_id, "SENT", None, meta)
        await session.commit()


async def _deliver(sender: Sender, message: Claimed) -> None:
    """Hand one claimed message over and record the outcome, in its own commit."""
    meta = message.attachments
    try:
        meta, files = sender.attachments(message)
        if message.channel == "EMAIL":
            assert sender.smtp is not None
            data = sender.email(message, files)
            # The turn is held until SENT is committed: that is what keeps a crash to one e-mail in doubt.
            async with sender.smtp.turn:
                await sender.smtp.send(parseaddr(sender.settings.mail_from)[1], message.recipient, data)
                await _sent(sender, message, meta)
            return
        await sender.send_sms(message)
    except Exception as exc:
        await _failed(sender, message, exc, meta)
        return
    await _sent(sender, message, meta)


async def _keep(sender: Sender, batch: list[Claimed]) -> list[Claimed]:
    """Settle at once the messages no provider is configured for (they stay in the outbox); the rest."""
    kept = [m.message_id for m in batch if not sender.has_provider(m.channel)]
    if kept:
        async with sender.database.sessionmaker() as session:
            await repository.keep_in_outbox(session, sender.company_id, kept)
            await session.commit()
    return [m for m in batch if sender.has_provider(m.channel)]


async def send_due(database: Database, company_id: str, task: str, *, worker_id: int | None = None) -> int:
    """Send the company's due messages, batch after batch, until none is due; then queue a job for the
    earliest retry still waiting. Returns how many messages were handled.

    ``worker_id`` is the job worker's (procrastinate's) id, written on each claim so that the claims of a
    worker that dies are taken up again as soon as its heartbeat stops."""
    settings = get_settings()
    target = smtp_target(settings.smtp_url) if settings.smtp_url else None
    handled = 0
    async with contextlib.AsyncExitStack() as stack:
        smtp = await stack.enter_async_context(_Borrowed(target)) if target is not None else None
        sender = Sender(database, company_id, settings, smtp)
        stack.push_async_callback(sender.close)
        while True:
            async with database.sessionmaker() as session:
                await repository.requeue_stalled(session, company_id, STALE_SECONDS, jobs.dead_after())
                claimed = await repository.claim(session, company_id, BATCH, worker_id)
                await session.commit()
            if not claimed:
                break
            outgoing = await _keep(sender, claimed)
            await sender.draw_pdfs(outgoing)
            for message in outgoing:
                await _deliver(sender, message)
            handled += len(claimed)
    async with database.sessionmaker() as session:
        due = await repository.next_due(session, company_id)
        if due is not None and due > now():
            await repository.defer_at(
                session, task, due, f"messages-retry-{company_id}", company_id=company_id
            )
        await session.commit()
    return handled
