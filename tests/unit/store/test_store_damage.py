"""A damaged store file gives one error naming it; a dataset part is written again."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from textops.config.schema import DataConfig
from textops.errors import StoreError
from textops.execution.context import step_context
from textops.records import DatasetRef
from textops.steps.ingest import ingest
from textops.store import Store
from textops.store.datasets import PARTS, DatasetRepository
from textops.store.integrity import changed_files, file_digests

ROWS = pd.DataFrame({"text": [f"row {i} about {'cats' if i % 2 else 'dogs'}" for i in range(40)],
                     "label": ["a", "b"] * 20})


def _ingest(tmp_path: Path) -> tuple[DatasetRef, Path]:
    landing = tmp_path / "landing"
    landing.mkdir(exist_ok=True)
    ROWS.to_csv(landing / "rows.csv", index=False)
    store = tmp_path / "store"
    outputs = ingest.fn(step_context(store, name="ingest"), DataConfig(source=str(landing)))
    dataset = outputs["dataset"]
    assert isinstance(dataset, DatasetRef)
    return dataset, store / "datasets" / dataset.name / dataset.version


def test_ingest_writes_a_deleted_or_damaged_part_again(tmp_path: Path) -> None:
    dataset, folder = _ingest(tmp_path)
    original = {part: (folder / f"{part}.parquet").read_bytes() for part in PARTS}
    (folder / "train.parquet").unlink()
    (folder / "test.parquet").write_bytes(original["test"][:50])
    again, _ = _ingest(tmp_path)
    assert again == dataset
    assert {p: (folder / f"{p}.parquet").read_bytes() for p in PARTS} == original


def test_a_damaged_manifest_is_named_no_commit_and_ingest_writes_the_version_again(
    tmp_path: Path,
) -> None:
    dataset, folder = _ingest(tmp_path)
    manifest = (folder / "manifest.json").read_text()
    (folder / "manifest.json").write_text(manifest[:20])
    repository = DatasetRepository(Store(str(tmp_path / "store")))
    assert not repository.exists(dataset.name, dataset.version)
    with pytest.raises(StoreError, match=r"manifest\.json.* is damaged"):
        repository.versions(dataset.name)  # a listing names it, never hides it
    assert repository.versions(dataset.name, skip_damaged=True) == []  # ingest's view
    again, _ = _ingest(tmp_path)
    assert again == dataset and repository.exists(dataset.name, dataset.version)


def test_a_damaged_json_file_is_named_with_a_fix(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    (tmp_path / "x.json").write_text('{"a": 1')
    with pytest.raises(StoreError, match=r"'x\.json' .* is damaged") as raised:
        store.read_json("x.json")
    assert raised.value.hint


def test_a_damaged_dataset_part_is_named_with_a_fix(tmp_path: Path) -> None:
    dataset, folder = _ingest(tmp_path)
    (folder / "train.parquet").write_bytes(b"PAR1 not really")
    ctx = step_context(tmp_path / "store")
    with pytest.raises(StoreError, match=r"train\.parquet.* is damaged") as raised:
        ctx.catalog.dataset(dataset, "train")
    assert "ingest rewrites" in (raised.value.hint or "")


def test_digests_notice_a_deleted_truncated_or_changed_file(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    for name in "abc":
        (tmp_path / name).write_bytes(b"0123456789")
    digests = file_digests(store, [("a",), ("b",), ("c",), ("missing",)])
    assert set(digests) == {"a", "b", "c"}
    assert changed_files(store, digests) == []
    (tmp_path / "a").unlink()
    (tmp_path / "b").write_bytes(b"01234")
    (tmp_path / "c").write_bytes(b"0123456780")
    assert changed_files(store, digests) == ["a", "b", "c"]
