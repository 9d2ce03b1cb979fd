"""Scored batches for the monitoring tests: a tiny dataclass the log takes as a service's batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from textops.monitoring import TrafficLog


@dataclass
class Batch:
    time: datetime
    model_name: str
    model_version: int
    texts: list[str]
    cleaned: list[str]
    labels: list[str]
    confidences: list[float]
    probabilities: list[dict[str, float]]


def batch(
    texts: Sequence[str], labels: Sequence[str], *, version: int = 1,
    confidence: float = 0.8, time: datetime | None = None, model: str = "textops-classifier",
) -> Batch:
    """A batch as a service would hand it over: cleaned = lower-cased, one confidence for all."""
    return Batch(
        time or datetime.now(UTC), model, version, list(texts), [t.lower() for t in texts],
        list(labels), [confidence] * len(texts),
        [{label: confidence} for label in labels],
    )


def log_traffic(
    store: object, texts: Sequence[str], labels: Sequence[str], *, size: int = 16, **options: object
) -> None:
    """Log ``texts`` in batches of ``size`` and close the log (which writes them)."""
    with TrafficLog(store, flush_seconds=60, **options) as log:  # type: ignore[arg-type]
        for i in range(0, len(texts), size):
            log(batch(texts[i:i + size], labels[i:i + size]))
