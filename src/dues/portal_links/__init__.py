"""The customers' portal links (api.md §12): their tokens and their rows."""
