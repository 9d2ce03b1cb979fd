from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from textops.errors import StoreError
from textops.store import Store
from textops.store.lock import store_lock
from textops.store.reporting import ReportingTables


def test_atomic_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "s"))
    store.write_json({"a": 1}, "x", "y.json")
    store.write_json({"a": 2}, "x", "y.json")
    assert store.read_json("x", "y.json") == {"a": 2}
    assert os.listdir(tmp_path / "s" / "x") == ["y.json"]


def test_memory_filesystem_through_fsspec() -> None:
    store = Store("memory://textops-test-store")
    store.write_text("hello", "a", "b.txt")
    assert store.read_text("a", "b.txt") == "hello"
    assert store.listdir("a") == ["b.txt"]
    assert not store.is_local


def test_missing_file_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="'nope.json' does not exist"):
        Store(str(tmp_path)).read_json("nope.json")


def test_unwritable_location_is_refused_without_writing(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="is a file, not a folder"):
        Store(str(blocker / "store")).check_writable()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_read_only_folder_is_refused(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="not writable"):
            Store(str(tmp_path / "store")).check_writable()
    finally:
        tmp_path.chmod(0o700)


def test_unknown_scheme_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot be opened"):
        Store("nosuchscheme://x/y")


def test_lock_refuses_a_second_holder(tmp_path: Path) -> None:
    url = str(tmp_path / "s")
    refused = pytest.raises(StoreError, match="in use by another textops run")
    with store_lock(url), refused, store_lock(url):
        pass
    with store_lock(url):  # released
        pass
    assert not (tmp_path / "s").exists()  # locking never touches the store


def test_reporting_tables_append_and_read(tmp_path: Path) -> None:
    tables = ReportingTables(Store(str(tmp_path)))
    assert tables.read("t").empty
    tables.append("t", pd.DataFrame({"a": [1, 2]}))
    tables.append("t", pd.DataFrame({"a": [3]}))
    assert tables.append("t", pd.DataFrame({"a": []})) is None
    assert sorted(tables.read("t")["a"]) == [1, 2, 3]
    assert tables.tables() == ["t"]


def test_one_lock_whatever_the_spelling_of_the_url(tmp_path: Path) -> None:
    from textops.store.lock import lock_path

    assert lock_path(str(tmp_path / "s")) == lock_path(str(tmp_path / "s") + "/")
    assert lock_path("memory://a/b") == lock_path("memory://a/b/")
