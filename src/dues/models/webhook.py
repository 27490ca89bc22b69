"""Webhook endpoints and their deliveries."""

from __future__ import annotations
