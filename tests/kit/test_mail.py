"""Dispatch e-mails written by hand must read back, through Python's own parser, as what was meant."""

from __future__ import annotations

import os
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from dues.kit.mail import wire_email

PDF = b"%PDF-1.4\n" + os.urandom(30_000) + b"\n%%EOF\n"


def _parse(data: bytes) -> EmailMessage:
    mail = message_from_bytes(data, policy=policy.default)
    assert isinstance(mail, EmailMessage)
    assert all(not part.defects for part in mail.walk()), [part.defects for part in mail.walk()]
    return mail


@pytest.mark.parametrize(
    ("mail_from", "subject", "body", "name"),
    [
        (
            "dues <no-reply@acme.example>",
            "Invoice INV/2026-27/0042",
            "Dear customer,\nPay here.\n",
            "invoice-1.pdf",
        ),
        (
            "Ācme Exports <billing@acme.example>",
            "Invoice INV/7 from Ācme: ₹1,179.99 due 24 Dec 2026",
            "Amount due: ₹1,179.99\n.\nA line " + "long " * 60 + "\nhttps://pay.example/pay/abc?x=1=2\n",
            "invoice-इ7.pdf",
        ),
    ],
)
def test_an_email_reads_back_as_written(mail_from: str, subject: str, body: str, name: str) -> None:
    data = wire_email(
        mail_from=mail_from,
        to="ap@buyer.example",
        subject=subject,
        message_id="<MSABC@dues>",
        body=body,
        attachments=[(name, "application/pdf", PDF)],
    )
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")  # CRLF only, as SMTP carries it
    assert data.isascii()
    mail = _parse(data)
    assert (mail["From"], mail["To"], mail["Subject"]) == (mail_from, "ap@buyer.example", subject)
    assert mail["Message-ID"] == "<MSABC@dues>" and mail["Date"] is not None
    text = mail.get_body(("plain",))
    assert text is not None
    assert text.get_content().replace("\r\n", "\n") == body
    attachments = list(mail.iter_attachments())
    assert [(a.get_filename(), a.get_content_type()) for a in attachments] == [(name, "application/pdf")]
    assert attachments[0].get_content() == PDF


def test_an_email_without_attachments_is_plain_text() -> None:
    mail = _parse(
        wire_email(
            mail_from="a@acme.example", to="b@buyer.example", subject="Hi", message_id="<M@d>", body="₹5"
        )
    )
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content().rstrip("\r\n") == "₹5"


def test_a_line_break_in_a_header_value_cannot_add_a_header() -> None:
    mail = _parse(
        wire_email(
            mail_from="a@acme.example",
            to="b@buyer.example",
            subject="Invoice\r\nBcc: victim@elsewhere.example",
            message_id="<M@d>",
            body="x",
        )
    )
    assert mail["Bcc"] is None
    assert mail["Subject"] == "Invoice Bcc: victim@elsewhere.example"
