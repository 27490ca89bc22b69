"""Messages to payers (e-mail, SMS): the outbox."""

from __future__ import annotations
