"""The runner's side of a step's context, and one for running a step alone in a test.

Steps see :class:`textops.steps.base.StepContext`, a protocol; this is the
object the runner fills in. :func:`step_context` makes one over any store
folder, with inline execution and no tracking, so a unit test can call a step
function with in-memory records and no pipeline definition::

    ctx = step_context(tmp_path / "store")
    outputs = clean.fn(ctx, clean.params(), dataset=ref)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from textops.progress import Progress
from textops.steps.base import DataScope
from textops.store.catalog import Catalog
from textops.store.outputs import StepOutputs
from textops.store.store import Store
from textops.tracking.base import StepTracker

if TYPE_CHECKING:
    import pandas as pd

    from textops.compute.base import Executor


@dataclass
class RunContext:
    """Everything a running step may touch; see ``StepContext``."""

    name: str
    run_id: str
    scope: DataScope
    device: str
    code_version: str
    out: StepOutputs
    catalog: Catalog
    tracker: StepTracker
    executor: Executor
    reports: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    progress: Progress = field(default_factory=Progress)
    is_forced: bool = False

    def report(self, table: str, rows: pd.DataFrame) -> None:
        """Queue tidy rows for ``reporting/<table>``; the runner appends them."""
        self.reports.append((table, rows))


def step_context(
    store: str | Path, *, name: str = "step", run_id: str = "test", scope: DataScope = "full",
    device: str = "cpu", executor: Executor | None = None, is_forced: bool = False,
) -> RunContext:
    """A context over ``store`` for calling one step function directly (tests, notebooks).

    Work runs inline unless ``executor`` is given (``textops.compute.testing``
    has a double that records what was submitted); nothing is tracked, so
    artifacts a tracker would log are kept in the step's output folder.
    """
    from textops.compute.base import LocalExecutor

    opened = Store(str(store))
    out = StepOutputs(opened, run_id, name)
    return RunContext(
        name=name, run_id=run_id, scope=scope, device=device, code_version="test", out=out,
        catalog=Catalog(opened),
        tracker=StepTracker(None, name=name, ensure_parent=lambda: None, keep=out.write_bytes),
        executor=executor or LocalExecutor(), is_forced=is_forced,
    )
