"""The baseline file in the store: written once unless forced, versioned by hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from textops.errors import StoreError
from textops.store import Store
from textops.store.baselines import (
    baseline_fingerprint,
    baseline_hash,
    baseline_text,
    write_baseline,
)

TEXT = "format: 1\n# a baseline\n"


def test_hash_is_the_sha256_of_the_bytes() -> None:
    assert baseline_hash(TEXT) == baseline_hash(TEXT.encode("utf-8"))
    assert len(baseline_hash(TEXT)) == 64
    assert baseline_hash(TEXT + "# edited\n") != baseline_hash(TEXT)


def test_written_baseline_is_read_back_and_kept_in_history(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    assert baseline_text(store) is None
    assert baseline_fingerprint(store) == "absent"
    digest = write_baseline(store, TEXT, overwrite=False)
    assert digest == baseline_hash(TEXT) == baseline_fingerprint(store)
    assert baseline_text(store) == TEXT
    assert (tmp_path / "baseline" / "history" / f"{digest}.yaml").read_text() == TEXT


def test_an_existing_baseline_is_replaced_only_when_forced(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    write_baseline(store, TEXT, overwrite=False)
    with pytest.raises(StoreError, match="a baseline already exists"):
        write_baseline(store, "format: 1\n", overwrite=False)
    write_baseline(store, "format: 1\n", overwrite=True)
    assert baseline_text(store) == "format: 1\n"
    assert len(list((tmp_path / "baseline" / "history").iterdir())) == 2
