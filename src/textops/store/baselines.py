"""The curated baseline profile in the store: ``baseline/profile.yaml``.

People edit that file by hand; every version of it that a validation used is
also kept as ``baseline/history/<sha256>.yaml``, so a recorded hash can always
be traced back to the exact file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textops.errors import StoreError

if TYPE_CHECKING:
    from textops.store.store import Store

BASELINE = ("baseline", "profile.yaml")


def baseline_text(store: Store) -> str | None:
    """The current baseline file, or None when there is none yet."""
    return store.read_text(*BASELINE) if store.exists(*BASELINE) else None


def baseline_fingerprint(store: Store) -> str:
    """The current file's sha256 (``absent`` without one): part of validate's cache key."""
    from textops.quality.baseline import baseline_hash

    text = baseline_text(store)
    return baseline_hash(text) if text is not None else "absent"


def write_baseline(store: Store, text: str, *, overwrite: bool) -> str:
    """Write ``text`` as the baseline (refusing to replace one unless ``overwrite``)."""
    from textops.quality.baseline import baseline_hash

    if store.exists(*BASELINE) and not overwrite:
        raise StoreError(
            f"a baseline already exists at {store.path(*BASELINE)}",
            hint="edit it by hand, or pass --force to replace it",
        )
    store.write_text(text, *BASELINE)
    return keep_in_history(store, text, baseline_hash(text))


def baseline_from_train(train: Any, ref: dict[str, Any], *, stats: Any = None) -> str:
    """A commented baseline measured on a version's training set (``stats``: its doc stats)."""
    from textops.execution.records import utc_now
    from textops.quality.baseline import render_baseline_yaml
    from textops.quality.profile import profile_from_stats
    from textops.text.stats import compute_doc_stats

    stats = compute_doc_stats(train) if stats is None else stats
    profile = profile_from_stats("train", stats, schema=dict(train.schema))
    return render_baseline_yaml(profile, dataset=ref["name"], version=ref["version"], created=utc_now())


def keep_in_history(store: Store, text: str, digest: str) -> str:
    if not store.exists("baseline", "history", f"{digest}.yaml"):
        store.write_text(text, "baseline", "history", f"{digest}.yaml")
    return digest
