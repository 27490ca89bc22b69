"""Bharat Connect B2B, the supplier's side (api.md §8, docs/decisions/0007-bharat-connect.md)."""
