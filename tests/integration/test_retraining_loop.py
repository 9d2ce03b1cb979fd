"""The demo story through the retraining loop: a fair gate, the drift policy, every decision kept.

Drop 1 makes the first champion; drop 2 (class balance and sentiment drift)
trains under ``on_drift: block``, so its models are registered as challengers
with the drift named, and under ``warn`` (the refitted model from the cache, not
registered again) its best model goes to the gate, which
compares on rows neither model trained on (overlap 0, recorded); drop 3 is
refused by validation. ``models history`` has every registration and move.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from textops import api
from textops.errors import ValidationError

FAST = [
    "steps.tune.params.tuning.n_trials=3",
    "steps.tune.params.space.epochs={type: int, low: 2, high: 3}",
    "steps.tune.params.space.architecture={type: categorical, choices: [fasttext]}",
    "steps.tune.params.tuning.min_validation_docs=40",
    "steps.train.params.members=1",
]


@pytest.mark.slow
@pytest.mark.dask
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_the_demo_story_decides_fairly_and_keeps_every_decision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    api.write_demo("landing", "later", rows=1500)
    first = api.run(None, FAST)
    champion = first.step("train").outputs["gate"]
    (winner,) = [m for m in champion["models"] if m["registered"]["promoted"]]

    shutil.move(tmp_path / "later" / "drop2.parquet", tmp_path / "landing" / "drop2.parquet")
    blocked = api.run(None, FAST)
    report = blocked.step("validate").outputs["report"]
    assert report["drift_status"] == "fail" and report["on_drift"] == "block"
    gate = blocked.step("train").outputs["gate"]
    assert gate["held"] and "validation found drift" in gate["held"]
    assert not any(m["registered"]["promoted"] for m in gate["models"])
    chosen = gate["models"][gate["chosen"]]["registered"]
    assert chosen["reason"].startswith("held back: validation found drift (on_drift: block)")
    assert report["worst_checks"][0].split(" ")[0] in chosen["reason"]
    assert _champion_version() == winner["registered"]["version"]

    warned = api.run(None, [*FAST, "steps.validate.params.on_drift=warn"])
    assert warned.step("refit").cache_hit
    gate = warned.step("train").outputs["gate"]
    held = blocked.step("train").outputs["gate"]["models"]
    refitted = [m["registered"] for m in gate["models"] if m["family"] == "linear"]
    assert refitted[0]["version"] in [m["registered"]["version"] for m in held]
    assert gate["held"] is None
    chosen = gate["models"][gate["chosen"]]["registered"]
    assert chosen["overlap_with_champion_train"] == 0  # rows keep their side: a fair test
    assert chosen["champion_version"] == winner["registered"]["version"]
    assert chosen["test_rows"] == warned.step("ingest").outputs["summary"]["rows"]["test"]

    shutil.move(tmp_path / "later" / "drop3.jsonl", tmp_path / "landing" / "drop3.jsonl")
    with pytest.raises(ValidationError):
        api.run(None, FAST)

    events = api.models_history()
    registered = [e for e in events if e.event == "registered"]
    # two models per trained dataset version; a model registered before is not registered again
    assert 4 <= len(registered) <= 5
    digests = [v.tags["textops.model_sha256"] for v in api.list_models()]
    assert len(digests) == len(set(digests)) == len(registered)
    moves = [e for e in events if e.event != "registered"]
    assert len(moves) >= 5 and all(e.reason for e in moves)  # a kept loser does not move
    assert any("held back" in e.reason for e in moves)


def _champion_version() -> int:
    return next(v.version for v in api.list_models() if "champion" in v.aliases)
