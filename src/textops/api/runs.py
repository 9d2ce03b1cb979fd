"""The runs in the store: what one run decided (its summary), and the run records kept."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textops.execution.records import RunRecord
    from textops.execution.summary import RunSummary


def run_summary(record: RunRecord) -> RunSummary:
    """What ``record``'s run decided and where its results are (see execution.summary)."""
    from textops.execution.summary import summarise

    return summarise(record)
