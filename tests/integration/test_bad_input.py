"""Each kind of bad input: one clear message, and the store exactly as it was."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from support.project import keep_steps
from support.storehash import tree_hash
from textops import api
from textops.errors import ConfigError, DataError, StoreError, TextopsError

GOOD = pd.DataFrame({"text": [f"message number {i} about things" for i in range(40)],
                     "label": ["a", "b"] * 20})


def _empty_folder(landing: Path) -> None:
    for file in landing.iterdir():
        file.unlink()


def _empty_file(landing: Path) -> None:
    (landing / "empty.csv").write_bytes(b"")


def _malformed_csv(landing: Path) -> None:
    (landing / "bad.csv").write_text("text,label\nfine row,a\nthis row,has,three\n")


def _latin1(landing: Path) -> None:
    (landing / "latin.csv").write_bytes("text,label\ncafé crème,a\n".encode("latin-1"))


def _no_text_column(landing: Path) -> None:
    GOOD.rename(columns={"text": "body"}).to_csv(landing / "cols.csv", index=False)


def _no_label_column(landing: Path) -> None:
    GOOD.drop(columns="label").to_parquet(landing / "cols.parquet")


def _null_labels(landing: Path) -> None:
    GOOD.assign(label=None).to_json(landing / "nulls.jsonl", orient="records", lines=True)


def _rare_class(landing: Path) -> None:
    pd.DataFrame({"text": ["one lonely row"], "label": ["rare"]}).to_csv(
        landing / "rare.csv", index=False
    )


CASES: dict[str, tuple[Callable[[Path], None], type[TextopsError], str]] = {
    "empty folder": (_empty_folder, DataError, r"holds no CSV, Parquet or JSONL files"),
    "empty file": (_empty_file, DataError, r"file 'empty.csv' is empty"),
    "malformed csv": (
        _malformed_csv,
        DataError,
        r"'bad.csv' is not valid CSV: line 3 has 3 fields, the header has 2",
    ),
    "non-utf8": (
        _latin1,
        DataError,
        r"'latin.csv' is not UTF-8 text: byte 0xe9 at offset 14 \(line 2\)",
    ),
    "no text column": (
        _no_text_column,
        DataError,
        r"'cols.csv' has no column 'text'.*columns are: body, label",
    ),
    "no label column": (_no_label_column, DataError, r"'cols.parquet' has no column 'label'"),
    "all-null labels": (
        _null_labels,
        DataError,
        r"column 'label' of 'nulls.jsonl' is empty in all 40 rows",
    ),
    "rare class": (_rare_class, DataError, r"class 'rare' has only 1 row \(rare.csv:1\)"),
}


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    landing.mkdir()
    GOOD.to_csv(landing / "good.csv", index=False)
    keep_steps(tmp_path, "ingest")
    return tmp_path


@pytest.mark.parametrize("existing_store", [False, True], ids=["fresh-store", "existing-store"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_refused_and_store_untouched(
    project: Path, case: str, existing_store: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    overrides = ["tracking.enabled=false"] if not existing_store else []
    if existing_store:
        api.run(None, overrides)
    before = tree_hash(project / ".textops")
    make_bad, error, message = CASES[case]
    make_bad(project / "landing")
    with pytest.raises(error, match=message) as info:
        api.run(None, overrides)
    assert info.value.hint, "every refusal says how to fix it"
    assert tree_hash(project / ".textops") == before


def test_unknown_yaml_key(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    (project / "textops.yaml").write_text("data:\n  sorce: landing\n")
    with pytest.raises(
        ConfigError, match=r"data\.sorce: unknown key 'sorce' \(did you mean 'source'\?\)"
    ):
        api.run()
    assert not (project / ".textops").exists()


def test_unwritable_store_url(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    (project / "blocker").write_text("a file where the store should go")
    with pytest.raises(StoreError, match="is a file, not a folder"):
        api.run(None, ["store.url=blocker/store"])
    assert (project / "blocker").read_text() == "a file where the store should go"


def test_cli_prints_one_error_line_and_exits_non_zero(project: Path) -> None:
    (project / "landing" / "empty.csv").write_bytes(b"")
    result = subprocess.run(
        [sys.executable, "-m", "textops.cli", "--set", "tracking.enabled=false", "run"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 3
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: file 'empty.csv' is empty"]  # after the plain progress lines
    assert "Traceback" not in result.stderr
    debug = subprocess.run(
        [sys.executable, "-m", "textops.cli", "--debug", "--set", "tracking.enabled=false", "run"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" in debug.stderr
