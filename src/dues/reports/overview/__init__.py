"""The AR overview (api.md §10 "Overview"): what is owed, how fast it is collected, from the summaries."""
