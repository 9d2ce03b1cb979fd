"""Every bad input of the table in tests/support/bad_input_cases.py: one line, an exit code.

Each case runs the real command line in process on a copy of a prepared
project and checks: the exit code; stderr is exactly ``error: <message>`` and
``fix: <hint>`` (the message matching the case's pattern), no traceback; and
the store unchanged byte for byte, or, for a version validation refused, only
the documented record of that refusal (the version, its run, its reporting
rows, its tracking) with the baseline untouched.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.bad_input_cases import ALL, DEFAULT, FRESH, READ_ONLY, STEPS, STORED, Case
from support.project import keep_steps
from support.storehash import tree_hash
from textops import api

#: where the record of a refused version may appear (README, "Commands": exit 4 keeps it)
#: what a refusal by validation records: the version, its run, its reports (the validation
#: page, the version's index page and the one plotly.js they load), the reporting rows
REFUSAL_RECORD = ("datasets/", "runs/", "reporting/", "reports/", "assets/", "baseline/history/",
                  "mlflow.db", "mlartifacts/", ".lock")


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The projects every case copies: the demo's first drop (under the table's steps or the
    built-in definition), and the same once run.

    The run is a process of its own, so MLflow's SQLite connections are closed when it
    ends and the store holds no ``-wal``/``-shm`` file that a later reader would change.
    """
    root = tmp_path_factory.mktemp("table")
    fresh = root / FRESH
    api.write_demo(fresh / "landing", fresh / "demo-drops", rows=300)
    default = root / DEFAULT
    shutil.copytree(fresh, default)
    keep_steps(fresh, *STEPS)
    stored = root / STORED
    shutil.copytree(fresh, stored)
    done = subprocess.run([sys.executable, "-m", "textops.cli", "run"], cwd=stored,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return {FRESH: fresh, DEFAULT: default, STORED: stored}


@pytest.fixture()
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[object]:
    """``cli(folder, *args)`` -> (exit code, stdout, stderr) of ``textops`` run in ``folder``.

    In process, but for ``models`` commands: MLflow keeps its SQLite connections open
    for the life of the process, so only a process that ends shows the store as a
    user's command leaves it.
    """
    from textops.cli import main

    def run(folder: Path, *args: str) -> tuple[int, str, str]:
        if "models" in args:
            done = subprocess.run([sys.executable, "-m", "textops.cli", *args], cwd=folder,
                                  capture_output=True, text=True, check=False)
            return done.returncode, done.stdout, done.stderr
        monkeypatch.chdir(folder)
        monkeypatch.setattr(sys, "argv", ["textops", *args])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return code, out, err

    yield run


def _files(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def assert_one_line_error(err: str, pattern: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    if os.environ.get("CI"):  # a run's plain progress lines come first under CI
        lines = lines[next((i for i, line in enumerate(lines) if line.startswith("error:")), 0):]
    assert "Traceback" not in err, err
    assert len(lines) == 2, f"expected 'error:' and 'fix:' lines, got:\n{err}"
    assert lines[0].startswith("error: "), err
    assert re.search(pattern, lines[0]), f"{pattern!r} not in {lines[0]!r}"
    assert lines[1].strip().startswith("fix: ") and len(lines[1].strip()) > 10, err


def assert_store(case: Case, before: dict[str, str], after: dict[str, str]) -> None:
    if case.store == "unchanged":
        assert after == before, f"store changed: {sorted(set(after.items()) ^ set(before.items()))}"
        return
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    outside = sorted(k for k in changed if not k.startswith(REFUSAL_RECORD))
    assert not outside, f"a refusal changed more than its record: {outside}"
    assert after.get("baseline/profile.yaml") == before.get("baseline/profile.yaml")


def _param(case: Case) -> object:
    marks = [pytest.mark.slow] if case.slow else []
    return pytest.param(case, id=case.id, marks=marks)


def test_the_table_has_at_least_120_cases() -> None:
    assert len(ALL) >= 120, len(ALL)
    assert len({case.id for case in ALL}) == len(ALL), "case ids are unique"


@pytest.mark.parametrize("case", [_param(case) for case in ALL])
def test_bad_input(case: Case, templates: dict[str, Path], tmp_path: Path, cli: object) -> None:
    project = tmp_path / "project"
    shutil.copytree(templates[case.project], project)
    case.setup(project)
    before = _files(project / ".textops")
    code, _out, err = cli(project, *case.args)  # type: ignore[operator]
    assert code == case.exit, f"exit {code}, expected {case.exit}: {err}"
    assert_one_line_error(err, case.message)
    assert_store(case, before, _files(project / ".textops"))


@pytest.mark.parametrize(("project_kind", "args"),
                         [pytest.param(k, a, id=f"{k}: {name}") for k, name, a in READ_ONLY])
def test_read_only_commands_leave_the_store_alone(
    project_kind: str, args: tuple[str, ...], templates: dict[str, Path], tmp_path: Path,
    cli: object,
) -> None:
    project = tmp_path / "project"
    shutil.copytree(templates[project_kind], project)
    before = tree_hash(project / ".textops")
    code, _out, err = cli(project, *args)  # type: ignore[operator]
    assert tree_hash(project / ".textops") == before
    assert "INFO" not in err and "Traceback" not in err, err
    if args == ("models", "history"):  # no model registered: one line, nothing written
        assert code == 1
        assert_one_line_error(err, r"textops-classifier")
    else:
        assert code == 0, err


@pytest.fixture()
def read_only_store(templates: dict[str, Path], tmp_path: Path) -> Iterator[Path]:
    """A copy of the stored project whose store cannot be written, by root either (chattr +i)."""
    project = tmp_path / "project"
    shutil.copytree(templates[STORED], project)
    store = project / ".textops"
    made = subprocess.run(["chattr", "-R", "+i", str(store)], capture_output=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"chattr +i is not available here: {made.stderr.decode().strip()}")
    try:
        yield project
    finally:
        subprocess.run(["chattr", "-R", "-i", str(store)], check=True)


@pytest.mark.parametrize(("args", "code", "pattern"), [
    (("models", "list"), 1, r"unable to open database file"),
    (("models", "history"), 1, r"unable to open database file"),
    (("models", "promote", "1", "--reason", "x"), 1, r"unable to open database file"),
    (("datasets", "list"), 0, ""),
    (("datasets", "show"), 0, ""),
    (("baseline", "show"), 0, ""),
    (("run",), 5, r"\.textops"),
], ids=lambda value: " ".join(value) if isinstance(value, tuple) else None)
def test_read_only_store(
    read_only_store: Path, cli: object, args: tuple[str, ...], code: int, pattern: str
) -> None:
    before = tree_hash(read_only_store / ".textops")
    got, _out, err = cli(read_only_store, *args)  # type: ignore[operator]
    assert got == code, err
    if code:
        assert_one_line_error(err, pattern)
    assert tree_hash(read_only_store / ".textops") == before


def test_set_on_one_key_keeps_the_rest_of_its_mapping(templates: dict[str, Path]) -> None:
    fresh = templates[FRESH]
    config = api.config(fresh / "textops.yaml", ["compute.cluster.n_workers=1"])
    assert config.compute["cluster"].n_workers == 1
    assert {"local", "cluster", "gpu"} <= set(config.compute)
    config = api.config(fresh / "textops.yaml", ["environments.files.data=other/data.yml"])
    assert config.environments.files["data"].endswith("other/data.yml")
    assert {"sklearn", "torch"} <= set(config.environments.files)


def test_label_normalise_lower_merges_case_variants(
    templates: dict[str, Path], tmp_path: Path, cli: object
) -> None:
    """The escape hatch the refusal names: the variants become one class."""
    import pandas as pd

    project = tmp_path / "project"
    shutil.copytree(templates[FRESH], project)
    keep_steps(project, "ingest")
    frame = pd.read_csv(project / "landing" / "drop1.csv")
    frame.loc[[3, 7], "label"] = frame.loc[[3, 7], "label"].str.upper() + " "
    frame.to_csv(project / "landing" / "drop1.csv", index=False)
    code, _out, err = cli(  # type: ignore[operator]
        project, "--set", "data.label_normalise=lower", "--set", "tracking.enabled=false", "run"
    )
    assert code == 0, err
    manifest = api.show_dataset("latest", project / "textops.yaml")
    labels = set(manifest["parts"]["train"]["classes"]) | set(manifest["parts"]["test"]["classes"])
    assert labels == {"account", "billing", "delivery", "product", "technical"}


def test_subfolders_are_read_only_when_recursive(
    templates: dict[str, Path], tmp_path: Path, cli: object
) -> None:
    project = tmp_path / "project"
    shutil.copytree(templates[FRESH], project)
    keep_steps(project, "ingest")
    older = project / "landing" / "older"
    older.mkdir()
    shutil.copy(project / "demo-drops" / "drop2.parquet", older / "drop2.parquet")
    code, _out, err = cli(project, "--set", "tracking.enabled=false", "run")  # type: ignore
    assert code == 0, err
    top_only = api.show_dataset("latest", project / "textops.yaml")
    assert [f["path"] for f in top_only["source"]["files"]] == ["drop1.csv"]
    code, _out, err = cli(  # type: ignore[operator]
        project, "--set", "tracking.enabled=false", "--set", "data.recursive=true", "run"
    )
    assert code == 0, err
    recursive = api.show_dataset("latest", project / "textops.yaml")
    assert [f["path"] for f in recursive["source"]["files"]] == ["drop1.csv", "older/drop2.parquet"]
