"""The demo drops land one after another: no row ever changes side or subset."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from support.project import keep_steps
from textops import api
from textops.config.schema import SplitConfig
from textops.store import Store
from textops.store.datasets import PARTS, DatasetRepository
from textops.store.splitting import class_counts, split_frame

OFF = ["tracking.enabled=false"]


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    keep_steps(tmp_path, "ingest")
    api.write_demo("landing", "later", rows=500)
    return tmp_path


def parts_of(version: dict[str, str]) -> dict[str, pl.DataFrame]:
    repo = DatasetRepository(Store(api.config(None, OFF).store.url))
    return {part: repo.load(version, part) for part in PARTS}


def test_each_drop_leaves_every_old_row_where_it_was(project: Path) -> None:
    versions = [api.run(None, OFF).dataset]
    for drop in ("drop2.parquet", "drop3.jsonl"):
        shutil.move(project / "later" / drop, project / "landing" / drop)
        versions.append(api.run(None, OFF).dataset)
    assert len({v["version"] for v in versions}) == 3
    seen = [{part: set(frame["id"]) for part, frame in parts_of(v).items()} for v in versions]
    for before, after in zip(seen, seen[1:], strict=False):
        old = before["train"] | before["test"]
        assert {part: ids & old for part, ids in after.items()} == before
        assert len(after["train"] | after["test"]) == len(old) + 500

    latest = parts_of(versions[-1])
    test = class_counts(latest["test"])
    everything = class_counts(pl.concat([latest["train"], latest["test"]]))
    for label, rows in everything.items():
        if rows >= 30:  # the refused drop-3 labels are too few to judge a share on
            share = test.get(label, 0) / rows
            assert abs(share - 0.2) <= 4 * math.sqrt(0.2 * 0.8 / rows), (label, share, rows)


SPLIT_IN_A_CHILD = """
import json, sys
import polars as pl
from textops.config.schema import SplitConfig
from textops.store.splitting import split_frame
frame = pl.read_parquet(sys.argv[1])
parts = split_frame(frame, SplitConfig(seed=11), split_column=None)
print(json.dumps({name: part["id"].to_list() for name, part in parts.items()}))
"""


def test_the_same_rows_split_the_same_in_another_process(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "id": [f"doc-{i}" for i in range(3000)],
            "text": ["t"] * 3000,
            "label": [("a", "b", "c")[i % 3] for i in range(3000)],
        }
    )
    frame.write_parquet(tmp_path / "rows.parquet")
    parts = split_frame(frame, SplitConfig(seed=11), split_column=None)
    here = {name: part["id"].to_list() for name, part in parts.items()}
    for hash_seed in ("1", "2"):  # Python's own str hash differs between these children
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        child = subprocess.run(
            [sys.executable, "-c", SPLIT_IN_A_CHILD, str(tmp_path / "rows.parquet")],
            capture_output=True, text=True, check=True, env=env,
        )
        assert json.loads(child.stdout) == here
