"""A lock so two runs never write the same store at once, on one machine or several.

On one machine the lock file lives in the system's temporary folder, keyed by
the store's canonical location (a local folder with symlinks and relative parts
resolved, so ``./store``, ``/abs/store`` and a link to it share one lock), so
taking it never changes the store itself (a refused run leaves a local store
byte-for-byte as it was). An object store (``s3://``, ``az://``) is shared by
machines, so a run also takes ``_lock.json`` in the store by conditional create
(S3 ``If-None-Match: *``, an Azure blob written only if absent): a driver on
another machine is refused while it exists, and the run removes it when it
ends. A driver killed mid-run leaves it behind; the refusal names it, its host
and process, and how to remove it. The store's layout is the second line:
dataset versions are content-addressed and committed by a manifest written
last, so even two writers of one version write the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from textops.errors import StoreError


def lock_path(store_url: str) -> Path:
    """One lock file per store, whatever the spelling of its URL (``s3://b/x`` and
    ``s3://b/x/``; for a local folder, any relative path or symlink that reaches it)."""
    key = hashlib.sha256(canonical_store(store_url).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "textops-locks" / f"{key}.lock"


def canonical_store(store_url: str) -> str:
    """The store's location spelled one way: a resolved local path, or a normalised URL."""
    from textops.store.store import url_to_fs

    try:
        fs, root = url_to_fs(store_url)
    except (ImportError, ValueError):
        return store_url
    protocols = (fs.protocol,) if isinstance(fs.protocol, str) else tuple(fs.protocol)
    if "file" in protocols:
        return "file://" + os.path.realpath(str(root))
    return str(fs.unstrip_protocol(root.rstrip("/")))


def holder_text(owner: Path) -> str:
    """Who holds a lock, from its owner file: pid, host, command and since when."""
    try:
        info = json.loads(owner.read_text())
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(info["since"])))
        return (f"process {info['pid']} on {info['host']}, running '{info['command']}' "
                f"since {since}")
    except (OSError, ValueError, KeyError, TypeError):
        return "an unknown process"


@contextmanager
def store_lock(store_url: str, *, timeout: float = 0.0) -> Iterator[None]:
    """Hold the store's lock; raise :class:`StoreError` naming the holder if another has it."""
    from filelock import FileLock, Timeout

    path = lock_path(store_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path))
    owner = path.with_suffix(".owner")
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise StoreError(
            f"store '{store_url}' is in use by another textops run ({holder_text(owner)})",
            hint="wait for it to finish; if it died, its lock is released automatically",
        ) from None
    try:
        _write_owner(owner, {
            "pid": os.getpid(), "host": socket.gethostname(),
            "command": " ".join(["textops", *sys.argv[1:]])[:200],
            "since": time.time(), "store": canonical_store(store_url),
        })
        with _object_store_lock(store_url):
            yield
    finally:
        lock.release()


def _write_owner(owner: Path, info: dict[str, object]) -> None:
    """Write the owner file whole (a temporary file renamed): a refused run reading it
    at that moment sees the previous holder or this one, never half of one."""
    partial = owner.with_name(f"{owner.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(info))
    os.replace(partial, owner)


@contextmanager
def _object_store_lock(store_url: str) -> Iterator[None]:
    """Hold ``_lock.json`` in an object store by conditional create; nothing for a folder."""
    from textops.store.store import url_to_fs

    fs, root = url_to_fs(store_url)
    protocols = (fs.protocol,) if isinstance(fs.protocol, str) else tuple(fs.protocol)
    if "file" in protocols:
        yield
        return
    path = f"{root.rstrip('/')}/_lock.json"
    holder = {"host": socket.gethostname(), "pid": os.getpid(), "since": time.time()}
    try:
        with fs.open(path, "xb") as handle:  # fails if the object exists, atomically
            handle.write(json.dumps(holder).encode())
    except FileExistsError:
        raise StoreError(
            f"store '{store_url}' is in use by another textops run ({_holder(fs, path)})",
            hint="wait for it to finish; if that run died, delete "
            f"{fs.unstrip_protocol(path)} and run again",
        ) from None
    try:
        yield
    finally:
        fs.rm_file(path)


def _holder(fs: object, path: str) -> str:
    try:
        data = json.loads(fs.cat_file(path))  # type: ignore[attr-defined]
        return f"host {data['host']}, process {data['pid']}"
    except (OSError, ValueError, KeyError):
        return "holder unknown"
