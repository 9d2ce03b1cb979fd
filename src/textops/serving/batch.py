"""What the service hands the request log: the contract with ``textops.monitoring``.

The service buffers each ``POST /v1/classify`` that scored as a
:data:`ScoredRequest` (a plain tuple: cheap to build on the request path and to
pickle to another process) and, off the request path, hands them on in bulk:
to a :class:`RequestSink` as they are, or to a :data:`BatchSink` one
:class:`~textops.monitoring.traffic.ScoredBatch` (the request log's own type)
at a time (:func:`scored_batch`). With no sink nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol, runtime_checkable

import numpy as np

from textops.monitoring.traffic import ScoredBatch

__all__ = ["BatchSink", "RequestSink", "ScoredBatch", "ScoredRequest", "scored_batch"]


#: the request log's writer: called with each scored batch, never on the request path
BatchSink = Callable[[ScoredBatch], None]

#: one scored request as buffered: time, model name, version, the model's labels (the
#: columns of the probabilities), raw texts, cleaned texts, predicted labels, their
#: confidences, and the probabilities (texts x labels)
ScoredRequest = tuple[
    datetime, str, int, list[str], list[str], list[str], list[str], list[float], np.ndarray
]


@runtime_checkable
class RequestSink(Protocol):
    """A sink that takes the requests of one interval at once (say, to ship them elsewhere)
    and says how many of them it dropped."""

    def put_requests(self, requests: list[ScoredRequest]) -> int: ...


def scored_batch(request: ScoredRequest) -> ScoredBatch:
    """The :class:`ScoredBatch` of one buffered request."""
    time, name, version, columns, texts, cleaned, labels, confidences, probabilities = request
    rows = np.asarray(probabilities, dtype=np.float64).tolist()
    return ScoredBatch(
        time=time, model_name=name, model_version=version, texts=list(texts),
        cleaned=list(cleaned), labels=list(labels), confidences=list(confidences),
        probabilities=[dict(zip(columns, row, strict=True)) for row in rows],
    )
