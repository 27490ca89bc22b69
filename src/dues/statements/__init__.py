"""Statements of account (api.md §10): a customer's movements over a period, read, printed and sent."""
