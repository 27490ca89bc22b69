"""Payments received, their allocations to invoices, and customer credit."""

from __future__ import annotations
