"""Pipeline definitions: the step registry and the step graph. No I/O here."""
