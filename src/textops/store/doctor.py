"""What ``textops doctor`` finds in a store's files, and how each finding is repaired.

Found: leftovers of killed writes (``*.tmp-*`` files, ``.staging-*`` dataset
folders), cache entries that cannot be read or whose files changed since, dataset
manifests and Parquet files that cannot be read, and tuning journals whose last
line a kill cut short. Repaired (``--repair``): leftovers removed, stale or
damaged cache entries removed (the step runs again), cut-short journal lines
dropped. A damaged dataset part is reported only: the next ``textops run``
writes it again from the raw files.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from textops.errors import StoreError
from textops.store.integrity import changed_files, has_partial_line, trim_partial_line
from textops.store.store import Store


@dataclass
class Problem:
    """One finding: its kind, the file, what is wrong, and its repair (None: report only)."""

    kind: str
    path: str
    detail: str
    repair: Callable[[], None] | None = field(default=None, repr=False)
    is_repaired: bool = False


def store_problems(store: Store) -> list[Problem]:
    """Everything wrong with a local store's files (an object store: nothing is checked)."""
    if not store.is_local or not Path(store.root).is_dir():
        return []
    return [*_leftovers(store), *_cache_entries(store), *_datasets(store), *_journals(store)]


def _leftovers(store: Store) -> list[Problem]:
    found = []
    for folder, dirs, files in os.walk(store.root):
        for name in [*dirs, *files]:
            path = os.path.join(folder, name)
            if ".tmp-" in name or name.startswith(".staging-"):
                found.append(Problem("temporary", _relative(store, path),
                                     "left by a write that never finished",
                                     repair=_remover(store, path)))
        dirs[:] = [d for d in dirs if not d.startswith(".staging-")]
    return found


def _cache_entries(store: Store) -> list[Problem]:
    found = []
    for name in store.listdir("runs", "_cache"):
        if not name.endswith(".json"):
            continue
        path = store.path("runs", "_cache", name)
        try:
            entry = dict(store.read_json("runs", "_cache", name))
            changed = changed_files(store, dict(entry.get("files") or {}))
            detail = f"its files changed since: {', '.join(changed[:3])}" if changed else ""
        except (StoreError, ValueError, TypeError):
            detail = "cannot be read"
        if detail:
            found.append(Problem("stale cache entry", _relative(store, path),
                                 f"{detail} (the step runs again)", repair=_remover(store, path)))
    return found


def _datasets(store: Store) -> list[Problem]:
    import polars as pl

    found = []
    for name in store.listdir("datasets"):
        for version in store.listdir("datasets", name):
            if version.startswith("."):
                continue
            try:
                manifest = dict(store.read_json("datasets", name, version, "manifest.json"))
            except (StoreError, ValueError, TypeError) as exc:
                found.append(Problem("damaged", f"datasets/{name}/{version}/manifest.json",
                                     exc.__class__.__name__ + ": the version is not committed"))
                continue
            for part in manifest.get("parts", {}):
                relative = f"datasets/{name}/{version}/{part}.parquet"
                try:
                    pl.read_parquet_schema(io.BytesIO(store.read_bytes(*relative.split("/"))))
                except (StoreError, pl.exceptions.PolarsError, OSError):
                    found.append(Problem("damaged", relative,
                                         "missing or unreadable: 'textops run' writes it again"))
    return found


def _journals(store: Store) -> list[Problem]:
    found = []
    for name in store.listdir("tuning"):
        path = Path(store.path("tuning", name))
        if name.endswith(".journal") and has_partial_line(path):
            found.append(Problem("damaged", f"tuning/{name}", "its last line was cut short",
                                 repair=_trimmer(path)))
    return found


def repair(problems: list[Problem]) -> None:
    """Apply each problem's repair (those that have one)."""
    for problem in problems:
        if problem.repair is not None:
            problem.repair()
            problem.is_repaired = True


def _remover(store: Store, path: str) -> Callable[[], None]:
    def remove() -> None:
        store.fs.rm(path, recursive=True)

    return remove


def _trimmer(path: Path) -> Callable[[], None]:
    def trim() -> None:
        trim_partial_line(path)

    return trim


def _relative(store: Store, path: str) -> str:
    return os.path.relpath(path, store.root).replace(os.sep, "/")
