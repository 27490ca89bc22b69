"""Reports on what is owed (api.md §10): aging, the AR overview, read from summaries the ledger keeps."""
