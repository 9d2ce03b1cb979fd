"""What the watcher sees of a landing folder: data files only, and what changed."""

from __future__ import annotations

from pathlib import Path

from textops.watching.listing import changes, content_fingerprint, list_files
from textops.watching.watcher import _merge


def test_only_the_files_ingest_reads_are_listed(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("text,label\nhi,x\n")
    (tmp_path / ".b.csv.part").write_text("uploading")
    (tmp_path / "notes.txt").write_text("not data")
    assert list(list_files(str(tmp_path))) == ["a.csv"]
    assert list_files(str(tmp_path / "missing")) == {}
    assert content_fingerprint(str(tmp_path / "missing")) is None


def test_a_rewrite_is_a_change_and_the_same_bytes_the_same_content(tmp_path: Path) -> None:
    data = tmp_path / "a.csv"
    data.write_text("text,label\nhi,x\n")
    before, digest = list_files(str(tmp_path)), content_fingerprint(str(tmp_path))
    data.write_text("text,label\nhi,x\nho,y\n")
    assert changes(before, list_files(str(tmp_path))) == {"a.csv": "changed"}
    data.write_text("text,label\nhi,x\n")
    assert content_fingerprint(str(tmp_path)) == digest


def test_changes_between_two_drops_add_up() -> None:
    assert changes({"a": "1", "b": "1"}, {"a": "2", "c": "1"}) == {
        "a": "changed", "b": "removed", "c": "added"}
    assert _merge({"a": "added"}, {"a": "changed"}) == {"a": "added"}
    assert _merge({"a": "added"}, {"a": "removed"}) == {}
    assert _merge({"a": "removed"}, {"a": "added"}) == {"a": "changed"}
