"""A project folder whose textops.yaml keeps only some of the default steps."""

from __future__ import annotations

from pathlib import Path

import yaml

from textops.config.defaults import default_steps


def keep_steps(folder: Path, *names: str) -> Path:
    """Write ``folder/textops.yaml`` with the default steps named (wiring as in the default)."""
    steps = [step for step in default_steps() if step["name"] in names]
    path = folder / "textops.yaml"
    path.write_text(yaml.safe_dump({"steps": steps}))
    return path
