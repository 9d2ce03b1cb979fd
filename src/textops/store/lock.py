"""A lock so two runs on one machine never write the same store at once.

The lock file lives in the system's temporary folder, keyed by the store URL,
so taking it never changes the store itself (a refused run leaves the store
byte-for-byte as it was). Across machines, safety comes from the store's
layout instead: dataset versions are content-addressed and committed by a
manifest written last, so two writers of one version write the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from textops.errors import StoreError


def lock_path(store_url: str) -> Path:
    """One lock file per store, whatever spelling of its URL (``s3://b/x`` and ``s3://b/x/``)."""
    import fsspec

    try:
        fs, root = fsspec.core.url_to_fs(store_url)
        canonical = fs.unstrip_protocol(root.rstrip("/"))
    except (ImportError, ValueError):
        canonical = store_url
    key = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "textops-locks" / f"{key}.lock"


@contextmanager
def store_lock(store_url: str, *, timeout: float = 0.0) -> Iterator[None]:
    """Hold the store's lock; raise :class:`StoreError` if another run holds it."""
    from filelock import FileLock, Timeout

    path = lock_path(store_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path))
    owner = path.with_suffix(".owner")
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        holder = owner.read_text().strip() if owner.exists() else "unknown"
        raise StoreError(
            f"store '{store_url}' is in use by another textops run (process {holder})",
            hint="wait for it to finish; if it died, its lock is released automatically",
        ) from None
    try:
        owner.write_text(str(os.getpid()))
        yield
    finally:
        lock.release()
