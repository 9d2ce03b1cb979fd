"""Three runs at once on one store, reached under three spellings: one runs, two are refused.

The store is named by a relative path, by its absolute path and through a
symlink. The lock is the store's whatever its spelling, so exactly one run
holds it and completes; the other two exit 5 at once, naming the holder's
process id and command, having written nothing. The tracking database the
winner created stays sound: SQLite's integrity check passes and
``textops models list`` reads it.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from support.killing import CliProcess, textops
from support.project import keep_steps


@pytest.mark.slow
def test_three_spellings_of_one_store_let_one_run_and_refuse_two(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    assert textops(project, "demo", "--rows", "300").returncode == 0
    keep_steps(project, "ingest", "profile", "validate")
    store = project / "store"
    store.mkdir()
    (tmp_path / "link").symlink_to(store, target_is_directory=True)
    spellings = ["store", str(store), str(tmp_path / "link")]

    runs = [CliProcess(project, ["run", "--set", f"store.url={url}"]) for url in spellings]
    ended = [run.finish() for run in runs]

    codes = [code for code, _, _ in ended]
    assert sorted(codes) == [0, 5, 5], [err[-2000:] for _, _, err in ended]
    (winner,) = [run for run, code in zip(runs, codes, strict=True) if code == 0]
    for code, _, err in ended:
        if code == 5:
            (line,) = [line for line in err.splitlines() if line.startswith("error:")]
            assert re.search(rf"in use by another textops run \(process {winner.proc.pid} "
                             r"on .*, running 'textops run --set store\.url=", line), line
            assert "fix:" in err
    assert len(list((store / "runs").glob("2*"))) == 1  # the refused runs wrote no record

    with sqlite3.connect(store / "mlflow.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    listed = textops(project, "models", "list", "--set", f"store.url={store}")
    assert listed.returncode == 0, listed.stderr
