"""The store on S3 (moto's server) and Azure Blob (Azurite): dataset versions, reports and
the cache behave as on a local folder; a second driver is refused by the store's lock;
credentials never reach the output."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from support.object_stores import AZURITE_KEY, S3_SECRET, azure_store, s3_store
from textops import api
from textops.errors import StoreError

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

STEPS = [
    {"name": "ingest", "uses": "ingest"},
    {"name": "profile", "uses": "profile", "inputs": {"dataset": "ingest.dataset"}},
    {"name": "validate", "uses": "validate",
     "inputs": {"dataset": "ingest.dataset", "stats": "profile.stats"}},
    {"name": "clean", "uses": "clean", "inputs": {"dataset": "validate.dataset"}},
]


@pytest.fixture(params=["s3", "az"])
def object_store(request: pytest.FixtureRequest,
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, dict[str, str]]]:
    with (s3_store() if request.param == "s3" else azure_store()) as (url, env):
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        yield url, env


def project(folder: Path, store: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    api.write_demo(folder / "landing", folder / "later", rows=300)
    path = folder / "textops.yaml"
    path.write_text(yaml.safe_dump({
        "data": {"source": str(folder / "landing")}, "store": {"url": store},
        "tracking": {"enabled": False}, "steps": STEPS,
    }))
    return path


def test_a_run_on_an_object_store_matches_a_local_one_and_reuses_its_cache(
    object_store: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, env = object_store
    local = api.run(project(tmp_path / "local", str(tmp_path / "local" / ".textops")))
    config = project(tmp_path / "remote", url)
    remote = api.run(config)
    assert remote.dataset == local.dataset
    for name in ("ingest", "profile", "clean"):
        assert remote.step(name).outputs.keys() == local.step(name).outputs.keys()
    again = api.run(config)
    assert again.step("ingest").cache_hit and again.step("clean").cache_hit

    from textops.store import Store

    store = Store(url)
    assert {"datasets", "reporting", "runs"} <= set(store.listdir())
    assert store.listdir("datasets", "demo") == [remote.dataset["version"]]
    assert "profiles" in store.listdir("reporting")
    assert not store.exists("_lock.json")  # released with the run

    from textops.store.lock import _object_store_lock

    # a driver on another machine holds the store's lock: a run here is refused, naming it
    with _object_store_lock(url), pytest.raises(StoreError, match="in use by another textops "
                                                 r"run \(host .*, process \d+\)"):
        api.run(config)
    assert not store.exists("_lock.json")

    listing = subprocess.run(
        [sys.executable, "-m", "textops.cli", "--config", str(config), "datasets", "list",
         "--json"],
        capture_output=True, text=True, check=False, env=_with(env),
    )
    assert listing.returncode == 0 and remote.dataset["version"] in listing.stdout
    for secret in (S3_SECRET, AZURITE_KEY):
        assert secret not in listing.stdout + listing.stderr


def _with(env: dict[str, str]) -> dict[str, str]:
    import os

    return {**os.environ, **env}
