from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from textops.errors import StoreError
from textops.store import Store
from textops.store.datasets import PARTS, DatasetRepository


def parts() -> dict[str, pl.DataFrame]:
    frame = pl.DataFrame({"id": ["1", "2"], "text": ["a b", "c d"], "label": ["x", "y"]})
    return dict.fromkeys(PARTS, frame)


def manifest(version: str, sequence: int) -> dict[str, object]:
    return {
        "name": "d",
        "version": version,
        "sequence": sequence,
        "created": f"2026-01-0{sequence}",
    }


def test_write_commit_and_load(tmp_path: Path) -> None:
    repo = DatasetRepository(Store(str(tmp_path)))
    assert repo.write(manifest("aaa111", 1), parts()) is True
    assert repo.exists("d", "aaa111")
    assert repo.load({"name": "d", "version": "aaa111"}, "test")["text"].to_list() == ["a b", "c d"]
    assert not [p for p in (tmp_path / "datasets" / "d").iterdir() if p.name.startswith(".")]


def test_existing_version_is_never_rewritten(tmp_path: Path) -> None:
    repo = DatasetRepository(Store(str(tmp_path)))
    repo.write(manifest("aaa111", 1), parts())
    before = (tmp_path / "datasets" / "d" / "aaa111" / "manifest.json").read_bytes()
    assert repo.write({**manifest("aaa111", 5), "note": "changed"}, parts()) is False
    assert (tmp_path / "datasets" / "d" / "aaa111" / "manifest.json").read_bytes() == before


def test_uncommitted_folder_is_not_a_version(tmp_path: Path) -> None:
    repo = DatasetRepository(Store(str(tmp_path)))
    (tmp_path / "datasets" / "d" / "half").mkdir(parents=True)
    (tmp_path / "datasets" / "d" / "half" / "train.parquet").write_bytes(b"partial")
    assert repo.versions("d") == []


def test_resolve_by_prefix_sequence_and_latest(tmp_path: Path) -> None:
    repo = DatasetRepository(Store(str(tmp_path)))
    repo.write(manifest("aaa111", 1), parts())
    repo.write(manifest("bbb222", 2), parts())
    assert repo.resolve("d", "latest")["version"] == "bbb222"
    assert repo.resolve("d", "aa")["version"] == "aaa111"
    assert repo.resolve("d", "2")["version"] == "bbb222"
    with pytest.raises(StoreError, match="'zz' matches 0 versions"):
        repo.resolve("d", "zz")
    with pytest.raises(StoreError, match="has no versions yet"):
        repo.resolve("other", None)


def test_memory_store_commits_manifest_last() -> None:
    repo = DatasetRepository(Store("memory://textops-datasets-test"))
    assert repo.write(manifest("ccc333", 1), parts())
    assert repo.versions("d")[0]["version"] == "ccc333"


def test_sequence_number_wins_over_an_id_prefix(tmp_path: Path) -> None:
    repo = DatasetRepository(Store(str(tmp_path)))
    repo.write(manifest("2aa111", 1), parts())
    repo.write(manifest("bbb222", 2), parts())
    assert repo.resolve("d", "2")["version"] == "bbb222"
    assert repo.resolve("d", "2a")["version"] == "2aa111"


def test_latest_is_the_latest_version_validation_did_not_refuse(tmp_path: Path) -> None:
    import pandas as pd

    from textops.store.reporting import ReportingTables

    store = Store(str(tmp_path))
    repo = DatasetRepository(store)
    for sequence, version in enumerate(("aaa111", "bbb222", "ccc333"), start=1):
        repo.write(manifest(version, sequence), parts())
    refusal = pd.DataFrame([{"dataset_name": "d", "version": "ccc333", "dataset": "train",
                             "check_name": "null_text", "status": "error", "run_id": "r3"}])
    ReportingTables(store).append("validation", refusal)
    assert repo.resolve("d", "latest")["version"] == "bbb222"  # never validated: not refused
    assert repo.resolve("d", None)["version"] == "bbb222"
    assert repo.resolve("d", "latest", include_refused=True)["version"] == "ccc333"
    assert repo.resolve("d", "3")["version"] == "ccc333"  # named: whatever its verdict
    for version in ("aaa111", "bbb222"):
        ReportingTables(store).append("validation", refusal.assign(version=version))
    with pytest.raises(StoreError, match="no accepted version: validation refused all 3") as info:
        repo.resolve("d", "latest")
    assert "--include-refused" in (info.value.hint or "")
