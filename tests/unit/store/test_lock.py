"""One lock per store, whatever the spelling of its path; a refusal names the holder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from textops.errors import StoreError
from textops.store.lock import lock_path, store_lock


def test_relative_absolute_and_symlinked_spellings_share_one_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "store")
    monkeypatch.chdir(tmp_path)
    spellings = ["store", str(tmp_path / "store"), str(tmp_path / "link"), "./link/",
                 f"file://{tmp_path}/store"]
    assert len({lock_path(s) for s in spellings}) == 1
    assert lock_path(str(tmp_path / "other")) != lock_path("store")


def test_a_second_holder_is_refused_with_the_first_ones_pid_host_and_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "store")
    monkeypatch.setattr("sys.argv", ["textops", "run", "--force"])
    with store_lock(str(tmp_path / "store")), pytest.raises(StoreError) as refused, store_lock(
        str(tmp_path / "link")
    ):
        pass
    message = refused.value.message
    assert f"process {os.getpid()}" in message and "'textops run --force'" in message
    assert "since 20" in message and refused.value.exit_code == 5


def test_the_owner_file_is_written_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    with store_lock(str(tmp_path)):
        folder = lock_path(str(tmp_path)).parent
        owner = lock_path(str(tmp_path)).with_suffix(".owner")
        assert f'"pid": {os.getpid()}' in owner.read_text()
        assert not [p for p in folder.iterdir() if p.name.startswith(owner.name + ".")]
