"""Production monitoring: the request log a service writes, and its comparison with training.

:mod:`~textops.monitoring.traffic` is the writer (:class:`TrafficLog`, a callable
sink the scoring service hands every scored batch to) and the log's layout;
:mod:`~textops.monitoring.reading` reads a time window of it back;
:mod:`~textops.monitoring.compare` judges that window against a dataset version's
training profile with the drift tests of ``validate``;
:mod:`~textops.monitoring.report_html` renders the verdict as a page that opens offline.
"""

from textops.monitoring.traffic import ScoredBatch, TrafficLog

__all__ = ["ScoredBatch", "TrafficLog"]
