"""The service's Prometheus metrics, in a registry of its own (one per app)."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["ServiceMetrics"]

_LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


class ServiceMetrics:
    """Requests by route and status, latency, batch sizes, predictions, the model served."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "textops_requests", "HTTP requests by route and status", ["route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "textops_request_seconds", "Request latency by route", ["route"],
            buckets=_LATENCY_BUCKETS, registry=r,
        )
        self.batch = Histogram(
            "textops_batch_texts", "Texts per classify request", buckets=_BATCH_BUCKETS,
            registry=r,
        )
        self.predictions = Counter(
            "textops_predictions", "Predicted labels", ["label"], registry=r
        )
        self.warnings = Counter(
            "textops_text_warnings", "Texts outside the training data, by warning", ["warning"],
            registry=r,
        )
        self.model = Gauge(
            "textops_model_info", "The model served (1 for the one loaded)",
            ["name", "version", "family"], registry=r,
        )
        self.reload_failures = Counter(
            "textops_model_reload_failures", "Versions the alias pointed at that failed to load",
            registry=r,
        )
        self.log_dropped = Counter(
            "textops_request_log_dropped", "Scored requests the request log could not take "
            "(its buffer or its backlog was full)",
            registry=r,
        )

    def observe_request(self, route: str, status: int, seconds: float) -> None:
        self.requests.labels(route, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def observe_batch(self, labels: Sequence[str], warnings: Sequence[Sequence[str]]) -> None:
        self.batch.observe(len(labels))
        for label in set(labels):
            self.predictions.labels(label).inc(labels.count(label))
        for codes in warnings:
            for code in codes:
                self.warnings.labels(code).inc()

    def serving(self, name: str, version: int, family: str) -> None:
        """Say which model is served now (the one before is dropped)."""
        self.model.clear()
        self.model.labels(name, str(version), family).set(1)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
