"""Ingest the real 20 Newsgroups corpus, keeping its official split."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import shared_file
from support.project import keep_steps
from textops import api


@pytest.mark.slow
def test_ingest_keeps_the_official_split(
    shared_datasets: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = shared_file(shared_datasets, "20newsgroups/20newsgroups_bydate.parquet")
    monkeypatch.chdir(tmp_path)
    keep_steps(tmp_path, "ingest")
    overrides = [
        f"data.source={source}",
        "data.name=news20",
        "data.split_column=split",
        "tracking.enabled=false",
    ]
    record = api.run(None, overrides)
    manifest = api.show_dataset("latest", None, overrides)
    assert manifest["parts"]["train"]["rows"] == 11314
    assert manifest["parts"]["test"]["rows"] == 7532
    assert len(manifest["parts"]["train"]["classes"]) == 20
    assert manifest["split"]["from_column"] is True
    again = api.run(None, overrides)
    assert again.step("ingest").cache_hit
    assert record.dataset == again.dataset
