"""``textops watch`` as a function: run the pipeline whenever a new drop settles in the source."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textops.api import config

if TYPE_CHECKING:
    from textops.progress import Emit


def watch(
    source: str | None = None,
    path: str | Path | None = None,
    overrides: Sequence[str] = (),
    *,
    interval: float = 10.0,
    settle: float = 30.0,
    stop: threading.Event | None = None,
    on_event: Emit | None = None,
    say: Callable[[str], None] | None = None,
) -> None:
    """Watch ``source`` (default: the definition's ``data.source``) until ``stop`` is set.

    The definition is read again for every run, so an edit to ``textops.yaml``
    applies to the next drop. ``on_event`` receives each run's progress events,
    ``say`` one line per thing the watcher decides; every run it starts is
    logged in the store's ``watch/triggers.jsonl`` (see :func:`triggers`).
    """
    from textops.errors import ConfigError
    from textops.watching import Watcher, WatchSettings

    if interval <= 0 or settle < 0:
        raise ConfigError(
            f"watch needs interval > 0 and settle >= 0 seconds; got interval {interval}, "
            f"settle {settle}",
            hint="e.g. --interval 10 --settle 30",
        )
    wanted = [*overrides, f"data.source={source}"] if source else list(overrides)
    watcher = Watcher(lambda: config(path, wanted), WatchSettings(interval, settle), stop=stop,
                      on_event=on_event, say=say)
    watcher.run()


def triggers(path: str | Path | None = None, overrides: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Every run the watcher started on this store, oldest first."""
    from textops.store import Store
    from textops.watching import TriggerLog

    return TriggerLog(Store(config(path, overrides).store.url)).read()
