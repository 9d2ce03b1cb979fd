from __future__ import annotations

from pathlib import Path

import pandas as pd

from textops.demo import DEMO_CLASSES, write_demo
from textops.demo.drops import drop_frames


def test_drops_are_seeded_and_tell_the_story() -> None:
    drops = drop_frames(rows=600, seed=3)
    assert drop_frames(rows=600, seed=3)["drop1"].equals(drops["drop1"])
    assert set(drops["drop1"]["label"]) == set(DEMO_CLASSES)
    assert drops["drop1"]["text"].notna().all()
    shares1 = drops["drop1"]["label"].value_counts(normalize=True)
    shares2 = drops["drop2"]["label"].value_counts(normalize=True)
    assert shares2["delivery"] > shares1["delivery"] + 0.15
    drop3 = drops["drop3"]
    assert drop3["text"].isna().sum() > 0
    assert (drop3["text"].fillna("x").str.strip() == "").sum() > 0
    assert "refund_request" in set(drop3["label"].dropna())
    assert drop3["label"].isna().sum() > 0


def test_texts_vary(tmp_path: Path) -> None:
    paths = write_demo(tmp_path / "landing", tmp_path / "later", rows=500)
    drop1 = pd.read_csv(paths["drop1"])
    assert drop1["text"].nunique() > 450
    assert pd.read_json(paths["drop3"], lines=True).shape == (500, 2)
    assert pd.read_parquet(paths["drop2"]).shape == (500, 2)
