"""``textops doctor``: list what kills and damage left in a store, and repair it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from textops.store.doctor import Problem

if TYPE_CHECKING:
    from textops.config.schema import PipelineConfig
    from textops.store.store import Store


def doctor(
    path: str | Path | None = None, overrides: Sequence[str] = (), *, repair: bool = False
) -> list[Problem]:
    """Every problem found (:mod:`textops.store.doctor`, :mod:`textops.tracking.doctor`);
    with ``repair``, those that have a repair are repaired (``is_repaired``).

    Holds the store lock, so a live run is never taken for a killed one.
    """
    from textops.api import _load
    from textops.store.doctor import repair as apply
    from textops.store.doctor import store_problems
    from textops.store.lock import store_lock
    from textops.store.store import Store

    resolved = _load(path, overrides)
    store = Store(resolved.store.url)
    with store_lock(resolved.store.url):
        problems = store_problems(store)
        uri = _tracking_uri(resolved, store)
        if uri is not None:
            from textops.tracking.doctor import tracking_problems

            problems += tracking_problems(uri)
        if repair:
            apply(problems)
    return problems


def _tracking_uri(resolved: PipelineConfig, store: Store) -> str | None:
    from textops.tracking.mlflow import resolve_tracking_uri

    if not resolved.tracking.enabled:
        return None
    return resolve_tracking_uri(resolved.tracking.uri, store)
