"""Large objects handed to a remote cluster's workers through the store, not the scheduler.

``Client.scatter`` sends data through the scheduler; for a cluster given by
address that means whole feature matrices and corpora cross the network twice
and sit in the scheduler's memory. Instead :func:`stage` writes the object
once, pickled and named by its content hash, under a folder of the store that
every worker reads (object storage, or a path every machine shares), and the
task carries only a :class:`Staged` reference. A worker loads each object once
and keeps the last few in memory (:func:`resolve`), so a hundred trials on one
worker read the corpus once.

Pickle is safe here because the store is the project's own: only this
project's driver writes these files, and only its workers read them.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections import OrderedDict
from typing import Any

from textops.errors import StoreError

__all__ = ["Staged", "remove", "resolve", "stage"]

_KEEP = 4  # objects a worker keeps: the sweep's features, a joined forest, a corpus or two
_cache: OrderedDict[str, Any] = OrderedDict()
_cache_lock = threading.Lock()


class Staged:
    """A reference to an object staged in the store: its URL."""

    __slots__ = ("url",)

    def __init__(self, url: str) -> None:
        self.url = url

    def __repr__(self) -> str:
        return f"Staged({self.url!r})"

    def __reduce__(self) -> tuple[type[Staged], tuple[str]]:
        return (Staged, (self.url,))


def stage(obj: Any, folder: str) -> Staged:
    """Write ``obj`` under ``folder`` (an fsspec URL) once, named by its content."""
    import fsspec

    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    name = hashlib.sha256(data).hexdigest()[:32]
    fs, root = fsspec.core.url_to_fs(folder, skip_instance_cache=True)
    path = f"{root.rstrip('/')}/{name}.pkl"
    try:
        if not fs.exists(path):
            fs.makedirs(root, exist_ok=True)
            fs.pipe_file(path, data)  # one PUT on object stores: atomic per object
    except OSError as exc:
        raise StoreError(
            f"cannot stage data for the cluster's workers at '{folder}': {exc}",
            hint="check that the store is writable",
        ) from exc
    return Staged(fs.unstrip_protocol(path))


def resolve(value: Any) -> Any:
    """``value``, or the object it refers to when it is :class:`Staged` (read once, kept)."""
    if not isinstance(value, Staged):
        return value
    with _cache_lock:
        if value.url in _cache:
            _cache.move_to_end(value.url)
            return _cache[value.url]
    obj = _load(value.url)
    with _cache_lock:
        _cache[value.url] = obj
        while len(_cache) > _KEEP:
            _cache.popitem(last=False)
    return obj


def _load(url: str) -> Any:
    import fsspec

    try:
        with fsspec.open(url, "rb") as handle:
            return pickle.load(handle)  # noqa: S301 - written by this project's driver
    except (OSError, pickle.UnpicklingError, EOFError) as exc:
        raise StoreError(
            f"a worker cannot read the data staged for it at '{url}': {exc}",
            hint="a cluster given by address needs a store every worker reaches: object "
            "storage (s3://, az://) or a path every machine mounts at the same place",
        ) from exc


def remove(folder: str) -> None:
    """Delete ``folder`` and what was staged in it (best effort: the run is over)."""
    import fsspec

    try:
        fs, root = fsspec.core.url_to_fs(folder, skip_instance_cache=True)
        if fs.exists(root):
            fs.rm(root, recursive=True)
    except OSError:
        pass  # a leftover staging folder costs disk, not correctness
