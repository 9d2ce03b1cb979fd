"""Project folders for the tests: some of the default steps, the demo drops validated."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import yaml
from typer.testing import CliRunner, Result

from textops.config.defaults import default_steps

#: tracking off: the quick tests' projects never open MLflow
OFF = ("tracking.enabled=false",)


def keep_steps(folder: Path, *names: str) -> Path:
    """Write ``folder/textops.yaml`` with the default steps named (wiring as in the default)."""
    steps = [step for step in default_steps() if step["name"] in names]
    path = folder / "textops.yaml"
    path.write_text(yaml.safe_dump({"steps": steps}))
    return path


#: the demo's later drops, in the order they land
DEMO_DROPS = {"drop2": "drop2.parquet", "drop3": "drop3.jsonl"}


def validated_demo(folder: Path, *later: str, overrides: Sequence[str] = OFF) -> Path:
    """A project that ingested, profiled and validated demo drop 1, then each of ``later``
    (``drop2`` drifts, ``drop3`` is refused: its run's ValidationError is expected);
    returns its textops.yaml."""
    import pytest

    from textops import api
    from textops.errors import ValidationError

    config = keep_steps(folder, "ingest", "profile", "validate")
    api.write_demo(folder / "landing", folder / "later", rows=300)
    api.run(config, overrides)
    for drop in later:
        name = DEMO_DROPS[drop]
        shutil.move(folder / "later" / name, folder / "landing" / name)
        if drop == "drop3":
            with pytest.raises(ValidationError):
                api.run(config, overrides)
        else:
            api.run(config, overrides)
    return config


def invoke(config: Path, *args: str, overrides: Sequence[str] = OFF) -> Result:
    """``textops --config CONFIG --set ... ARGS`` in this process, on a wide terminal."""
    from textops import cli

    sets = [part for value in overrides for part in ("--set", value)]
    return CliRunner().invoke(cli.app, ["--config", str(config), *sets, *args],
                              env={"COLUMNS": "250"})
