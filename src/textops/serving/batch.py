"""What one scored request hands to the request log: the contract with ``textops.monitoring``.

The service calls its sink, off the request path, with one :class:`ScoredBatch`
per ``POST /v1/classify`` that scored; with no sink nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

__all__ = ["BatchSink", "ScoredBatch"]


@dataclass(frozen=True)
class ScoredBatch:
    """One request's texts and what the model said of each, in request order.

    ``time`` is when the request was scored (UTC); ``texts`` are raw as sent,
    ``cleaned`` as the model saw them; ``probabilities`` map every label to its
    probability, ``confidences`` are those of the predicted ``labels``.
    """

    time: datetime
    model_name: str
    model_version: int
    texts: list[str]
    cleaned: list[str]
    labels: list[str]
    confidences: list[float]
    probabilities: list[dict[str, float]]


#: the request log's writer: called with each scored batch, never on the request path
BatchSink = Callable[[ScoredBatch], None]
