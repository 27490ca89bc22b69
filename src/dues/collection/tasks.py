"""Background jobs of collection."""
