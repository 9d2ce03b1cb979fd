"""A cache hit is used only when the files and registrations it names are as recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.pipeline_steps import calls
from textops.config.loader import validate_config
from textops.execution.runner import RunOptions, run_pipeline
from textops.tracking.memory import MemoryTracker


def pipeline(tmp_path: Path) -> tuple[Any, Path]:
    counter = tmp_path / "counts"
    counter.mkdir(exist_ok=True)
    steps: list[dict[str, Any]] = [
        {"name": "board", "uses": "support.file_steps:board",
         "params": {"counter": str(counter)}},
        {"name": "model", "uses": "support.file_steps:registered",
         "inputs": {"board": "board.board"}, "params": {"counter": str(counter)}},
    ]
    raw = {"store": {"url": str(tmp_path / "store")}, "environments": {"mode": "off"},
           "steps": steps}
    return validate_config(raw), counter


def _board_file(tmp_path: Path, record: Any) -> Path:
    location = record.step("board").outputs["board"]["location"]
    return tmp_path / "store" / location / "leaderboard.parquet"


def test_a_deleted_output_reruns_the_step_that_makes_it(tmp_path: Path) -> None:
    config, counter = pipeline(tmp_path)
    first = run_pipeline(config, backend=None)
    _board_file(tmp_path, first).unlink()
    again = run_pipeline(config, backend=None)
    assert again.step("board").status == "completed"
    assert calls(counter, "board") == 2
    assert _board_file(tmp_path, again).is_file()


def test_a_truncated_or_rewritten_output_reruns_the_step(tmp_path: Path) -> None:
    config, counter = pipeline(tmp_path)
    first = run_pipeline(config, backend=None)
    board = _board_file(tmp_path, first)
    board.write_bytes(board.read_bytes()[:-10])  # truncated
    run_pipeline(config, backend=None)
    assert calls(counter, "board") == 2
    third = run_pipeline(config, backend=None)
    assert third.step("board").cache_hit
    board = _board_file(tmp_path, third)
    data = bytearray(board.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, other bytes
    board.write_bytes(bytes(data))
    run_pipeline(config, backend=None)
    assert calls(counter, "board") == 3


def test_an_intact_store_is_a_cache_hit(tmp_path: Path) -> None:
    config, counter = pipeline(tmp_path)
    run_pipeline(config, backend=None)
    again = run_pipeline(config, backend=None)
    assert [s.cache_hit for s in again.steps] == [True, True]
    assert calls(counter, "model") == 1


class SqliteTracker(MemoryTracker):
    """A tracker that says its runs live in a SQLite file (which may be deleted)."""

    def __init__(self, db: Path) -> None:
        super().__init__()
        self.tracking_uri = f"sqlite:///{db}"


def test_a_deleted_tracking_database_reruns_the_steps_that_registered(tmp_path: Path) -> None:
    config, counter = pipeline(tmp_path)
    db = tmp_path / "mlflow.db"
    db.write_bytes(b"")
    run_pipeline(config, RunOptions(), backend=SqliteTracker(db))
    db.unlink()
    again = run_pipeline(config, RunOptions(), backend=SqliteTracker(db))
    assert again.step("board").cache_hit and not again.step("model").cache_hit
    assert calls(counter, "model") == 2
