"""environments.mode: isolated: one environment per file content, built once, reused, and a
step run in it gives what it gives in the driver's interpreter."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from textops import api
from textops.envs.check import read_environment
from textops.envs.isolated import build, pip_requirements
from textops.errors import EnvironmentError_

pytestmark = pytest.mark.slow

SMALL_ENV = """\
name: textops-small
dependencies:
  - pip
  - pyyaml
  - pip:
      - packaging>=20
"""


def write_project(folder: Path, env_file: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    api.write_demo(folder / "landing", folder / "later", rows=300)
    (folder / "small.yml").write_text(env_file)
    definition = {
        "data": {"source": str(folder / "landing")},
        "store": {"url": str(folder / ".textops")},
        "environments": {"files": {"data": str(folder / "small.yml")},
                         "cache": str(folder.parent / "envs")},
        "steps": [{"name": "ingest", "uses": "ingest"},
                  {"name": "profile", "uses": "profile", "inputs": {"dataset": "ingest.dataset"}}],
    }
    path = folder / "textops.yaml"
    path.write_text(yaml.safe_dump(definition))
    return path


def normalised(outputs: dict[str, Any], run_id: str) -> str:
    return json.dumps(outputs, sort_keys=True).replace(run_id, "RUN")


def test_an_isolated_step_runs_in_its_own_built_environment_and_matches_current(
    tmp_path: Path,
) -> None:
    project = write_project(tmp_path / "p", SMALL_ENV)
    env = read_environment("data", str(tmp_path / "p" / "small.yml"))
    first = build(env, cache=tmp_path / "envs")
    again = build(env, cache=tmp_path / "envs")
    assert not first.reused and again.reused and again.seconds < 1.0
    assert again.python == first.python and first.python.exists()

    isolated = api.run(project, ["environments.mode=isolated"])
    current = api.run(write_project(tmp_path / "q", SMALL_ENV), ["environments.mode=current"])
    for name in ("ingest", "profile"):
        step = isolated.step(name)
        assert step.python == str(first.python), name
        assert step.host and not step.host.endswith(f":{os.getpid()}")
        assert normalised(step.outputs, isolated.run_id) == normalised(
            current.step(name).outputs, current.run_id)
    # the isolated step's reporting rows came back to the driver
    tables = [pd.read_parquet(tmp_path / p / ".textops" / "reporting" / "profiles")
              for p in ("p", "q")]
    stamps = ["run_id", "created"]
    assert tables[0].drop(columns=stamps).equals(tables[1].drop(columns=stamps))

    # one step isolated, the other in the driver: per-step modes
    definition = yaml.safe_load(project.read_text())
    definition["steps"][1]["environment_mode"] = "isolated"
    project.write_text(yaml.safe_dump(definition))
    mixed = api.run(project, force=True)
    assert mixed.step("ingest").python is None
    assert mixed.step("profile").python == str(first.python)


def test_a_broken_environment_file_fails_with_pips_error_summarised(tmp_path: Path) -> None:
    broken = SMALL_ENV.replace("packaging>=20", "packaging==0.0.0.0.1")
    env_path = tmp_path / "broken.yml"
    env_path.write_text(broken)
    env = read_environment("broken", str(env_path))
    started = time.perf_counter()
    with pytest.raises(EnvironmentError_, match=r"environment 'broken' .* cannot be built: pip "
                                                r"failed: .*packaging==0\.0\.0\.0\.1"):
        build(env, cache=tmp_path / "envs")
    assert time.perf_counter() - started < 60
    assert not list((tmp_path / "envs").glob("broken-*"))  # nothing half-built is left


def test_conda_only_entries_and_a_missing_python_are_refused_by_name(tmp_path: Path) -> None:
    conda = tmp_path / "conda.yml"
    conda.write_text("dependencies:\n  - cudatoolkit=11.8\n  - numpy=1.26\n")
    env = read_environment("gpu", str(conda))
    with pytest.raises(EnvironmentError_, match="conda-only packages that pip cannot install: "
                                                "cudatoolkit=11.8"):
        pip_requirements(env)
    pinned = tmp_path / "old.yml"
    pinned.write_text("dependencies:\n  - python=3.6\n")
    with pytest.raises(EnvironmentError_, match=r"pins python=3.6, and no such interpreter"):
        build(read_environment("old", str(pinned)), cache=tmp_path / "envs")
