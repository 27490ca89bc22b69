"""The receivables ledger (api.md §9.4): every movement of what a customer owes, as immutable entries."""
