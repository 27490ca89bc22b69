"""Background jobs of webhooks."""
