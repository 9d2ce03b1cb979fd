"""The clean step called alone: in-memory records and the package's test context, no YAML."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from textops.config.schema import DataConfig
from textops.execution.context import step_context
from textops.records import CleanedData
from textops.steps.clean import Params, clean
from textops.steps.ingest import ingest
from textops.text.cleaning import CleaningSettings

ROWS = pd.DataFrame({
    "text": [f"Order #{i} ARRIVED late!! See https://x.io/{i} :(" for i in range(40)],
    "label": ["a", "b"] * 20,
})


def test_clean_writes_four_cleaned_parts(tmp_path: Path) -> None:
    (tmp_path / "landing").mkdir()
    ROWS.to_csv(tmp_path / "landing" / "rows.csv", index=False)
    store = tmp_path / "store"
    data = DataConfig(source=str(tmp_path / "landing"))
    dataset = ingest.fn(step_context(store, name="ingest"), data)["dataset"]

    ctx = step_context(store, name="clean")
    cleaned = clean.fn(ctx, Params(strip_urls=True), dataset=dataset)["cleaned"]

    assert isinstance(cleaned, CleanedData)
    assert cleaned.settings["strip_urls"] is True
    assert cleaned.dataset == dataset
    cleaner = CleaningSettings(strip_urls=True).build()
    for part in ("train", "test", "train_subset", "test_subset"):
        frame = ctx.catalog.load(cleaned, part=part)
        original = ctx.catalog.dataset(dataset, part)
        assert frame["id"].to_list() == original["id"].to_list()
        assert frame["text"].to_list() == list(cleaner.transform(original["text"]))
    assert ctx.catalog.load(cleaned, part="train")["text"][0] == "order arrived late"
    assert ctx.catalog.is_intact(cleaned)
