"""One root URL through fsspec, with atomic writes.

Local folders get write-to-temporary-then-rename; object stores get one PUT per
object (atomic per object), and multi-file records are committed by writing
their manifest last. Paths given to this class are relative to the root and use
'/' separators.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import uuid
from pathlib import Path
from typing import Any

from textops.errors import StoreError

#: the extra that installs the fsspec backend of a scheme
_EXTRAS = {"s3": "s3", "s3a": "s3", "az": "azure", "abfs": "azure", "abfss": "azure"}


def url_to_fs(url: str | os.PathLike[str]) -> tuple[Any, str]:
    """fsspec's filesystem and path of ``url``; a remote one is a fresh instance, reading its
    credentials and endpoint from the environment now (fsspec's cache would keep those of
    an earlier filesystem of the same URL)."""
    import fsspec

    text = os.fspath(url)
    remote = "://" in text and not text.startswith("file://")
    options = {"skip_instance_cache": True} if remote else {}
    fs, root = fsspec.core.url_to_fs(text, **options)
    return fs, str(root)


class Store:
    """A store rooted at ``url`` (a folder or an fsspec URL such as ``s3://bucket/x``)."""

    def __init__(self, url: str) -> None:

        self.url = url
        try:
            self.fs, self.root = url_to_fs(url)
        except (ImportError, ValueError) as exc:
            scheme = url.split("://", 1)[0] if "://" in url else ""
            extra = _EXTRAS.get(scheme)
            raise StoreError(
                f"store URL '{url}' cannot be opened: {exc}",
                hint=f'pip install "textops[{extra}]"' if extra else
                "install the fsspec backend for its scheme (e.g. s3fs, adlfs, gcsfs)",
            ) from exc
        self.is_local = "file" in _protocols(self.fs)
        if self.is_local:
            self.root = os.path.abspath(self.root)

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    # -- paths -------------------------------------------------------------------------
    def path(self, *parts: str) -> str:
        """Absolute path inside the filesystem for a store-relative path."""
        return posixpath.join(self.root, *parts) if parts else self.root

    def local_path(self, *parts: str) -> Path:
        """A local ``Path`` for this store location; only for local stores."""
        if not self.is_local:
            raise StoreError(f"store '{self.url}' is not a local folder")
        return Path(self.path(*parts))

    def exists(self, *parts: str) -> bool:
        return bool(self.fs.exists(self.path(*parts)))

    def size(self, *parts: str) -> int | None:
        """The size in bytes of a file, or None when it is not there."""
        try:
            return int(self.fs.size(self.path(*parts)))
        except (FileNotFoundError, OSError):
            return None

    def listdir(self, *parts: str) -> list[str]:
        """Names (not paths) directly under a folder; empty when it does not exist."""
        target = self.path(*parts)
        if not self.fs.exists(target):
            return []
        return sorted(posixpath.basename(p.rstrip("/")) for p in self.fs.ls(target, detail=False))

    # -- reads -------------------------------------------------------------------------
    def read_bytes(self, *parts: str) -> bytes:
        try:
            return bytes(self.fs.cat_file(self.path(*parts)))
        except FileNotFoundError:
            raise StoreError(
                f"'{posixpath.join(*parts)}' does not exist in store '{self.url}'",
                hint="check store.url; a part of the store deleted by hand is not recreated",
            ) from None
        except OSError as exc:
            raise StoreError(
                f"cannot read '{posixpath.join(*parts)}' in store '{self.url}': {exc}"
            ) from exc

    def read_text(self, *parts: str) -> str:
        return self.read_bytes(*parts).decode("utf-8")

    def read_json(self, *parts: str) -> Any:
        data = self.read_bytes(*parts)
        try:
            return json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise StoreError(
                f"'{posixpath.join(*parts)}' in store '{self.url}' is damaged (not JSON: "
                f"{exc})",
                hint="run 'textops doctor' to list the damaged files, restore this one from a "
                "backup or delete it, and run again (textops writes what it made again)",
            ) from exc

    # -- writes ------------------------------------------------------------------------
    def write_bytes(self, data: bytes, *parts: str) -> None:
        """Write ``data`` atomically: readers see the old file or the new one, never half."""
        target = self.path(*parts)
        try:
            if self.is_local:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                temporary = f"{target}.tmp-{uuid.uuid4().hex}"
                try:
                    with open(temporary, "wb") as handle:
                        handle.write(data)
                    os.replace(temporary, target)
                except BaseException:
                    with contextlib.suppress(OSError):
                        os.remove(temporary)
                    raise
            else:
                self.fs.pipe_file(target, data)
        except OSError as exc:
            raise StoreError(
                f"cannot write '{posixpath.join(*parts)}' in store '{self.url}': {exc}",
                hint="check the store URL and its permissions (store.url in textops.yaml)",
            ) from exc

    def write_text(self, text: str, *parts: str) -> None:
        self.write_bytes(text.encode("utf-8"), *parts)

    def write_json(self, obj: Any, *parts: str) -> None:
        self.write_bytes(json_bytes(obj), *parts)

    def remove(self, *parts: str) -> None:
        target = self.path(*parts)
        if self.fs.exists(target):
            self.fs.rm(target, recursive=True)

    def move(self, source: tuple[str, ...], target: tuple[str, ...]) -> None:
        """Rename a file or folder (atomic on a local store)."""
        if self.is_local:
            os.replace(self.path(*source), self.path(*target))
        else:
            self.fs.mv(self.path(*source), self.path(*target), recursive=True)

    def check_writable(self) -> None:
        """Fail early, without writing anything, when the root cannot be created or written."""
        if not self.is_local:
            return
        probe = Path(self.root)
        while not probe.exists():
            if probe.parent == probe:
                break
            probe = probe.parent
        if probe.exists() and not probe.is_dir():
            raise StoreError(
                f"store '{self.url}' cannot be created: '{probe}' is a file, not a folder",
                hint="point store.url at a folder (textops.yaml or --set store.url=PATH)",
            )
        if not os.access(probe, os.W_OK | os.X_OK):
            raise StoreError(
                f"store '{self.url}' is not writable: no write permission on '{probe}'",
                hint="choose a writable folder with --set store.url=PATH",
            )


def json_bytes(obj: Any) -> bytes:
    """How the store writes JSON: indented, keys sorted, anything else as its string."""
    return json.dumps(obj, indent=2, sort_keys=True, default=str).encode()


def _protocols(fs: Any) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)
