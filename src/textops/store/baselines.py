"""The curated baseline profile in the store: ``baseline/profile.yaml``.

People edit that file by hand; every version of it that a validation used is
also kept as ``baseline/history/<sha256>.yaml``, so a recorded hash can always
be traced back to the exact file. What a baseline holds, and how a first one
is measured, is :mod:`textops.quality.baseline`'s business.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from textops.errors import ConfigError, StoreError

if TYPE_CHECKING:
    from textops.store.store import Store

BASELINE = ("baseline", "profile.yaml")


def baseline_hash(text: str | bytes) -> str:
    """sha256 of the baseline file's bytes: the version every validation records."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def baseline_text(store: Store) -> str | None:
    """The current baseline file, or None when there is none yet."""
    if not store.exists(*BASELINE):
        return None
    data = store.read_bytes(*BASELINE)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{store.path(*BASELINE)} is not UTF-8 text (byte 0x{data[exc.start]:02x} at "
            f"offset {exc.start})",
            hint="restore it from baseline/history/, or rewrite it: "
            "textops baseline init --from VERSION --force",
        ) from None


def baseline_fingerprint(store: Store) -> str:
    """The current file's sha256 (``absent`` without one): part of validate's cache key."""
    text = baseline_text(store)
    return baseline_hash(text) if text is not None else "absent"


def write_baseline(store: Store, text: str, *, overwrite: bool) -> str:
    """Write ``text`` as the baseline (refusing to replace one unless ``overwrite``)."""
    if store.exists(*BASELINE) and not overwrite:
        raise StoreError(
            f"a baseline already exists at {store.path(*BASELINE)}",
            hint="edit it by hand, or pass --force to replace it",
        )
    store.write_text(text, *BASELINE)
    return keep_in_history(store, text, baseline_hash(text))


def keep_in_history(store: Store, text: str, digest: str) -> str:
    """Keep ``text`` as ``baseline/history/<digest>.yaml`` (once); returns ``digest``."""
    if not store.exists("baseline", "history", f"{digest}.yaml"):
        store.write_text(text, "baseline", "history", f"{digest}.yaml")
    return digest
