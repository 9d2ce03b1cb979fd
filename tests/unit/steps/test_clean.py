from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from support.project import keep_steps
from textops import api
from textops.steps.common import read_cleaned
from textops.store import Store
from textops.store.datasets import DatasetRepository
from textops.text.cleaning import CleaningSettings

ROWS = pd.DataFrame({
    "text": [f"Order #{i} ARRIVED late!! See https://x.io/{i} :(" for i in range(40)],
    "label": ["a", "b"] * 20,
})


def test_clean_writes_four_cleaned_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    keep_steps(tmp_path, "ingest", "clean")
    (tmp_path / "textops.yaml").write_text(
        (tmp_path / "textops.yaml").read_text().replace("validate.dataset", "ingest.dataset")
    )
    (tmp_path / "landing").mkdir()
    ROWS.to_csv(tmp_path / "landing" / "rows.csv", index=False)
    overrides = ["tracking.enabled=false", "steps.clean.params.strip_urls=true"]
    record = api.run(None, overrides)
    cleaned = record.step("clean").outputs["cleaned"]
    assert cleaned["settings"]["strip_urls"] is True
    store = Store(api.config(None, overrides).store.url)
    raw = DatasetRepository(store)
    cleaner = CleaningSettings(strip_urls=True).build()
    for part in ("train", "test", "train_subset", "test_subset"):
        frame = read_cleaned(store, cleaned, part)
        original = raw.load(record.dataset, part)
        assert frame["id"].to_list() == original["id"].to_list()
        assert frame["text"].to_list() == list(cleaner.transform(original["text"]))
    assert read_cleaned(store, cleaned, "train")["text"][0] == "order arrived late"
