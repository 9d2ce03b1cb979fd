"""Tracking: an interface, an MLflow backend and an in-memory double for tests."""
