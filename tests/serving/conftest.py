"""One store with registered models for the serving tests, and services started from it.

The store (two linear versions of ``textops-classifier``, v1 champion) is
built once per session; each module starts its own ``textops serve``
subprocess on a free loopback port. MLflow's SQLite store warns about a
deprecated SQLAlchemy loader on every new store: not ours, filtered by message.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.served import MODEL, register_linear

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

pytestmark = pytest.mark.filterwarnings(
    "ignore:The ``noload`` loader strategy is deprecated:DeprecationWarning"
)


@dataclass(frozen=True)
class ServingStore:
    folder: Path  # holds store/ (SQLite registry + artifacts); configs go beside it
    v1: int
    v2: int

    @property
    def store(self) -> Path:
        return self.folder / "store"


@pytest.fixture(scope="session")
def serving_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServingStore]:
    import warnings

    folder = tmp_path_factory.mktemp("serving")
    (folder / "store").mkdir()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The ``noload`` loader strategy")
        v1 = register_linear(folder / "store", c=1.0, champion=True, name=MODEL)
        v2 = register_linear(folder / "store", c=20.0, champion=False, name=MODEL)
    yield ServingStore(folder, v1, v2)
