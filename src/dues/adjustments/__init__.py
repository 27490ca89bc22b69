"""Write-offs, payment reversals and refunds of customer credit (api.md §9.3): each a movement of what a
customer owes, written with its ledger entries in the request's one transaction."""
