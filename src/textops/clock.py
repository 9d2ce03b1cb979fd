"""Wall-clock timestamps as every record writes them: UTC, ISO 8601, milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> str:
    """The current UTC time, e.g. ``2024-05-01T12:00:00.123+00:00``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")
