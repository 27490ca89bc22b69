"""Payment attempts through a gateway (the sandbox, or a real one later)."""

from __future__ import annotations
