"""What a cache entry records of the files its outputs name, and the check before reuse.

When a step's outputs are committed to the cache, :func:`file_digests` records
each file they name with its size and, for files up to ``HASHED_BYTES``, its
SHA-256 (cheap next to the step that made it). Before a cache hit is used,
:func:`changed_files` compares the store with that record: a file deleted,
truncated or rewritten with other bytes makes the entry a miss, and the step
that made the file runs again.

An append-only log (an Optuna journal) whose last line a kill cut short is
repaired by :func:`trim_partial_line`: that write never finished.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from textops.errors import StoreError
from textops.store.store import Store

#: files up to this size are hashed as well as measured
HASHED_BYTES = 16 * 1024 * 1024


def file_digests(store: Store, paths: Iterable[tuple[str, ...]]) -> dict[str, dict[str, Any]]:
    """``{"a/b.parquet": {"size": n, "sha256": h or None}}`` for the files that exist."""
    digests: dict[str, dict[str, Any]] = {}
    for path in paths:
        size = store.size(*path)
        if size is None:
            continue
        digests["/".join(path)] = {"size": size, "sha256": _sha256(store, path, size)}
    return digests


def changed_files(store: Store, digests: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The recorded files that are missing or whose size or hash no longer match."""
    changed = []
    for name, recorded in digests.items():
        path = tuple(name.split("/"))
        size = store.size(*path)
        if size is None or size != recorded.get("size"):
            changed.append(name)
            continue
        expected = recorded.get("sha256")
        if expected is not None and _sha256(store, path, size) != expected:
            changed.append(name)
    return changed


def _sha256(store: Store, path: tuple[str, ...], size: int) -> str | None:
    if size > HASHED_BYTES:
        return None
    try:
        return hashlib.sha256(store.read_bytes(*path)).hexdigest()
    except StoreError:
        return "unreadable"


def has_partial_line(path: Path) -> bool:
    """Whether a non-empty log file ends without a newline (its last write was cut short)."""
    if not path.is_file() or path.stat().st_size == 0:
        return False
    with path.open("rb") as handle:
        handle.seek(-1, 2)
        return handle.read(1) != b"\n"


def trim_partial_line(path: Path) -> bool:
    """Cut an unfinished last line (a write a kill interrupted) off a journal file."""
    if not path.is_file():
        return False
    with path.open("rb+") as handle:
        end = handle.seek(0, 2)
        if end == 0:
            return False
        handle.seek(end - 1)
        if handle.read(1) == b"\n":
            return False
        position = end
        while position > 0:
            start = max(position - 65536, 0)
            handle.seek(start)
            newline = handle.read(position - start).rfind(b"\n")
            if newline >= 0:
                handle.truncate(start + newline + 1)
                return True
            position = start
        handle.truncate(0)
    return True
