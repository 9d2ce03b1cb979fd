"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATASETS = Path(
    os.environ.get(
        "TEXTOPS_SHARED_DATASETS", Path(__file__).resolve().parents[2] / "shared" / "datasets"
    )
)


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    """The real corpora beside the checkout (``../shared/datasets``); skips when absent."""
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"real corpora not found at {SHARED_DATASETS} (set TEXTOPS_SHARED_DATASETS)")
    return SHARED_DATASETS


def shared_file(root: Path, relative: str) -> Path:
    path = root / relative
    if not path.is_file():
        pytest.skip(f"{relative} is missing from {root}")
    return path
