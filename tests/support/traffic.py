"""Scored batches for the monitoring tests, of the very type the service hands its log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from textops.monitoring import TrafficLog
from textops.serving.batch import ScoredBatch as Batch


def batch(
    texts: Sequence[str], labels: Sequence[str], *, version: int = 1,
    confidence: float = 0.8, time: datetime | None = None, model: str = "textops-classifier",
) -> Batch:
    """A batch as a service would hand it over: cleaned = lower-cased, one confidence for all."""
    return Batch(
        time=time or datetime.now(UTC), model_name=model, model_version=version,
        texts=list(texts), cleaned=[t.lower() for t in texts], labels=list(labels),
        confidences=[confidence] * len(texts),
        probabilities=[{label: confidence} for label in labels],
    )


def log_traffic(
    store: object, texts: Sequence[str], labels: Sequence[str], *, size: int = 16, **options: object
) -> None:
    """Log ``texts`` in batches of ``size`` and close the log (which writes them)."""
    with TrafficLog(store, flush_seconds=60, **options) as log:  # type: ignore[arg-type]
        for i in range(0, len(texts), size):
            log(batch(texts[i:i + size], labels[i:i + size]))


class LineSink:
    """A sink that appends one line per text to a file; picklable, for child processes."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __call__(self, scored: Batch) -> None:
        with open(self.path, "a", encoding="utf-8") as out:
            out.writelines(f"{scored.model_version}\t{text}\n" for text in scored.texts)

    def close(self) -> None:
        with open(self.path, "a", encoding="utf-8") as out:
            out.write("closed\n")
