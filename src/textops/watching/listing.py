"""What a landing folder holds now: each data file's name and a stamp of its size and time.

A listing is cheap (no file is read): the watcher compares two listings to see
that files arrived, changed or left, and reads contents only once they have
settled (:func:`content_fingerprint`, the hash ``ingest`` keys its cache on).
The files counted are those ``ingest`` reads: CSV, Parquet and JSONL, no hidden
names, so an upload in progress under a temporary name is not seen yet.
"""

from __future__ import annotations

import posixpath
from typing import Any

from textops.errors import DataError
from textops.store.raw import FORMATS, fingerprint_source

__all__ = ["Listing", "changes", "content_fingerprint", "list_files"]

#: path relative to the source -> a stamp that changes when the file does
Listing = dict[str, str]
#: the fields fsspec back-ends use for a file's version or time (local, s3, gcs, azure)
_STAMP_FIELDS = ("mtime", "LastModified", "last_modified", "updated", "ETag", "etag",
                 "md5Hash", "version_id")


def list_files(source: str, fmt: str = "auto") -> Listing:
    """The data files under ``source`` and their stamps; empty when it is missing or empty."""
    from textops.store.store import url_to_fs

    try:
        fs, root = url_to_fs(source)
    except (ImportError, ValueError) as exc:
        raise DataError(f"data source '{source}' cannot be opened: {exc}",
                        hint="check the URL, and that its fsspec package is installed") from exc
    fs.invalidate_cache()  # object stores cache listings: a poll must see the store itself
    if not fs.exists(root):
        return {}
    if fs.isfile(root):
        infos: dict[str, Any] = {root: fs.info(root)}
        base = posixpath.dirname(root)
    else:
        infos = fs.find(root, detail=True)
        base = root
    listing: Listing = {}
    for path, info in sorted(infos.items()):
        relative = posixpath.relpath(path, base)
        if any(part.startswith(".") for part in relative.split("/")):
            continue
        kind = FORMATS.get(posixpath.splitext(path)[1].lower())
        if kind is None or (fmt != "auto" and kind != fmt):
            continue
        listing[relative] = _stamp(info)
    return listing


def _stamp(info: dict[str, Any]) -> str:
    fields = [str(info.get("size"))]
    fields += [f"{key}={info[key]}" for key in _STAMP_FIELDS if info.get(key) is not None]
    return "|".join(fields)


def changes(before: Listing, after: Listing) -> dict[str, str]:
    """Each path that differs: ``added``, ``changed`` or ``removed``."""
    found = {path: "added" for path in after if path not in before}
    found.update({path: "changed" for path in after if path in before
                  and before[path] != after[path]})
    found.update({path: "removed" for path in before if path not in after})
    return dict(sorted(found.items()))


def content_fingerprint(source: str, fmt: str = "auto") -> str | None:
    """The hash of the files' names and contents (as ``ingest`` sees them); None for no files."""
    try:
        return fingerprint_source(source, fmt)
    except DataError:
        return None  # gone or emptied since the listing: nothing to run on
