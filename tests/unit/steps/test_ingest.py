from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from support.project import keep_steps
from textops import api

ROWS = pd.DataFrame(
    {"text": [f"row {i} says hello" for i in range(60)], "label": ["a", "b", "c"] * 20}
)


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    keep_steps(tmp_path, "ingest")
    (tmp_path / "landing").mkdir()
    ROWS.to_csv(tmp_path / "landing" / "one.csv", index=False)
    return tmp_path


OFF = ["tracking.enabled=false"]


def test_same_content_gives_the_same_version_and_writes_nothing(project: Path) -> None:
    first = api.run(None, OFF)
    # a fresh store cache: force re-ingest of identical content
    again = api.run(None, OFF, force=True)
    assert again.dataset == first.dataset
    assert again.step("ingest").outputs["summary"]["is_new"] is False
    assert len(api.list_datasets(None, OFF)) == 1


def test_new_file_gives_a_new_version_with_its_parent(project: Path) -> None:
    first = api.run(None, OFF)
    ROWS.assign(text=ROWS.text + " again").to_json(
        project / "landing" / "two.jsonl", orient="records", lines=True
    )
    second = api.run(None, OFF)
    assert second.dataset != first.dataset
    manifest = api.show_dataset("latest", None, OFF)
    assert manifest["parent"] == first.dataset["version"]
    assert [f["path"] for f in manifest["source"]["files"]] == ["one.csv", "two.jsonl"]
    assert manifest["parts"]["train"]["rows"] + manifest["parts"]["test"]["rows"] == 120


def test_column_mapping_ids_and_split_column(project: Path) -> None:
    (project / "landing" / "one.csv").unlink()
    frame = pd.DataFrame(
        {
            "doc": [f"d{i}" for i in range(10)],
            "body": [f"text {i}" for i in range(10)],
            "cat": [1, 2] * 5,
            "part": ["train"] * 8 + ["test"] * 2,
        }
    )
    frame.to_parquet(project / "landing" / "x.parquet")
    overrides = [
        *OFF,
        "data.text_column=body",
        "data.label_column=cat",
        "data.id_column=doc",
        "data.split_column=part",
    ]
    api.run(None, overrides)
    manifest = api.show_dataset("latest", None, overrides)
    assert manifest["parts"]["test"]["rows"] == 2
    assert manifest["parts"]["train"]["classes"] == {"1": 4, "2": 4}


def test_ids_point_at_file_and_row(project: Path) -> None:
    from textops.store import Store
    from textops.store.datasets import DatasetRepository

    record = api.run(None, OFF)
    config = api.config(None, OFF)
    repo = DatasetRepository(Store(config.store.url))
    train = repo.load(record.dataset, "train")
    assert train["id"].str.starts_with("one.csv:").all()
    row = int(train["id"][0].split(":")[1])
    assert train["text"][0] == ROWS.text[row - 1]
